/**
 * Streaming CSV → typed {@link Table}: a byte-level fast path, with papaparse for
 * everything irregular.
 *
 * The body is never held as one string. It is cut into chunks of at most 64 KiB; each
 * chunk (with the unfinished record carried from the previous one) goes to the byte
 * tokenizer in `csv-tokens.ts`, which splits well-formed records into field offsets and
 * lets numbers and `YYYYMMDD` dates be read from digit bytes into typed arrays. A chunk it
 * declines — stray quotes or CRs, invalid UTF-8, a `\r`-only file, a multi-character
 * delimiter — is decoded with a fatal UTF-8 decoder (so bad bytes are noticed, not silently
 * replaced) and parsed by papaparse's own chunk parser with the same text, line end and
 * "last record unfinished" flag its stream reader would use, so the rows, errors and
 * warnings are the same whichever parsed a chunk; the next chunk tries the bytes again.
 * Type inference, typing rules, null handling and warnings are shared code. The
 * papaparse-only path (papaparse's stream reader, as before the fast path) is kept as
 * the reference a differential test compares with.
 *
 * Why hand-written at all: on a 100 MB, 1.25 M-row file, papaparse's string per cell and
 * array per row, then parsing those strings again, took 2.3-3.5 s of CPU (five parses in
 * one process on a busy 2-core machine); the byte path 1.0-1.5 s. papaparse also has no typed columns (its `dynamicTyping` builds a JS value
 * per cell and knows no `YYYYMMDD` dates), no byte-level encoding checks, and reports
 * problems per chunk, not per file record — those are what this module adds.
 *
 * A body of 8 MiB or more, once the column types are fixed and when a core is idle, is
 * collected into units of 1 MiB cut at a line end; a worker thread (`csv-parallel.ts`)
 * tokenizes each and reads its number cells while this thread takes the one before.
 * A unit's answer is used only if it holds for the unit as a whole; otherwise the unit
 * goes through the chunk path above, so the result does not depend on the worker.
 *
 * This module is the stream driver; beside it: `csv-tokens.ts` (the byte tokenizer),
 * `csv-utf8.ts` (UTF-8 across chunks), `csv-papaparse.ts` (papaparse's chunk parser),
 * `csv-cells.ts` (cell values and type inference), `csv-column.ts` (typed columns) and
 * `csv-parallel.ts` / `csv-worker.ts` (the worker thread).
 *
 * Memory apart from the table is bounded: one input chunk, the unfinished record (capped
 * by `maxRecordLength`), the type-inference sample, at most `maxWarnings` warnings, and
 * with the worker at most five units and their offsets (a few MiB, whatever the body's size).
 */
import Papa from 'papaparse';
import { isUtf8 } from 'node:buffer';
import os from 'node:os';
import { Readable } from 'node:stream';
import { CsvError } from '../errors/csv-error';
import { BadInputError } from '../errors/bad-input-error';
import { AbortError } from '../errors/network-error';
import { inferType, namesADate } from './csv-cells';
import { ColumnBuilder } from './csv-column';
import { type IPapaHandle, papaChunkParser, papaLineEnding } from './csv-papaparse';
import {
  type IUnitAnswer,
  type IUnitArrays,
  sendUnit,
  UNIT_BYTES,
  unitArrays,
  unitWorkerAvailable
} from './csv-parallel';
import { CsvTokens, fieldText, tokenizeChunk } from './csv-tokens';
import {
  completeLength,
  decodeComplete,
  type IDecoded,
  LENIENT,
  utf16Length,
  Utf8ChunkDecoder
} from './csv-utf8';
import { type ColumnType, type ITableColumn, type ITableWarning, Table } from './table';

/** Progress of a parse, reported once per chunk and once more at the end with `done: true`. */
export interface ICsvProgress {
  /** Bytes of the body read so far. */
  bytes: number;
  /** Data rows (not counting the header) parsed so far. */
  rows: number;
  /** The body's total size when the caller knows it (e.g. from `Content-Length`). */
  totalBytes?: number;
  /** `true` on the last call only. */
  done: boolean;
}

