/**
 * The byte tokenizer and the number cells of a large CSV in a worker thread, beside the
 * main thread's string cells and bookkeeping (`csv.ts`).
 *
 * `csv.ts` cuts the body into units of about {@link UNIT_BYTES} at a line end and sends
 * each unit here once the column types are fixed. The worker checks the unit is valid
 * UTF-8, tokenizes it and reads every number and `YYYYMMDD` date cell of the columns it is
 * told about from the digit bytes — the same arithmetic as `csv-column.ts`'s fast path,
 * so the values are identical — and hands back the unit with the field offsets and the
 * values in one transferred buffer. A cell it cannot read is NaN there, and the main thread
 * reads it as before (text path, warnings).
 *
 * The cut at a line end is a guess: a line end inside a quoted field looks the same. The
 * worker's answer counts only when its tokenizer took the unit as a whole (every record in
 * it complete) and the main thread has no unfinished record when the unit's turn comes;
 * otherwise the main thread parses the unit itself, chunk by chunk, exactly as it would
 * without a worker — so rows, values, errors and warnings do not depend on the worker.
 *
 * One worker serves the process; it holds the process open only while units are in
 * flight. If it cannot start (e.g. a bundled copy without its file), everything is parsed
 * on the main thread.
 */
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { validYmd } from './csv-cells';
import { bytesToNumber, bytesToYmd, CsvTokens, tokenizeChunk, utcDate } from './csv-tokens';

/** A unit is cut at the last line end after this many bytes. */
export const UNIT_BYTES = 1 << 20;

/**
 * What a column's cells are read as in the worker: `None` (strings, booleans, columns
 * with null markers that parse), `Number`, or `Date` (`YYYYMMDD`; other dates are NaN
 * there and read by the main thread).
 */
export const CellKind = { None: 0, Number: 1, Date: 2 } as const;

/** One unit to tokenize. */
export interface IUnitJob {
  id: number;
  /** The unit's bytes are `bytes[0, length)`; the buffer comes back in the answer. */
  bytes: Uint8Array;
  length: number;
  delimiter: number;
  crlf: boolean;
  /** Per column: {@link CellKind}. */
  kinds: Uint8Array;
  /** A buffer from an earlier answer to fill, if large enough. */
  spare?: ArrayBuffer;
}

/** The answer: `ok` false when the unit is not for the fast path as a whole. */
export interface IUnitAnswer {
  id: number;
  ok: boolean;
  bytes: Uint8Array;
  /** The unit's length in `bytes`. */
  length: number;
  /** Holds the arrays below (absent when not ok). */
  out?: ArrayBuffer;
  records: number;
  fields: number;
}

/** The arrays of an answer's `out`, views without copies. */
export interface IUnitArrays {
  tokens: CsvTokens;
  /** Per column: the values by record, or undefined for a column not read there. */
  values: (Float64Array | undefined)[];
  /**
   * Per column: how many cells are NaN in `values` though not empty (the main thread must
   * read them), and whether a value is not an integer (1) or not (0).
   */
  stats: Float64Array;
}

function layout(records: number, fields: number, columns: number) {
  const stats = 0;
  const values = stats + columns * 2 * 8;
  const fieldStart = values + columns * records * 8;
  const fieldEnd = fieldStart + fields * 4;
  const recordFirst = fieldEnd + fields * 4;
  const recordFields = recordFirst + records * 4;
  const escaped = recordFields + records * 4;
  return {
    stats,
    values,
    fieldStart,
    fieldEnd,
    recordFirst,
    recordFields,
    escaped,
    bytes: escaped + fields
  };
}

/** Views of an answer's arrays (main thread). */
export function unitArrays(answer: IUnitAnswer, kinds: Uint8Array): IUnitArrays {
  const { records, fields } = answer;
  const out = answer.out!;
  const at = layout(records, fields, kinds.length);
  const tokens = new CsvTokens();
  tokens.fieldStart = new Int32Array(out, at.fieldStart, fields);
  tokens.fieldEnd = new Int32Array(out, at.fieldEnd, fields);
  tokens.recordFirst = new Int32Array(out, at.recordFirst, records);
  tokens.recordFields = new Int32Array(out, at.recordFields, records);
  tokens.fieldEscaped = new Uint8Array(out, at.escaped, fields);
  tokens.records = records;
  tokens.consumed = answer.length;
  const values: (Float64Array | undefined)[] = [];
  for (let c = 0; c < kinds.length; c++) {
    values.push(
      kinds[c] === CellKind.None
        ? undefined
        : new Float64Array(out, at.values + c * records * 8, records)
    );
  }
  return { tokens, values, stats: new Float64Array(out, at.stats, kinds.length * 2) };
}

const workerTokens = new CsvTokens();

/**
 * Tokenize one unit and read its number cells (the worker's side; also callable in
 * process).
 */
