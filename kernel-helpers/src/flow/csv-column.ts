/**
 * One column of a parse: cells accumulated into growable typed storage (numbers and dates
 * in typed arrays, booleans in bytes, strings pooled while few are distinct), from strings
 * (papaparse) or straight from a tokenized chunk's bytes (the fast path in `csv.ts`).
 */
import {
  bytesToNumber,
  bytesToYmd,
  type CsvTokens,
  equalBytes,
  fieldText,
  utcDate
} from './csv-tokens';
import { parseBooleanCell, parseDateCell, parseNumberCell, trimCell, validYmd } from './csv-cells';
import { CellKind } from './csv-parallel';
import { BOOLEAN_NULL, type ColumnStorage, type ColumnType } from './table';

/** Distinct strings a column shares at most; beyond that new values are stored as they come. */
const STRING_POOL_LIMIT = 65536;

export type BadValueFn = (row: number, column: string, type: ColumnType, text: string) => void;

/** Accumulates one column's cells into growable typed storage. */
export class ColumnBuilder {
  readonly name: string;

  constructor(name: string, type: ColumnType, nulls: ReadonlySet<string>) {
    this.name = name;
    this._type = type;
    this._nulls = nulls;
    const numberNulls = [...nulls].filter(t => !Number.isNaN(parseNumberCell(t)));
    const dateNulls = [...nulls].filter(t => !Number.isNaN(parseDateCell(t)));
    this._numberNulls = numberNulls.length ? new Set(numberNulls) : undefined;
    this._dateNulls = dateNulls.length ? new Set(dateNulls) : undefined;
    if (type === 'string') {
      this._strings = [];
    } else if (type === 'boolean') {
      this._bools = new Uint8Array(1024);
    } else {
      this._floats = new Float64Array(1024);
    }
  }

  /** Append column `c` of `rows`. */
  append(rows: string[][], c: number, rowNumbers: number[], bad: BadValueFn): void {
    const n = rows.length;
    if (this._strings) {
      const out = this._strings;
      const pool = this._pool;
      let last = this._lastString;
      let length = this._length;
      for (let i = 0; i < n; i++) {
        const s = rows[i][c];
        if (s === undefined || s === '') {
          out[length++] = null;
          continue;
        }
        // Repeated values (station ids, names, categories) share one string, so the table
        // does not keep a copy per row — nor, through V8's sliced strings, the input chunk.
        // Comparing with the previous value first is cheaper than hashing every cell.
        if (s !== last) {
          last = pool?.get(s) ?? s;
          if (pool && last === s && pool.size < STRING_POOL_LIMIT) {
            pool.set(s, s);
          }
        }
        out[length++] = last;
      }
      this._lastString = last;
      // The byte path's memory of the previous cell's bytes no longer names `last`.
      this._prevEnd = -1;
      if (pool && pool.size >= STRING_POOL_LIMIT) {
        this._pool = undefined; // mostly distinct values: hashing each one would not pay off
      }
      this._length = length;
      return;
    }
    this._reserve(this._length + n);
    const nulls = this._nulls;
    if (this._bools) {
      const out = this._bools;
      for (let i = 0; i < n; i++) {
        const raw = rows[i][c];
        let v = BOOLEAN_NULL;
        if (raw !== undefined) {
          const s = trimCell(raw);
          if (!nulls.has(s)) {
            const b = parseBooleanCell(s);
            if (b < 0) {
              bad(rowNumbers[i], this.name, this._type, s);
            } else {
              v = b;
            }
          }
        }
        out[this._length++] = v;
      }
      return;
    }
    const out = this._floats!;
    const isDate = this._type === 'date';
    // Null markers are looked up only for cells that do not parse (a hash lookup per cell
    // costs more than the parse), except markers that themselves parse, e.g. `-9999`.
    const parsingNulls = isDate ? this._dateNulls : this._numberNulls;
    let widen = this._type === 'integer';
    for (let i = 0; i < n; i++) {
      const raw = rows[i][c];
      let v = Number.NaN;
      if (raw !== undefined && raw !== '') {
        const s = trimCell(raw);
        v = isDate ? parseDateCell(s) : parseNumberCell(s);
        if (v !== v) {
          if (!nulls.has(s)) {
            bad(rowNumbers[i], this.name, this._type, s);
          }
        } else if (parsingNulls !== undefined && parsingNulls.has(s)) {
          v = Number.NaN;
        } else if (widen && !Number.isInteger(v)) {
          this._type = 'number'; // a fraction widens the column; nothing is lost
          widen = false;
        }
      }
      out[this._length++] = v;
    }
  }