/** Options for {@link parseCsvStream}. */
export interface ICsvParseOptions {
  /**
   * Column types by name, overriding inference (values that do not fit become null with a
   * `BAD_VALUE` warning). E.g. `{ STATION: 'string', DATE: 'date' }`.
   */
  types?: Record<string, ColumnType>;
  /** How many data rows to look at before fixing each column's type (default 1,000). */
  inferRows?: number;
  /** Field delimiter (default `,`); e.g. `\t` or `;`. */
  delimiter?: string;
  /**
   * Cell texts read as null in number, date and boolean columns (default
   * `['', 'NA', 'N/A', 'NaN', 'null', 'NULL']`). In string columns only the empty cell is null,
   * so a country code `NA` stays text.
   */
  nullValues?: readonly string[];
  /** How many warnings to keep on the table (default 100); all are counted in `warningCount`. */
  maxWarnings?: number;
  /**
   * How many structural problems (ragged rows, bad quotes, invalid UTF-8) to accept before
   * giving up with a `CsvError` (default 1,000). Cells that do not fit their column's type
   * are not counted: they become null with a warning.
   */
  maxErrors?: number;
  /** Longest record, in characters, before giving up (default 4 Mi): catches a quote never closed. */
  maxRecordLength?: number;
  /** The body's total size if known; passed through to `onProgress`. */
  totalBytes?: number;
  /** Called once per chunk with monotone counts, and a final time with `done: true`. */
  onProgress?: (progress: ICsvProgress) => void;
  /** Cancels the parse; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** A CSV body: a Node stream, a web `ReadableStream`, or any async iterable of bytes. */
export type CsvSource = NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>;

const DEFAULT_NULLS = ['', 'NA', 'N/A', 'NaN', 'null', 'NULL'];
/**
 * Input chunks are cut to at most this many bytes: progress and abort stay responsive, and
 * each chunk's row arrays die young (measured: feeding 1 MiB chunks was about 30% slower).
 */
const SLICE_BYTES = 1 << 16;
/** How many leading bytes are checked for signs of binary data. */
const SNIFF_BYTES = 8192;
/**
 * A body of at least this many bytes (known from `totalBytes`, or read so far) is
 * tokenized in a worker thread, unit by unit (`csv-parallel.ts`); below it the worker's
 * start-up would cost more than it saves.
 */
const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;
/**
 * Units sent to the worker and not yet taken back: the worker works on the next ones
 * while this thread takes the oldest, and memory stays bounded by this many units.
 */
const UNITS_IN_FLIGHT = 3;
const LF = 0x0a;

/** How `parseCsvStream` uses the worker thread; tests make units small to cross them often. */
export interface ICsvParallelOptions {
  /** Bytes per unit (cut at the last line end after them). */
  unitBytes: number;
  /** Bodies of at least this many bytes use the worker; 0: from the first unit on. */
  minBytes: number;
  /**
   * Use the worker only when a core is idle ({@link coreIdle}); tests turn this off to
   * run the worker path on any machine.
   */
  whenIdle: boolean;
}

/**
 * Whether this machine has a core to spare: its 1-minute load average is below its core
 * count minus one (always, where there is no load average, e.g. Windows). The worker adds
 * about a third to the parse's CPU seconds (it copies each unit and its offsets once more)
 * to take about half of the main thread's: on a machine whose cores are all busy that was
 * a loss (100 MB over loopback, 2 cores at load average 15: median wall time 7.8 s with
 * the worker, 6.8 s without).
 */
export function coreIdle(): boolean {
  return os.loadavg()[0] < os.availableParallelism() - 1;
}

/** One unit of the body on its way through the worker (in order). */
interface IUnit {
  /** The unit's bytes are `bytes[0, length)`; not to be touched while `answer` is pending. */
  bytes: Buffer;
  length: number;
  kinds: Uint8Array | undefined;
  answer: Promise<IUnitAnswer | undefined> | undefined;
}

/**
 * Parse a CSV body into a typed {@link Table}, streaming.
 *
 * The first record is the header. Column types (`integer`, `number`, `date`, `boolean`,
 * `string`) are inferred from the first `inferRows` data rows and enforced after: a later
 * cell that does not fit becomes null with a `BAD_VALUE` warning (an `integer` column
 * that meets a fraction just becomes `number`). Dates are ISO 8601 (`YYYY-MM-DD`,
 * optionally with a time; without a zone they are taken as UTC), or `YYYYMMDD` in a column
 * whose header names a date ({@link namesADate}) or that `types` makes a date.
 *
 * Recoverable problems become warnings on the table with their record number (header =
 * row 1): ragged rows (missing cells → null, extra cells dropped), malformed quotes,
 * invalid UTF-8 (replaced by U+FFFD), duplicate or empty header names. A UTF-8 BOM is
 * dropped and CRLF line ends are accepted silently.
 *
 * @param source - the body, e.g. `(await fetch(url)).body` or `fs.createReadStream(path)`
 * @param options - types, limits, progress callback and `signal`
 * @returns the table
 * @throws CsvError (`CSV_INVALID`) when it cannot continue: empty body or no header,
 *   binary/compressed data, UTF-16, a record longer than `maxRecordLength`, or more than
 *   `maxErrors` structural problems
 * @throws AbortError when `signal` aborts
 */
export function parseCsvStream(source: CsvSource, options: ICsvParseOptions = {}): Promise<Table> {
  return new CsvStreamParser(options).run(source);
}

/** How many chunks of a parse the byte fast path and papaparse took. */
export interface ICsvChunkCounts {
  fast: number;
  papaparse: number;
  /** Of the `fast` ones, units tokenized by the worker thread (`csv-parallel.ts`). */
  worker?: number;
}

/**
 * {@link parseCsvStream}, adding to `counts` how many chunks each path parsed (for a
 * caller that must know which path ran: the differential test, profiling). Not exported
 * from the package.
 *
 * @param source - the body
 * @param options - as for parseCsvStream
 * @param counts - incremented per chunk
 */
export function parseCsvStreamCounting(
  source: CsvSource,
  options: ICsvParseOptions,
  counts: ICsvChunkCounts,
  parallel?: ICsvParallelOptions | false
): Promise<Table> {
  return new CsvStreamParser(options, counts, parallel).run(source);
}

/**
 * {@link parseCsvStream} through papaparse's stream reader only, without the byte fast
 * path: the reference the differential test compares the fast path with. Not exported
 * from the package.
 */
export function parseCsvStreamPapaparse(
  source: CsvSource,
  options: ICsvParseOptions = {}
): Promise<Table> {
  return new CsvStreamParser(options).run(source, false);
}

/** One parse: owns the decoder, the papaparse stream, the builders and the warnings. */
class CsvStreamParser {
  constructor(
    options: ICsvParseOptions,
    counts?: ICsvChunkCounts,
    parallel?: ICsvParallelOptions | false
  ) {
    this._options = options;
    this._counts = counts;
    this._parallel =
      parallel === undefined
        ? { unitBytes: UNIT_BYTES, minBytes: PARALLEL_MIN_BYTES, whenIdle: true }
        : parallel;
    for (const [name, type] of Object.entries(options.types ?? {})) {
      if (!COLUMN_TYPES.has(type)) {
        throw new BadInputError(
          `types.${name} is '${String(type)}'; expected one of ${[...COLUMN_TYPES].join(', ')}`
        );
      }
    }
    this._inferRows = Math.max(1, options.inferRows ?? 1000);
    this._maxWarnings = Math.max(0, options.maxWarnings ?? 100);
    this._maxErrors = Math.max(0, options.maxErrors ?? 1000);
    this._maxRecord = Math.max(1024, options.maxRecordLength ?? 4 * 1024 * 1024);
    this._nulls = new Set(options.nullValues ?? DEFAULT_NULLS);
    this._nulls.add('');
  }

