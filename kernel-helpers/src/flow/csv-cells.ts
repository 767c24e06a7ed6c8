/**
 * CSV cells as values: numbers, `YYYYMMDD` and ISO 8601 dates, booleans, and the type a
 * column's sample infers (with the rule for which headers may hold `YYYYMMDD` dates).
 * Shared by the byte path and the papaparse path of `csv.ts`, and by `csv-column.ts`.
 */
import { utcDate } from './csv-tokens';
import type { ColumnType } from './table';

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER_RE = /^[+-]?\d+$/;
const ISO_DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Trim only when needed: most cells have no surrounding blanks. */
export function trimCell(s: string): string {
  return s.length && (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32) ? s.trim() : s;
}

/**
 * A decimal number literal as a number; NaN if `s` is not one. `+s` alone would also take
 * `0x1F`, `0b1`, `0o7` and `Infinity`; rejecting those by hand is several times faster than
 * a regular expression on every cell.
 */
export function parseNumberCell(s: string): number {
  const v = +s;
  if (!Number.isFinite(v)) {
    return Number.NaN;
  }
  const start = s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43 ? 1 : 0;
  if (s.length > start + 1 && s.charCodeAt(start) === 48) {
    const c = s.charCodeAt(start + 1) | 32; // lower-case
    if (c === 120 || c === 98 || c === 111) {
      return Number.NaN; // 0x, 0b, 0o
    }
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function validYmd(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) {
    return false;
  }
  const leap = m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0);
  return d <= DAYS_IN_MONTH[m - 1] + (leap ? 1 : 0);
}

/** A `YYYYMMDD` or ISO 8601 date as epoch milliseconds (UTC when no zone); NaN otherwise. */
export function parseDateCell(s: string): number {
  if (s.length === 8) {
    let v = 0;
    for (let i = 0; i < 8; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) {
        return Number.NaN;
      }
      v = v * 10 + c;
    }
    const y = Math.floor(v / 10000);
    const m = Math.floor(v / 100) % 100;
    const d = v % 100;
    return y >= 1000 && validYmd(y, m, d) ? utcDate(y, m, d) : Number.NaN;
  }
  const match = ISO_DATE_RE.exec(s);
  if (!match) {
    return Number.NaN;
  }
  const [, ys, ms, ds, hh, mi, ss, frac, zone] = match;
  const y = +ys;
  const m = +ms;
  const d = +ds;
  if (!validYmd(y, m, d)) {
    return Number.NaN;
  }
  const h = hh ? +hh : 0;
  const min = mi ? +mi : 0;
  const sec = ss ? +ss : 0;
  if (h > 23 || min > 59 || sec > 59) {
    return Number.NaN;
  }
  const msec = frac ? Math.floor(+`0.${frac}` * 1000) : 0;
  let t = Date.UTC(y, m - 1, d, h, min, sec, msec);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (+digits.slice(0, 2) * 60 + +digits.slice(2)) * 60_000;
  }
  return t;
}

/** `true`/`false` (any case) as 1/0; -1 otherwise. */
export function parseBooleanCell(s: string): number {
  if (s.length === 4 && s.toLowerCase() === 'true') {
    return 1;
  }
  if (s.length === 5 && s.toLowerCase() === 'false') {
    return 0;
  }
  return -1;
}

/**
 * Whether a header names a date: `date`, `day` or `time` as a word of it, in any case
 * (`DATE`, `obs_date`, `Day`, `startTime`, `time-utc`; not `update`, `days` or `timestamp`).
 * Only such a column's `YYYYMMDD` integers are inferred as dates: elsewhere an 8-digit id
 * or code that happens to be a valid date keeps its integer type (pandas never guesses
 * dates unless asked). ISO 8601 dates are inferred whatever the header.
 */
export function namesADate(header: string): boolean {
  return header
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z]+/)
    .some(word => /^(date|day|time)$/i.test(word));
}

/**
 * The narrowest type that fits every non-null sample value of column `c`:
 * date > boolean > integer > number > string. Integers with a leading zero (`007`, ZIP
 * codes) or beyond 2^53 make the column a string, since a number would lose digits.
 * `YYYYMMDD` integers count as dates only when `compactDates` (see {@link namesADate}).
 */
export function inferType(
  sample: string[][],
  c: number,
  nulls: ReadonlySet<string>,
  compactDates: boolean
): ColumnType {
  let date = true;
  let bool = true;
  let integer = true;
  let num = true;
  let any = false;
  for (const row of sample) {
    const raw = row[c];
    if (raw === undefined) {
      continue;
    }
    const s = trimCell(raw);
    if (nulls.has(s)) {
      continue;
    }
    any = true;
    // An 8-character date can only be YYYYMMDD (ISO 8601 has dashes).
    if (date && ((!compactDates && s.length === 8) || Number.isNaN(parseDateCell(s)))) {
      date = false;
    }
    if (bool && parseBooleanCell(s) < 0) {
      bool = false;
    }
    if (num && !NUMBER_RE.test(s)) {
      num = false;
      integer = false;
    }
    if (num && INTEGER_RE.test(s)) {
      const digits = s[0] === '-' || s[0] === '+' ? s.slice(1) : s;
      if ((digits.length > 1 && digits[0] === '0') || !Number.isSafeInteger(+s)) {
        num = false; // zero-padded codes and huge ids stay text: a number would lose digits
        integer = false;
      }
    } else {
      integer = false;
    }
    if (!date && !bool && !num) {
      return 'string';
    }
  }
  if (!any) {
    return 'string';
  }
  return date ? 'date' : bool ? 'boolean' : integer ? 'integer' : num ? 'number' : 'string';
}