  /**
   * Append column `c` of the tokenized `records` — the same values and warnings as
   * {@link append} gives for those records' strings, without building most of them.
   * `read`, when given, holds the cells already read from their bytes by record (by the
   * worker of `csv-parallel.ts`: the same arithmetic), NaN where this must look itself.
   */
  appendTokens(
    buf: Buffer,
    tokens: CsvTokens,
    records: number[],
    c: number,
    rowNumbers: number[],
    bad: BadValueFn,
    read?: Float64Array,
    readStats?: Float64Array
  ): void {
    if (
      read !== undefined &&
      readStats !== undefined &&
      readStats[0] === 0 &&
      records.length === tokens.records
    ) {
      // Every record, and every cell read already: the values as they are.
      this._reserve(this._length + records.length);
      this._floats!.set(read, this._length);
      this._length += records.length;
      if (readStats[1] === 1 && this._type === 'integer') {
        this._type = 'number'; // a fraction widens the column; nothing is lost
      }
      return;
    }
    if (this._strings) {
      this._appendStringTokens(buf, tokens, records, c);
    } else if (this._bools) {
      this._appendBooleanTokens(buf, tokens, records, c, rowNumbers, bad);
    } else {
      this._appendNumberTokens(buf, tokens, records, c, rowNumbers, bad, read);
    }
  }

  /** The kind of cells the worker of `csv-parallel.ts` may read for this column. */
  cellKind(): number {
    if (!this._floats) {
      return CellKind.None;
    }
    const isDate = this._type === 'date';
    const markers = isDate ? this._dateNulls : this._numberNulls;
    if (markers !== undefined && !(markers.size === 1 && markers.has(''))) {
      return CellKind.None;
    }
    return isDate ? CellKind.Date : CellKind.Number;
  }

  private _appendStringTokens(buf: Buffer, tokens: CsvTokens, records: number[], c: number): void {
    const n = records.length;
    const first = tokens.recordFirst;
    const count = tokens.recordFields;
    const starts = tokens.fieldStart;
    const ends = tokens.fieldEnd;
    const escaped = tokens.fieldEscaped;
    const out = this._strings!;
    const pool = this._pool;
    let last = this._lastString;
    let length = this._length;
    let prev = this._prevBytes;
    let prevView = this._prevView;
    let view: DataView | undefined;
    let pe = this._prevEnd;
    let pesc = this._prevEscaped;
    for (let i = 0; i < n; i++) {
      const r = records[i];
      if (c >= count[r]) {
        out[length++] = null;
        continue;
      }
      const f = first[r] + c;
      const s = starts[f];
      const e = ends[f];
      if (s === e) {
        out[length++] = null;
        continue;
      }
      const esc = escaped[f];
      // Same bytes as the previous row's cell: the same string, without decoding it.
      let same = prev !== undefined && e - s === pe && esc === pesc;
      if (same) {
        view ??= new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        same = equalBytes(view, s, prevView!, pe);
      }
      if (!same) {
        const text = fieldText(buf, s, e, esc);
        if (text !== last) {
          last = pool?.get(text) ?? text;
          if (pool && last === text && pool.size < STRING_POOL_LIMIT) {
            pool.set(text, text);
          }
        }
        if (prev === undefined || prev.length < e - s) {
          prev = Buffer.allocUnsafe(Math.max(64, 2 * (e - s)));
          prevView = new DataView(prev.buffer, prev.byteOffset, prev.byteLength);
        }
        buf.copy(prev, 0, s, e);
        pe = e - s;
        pesc = esc;
      }
      out[length++] = last;
    }
    this._lastString = last;
    this._prevBytes = prev;
    this._prevView = prevView;
    this._prevEnd = pe;
    this._prevEscaped = pesc;
    if (pool && pool.size >= STRING_POOL_LIMIT) {
      this._pool = undefined;
    }
    this._length = length;
  }