  run(source: CsvSource, fastPath = true): Promise<Table> {
    const signal = this._options.signal;
    if (signal?.aborted) {
      return Promise.reject(abortError(signal));
    }
    const delimiter = this._options.delimiter ?? ',';
    if (
      fastPath &&
      delimiter.length === 1 &&
      delimiter.charCodeAt(0) < 0x80 &&
      !'"\r\n'.includes(delimiter)
    ) {
      return this._runChunks(source, delimiter);
    }
    return new Promise<Table>((resolve, reject) => {
      const text = Readable.from(this._decode(source));
      // Errors reach us through papaparse's `error` callback; this listener only keeps one
      // raised after papaparse detached (e.g. during destroy) from crashing the kernel.
      text.on('error', () => undefined);
      let settled = false;
      const settle = (err: unknown, table?: Table): void => {
        if (settled) {
          return;
        }
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (err !== undefined) {
          text.destroy();
          reject(err);
        } else {
          resolve(table!);
        }
      };
      const onAbort = (): void => settle(abortError(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });

      Papa.parse<string[]>(text, {
        header: false,
        delimiter: this._options.delimiter ?? ',',
        skipEmptyLines: false,
        chunk: (results, parser) => {
          if (settled) {
            parser.abort();
            return;
          }
          try {
            this._onChunk(results);
          } catch (err) {
            settle(err); // first: abort() calls `complete`, which must see us settled
            parser.abort();
          }
        },
        complete: () => {
          if (settled) {
            return;
          }
          try {
            settle(undefined, this._finish());
          } catch (err) {
            settle(err);
          }
        },
        error: (err: Error) => settle(this._failure ?? err)
      });
    });
  }

  /** Bytes → text for papaparse, with invalid-UTF-8 detection. */
  private async *_decode(source: CsvSource): AsyncGenerator<string> {
    try {
      for await (const slice of this._slices(source)) {
        yield* this._emit(this._decoder.decode(slice));
      }
      yield* this._emit(this._decoder.flush());
    } catch (err) {
      this._failure = err;
      throw err;
    }
  }

  /**
   * The body as byte slices of at most SLICE_BYTES, after BOM/binary sniffing, with abort
   * checks; counts `_bytes`. Both paths read the body through this, so their chunks are
   * the same.
   */
  private async *_slices(source: CsvSource): AsyncGenerator<Uint8Array> {
    const signal = this._options.signal;
    const iterator = (source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
    // The first SNIFF_BYTES are gathered before anything is parsed, so the binary, BOM and
    // encoding checks see enough bytes even when the body arrives in tiny chunks.
    let head: Uint8Array[] | undefined = [];
    let headBytes = 0;
    try {
      for (;;) {
        const next = await raceAbort(iterator.next(), signal);
        if (next.done) {
          break;
        }
        const value = next.value;
        const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
        if (head) {
          head.push(bytes);
          headBytes += bytes.length;
          if (headBytes < SNIFF_BYTES) {
            continue;
          }
          const all = Buffer.concat(head);
          head = undefined;
          yield* this._feed(this._sniff(all));
        } else {
          yield* this._feed(bytes);
        }
      }
      if (head) {
        if (headBytes === 0) {
          throw new CsvError('The CSV body is empty: there is no header row.', {
            reason: 'no-header'
          });
        }
        yield* this._feed(this._sniff(Buffer.concat(head)));
      }
    } finally {
      await iterator.return?.();
    }
  }

  /** Cut `bytes` in slices of at most SLICE_BYTES, checking for abort between them. */
  private *_feed(bytes: Uint8Array): Generator<Uint8Array> {
    const signal = this._options.signal;
    for (let offset = 0; offset < bytes.length; offset += SLICE_BYTES) {
      if (signal?.aborted) {
        throw abortError(signal);
      }
      const slice = bytes.subarray(offset, offset + SLICE_BYTES);
      this._bytes += slice.length;
      yield slice;
    }
  }

  private *_emit(decoded: IDecoded): Generator<string> {
    if (decoded.invalid) {
      this._invalidUtf8Pending = true;
    }
    if (decoded.text.length) {
      this._charsFed += decoded.text.length;
      yield decoded.text;
    }
  }

  /** Check the first bytes: reject binary and UTF-16, drop a UTF-8 BOM. */
  private _sniff(head: Uint8Array): Uint8Array {
    const b = head;
    const reject = (what: string, reason: 'binary' | 'encoding'): never => {
      throw new CsvError(`This is not a UTF-8 CSV file: ${what}.`, { reason, byteOffset: 0 });
    };
    if (b[0] === 0x1f && b[1] === 0x8b) {
      reject(
        'it is gzip-compressed (decompress it first, e.g. with zlib.createGunzip())',
        'binary'
      );
    }
    if (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) {
      reject('it is a ZIP archive (an .xlsx workbook is one: export it as CSV)', 'binary');
    }
    if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
      reject('it is UTF-16 encoded (save it as UTF-8)', 'encoding');
    }
    const n = Math.min(b.length, SNIFF_BYTES);
    for (let i = 0; i < n; i++) {
      if (b[i] === 0) {
        reject(`it holds binary data (a NUL byte at offset ${i})`, 'binary');
      }
    }
    // Lots of invalid UTF-8 at the start means some binary format or a legacy encoding, not
    // a few stray bytes: fail fast instead of filling the table with U+FFFD.
    const probe = new TextDecoder('utf-8', { ignoreBOM: true }).decode(b.subarray(0, n - 4));
    let bad = 0;
    for (let i = 0; i < probe.length; i++) {
      if (probe.charCodeAt(i) === 0xfffd) {
        bad++;
      }
    }
    if (probe.length > 0 && bad > 8 && bad / probe.length > 0.05) {
      reject(
        `${bad} of its first ${probe.length} characters are not valid UTF-8 (binary data, or a legacy encoding such as Latin-1: convert it to UTF-8)`,
        'binary'
      );
    }
    if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
      this._bytes += 3;
      return b.subarray(3);
    }
    return b;
  }