export function runUnit(job: IUnitJob): { answer: IUnitAnswer; transfer: ArrayBuffer[] } {
  const buf = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.length);
  const back = { id: job.id, bytes: job.bytes, length: job.length, records: 0, fields: 0 };
  const t = workerTokens;
  if (
    !isUtf8(buf) ||
    !tokenizeChunk(buf, job.delimiter, job.crlf, t) ||
    t.consumed !== job.length
  ) {
    return { answer: { ...back, ok: false }, transfer: [job.bytes.buffer as ArrayBuffer] };
  }
  const records = t.records;
  const fields = records ? t.recordFirst[records - 1] + t.recordFields[records - 1] : 0;
  const kinds = job.kinds;
  const at = layout(records, fields, kinds.length);
  const out =
    job.spare && job.spare.byteLength >= at.bytes ? job.spare : new ArrayBuffer(at.bytes * 1.25);
  new Int32Array(out, at.fieldStart, fields).set(t.fieldStart.subarray(0, fields));
  new Int32Array(out, at.fieldEnd, fields).set(t.fieldEnd.subarray(0, fields));
  new Int32Array(out, at.recordFirst, records).set(t.recordFirst.subarray(0, records));
  new Int32Array(out, at.recordFields, records).set(t.recordFields.subarray(0, records));
  new Uint8Array(out, at.escaped, fields).set(t.fieldEscaped.subarray(0, fields));
  readCells(
    buf,
    t,
    kinds,
    new Float64Array(out, at.values, kinds.length * records),
    new Float64Array(out, at.stats, kinds.length * 2)
  );
  return {
    answer: { ...back, ok: true, out, records, fields },
    transfer: [job.bytes.buffer as ArrayBuffer, out]
  };
}

/**
 * The cells of the columns `kinds` names, by column then record (`values[c * records +
 * r]`), NaN where the main thread must look (a missing, empty or quoted-with-escapes cell,
 * or one the byte parsers do not take): the values `ColumnBuilder`'s byte path computes
 * for the same bytes. Row by row, so each record's offsets are read once. `stats[2c]`
 * counts the cells to look at, `stats[2c + 1]` is 1 when a value is not an integer.
 */
function readCells(
  buf: Buffer,
  t: CsvTokens,
  kinds: Uint8Array,
  values: Float64Array,
  stats: Float64Array
): void {
  const first = t.recordFirst;
  const count = t.recordFields;
  const starts = t.fieldStart;
  const ends = t.fieldEnd;
  const escaped = t.fieldEscaped;
  const records = t.records;
  const columns: number[] = [];
  for (let c = 0; c < kinds.length; c++) {
    stats[2 * c] = 0;
    stats[2 * c + 1] = 0;
    if (kinds[c] !== CellKind.None) columns.push(c);
  }
  const lastYmd = columns.map(() => -1);
  const lastTime = columns.map(() => Number.NaN);
  for (let r = 0; r < records; r++) {
    const f0 = first[r];
    const n = count[r];
    for (let k = 0; k < columns.length; k++) {
      const c = columns[k];
      let v = Number.NaN;
      if (c < n) {
        const f = f0 + c;
        const s = starts[f];
        const e = ends[f];
        if (s !== e) {
          if (escaped[f]) {
            // leave it to the main thread
          } else if (kinds[c] === CellKind.Number) {
            v = bytesToNumber(buf, s, e);
          } else if (e - s === 8) {
            const ymd = bytesToYmd(buf, s);
            if (ymd === lastYmd[k]) {
              v = lastTime[k];
            } else if (ymd >= 0) {
              const y = Math.floor(ymd / 10000);
              const m = Math.floor(ymd / 100) % 100;
              const d = ymd % 100;
              if (y >= 1000 && validYmd(y, m, d)) {
                v = utcDate(y, m, d);
                lastYmd[k] = ymd;
                lastTime[k] = v;
              }
            }
          }
          if (v !== v) {
            stats[2 * c]++;
          } else if (!Number.isInteger(v)) {
            stats[2 * c + 1] = 1;
          }
        }
      }
      values[c * records + r] = v;
    }
  }
}

// ---- the main thread's side: one worker for the process ----

let worker: Worker | undefined;
let unavailable = false;
let nextId = 1;
const waiting = new Map<number, (answer: IUnitAnswer | undefined) => void>();

function settleAll(): void {
  worker = undefined;
  for (const [id, resolve] of [...waiting]) {
    waiting.delete(id);
    resolve(undefined);
  }
}

function getWorker(): Worker | undefined {
  if (worker || unavailable) {
    return worker;
  }
  try {
    const w = new Worker(join(__dirname, 'csv-worker.js'));
    w.on('message', (answer: IUnitAnswer) => {
      const resolve = waiting.get(answer.id);
      waiting.delete(answer.id);
      if (waiting.size === 0) {
        w.unref();
      }
      resolve?.(answer);
    });
    // A failed worker: the units in flight are parsed on the main thread; no new one starts.
    w.on('error', () => {
      unavailable = true;
      if (worker === w) settleAll();
    });
    w.on('exit', () => {
      if (worker === w) settleAll();
    });
    // After the listeners: a 'message' listener refs the worker's port again.
    w.unref();
    worker = w;
  } catch {
    unavailable = true;
  }
  return worker;
}

/** Whether a worker can take units (starts it; about 40 ms before it answers). */
export function unitWorkerAvailable(): boolean {
  return getWorker() !== undefined;
}

/**
 * Send a unit to the worker; resolves with its answer, or undefined when no worker can
 * take it (the caller parses the unit itself). The unit's buffer is transferred: do not
 * touch it until the answer gives it back.
 */
export function sendUnit(job: Omit<IUnitJob, 'id'>): Promise<IUnitAnswer | undefined> {
  const w = getWorker();
  if (!w) {
    return Promise.resolve(undefined);
  }
  const id = nextId++;
  const full: IUnitJob = { ...job, id };
  const transfer: ArrayBuffer[] = [job.bytes.buffer as ArrayBuffer];
  if (job.spare) transfer.push(job.spare);
  return new Promise(resolve => {
    waiting.set(id, resolve);
    if (waiting.size === 1) {
      w.ref();
    }
    w.postMessage(full, transfer);
  });
}
