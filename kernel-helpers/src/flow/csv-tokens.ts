/**
 * Byte-level CSV tokenizer and cell parsers: the fast path of `parseCsvStream`.
 *
 * Why this is hand-written: papaparse builds a JS string for every cell and an array for
 * every row, and the typing then parses those strings again; on a 100 MB, 1.25 M-row file
 * that was about three quarters of `fetchCsv`'s time. Here one chunk of raw bytes is cut
 * into records and fields as offsets (two `Int32Array`s), numbers and `YYYYMMDD` dates are
 * read straight from digit bytes, and a text cell becomes a string only when its bytes
 * differ from the previous row's.
 *
 * It handles only well-formed input — fields split by a one-byte delimiter, LF or CRLF
 * line ends, RFC 4180 quoted fields (doubled quotes inside) closed right before a
 * delimiter or line end — and answers "not mine" for anything else (a quote inside an
 * unquoted field, a stray CR, text after a closing quote, …). The caller then gives that
 * chunk to papaparse, which stays the reference for every irregular case, so the two paths
 * produce the same table by construction; a differential test checks it.
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Where each field and record of one chunk lies in its bytes (reused from chunk to chunk). */
export class CsvTokens {
  /** Start offset of each field's value (after an opening quote). */
  fieldStart = new Int32Array(0);
  /** End offset (exclusive) of each field's value (before a closing quote). */
  fieldEnd = new Int32Array(0);
  /** 1 when the field was quoted and holds doubled quotes to undo; 0 otherwise. */
  fieldEscaped = new Uint8Array(0);
  /** Index of each record's first field. */
  recordFirst = new Int32Array(0);
  /** Number of fields of each record. */
  recordFields = new Int32Array(0);
  /** Complete records found. */
  records = 0;
  /** Bytes up to the end of the last complete record (the rest is an unfinished record). */
  consumed = 0;

  /** Make room for a chunk of `bytes` bytes (at most one field and one record per byte, plus one). */
  reserve(bytes: number): void {
    const need = bytes + 2;
    if (this.fieldStart.length >= need) {
      return;
    }
    const cap = Math.max(need, this.fieldStart.length * 2);
    this.fieldStart = new Int32Array(cap);
    this.fieldEnd = new Int32Array(cap);
    this.fieldEscaped = new Uint8Array(cap);
    this.recordFirst = new Int32Array(cap);
    this.recordFields = new Int32Array(cap);
  }
}

/**
 * Cut `buf` into complete records, as papaparse would with the same delimiter and line end.
 *
 * A record is complete when its line end is in `buf`; what follows the last one is left
 * for the next chunk (`tokens.consumed` marks it). As papaparse does, a CR right before the
 * LF ending a record is not part of the last field when the line end is LF, and a quoted
 * field whose closing quote is the last byte is left unfinished.
 *
 * @param buf - the unfinished record carried from the previous chunk, then the new bytes
 * @param delimiter - the delimiter byte (ASCII, not a quote, CR or LF)
 * @param crlf - line ends are CRLF (else LF)
 * @param tokens - filled in
 * @returns `false` when the chunk holds something only papaparse should decide
 */
export function tokenizeChunk(
  buf: Buffer,
  delimiter: number,
  crlf: boolean,
  tokens: CsvTokens
): boolean {
  const n = buf.length;
  tokens.reserve(n);
  const starts = tokens.fieldStart;
  const ends = tokens.fieldEnd;
  const escaped = tokens.fieldEscaped;
  const recFirst = tokens.recordFirst;
  const recFields = tokens.recordFields;
  const special = specialBytes(delimiter);
  let records = 0;
  let field = 0;
  let pos = 0;
  let consumed = 0;
  records: while (pos < n) {
    const first = field;
    for (;;) {
      if (pos >= n) {
        break records; // ends in a delimiter: the record goes on in the next chunk
      }
      if (buf[pos] === QUOTE) {
        let q = quoteFrom(buf, pos + 1, n);
        let esc = 0;
        while (q !== -1 && q < n - 1 && buf[q + 1] === QUOTE) {
          esc = 1;
          q = quoteFrom(buf, q + 2, n);
        }
        if (q === -1 || q === n - 1) {
          break records; // not closed yet (or closed by the last byte: papaparse waits too)
        }
        const next = buf[q + 1];
        starts[field] = pos + 1;
        ends[field] = q;
        escaped[field] = esc;
        field++;
        if (next === delimiter) {
          pos = q + 2;
          continue;
        }
        let end: number;
        if (next === LF && !crlf) {
          end = q + 2;
        } else if (next === CR) {
          if (q + 2 >= n) {
            break records;
          }
          if (buf[q + 2] !== LF) {
            return false;
          }
          end = q + 3;
        } else {
          return false; // text after the closing quote: papaparse reports or keeps it
        }
        // A quoted last value ending in CR loses it, as parseCsvStream strips one from
        // every record's last value.
        if (ends[field - 1] > starts[field - 1] && buf[ends[field - 1] - 1] === CR) {
          ends[field - 1]--;
        }
        recFirst[records] = first;
        recFields[records] = field - first;
        records++;
        pos = end;
        consumed = end;
        continue records;
      }
      const start = pos;
      for (;;) {
        // Most bytes are ordinary: one table lookup each instead of four comparisons.
        while (pos < n && special[buf[pos]] === 0) {
          pos++;
        }
        if (pos >= n) {
          break records;
        }
        const b = buf[pos];
        if (b === delimiter) {
          starts[field] = start;
          ends[field] = pos;
          escaped[field] = 0;
          field++;
          pos++;
          break;
        }
        if (b === LF) {
          if (crlf) {
            return false; // a lone LF inside a CRLF file belongs to the field: papaparse's call
          }
          starts[field] = start;
          ends[field] = pos;
          escaped[field] = 0;
          field++;
          recFirst[records] = first;
          recFields[records] = field - first;
          records++;
          pos++;
          consumed = pos;
          continue records;
        }
        if (b === CR) {
          if (pos + 1 >= n) {
            break records;
          }
          if (buf[pos + 1] !== LF) {
            return false;
          }
          starts[field] = start;
          ends[field] = pos;
          escaped[field] = 0;
          field++;
          recFirst[records] = first;
          recFields[records] = field - first;
          records++;
          pos += 2;
          consumed = pos;
          continue records;
        }
        return false; // a quote inside an unquoted field
      }
    }
  }
  tokens.records = records;
  tokens.consumed = consumed;
  return true;
}