  private _appendBooleanTokens(
    buf: Buffer,
    tokens: CsvTokens,
    records: number[],
    c: number,
    rowNumbers: number[],
    bad: BadValueFn
  ): void {
    const n = records.length;
    const first = tokens.recordFirst;
    const count = tokens.recordFields;
    this._reserve(this._length + n);
    for (let i = 0; i < n; i++) {
      const r = records[i];
      const f = first[r] + c;
      this._pushText(
        c < count[r]
          ? fieldText(buf, tokens.fieldStart[f], tokens.fieldEnd[f], tokens.fieldEscaped[f])
          : undefined,
        rowNumbers[i],
        bad
      );
    }
  }

  private _appendNumberTokens(
    buf: Buffer,
    tokens: CsvTokens,
    records: number[],
    c: number,
    rowNumbers: number[],
    bad: BadValueFn,
    read: Float64Array | undefined
  ): void {
    const n = records.length;
    const first = tokens.recordFirst;
    const count = tokens.recordFields;
    const starts = tokens.fieldStart;
    const ends = tokens.fieldEnd;
    const escaped = tokens.fieldEscaped;
    this._reserve(this._length + n);
    const isDate = this._type === 'date';
    // A null marker that parses (e.g. `-9999`) must be looked up per cell, so only then the
    // text path; the empty marker never reaches the byte parsers (empty cells are null).
    const markers = isDate ? this._dateNulls : this._numberNulls;
    const fast = markers === undefined || (markers.size === 1 && markers.has(''));
    const out = this._floats!;
    let length = this._length;
    let widen = this._type === 'integer';
    let lastYmd = this._lastYmd;
    let lastTime = this._lastYmdTime;
    for (let i = 0; i < n; i++) {
      const r = records[i];
      if (c >= count[r]) {
        out[length++] = Number.NaN;
        continue;
      }
      const f = first[r] + c;
      const s = starts[f];
      const e = ends[f];
      if (s === e) {
        out[length++] = Number.NaN;
        continue;
      }
      let v = Number.NaN;
      if (read !== undefined) {
        v = read[r];
      } else if (fast && !escaped[f]) {
        if (!isDate) {
          v = bytesToNumber(buf, s, e);
        } else if (e - s === 8) {
          const ymd = bytesToYmd(buf, s);
          if (ymd === lastYmd) {
            v = lastTime;
          } else if (ymd >= 0) {
            const y = Math.floor(ymd / 10000);
            const m = Math.floor(ymd / 100) % 100;
            const d = ymd % 100;
            if (y >= 1000 && validYmd(y, m, d)) {
              v = utcDate(y, m, d);
              lastYmd = ymd;
              lastTime = v;
            }
          }
        }
      }
      if (v !== v) {
        // Anything else (ISO dates, blanks, null markers, bad values, long literals) takes
        // the text path, which also widens an integer column or warns as `append` does.
        this._length = length;
        this._pushText(fieldText(buf, s, e, escaped[f]), rowNumbers[i], bad);
        length = this._length;
        widen = this._type === 'integer';
        continue;
      }
      if (widen && !Number.isInteger(v)) {
        this._type = 'number'; // a fraction widens the column; nothing is lost
        widen = false;
      }
      out[length++] = v;
    }
    this._length = length;
    this._lastYmd = lastYmd;
    this._lastYmdTime = lastTime;
  }

