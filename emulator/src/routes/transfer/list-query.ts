/**
 * Transfer's list query grammar, for `ls` and `task_list`: `filter` clauses
 * (`name:~*.csv/type:file`, `/` = AND, `,` = OR within a clause, repeated `filter` params
 * ANDed) and `orderby` (`name ASC,size DESC`). Pure functions over documents, so they are
 * unit-tested without HTTP. Malformed input throws `ListQueryError` (a 400 to the client).
 */
import { globToRegExp } from '../../state/name-glob.js';

/** A malformed `filter` or `orderby`. */
export class ListQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListQueryError';
  }
}

type Doc = Record<string, unknown>;
type Predicate = (doc: Doc) => boolean;

/** How each filterable field compares. */
/** `label`: as `name`, but `~` ignores case (task_list's label filter, per Transfer's docs). */
export type FieldKind = 'name' | 'label' | 'enum' | 'number' | 'time' | 'text';

/** String operators on a value: `=x`/`x` equal, `~glob`, `!x` not equal, `!~glob`. */
function stringPredicate(field: string, value: string, ignoreCase = false): Predicate {
  const alternatives = value.split(',').map(v => {
    let negate = false;
    let op = v;
    if (op.startsWith('!')) {
      negate = true;
      op = op.slice(1);
    }
    let test: (s: string) => boolean;
    if (op.startsWith('~')) {
      const glob = globToRegExp(op.slice(1));
      const re = ignoreCase ? new RegExp(glob.source, `${glob.flags}i`) : glob;
      test = s => re.test(s);
    } else {
      const exact = op.startsWith('=') ? op.slice(1) : op;
      test = s => s === exact;
    }
    return (doc: Doc) => {
      const r = test(String(doc[field] ?? ''));
      return negate ? !r : r;
    };
  });
  return doc => alternatives.some(p => p(doc));
}

function numberPredicate(field: string, value: string): Predicate {
  const m = /^(>=|<=|>|<|=)?(\d+)$/.exec(value);
  if (m) {
    const n = Number(m[2]);
    const op = m[1] ?? '=';
    return doc => {
      const v = Number(doc[field]);
      return op === '>='
        ? v >= n
        : op === '<='
          ? v <= n
          : op === '>'
            ? v > n
            : op === '<'
              ? v < n
              : v === n;
    };
  }
  const range = /^(\d*),(\d*)$/.exec(value);
  if (!range) throw new ListQueryError(`Invalid ${field} filter '${value}'`);
  const lo = range[1] === '' ? -Infinity : Number(range[1]);
  const hi = range[2] === '' ? Infinity : Number(range[2]);
  return doc => Number(doc[field]) >= lo && Number(doc[field]) <= hi;
}

function parseTime(field: string, s: string): number {
  const t = Date.parse(s.includes('T') || !s.includes(' ') ? s : s.replace(' ', 'T'));
  if (Number.isNaN(t)) throw new ListQueryError(`Invalid ${field} bound '${s}'`);
  return t;
}

function timePredicate(field: string, value: string): Predicate {
  const parts = value.split(',');
  if (parts.length > 2) throw new ListQueryError(`Invalid ${field} range '${value}'`);
  const lo = parts[0] ? parseTime(field, parts[0]) : -Infinity;
  const hi = parts.length === 2 && parts[1] ? parseTime(field, parts[1]) : Infinity;
  return doc => {
    const raw = doc[field];
    if (typeof raw !== 'string') return false;
    const t = parseTime(field, raw);
    return t >= lo && t <= hi;
  };
}

/**
 * Compiles `filter` parameters into one predicate.
 * @param filters - every `filter` query value
 * @param fields - the filterable fields and how they compare
 * @throws ListQueryError on unknown fields or malformed values
 */
