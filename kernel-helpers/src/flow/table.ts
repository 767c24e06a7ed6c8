/**
 * `Table`: what `fetchCsv` returns — typed column arrays plus row access.
 *
 * Columns are stored column-wise so a million-row table costs a few bytes per cell, not an
 * object per row: numbers, integers and dates live in a `Float64Array` (dates as epoch
 * milliseconds) with `NaN` meaning null — parsed values are never `NaN` because the CSV
 * number grammar does not accept `NaN` or `Infinity` — booleans in a `Uint8Array`, and
 * strings in a plain array. Rows are built on demand.
 */
import { inspect, type InspectOptions } from 'node:util';
import { BadInputError } from '../errors/bad-input-error';
import type { Table as ArrowTable } from 'apache-arrow';
import { tableToArrow } from './table-arrow';
import { BOOLEAN_NULL, type ColumnStorage, type ColumnType } from './table-storage';

export { BOOLEAN_NULL, type ColumnStorage, type ColumnType } from './table-storage';

/** One cell as handed to callers: dates are `Date` objects at UTC, empty cells are `null`. */
export type CellValue = number | string | boolean | Date | null;

/** One row as an object keyed by column name. */
export type TableRow = Record<string, CellValue>;

/** A named column. */
export interface ITableColumn {
  /** Column name (unique within a table). */
  readonly name: string;
  /** Typed values; every column of a table has the same length. */
  readonly storage: ColumnStorage;
}

/** A problem found while building a table that did not stop it (e.g. a ragged CSV row). */
export interface ITableWarning {
  /** Stable machine-readable code, e.g. `RAGGED_ROW`, `BAD_QUOTES`, `INVALID_UTF8`, `BAD_VALUE`. */
  readonly code: string;
  /** What happened and what the library did about it. */
  readonly message: string;
  /**
   * 1-based record number in the source file, header = 1 (the line number as long as no
   * quoted field spans lines). Absent when the problem is not tied to a row.
   */
  readonly row?: number;
  /** The column concerned, if any. */
  readonly column?: string;
}

/** Options for {@link Table}'s constructor. */
export interface ITableOptions {
  /** Warnings to keep on the table (already capped by whoever built it). */
  warnings?: readonly ITableWarning[];
  /** Total number of warnings, including any not kept in `warnings`; defaults to its length. */
  warningCount?: number;
}

/** The summary `JSON.stringify(table)` produces: shape, types, and at most 100 rows. */
export interface ITableJson {
  numRows: number;
  numColumns: number;
  columns: { name: string; type: ColumnType }[];
  /** The first rows (dates as ISO strings); at most {@link TABLE_JSON_ROWS}. */
  rows: Record<string, string | number | boolean | null>[];
  /** Whether `rows` holds fewer rows than the table. */
  truncated: boolean;
  warningCount: number;
}

/** How many rows `toJSON()` includes, so printing a big table never dumps megabytes. */
export const TABLE_JSON_ROWS = 100;

/**
 * A typed, column-oriented table.
 *
 * ```ts
 * const t = await globus.fetchCsv(url);
 * t.numRows; t.types.TMAX;           // 366, 'integer'
 * t.column('TMAX');                  // (number | null)[]
 * t.row(0).DATE;                     // Date at UTC
 * for (const r of t.rows()) { … }
 * ```
 */
export class Table {
  /** Column names in file order. */
  readonly columns: readonly string[];
  /** Column types by name. */
  readonly types: Readonly<Record<string, ColumnType>>;
  /** Number of rows. */
  readonly numRows: number;
  /** Problems met while building the table (capped; see `warningCount`). */
  readonly warnings: readonly ITableWarning[];
  /** Total number of problems met, including any not kept in `warnings`. */
  readonly warningCount: number;

  /**
   * @param columns - named columns of equal length (names must be unique)
   * @param options - warnings to carry
   */
  constructor(columns: readonly ITableColumn[], options: ITableOptions = {}) {
    const names = columns.map(c => c.name);
    if (new Set(names).size !== names.length) {
      throw new BadInputError(`Table column names must be unique: ${names.join(', ')}`);
    }
    const numRows = columns.length ? columns[0].storage.values.length : 0;
    for (const c of columns) {
      if (c.storage.values.length !== numRows) {
        throw new BadInputError(
          `Table column '${c.name}' has ${c.storage.values.length} values, expected ${numRows}`
        );
      }
    }
    this._storage = new Map(columns.map(c => [c.name, c.storage]));
    this.columns = Object.freeze(names);
    const types: Record<string, ColumnType> = {};
    for (const c of columns) {
      types[c.name] = c.storage.type;
    }
    this.types = Object.freeze(types);
    this.numRows = numRows;
    this.warnings = Object.freeze([...(options.warnings ?? [])]);
    this.warningCount = options.warningCount ?? this.warnings.length;
  }