/** Bytes scanned in JS for a closing quote before handing the search to `indexOf`. */
const SHORT_SCAN = 64;

/**
 * Offset of the first quote in `buf[from, n)`, or -1. Most quoted cells are short, and for
 * them a plain loop is far cheaper than a `Buffer#indexOf` call per field (a native call
 * through argument checks; measured about a tenth of the parse on an all-quoted file);
 * long values still get `indexOf`'s memchr.
 */
function quoteFrom(buf: Buffer, from: number, n: number): number {
  const stop = Math.min(n, from + SHORT_SCAN);
  for (let i = from; i < stop; i++) {
    if (buf[i] === QUOTE) {
      return i;
    }
  }
  return stop < n ? buf.indexOf(QUOTE, stop) : -1;
}

let specialFor = -1;
let specialTable = new Uint8Array(256);

/** 1 for the bytes that end or quote an unquoted field (delimiter, LF, CR, quote). */
function specialBytes(delimiter: number): Uint8Array {
  if (specialFor !== delimiter) {
    specialTable = new Uint8Array(256);
    for (const b of [delimiter, LF, CR, QUOTE]) {
      specialTable[b] = 1;
    }
    specialFor = delimiter;
  }
  return specialTable;
}

/** A field's value as a string (undoing doubled quotes). */
export function fieldText(buf: Buffer, start: number, end: number, esc: number): string {
  const s = buf.toString('utf8', start, end);
  return esc ? s.replace(/""/g, '"') : s;
}

const POW10: number[] = [];
for (let i = 0, p = 1; i <= 22; i++, p *= 10) {
  POW10.push(p);
}

/**
 * The value of a plain decimal literal (`-12`, `0.85`, `1.5e3`, `+.5`) in `buf[start, end)`,
 * when it can be computed exactly without a string: at most 15 significant digits and a
 * power of ten within 10^±22, so one multiplication or division by an exact power of ten
 * rounds correctly and equals `Number(text)`. NaN means "not handled here": blanks, other
 * syntax, longer literals — the caller then parses the cell's text as before.
 */
export function bytesToNumber(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let neg = false;
  const c = buf[i];
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) {
    i++;
  }
  let m = 0;
  let digits = 0;
  let any = false;
  let frac = 0;
  while (i < end) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) {
      break;
    }
    m = m * 10 + d;
    if (m !== 0) {
      digits++;
    }
    any = true;
    i++;
  }
  if (i < end && buf[i] === 46) {
    i++;
    while (i < end) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) {
        break;
      }
      m = m * 10 + d;
      if (m !== 0) {
        digits++;
      }
      frac++;
      any = true;
      i++;
    }
  }
  if (!any || digits > 15) {
    return Number.NaN;
  }
  let exp = 0;
  if (i < end && (buf[i] | 32) === 101) {
    i++;
    let eneg = false;
    if (i < end && (buf[i] === 45 || buf[i] === 43)) {
      eneg = buf[i] === 45;
      i++;
    }
    const from = i;
    while (i < end) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9 || exp > 1000) {
        break;
      }
      exp = exp * 10 + d;
      i++;
    }
    if (i === from) {
      return Number.NaN;
    }
    if (eneg) {
      exp = -exp;
    }
  }
  if (i !== end) {
    return Number.NaN;
  }
  const p = exp - frac;
  let v: number;
  if (m === 0 || p === 0) {
    v = m;
  } else if (p > 0 && p <= 22) {
    v = m * POW10[p];
  } else if (p < 0 && p >= -22) {
    v = m / POW10[-p];
  } else {
    return Number.NaN;
  }
  return neg ? -v : v;
}

/**
 * `YYYYMMDD` of 8 digit bytes as `y * 10000 + m * 100 + d`; -1 when the 8 bytes are not
 * all digits. The caller checks the calendar.
 */
export function bytesToYmd(buf: Uint8Array, start: number): number {
  let v = 0;
  for (let i = start; i < start + 8; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) {
      return -1;
    }
    v = v * 10 + d;
  }
  return v;
}

/**
 * `Date.UTC(y, m - 1, d)` for a valid date of years 0–9999, by arithmetic (days from the
 * civil date, proleptic Gregorian like `Date`): the same number, without a call into the
 * runtime for each of a million date cells. The caller checks the calendar.
 */
export function utcDate(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yoe = year - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return (era * 146097 + doe - 719468) * 86400000;
}

/**
 * Whether the `len` bytes at `s` of `a` are the first `len` bytes of `b`, compared four at
 * a time (a DataView read is one load in optimised code): about twice as fast as a byte
 * loop on the 10–50-byte station ids and names a CSV repeats row after row.
 */
export function equalBytes(a: DataView, s: number, b: DataView, len: number): boolean {
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    if (a.getInt32(s + k) !== b.getInt32(k)) {
      return false;
    }
  }
  for (; k < len; k++) {
    if (a.getUint8(s + k) !== b.getUint8(k)) {
      return false;
    }
  }
  return true;
}