  /** Append one cell's text, exactly as {@link append} treats it (room is reserved). */
  private _pushText(raw: string | undefined, rowNumber: number, bad: BadValueFn): void {
    const nulls = this._nulls;
    if (this._bools) {
      let v = BOOLEAN_NULL;
      if (raw !== undefined) {
        const s = trimCell(raw);
        if (!nulls.has(s)) {
          const b = parseBooleanCell(s);
          if (b < 0) {
            bad(rowNumber, this.name, this._type, s);
          } else {
            v = b;
          }
        }
      }
      this._bools[this._length++] = v;
      return;
    }
    const isDate = this._type === 'date';
    const parsingNulls = isDate ? this._dateNulls : this._numberNulls;
    let v = Number.NaN;
    if (raw !== undefined && raw !== '') {
      const s = trimCell(raw);
      v = isDate ? parseDateCell(s) : parseNumberCell(s);
      if (v !== v) {
        if (!nulls.has(s)) {
          bad(rowNumber, this.name, this._type, s);
        }
      } else if (parsingNulls !== undefined && parsingNulls.has(s)) {
        v = Number.NaN;
      } else if (this._type === 'integer' && !Number.isInteger(v)) {
        this._type = 'number';
      }
    }
    this._floats![this._length++] = v;
  }

  /** How many values a typed column has room for (unbounded for text). */
  capacity(): number {
    return (this._floats ?? this._bools)?.length ?? Number.POSITIVE_INFINITY;
  }

  /** Make room for `rows` values in all (a typed column allocates them now). */
  expectRows(rows: number): void {
    if (!this._strings) {
      this._reserve(rows, true);
    } else if (this._length === 0) {
      // Filled by index up to `_length` (not pushed) and cut to it in finish().
      this._strings = new Array<string | null>(rows);
    }
  }

  finish(): ColumnStorage {
    if (this._strings) {
      this._strings.length = this._length;
      return { type: 'string', values: this._strings };
    }
    // A column sized for the body from its Content-Length is nearly full: a view saves
    // copying it; otherwise copy, so the spare capacity is not kept.
    const nearlyFull = (values: { length: number }): boolean =>
      this._length >= values.length - (values.length >> 4);
    if (this._bools) {
      const values = this._bools;
      return {
        type: 'boolean',
        values: nearlyFull(values)
          ? values.subarray(0, this._length)
          : values.slice(0, this._length)
      };
    }
    const type = this._type as 'number' | 'integer' | 'date';
    const values = this._floats!;
    return {
      type,
      values: nearlyFull(values) ? values.subarray(0, this._length) : values.slice(0, this._length)
    };
  }

  private _reserve(size: number, exact = false): void {
    const current = this._floats ?? this._bools!;
    if (size <= current.length) {
      return;
    }
    let cap = current.length;
    // Past a million values grow by half, not double: a column sized from Content-Length
    // that falls a little short should not double its memory at the end.
    while (cap < size && !exact) {
      cap = cap < 1 << 20 ? cap * 2 : Math.ceil(cap * 1.5);
    }
    cap = Math.max(cap, size);
    if (this._floats) {
      const next = new Float64Array(cap);
      next.set(this._floats);
      this._floats = next;
    } else {
      const next = new Uint8Array(cap);
      next.set(this._bools!);
      this._bools = next;
    }
  }

  private _type: ColumnType;
  private _pool: Map<string, string> | undefined = new Map<string, string>();
  private _lastString: string | null = null;
  private readonly _nulls: ReadonlySet<string>;
  private readonly _numberNulls: ReadonlySet<string> | undefined;
  private readonly _dateNulls: ReadonlySet<string> | undefined;
  private _length = 0;
  private _strings: (string | null)[] | undefined;
  private _bools: Uint8Array | undefined;
  private _floats: Float64Array | undefined;
  // appendTokens' memory of the previous string cell's bytes, and of the previous date.
  private _prevBytes: Buffer | undefined;
  private _prevView: DataView | undefined;
  private _prevEnd = 0;
  private _prevEscaped = 0;
  private _lastYmd = -1;
  private _lastYmdTime = Number.NaN;
}