  /**
   * Build a table from plain JavaScript columns, inferring each column's type from its
   * values (numbers, `Date`s, booleans, otherwise strings; `null`/`undefined` → null).
   *
   * @param data - column name → values (all the same length); a `Float64Array` is a number column
   * @param options - `types` to force a column's type (values are converted, bad ones → null)
   */
  static fromColumns(
    data: Record<string, ArrayLike<CellValue | undefined> | Float64Array>,
    options: { types?: Record<string, ColumnType> } = {}
  ): Table {
    const columns: ITableColumn[] = [];
    for (const [name, values] of Object.entries(data)) {
      const type = options.types?.[name] ?? inferJsType(values);
      columns.push({ name, storage: toStorage(values, type) });
    }
    return new Table(columns);
  }

  /** Number of columns. */
  get numColumns(): number {
    return this.columns.length;
  }

  /**
   * The raw storage of a column (typed array or string array) — the fast path for code
   * that walks millions of values, e.g. plot downsampling.
   *
   * @param name - column name
   * @throws BadInputError when there is no such column
   */
  storage(name: string): ColumnStorage {
    const s = this._storage.get(name);
    if (!s) {
      throw new BadInputError(
        `No column '${name}' in this table; columns are: ${this.columns.join(', ')}`
      );
    }
    return s;
  }

  /**
   * A column's values as a plain array (`Date` for dates, `null` for empty cells). The
   * array is built on each call; use {@link Table.storage} to avoid the copy.
   *
   * @param name - column name
   * @throws BadInputError when there is no such column
   */
  column(name: string): CellValue[] {
    const s = this.storage(name);
    const out: CellValue[] = new Array<CellValue>(this.numRows);
    for (let i = 0; i < this.numRows; i++) {
      out[i] = cell(s, i);
    }
    return out;
  }

  /**
   * One cell.
   *
   * @param row - 0-based row index
   * @param name - column name
   */
  get(row: number, name: string): CellValue {
    this._checkRow(row);
    return cell(this.storage(name), row);
  }

  /**
   * One row as an object keyed by column name.
   *
   * @param i - 0-based row index; negative counts from the end (`-1` is the last row)
   * @throws BadInputError when out of range
   */
  row(i: number): TableRow {
    const index = i < 0 ? this.numRows + i : i;
    this._checkRow(index);
    const out: TableRow = {};
    for (const name of this.columns) {
      out[name] = cell(this._storage.get(name)!, index);
    }
    return out;
  }

  /** Iterate over the rows as objects (one object per step, built on demand). */
  *rows(): IterableIterator<TableRow> {
    for (let i = 0; i < this.numRows; i++) {
      yield this.row(i);
    }
  }

  /** Same as {@link Table.rows}, so `for (const r of table)` works. */
  [Symbol.iterator](): IterableIterator<TableRow> {
    return this.rows();
  }

  /**
   * A new table with rows `[start, end)` (like `Array.prototype.slice`). Typed columns
   * are copied, so the slice does not pin the parent's memory.
   *
   * @param start - first row (negative counts from the end)
   * @param end - row after the last (negative counts from the end)
   */
  slice(start = 0, end = this.numRows): Table {
    const columns = this.columns.map(name => {
      const s = this._storage.get(name)!;
      return { name, storage: sliceStorage(s, start, end) };
    });
    return new Table(columns, { warnings: this.warnings, warningCount: this.warningCount });
  }

  /**
   * The first `n` rows as a new table.
   *
   * @param n - number of rows (default 5)
   */
  head(n = 5): Table {
    return this.slice(0, Math.max(0, n));
  }

  /**
   * The last `n` rows as a new table.
   *
   * @param n - number of rows (default 5)
   */
  tail(n = 5): Table {
    return this.slice(Math.max(0, this.numRows - Math.max(0, n)), this.numRows);
  }

  /**
   * The table as an Apache Arrow table (`apache-arrow`), for other libraries: Arquero
   * (`aq.fromArrow`), Perspective, DuckDB-Wasm, or Arrow IPC to Python
   * (`tableToIPC(table.toArrow())`). Types are kept: numbers Float64, integers Int32 (Float64
   * beyond its range), dates Date64 in milliseconds, booleans Bool, strings dictionary-
   * encoded Utf8 (plain Utf8 past 65,536 distinct values); empty cells are nulls.
   *
   * @throws GlobusKitError `ARROW_MISSING` when `apache-arrow` (an optional dependency) is
   *   not installed
   */
  toArrow(): ArrowTable {
    return tableToArrow(this);
  }