export function compileFilter(filters: string[], fields: Record<string, FieldKind>): Predicate {
  const preds: Predicate[] = [];
  for (const filter of filters) {
    for (const clause of filter.split('/')) {
      if (!clause) continue;
      const i = clause.indexOf(':');
      if (i <= 0) throw new ListQueryError(`Invalid filter clause '${clause.slice(0, 80)}'`);
      const field = clause.slice(0, i);
      const value = clause.slice(i + 1);
      const kind = fields[field];
      if (!kind) throw new ListQueryError(`Unknown filter field '${field.slice(0, 40)}'`);
      if (kind === 'number') preds.push(numberPredicate(field, value));
      else if (kind === 'time') preds.push(timePredicate(field, value));
      else if (kind === 'enum') {
        const allowed = new Set(value.split(','));
        preds.push(doc => allowed.has(String(doc[field])));
      } else preds.push(stringPredicate(field, value, kind === 'label'));
    }
  }
  return doc => preds.every(p => p(doc));
}

/**
 * Compiles an `orderby` parameter into a comparator.
 * @param orderby - `field [ASC|DESC]`, comma-separated
 * @param fields - sortable fields
 * @param fallback - the default order when `orderby` is absent
 * @throws ListQueryError on unknown fields or directions
 */
export function compileOrder(
  orderby: string | null,
  fields: readonly string[],
  fallback: string
): (a: Doc, b: Doc) => number {
  const keys = (orderby || fallback).split(',').map(part => {
    const [field, dir = 'ASC', ...rest] = part.trim().split(/\s+/);
    if (!fields.includes(field) || rest.length || !/^(ASC|DESC)$/i.test(dir)) {
      throw new ListQueryError(`Invalid orderby '${part.trim().slice(0, 60)}'`);
    }
    return { field, sign: dir.toUpperCase() === 'DESC' ? -1 : 1 };
  });
  return (a, b) => {
    for (const { field, sign } of keys) {
      const x = a[field];
      const y = b[field];
      if (x === y) continue;
      if (x === null || x === undefined) return sign;
      if (y === null || y === undefined) return -sign;
      const c =
        typeof x === 'number' && typeof y === 'number'
          ? x - y
          : String(x) < String(y)
            ? -1
            : String(x) > String(y)
              ? 1
              : 0;
      if (c) return c * sign;
    }
    return 0;
  };
}

/**
 * The fields that `filter` parameters read (call after `compileFilter` has validated them).
 * @param filters - every `filter` query value
 */
export function filterFieldsOf(filters: string[]): Set<string> {
  const out = new Set<string>();
  for (const filter of filters) {
    for (const clause of filter.split('/')) {
      if (clause) out.add(clause.slice(0, clause.indexOf(':')));
    }
  }
  return out;
}

/**
 * The fields an `orderby` sorts on (call after `compileOrder` has validated it).
 * @param orderby - `field [ASC|DESC]`, comma-separated
 * @param fallback - the default order when `orderby` is absent
 */
export function orderFieldsOf(orderby: string | null, fallback: string): Set<string> {
  return new Set((orderby || fallback).split(',').map(part => part.trim().split(/\s+/)[0]));
}

/** Filterable fields of `ls` entries. */
export const lsFilterFields: Record<string, FieldKind> = {
  name: 'name',
  type: 'enum',
  size: 'number',
  last_modified: 'time',
  permissions: 'text',
  user: 'text',
  group: 'text'
};

/** Sortable fields of `ls` entries. */
export const lsOrderFields = [
  'name',
  'type',
  'size',
  'last_modified',
  'permissions',
  'user',
  'group'
];

/** Filterable fields of `task_list`. */
export const taskFilterFields: Record<string, FieldKind> = {
  task_id: 'enum',
  status: 'enum',
  type: 'enum',
  label: 'label',
  request_time: 'time',
  completion_time: 'time'
};

/** Sortable fields of `task_list`. */
export const taskOrderFields = [
  'request_time',
  'completion_time',
  'label',
  'status',
  'type',
  'task_id',
  'bytes_transferred',
  'files'
];