  // ---- the chunk driver: byte fast path, papaparse per chunk where it does not apply ----

  /**
   * Parse with the byte tokenizer, chunk by chunk, handing any chunk it declines to
   * papaparse's own parser with exactly the text, line end and "last record unfinished"
   * flag papaparse's stream reader would have given it — so a chunk's rows, errors and
   * warnings are the same whichever parses it.
   */
  private _runChunks(source: CsvSource, delimiter: string): Promise<Table> {
    const signal = this._options.signal;
    return new Promise<Table>((resolve, reject) => {
      let settled = false;
      const settle = (err: unknown, table?: Table): void => {
        if (settled) {
          return;
        }
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (err !== undefined) {
          reject(err);
        } else {
          resolve(table!);
        }
      };
      // Settle at once on abort, as the papaparse path does: a stalled source may never
      // let the loop below reach its next check.
      const onAbort = (): void => settle(abortError(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      this._chunkLoop(source, delimiter, () => settled).then(
        table => settle(undefined, table),
        (err: unknown) => settle(err)
      );
    });
  }

  private async _chunkLoop(
    source: CsvSource,
    delimiter: string,
    stopped: () => boolean
  ): Promise<Table | undefined> {
    this._delimiterByte = delimiter.charCodeAt(0);
    this._chunkDriver = true;
    const parallel = this._parallel;
    if (
      parallel &&
      this._options.totalBytes !== undefined &&
      this._options.totalBytes >= parallel.minBytes &&
      (!parallel.whenIdle || coreIdle())
    ) {
      unitWorkerAvailable(); // start it now: it takes a moment to come up
    }
    for await (const slice of this._slices(source)) {
      if (stopped()) {
        return undefined; // leaving the loop returns the source
      }
      if (this._unit === undefined && !this._startUnits()) {
        this._chunk(slice);
        continue;
      }
      this._collect(slice);
      while (this._units.length > UNITS_IN_FLIGHT) {
        await this._takeUnit();
        if (stopped()) {
          return undefined;
        }
      }
    }
    if (this._unit !== undefined) {
      if (this._unitFill > 0) {
        this._enqueue(this._unit, this._unitFill, false);
      }
      this._unit = undefined;
      while (this._units.length) {
        await this._takeUnit();
        if (stopped()) {
          return undefined;
        }
      }
    }
    this._endOfBody();
    return this._finish();
  }

  // ---- units through the worker thread (csv-parallel.ts) ----

  /**
   * Whether to collect the body into units for the worker from now on: a large body, the
   * column types fixed, the byte path possible (LF or CRLF line ends), a worker running.
   * The unfinished record becomes the start of the first unit.
   */
  private _startUnits(): boolean {
    const parallel = this._parallel;
    if (
      !parallel ||
      !this._builders ||
      this._newline === undefined ||
      this._newline === '\r' ||
      Math.max(this._bytes, this._options.totalBytes ?? 0) < parallel.minBytes ||
      this._unitsDeclined ||
      (parallel.whenIdle && !coreIdle()) ||
      !unitWorkerAvailable()
    ) {
      // Asked once a body is large enough (the load average is a system call).
      if (parallel && this._builders && this._bytes >= parallel.minBytes) {
        this._unitsDeclined = true;
      }
      return false;
    }
    this._kinds = Uint8Array.from(this._builders.map(b => b.cellKind()));
    const pending = this._pending;
    this._unit = this._unitBuffer(pending.length);
    this._unit.set(pending, 0);
    this._unitFill = pending.length;
    this._heldBytes += pending.length;
    this._pending = Buffer.alloc(0);
    return true;
  }

  /** A buffer for a unit, of its own (it is transferred), recycled when possible. */
  private _unitBuffer(carry: number): Buffer {
    const size = Math.max(this._parallel ? this._parallel.unitBytes : 0, carry) + 2 * SLICE_BYTES;
    const spare = this._spareUnits.pop();
    if (spare && spare.length >= size) {
      return spare;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** Add a slice to the unit being collected; a full one is cut at its last line end and sent. */
  private _collect(slice: Uint8Array): void {
    let unit = this._unit!;
    if (this._unitFill + slice.length > unit.length) {
      const bigger = Buffer.allocUnsafeSlow(
        Math.max(2 * unit.length, this._unitFill + slice.length)
      );
      unit.copy(bigger, 0, 0, this._unitFill);
      unit = bigger;
      this._unit = bigger;
    }
    unit.set(slice, this._unitFill);
    this._unitFill += slice.length;
    this._heldBytes += slice.length;
    if (this._unitFill < (this._parallel as ICsvParallelOptions).unitBytes) {
      return;
    }
    const cut = unit.lastIndexOf(LF, this._unitFill - 1) + 1;
    if (cut === 0) {
      // No line end in a whole unit: one long record, for the chunk path and its limits.
      this._enqueue(unit, this._unitFill, false);
      this._unit = this._unitBuffer(0);
      this._unitFill = 0;
      return;
    }
    const rest = this._unitFill - cut;
    const next = this._unitBuffer(rest);
    unit.copy(next, 0, cut, this._unitFill);
    this._enqueue(unit, cut, true);
    this._unit = next;
    this._unitFill = rest;
  }

  private _enqueue(bytes: Buffer, length: number, send: boolean): void {
    const kinds = this._kinds;
    this._units.push({
      bytes,
      length,
      kinds,
      answer:
        send && kinds
          ? sendUnit({
              bytes,
              length,
              delimiter: this._delimiterByte,
              crlf: this._newline === '\r\n',
              kinds,
              spare: this._spareOut.pop()
            })
          : undefined
    });
  }

  /**
   * Parse the oldest unit: from the worker's tokens when they hold for it — it was taken
   * whole, and no record is unfinished before it — else chunk by chunk as without a worker.
   */
  private async _takeUnit(): Promise<void> {
    const unit = this._units.shift()!;
    const answer = unit.answer ? await unit.answer : undefined;
    this._heldBytes -= unit.length;
    const bytes = answer
      ? Buffer.from(answer.bytes.buffer, answer.bytes.byteOffset, answer.bytes.byteLength)
      : unit.bytes;
    const buf = bytes.subarray(0, unit.length);
    if (answer?.ok && !this._pending.length && !this._invalidUtf8Pending) {
      const read = unitArrays(answer, unit.kinds!);
      if (this._counts) {
        this._counts.fast++;
        this._counts.worker = (this._counts.worker ?? 0) + 1;
      }
      this._onTokens(buf, read.tokens, 0, read);
      this._spareOut.push(answer.out!);
      this._spareUnits.push(bytes); // nothing points into it: string cells are copies
      return;
    }
    if (answer?.out) {
      this._spareOut.push(answer.out);
    }
    // `_pending` may point into this unit afterwards, so it is not recycled.
    for (let offset = 0; offset < buf.length; offset += SLICE_BYTES) {
      this._chunk(buf.subarray(offset, offset + SLICE_BYTES));
    }
  }

  private _chunk(slice: Uint8Array): void {
    const bytes = this._join(slice);
    const complete = completeLength(bytes);
    if (this._newline === undefined) {
      // papaparse guesses the line end once, from the text of its first chunk.
      const text = LENIENT.decode(bytes.subarray(0, complete));
      if (!text) {
        this._pending = bytes;
        return;
      }
      this._newline = papaLineEnding(text);
    }
    if (
      this._newline !== '\r' &&
      !this._invalidUtf8Pending &&
      isUtf8(bytes.subarray(0, complete)) &&
      tokenizeChunk(bytes, this._delimiterByte, this._newline === '\r\n', this._tokens)
    ) {
      const rest = bytes.subarray(this._tokens.consumed);
      if (this._counts) this._counts.fast++;
      this._pending = rest;
      this._onTokens(bytes, this._tokens, rest.length > this._maxRecord ? utf16Length(rest) : 0);
      return;
    }
    if (this._counts) this._counts.papaparse++;
    this._papaChunk(bytes, complete, true);
  }

  /**
   * The unfinished record, then `slice`, in one buffer. The buffer is reused from chunk to
   * chunk (a new 64 KiB buffer per chunk was a tenth of the parse in garbage collection),
   * so nothing may keep pointing into it: string columns copy the bytes they remember.
   */
  private _join(slice: Uint8Array): Buffer {
    const pending = this._pending;
    if (!pending.length) {
      return Buffer.from(slice.buffer, slice.byteOffset, slice.length);
    }
    const need = pending.length + slice.length;
    let scratch = this._scratch;
    if (scratch.length < need) {
      scratch = Buffer.allocUnsafe(Math.max(need, 2 * scratch.length, 2 * SLICE_BYTES));
      scratch.set(pending, 0);
      this._scratch = scratch;
    } else if (pending.buffer === scratch.buffer) {
      const from = pending.byteOffset - scratch.byteOffset;
      scratch.copyWithin(0, from, from + pending.length);
    } else {
      scratch.set(pending, 0);
    }
    scratch.set(slice, pending.length);
    return scratch.subarray(0, need);
  }

  /** Parse one chunk with papaparse, as its stream reader would. */
  private _papaChunk(bytes: Buffer, complete: number, ignoreLastRow: boolean): void {
    const decoded = decodeComplete(bytes.subarray(0, complete));
    if (decoded.invalid) {
      this._invalidUtf8Pending = true;
    }
    const text = decoded.text;
    if (!text && ignoreLastRow) {
      this._pending = bytes;
      return;
    }
    this._papa ??= papaChunkParser({
      delimiter: this._options.delimiter ?? ',',
      newline: this._newline,
      skipEmptyLines: false,
      header: false
    });
    const results = this._papa.parse(text, 0, ignoreLastRow);
    const partial = ignoreLastRow ? text.slice(results.meta.cursor) : '';
    this._pending = Buffer.concat([Buffer.from(partial, 'utf8'), bytes.subarray(complete)]);
    this._onRecords(results.data, results.errors, partial.length);
  }

  /** End of body: bytes of a cut-off character, then the last record without a line end. */
  private _endOfBody(): void {
    const bytes = this._pending;
    if (this._newline === undefined) {
      if (!bytes.length) {
        return;
      }
      this._newline = papaLineEnding(LENIENT.decode(bytes));
    }
    if (completeLength(bytes) < bytes.length) {
      this._papaChunk(bytes, bytes.length, true);
    }
    const rest = this._pending;
    this._papaChunk(rest, rest.length, false);
  }

  /** Handle one tokenized chunk exactly as {@link _onRecords} handles papaparse's rows. */
  private _onTokens(buf: Buffer, tokens: CsvTokens, pending: number, read?: IUnitArrays): void {
    const recordBase = this._records;
    const n = tokens.records;
    this._records += n;
    const first = tokens.recordFirst;
    const count = tokens.recordFields;
    const starts = tokens.fieldStart;
    const ends = tokens.fieldEnd;
    const data: number[] = [];
    const rowNumbers: number[] = [];
    for (let r = 0; r < n; r++) {
      const fields = count[r];
      if (fields === 1 && ends[first[r]] === starts[first[r]]) {
        continue; // a blank line
      }
      if (!this._header) {
        this._setHeader(recordStrings(buf, tokens, r), recordBase + r + 1);
        continue;
      }
      const expected = this._header.length;
      if (fields !== expected) {
        this._structural(
          'RAGGED_ROW',
          fields < expected
            ? `row has ${fields} fields, the header has ${expected}: missing cells are null`
            : `row has ${fields} fields, the header has ${expected}: extra fields dropped`,
          recordBase + r + 1
        );
      }
      data.push(r);
      rowNumbers.push(recordBase + r + 1);
    }
    if (this._builders) {
      this._appendTokens(buf, tokens, data, rowNumbers, read);
    } else if (data.length) {
      const take = Math.min(data.length, this._inferRows - this._sample.length);
      for (let i = 0; i < take; i++) {
        this._sample.push(recordStrings(buf, tokens, data[i]));
        this._sampleRows.push(rowNumbers[i]);
      }
      if (this._sample.length >= this._inferRows) {
        this._startBuilders();
        if (take < data.length) {
          this._appendTokens(buf, tokens, data.slice(take), rowNumbers.slice(take));
        }
      }
    }
    this._endChunk(pending);
  }

  private _appendTokens(
    buf: Buffer,
    tokens: CsvTokens,
    records: number[],
    rowNumbers: number[],
    read?: IUnitArrays
  ): void {
    const builders = this._builders!;
    this._resize(records.length);
    for (let c = 0; c < builders.length; c++) {
      builders[c].appendTokens(
        buf,
        tokens,
        records,
        c,
        rowNumbers,
        this._badValue,
        read?.values[c],
        read?.stats.subarray(2 * c, 2 * c + 2)
      );
    }
    this._rows += records.length;
  }

  /** Handle one papaparse chunk. */
  private _onChunk(results: Papa.ParseResult<string[]>): void {
    this._onRecords(results.data, results.errors, this._charsFed - results.meta.cursor);
  }

  /**
   * Handle the records papaparse completed in one chunk: header, blank lines, ragged rows,
   * quote errors, cells; `pending` is the length of the unfinished record after them.
   */
  private _onRecords(data: string[][], errors: Papa.ParseError[], pending: number): void {
    const recordBase = this._records;
    this._records += data.length;

    // Errors about papaparse's unfinished last record come again when it is complete.
    for (const e of errors) {
      if (e.row !== undefined && e.row < data.length) {
        this._structural(
          'BAD_QUOTES',
          e.code === 'MissingQuotes'
            ? 'a quoted field is never closed: the rest of the input was read into it'
            : 'malformed quotes (a quote inside a quoted field must be doubled: "")',
          recordBase + e.row + 1
        );
      }
    }

    const rows: string[][] = [];
    const rowNumbers: number[] = [];
    for (let i = 0; i < data.length; i++) {
      const row = data[i];
      const last = row.length - 1;
      if (last >= 0 && row[last].endsWith('\r')) {
        // CRLF where papaparse guessed LF from the first chunk: mixed line ends.
        row[last] = row[last].slice(0, -1);
      }
      if (row.length === 1 && row[0] === '') {
        continue; // a blank line
      }
      if (this._invalidUtf8Pending && row.some(cell => cell.includes('\uFFFD'))) {
        this._invalidUtf8Pending = false;
        this._structural(
          'INVALID_UTF8',
          'invalid UTF-8 bytes replaced with U+FFFD (is the file in another encoding?)',
          recordBase + i + 1
        );
      }
      if (!this._header) {
        this._setHeader(row, recordBase + i + 1);
        continue;
      }
      const expected = this._header.length;
      if (row.length !== expected) {
        this._structural(
          'RAGGED_ROW',
          row.length < expected
            ? `row has ${row.length} fields, the header has ${expected}: missing cells are null`
            : `row has ${row.length} fields, the header has ${expected}: extra fields dropped`,
          recordBase + i + 1
        );
      }
      rows.push(row);
      rowNumbers.push(recordBase + i + 1);
    }

    if (this._builders) {
      this._append(rows, rowNumbers);
    } else if (rows.length) {
      // Types come from exactly the first `inferRows` rows; the rest of the chunk is enforced.
      const take = Math.min(rows.length, this._inferRows - this._sample.length);
      for (let i = 0; i < take; i++) {
        this._sample.push(rows[i]);
        this._sampleRows.push(rowNumbers[i]);
      }
      if (this._sample.length >= this._inferRows) {
        this._startBuilders();
        if (take < rows.length) {
          this._append(rows.slice(take), rowNumbers.slice(take));
        }
      }
    }

    this._endChunk(pending);
  }

  /** After a chunk: give up on a runaway record, report progress. */
  private _endChunk(pending: number): void {
    if (pending > this._maxRecord) {
      throw new CsvError(
        `Record ${this._records + 1} is longer than ${this._maxRecord} characters: most likely a quote (") that is never closed. Fix the file, or raise maxRecordLength if the record is real.`,
        { reason: 'record-too-long', row: this._records + 1 }
      );
    }
    this._progress(false);
  }

  private _setHeader(row: string[], rowNumber: number): void {
    const seen = new Map<string, number>();
    this._header = row.map((raw, i) => {
      let name = raw.trim();
      if (!name) {
        name = `column_${i + 1}`;
        this._warn('EMPTY_HEADER', `header field ${i + 1} is empty; named it '${name}'`, rowNumber);
      }
      const count = seen.get(name) ?? 0;
      seen.set(name, count + 1);
      if (count > 0) {
        const renamed = `${name}_${count + 1}`;
        this._warn(
          'DUPLICATE_HEADER',
          `header '${name}' repeats; renamed to '${renamed}'`,
          rowNumber
        );
        name = renamed;
      }
      return name;
    });
    for (const name of Object.keys(this._options.types ?? {})) {
      if (!this._header.includes(name)) {
        this._warn(
          'UNKNOWN_COLUMN',
          `option types names column '${name}', which is not in the header`,
          rowNumber
        );
      }
    }
  }

  /** Infer types from the sample and move it into the builders. */
  private _startBuilders(): void {
    const header = this._header ?? [];
    const forced = this._options.types ?? {};
    this._builders = header.map((name, c) => {
      const type = forced[name] ?? inferType(this._sample, c, this._nulls, namesADate(name));
      return new ColumnBuilder(name, type, this._nulls);
    });
    // With the body's size known (fetchCsv has Content-Length), size the typed columns for
    // the whole body at once from the bytes per record so far, instead of doubling them
    // (each doubling copies the column and leaves the old one to the garbage collector).
    const expected = this._rowsForBody(this._records, 1.03);
    if (expected !== undefined) {
      for (const b of this._builders) {
        b.expectRows(expected);
      }
    }
    const sample = this._sample;
    const sampleRows = this._sampleRows;
    this._sample = [];
    this._sampleRows = [];
    this._append(sample, sampleRows);
  }

  /**
   * With the body's size known, a typed column about to grow is sized for the whole body
   * again, from the bytes per record so far: the first records' estimate falls short when
   * they are longer than the average, and growing by half copies the column and leaves a
   * spare third that the finished table would copy again to drop.
   */
  private _resize(adding: number): void {
    const need = this._rows + adding;
    for (const b of this._builders!) {
      if (b.capacity() < need) {
        const expected = this._rowsForBody(need, 1.04);
        if (expected === undefined) {
          return;
        }
        b.expectRows(Math.max(expected, need));
      }
    }
  }

  /**
   * The rows the whole body holds, estimated from `rows` records in the bytes parsed so
   * far, with a `margin`; undefined when the body's size is not known.
   */
  private _rowsForBody(rows: number, margin: number): number | undefined {
    const total = this._options.totalBytes;
    const parsed = this._bytes - this._pending.length - this._heldBytes;
    if (total === undefined || !this._chunkDriver || rows <= 0 || parsed <= 0) {
      return undefined;
    }
    return Math.min(Math.ceil((total / parsed) * rows * margin) + 1024, 1 << 26);
  }

  private _append(rows: string[][], rowNumbers: number[]): void {
    const builders = this._builders!;
    for (let c = 0; c < builders.length; c++) {
      builders[c].append(rows, c, rowNumbers, this._badValue);
    }
    this._rows += rows.length;
  }

  private readonly _badValue = (row: number, column: string, type: ColumnType, text: string) => {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    this._warn(
      'BAD_VALUE',
      `'${shown}' in column ${column} is not a ${type}; stored as null`,
      row,
      column
    );
  };

  private _finish(): Table {
    if (!this._header) {
      throw new CsvError('The CSV body has no header row (it is empty or only blank lines).', {
        reason: 'no-header'
      });
    }
    if (this._invalidUtf8Pending) {
      this._invalidUtf8Pending = false;
      this._structural('INVALID_UTF8', 'invalid UTF-8 bytes replaced with U+FFFD', this._records);
    }
    if (!this._builders) {
      this._startBuilders();
    }
    const columns: ITableColumn[] = this._builders!.map(b => ({
      name: b.name,
      storage: b.finish()
    }));
    this._progress(true);
    return new Table(columns, { warnings: this._warnings, warningCount: this._warningCount });
  }

  private _structural(code: string, message: string, row: number): void {
    this._errors++;
    this._warn(code, message, row);
    if (this._errors > this._maxErrors) {
      const firstProblem = this._warnings.find(w => w.code !== 'BAD_VALUE');
      throw new CsvError(
        `Gave up after ${this._errors} malformed rows (first: row ${firstProblem?.row ?? row}: ${firstProblem?.message ?? message}). Is this really a CSV file with delimiter '${this._options.delimiter ?? ','}'?`,
        { reason: 'too-many-errors', row }
      );
    }
  }

  /**
   * Count a warning and keep it if it is among the first `maxWarnings` by row. Kept in row
   * order (a row's own warnings in the order they came), so the list does not depend on
   * where the body was cut into chunks or units: within one, the record checks run before
   * the cells are read, so warnings come out of row order.
   */
  private _warn(code: string, message: string, row: number, column?: string): void {
    this._warningCount++;
    const list = this._warnings;
    const full = list.length >= this._maxWarnings;
    if (full && (list.length === 0 || (list[list.length - 1].row ?? 0) <= row)) {
      return;
    }
    const warning: ITableWarning =
      column === undefined
        ? { code, message: `row ${row}: ${message}`, row }
        : { code, message: `row ${row}: ${message}`, row, column };
    let at = list.length;
    while (at > 0 && (list[at - 1].row ?? 0) > row) {
      at--;
    }
    list.splice(at, 0, warning);
    if (full) {
      list.pop();
    }
  }

  private _progress(done: boolean): void {
    const cb = this._options.onProgress;
    if (!cb) {
      return;
    }
    const p: ICsvProgress = {
      bytes: this._bytes,
      rows: this._rows + this._sample.length,
      done
    };
    if (this._options.totalBytes !== undefined) {
      p.totalBytes = this._options.totalBytes;
    }
    cb(p);
  }

  private readonly _options: ICsvParseOptions;
  private readonly _inferRows: number;
  private readonly _maxWarnings: number;
  private readonly _maxErrors: number;
  private readonly _maxRecord: number;
  private readonly _nulls: Set<string>;
  private _header: string[] | undefined;
  private _builders: ColumnBuilder[] | undefined;
  private _sample: string[][] = [];
  private _sampleRows: number[] = [];
  private _records = 0;
  private _rows = 0;
  private _bytes = 0;
  private _charsFed = 0;
  private _errors = 0;
  private _warningCount = 0;
  private readonly _warnings: ITableWarning[] = [];
  private _invalidUtf8Pending = false;
  private _failure: unknown;
  private readonly _decoder = new Utf8ChunkDecoder();
  // The chunk driver's state.
  private _pending: Buffer = Buffer.alloc(0);
  private _chunkDriver = false;
  private _scratch: Buffer = Buffer.alloc(0);
  private _newline: '\n' | '\r' | '\r\n' | undefined;
  private _delimiterByte = 0x2c;
  private _papa: IPapaHandle | undefined;
  private readonly _tokens = new CsvTokens();
  private readonly _counts: ICsvChunkCounts | undefined;
  // Units through the worker: the one being collected, those sent, spare buffers.
  private readonly _parallel: ICsvParallelOptions | false;
  private _unit: Buffer | undefined;
  private _unitFill = 0;
  /** Bytes read into units and not yet parsed. */
  private _heldBytes = 0;
  private _kinds: Uint8Array | undefined;
  private _unitsDeclined = false;
  private readonly _units: IUnit[] = [];
  private readonly _spareUnits: Buffer[] = [];
  private readonly _spareOut: ArrayBuffer[] = [];
}

/** One tokenized record's values as strings. */
function recordStrings(buf: Buffer, tokens: CsvTokens, r: number): string[] {
  const out: string[] = [];
  const first = tokens.recordFirst[r];
  for (let f = first; f < first + tokens.recordFields[r]; f++) {
    out.push(fieldText(buf, tokens.fieldStart[f], tokens.fieldEnd[f], tokens.fieldEscaped[f]));
  }
  return out;
}

const COLUMN_TYPES: ReadonlySet<string> = new Set<ColumnType>([
  'number',
  'integer',
  'date',
  'boolean',
  'string'
]);

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) {
    return promise;
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      v => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      }
    );
  });
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError('CSV parsing was aborted', { cause: signal.reason });
}