  /**
   * A bounded summary for `JSON.stringify`: shape, column types and the first
   * {@link TABLE_JSON_ROWS} rows, so printing a million-row table stays small.
   */
  toJSON(): ITableJson {
    const n = Math.min(this.numRows, TABLE_JSON_ROWS);
    const rows: ITableJson['rows'] = [];
    for (let i = 0; i < n; i++) {
      const r: Record<string, string | number | boolean | null> = {};
      for (const name of this.columns) {
        const v = cell(this._storage.get(name)!, i);
        r[name] = v instanceof Date ? v.toISOString() : v;
      }
      rows.push(r);
    }
    return {
      numRows: this.numRows,
      numColumns: this.numColumns,
      columns: this.columns.map(name => ({ name, type: this.types[name] })),
      rows,
      truncated: n < this.numRows,
      warningCount: this.warningCount
    };
  }

  /** `Table(366 rows × 5 columns: DATE date, TMAX integer, …)`. */
  toString(): string {
    const cols = this.columns.map(n => `${n} ${this.types[n]}`).join(', ');
    return `Table(${this.numRows} rows × ${this.numColumns} columns: ${cols})`;
  }

  /**
   * What `console.log(table)` and a cell's plain-text result show: the shape and the
   * first rows, never the column buffers (a million-row table would otherwise print its
   * typed arrays).
   */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    const rows = this.head(5).toJSON().rows;
    const more = this.numRows > rows.length ? `\n… ${this.numRows - rows.length} more rows` : '';
    return `${this.toString()}\n${inspect(rows, { ...options, depth: 2 })}${more}`;
  }

  private _checkRow(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.numRows) {
      throw new BadInputError(`Row ${i} is out of range: the table has ${this.numRows} rows`);
    }
  }

  private readonly _storage: Map<string, ColumnStorage>;
}

// Module internals (plain functions: the lint config rejects namespaces).

/** Read one cell from storage as a caller-facing value. */
function cell(s: ColumnStorage, i: number): CellValue {
  switch (s.type) {
    case 'number':
    case 'integer': {
      const v = s.values[i];
      return Number.isNaN(v) ? null : v;
    }
    case 'date': {
      const v = s.values[i];
      return Number.isNaN(v) ? null : new Date(v);
    }
    case 'boolean': {
      const v = s.values[i];
      return v === BOOLEAN_NULL ? null : v === 1;
    }
    case 'string':
      return s.values[i];
  }
}

/** Copy rows `[start, end)` of a column. */
function sliceStorage(s: ColumnStorage, start: number, end: number): ColumnStorage {
  switch (s.type) {
    case 'string':
      return { type: s.type, values: s.values.slice(start, end) };
    case 'boolean':
      return { type: s.type, values: s.values.slice(start, end) };
    default:
      return { type: s.type, values: s.values.slice(start, end) };
  }
}

/** The column type that fits JavaScript values. */
function inferJsType(values: ArrayLike<CellValue | undefined> | Float64Array): ColumnType {
  if (values instanceof Float64Array) {
    return 'number';
  }
  let seen: ColumnType | undefined;
  let integer = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      continue;
    }
    const t: ColumnType =
      typeof v === 'number'
        ? 'number'
        : typeof v === 'boolean'
          ? 'boolean'
          : v instanceof Date
            ? 'date'
            : 'string';
    if (t === 'number' && !Number.isInteger(v)) {
      integer = false;
    }
    if (seen && seen !== t) {
      return 'string';
    }
    seen = t;
  }
  if (seen === 'number' && integer) {
    return 'integer';
  }
  return seen ?? 'string';
}

/** Convert JavaScript values to typed storage; values that do not fit become null. */
function toStorage(
  values: ArrayLike<CellValue | undefined> | Float64Array,
  type: ColumnType
): ColumnStorage {
  const n = values.length;
  switch (type) {
    case 'number':
    case 'integer':
    case 'date': {
      if (values instanceof Float64Array) {
        return { type, values: values.slice() };
      }
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[i] =
          typeof v === 'number' && Number.isFinite(v)
            ? v
            : v instanceof Date
              ? v.getTime()
              : Number.NaN;
      }
      return { type, values: out };
    }
    case 'boolean': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[i] = typeof v === 'boolean' ? (v ? 1 : 0) : BOOLEAN_NULL;
      }
      return { type, values: out };
    }
    case 'string': {
      const out: (string | null)[] = new Array<string | null>(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[i] =
          v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v);
      }
      return { type, values: out };
    }
  }
}
