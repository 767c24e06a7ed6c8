/**
 * The fault rule format: what a rules file, the admin route and `FaultEngine.add()` accept,
 * and its validation. Rules come from files and HTTP bodies, so every field is checked and
 * a bad one is reported by name (`FaultRuleError.field`), never silently ignored.
 */
import { readFile } from 'node:fs/promises';

/** The kinds of fault the engine can inject. */
export type FaultKind = 'latency' | 'status' | 'reset' | 'truncate' | 'bandwidth' | 'expireToken';

/** Fields every rule has: which requests it matches and how often it fires. */
export interface IFaultMatch {
  /** Stable id; assigned (`f1`, `f2`, …) when omitted. */
  id?: string;
  /** Service name or glob: `auth`, `transfer`, `groups`, `gcs:<collection id>`, `gcs:*`, `*`. Default `*`. */
  service?: string;
  /** HTTP method (case-insensitive) or `*`. Default `*`. */
  method?: string;
  /**
   * Path glob, matched against the path without query string: `*` matches within one
   * segment, `**` matches across segments. Default: every path.
   */
  path?: string;
  /** A JavaScript regular expression source matched against the path (instead of `path`). */
  pathRegex?: string;
  /** How many requests the rule disturbs before it stops. Omitted = unlimited. */
  count?: number;
  /** Chance in (0, 1] that a matching request is disturbed, drawn from the seeded PRNG. Default 1. */
  probability?: number;
}

/** Adds `ms` of delay before the request is handled. */
export interface ILatencyFault extends IFaultMatch {
  kind: 'latency';
  ms: number;
}

/** Answers with the given status, headers and body instead of the service. */
export interface IStatusFault extends IFaultMatch {
  kind: 'status';
  status: number;
  /** Extra response headers, e.g. `{ "Retry-After": "2" }`. */
  headers?: Record<string, string>;
  /** A JSON body. Omitted (with no `bodyText`): an error in the service's own format. */
  body?: unknown;
  /** A raw text body, sent verbatim (e.g. malformed JSON). Wins over `body`. */
  bodyText?: string;
  /** `code` of the generated service-format error body (only when neither body is given). */
  code?: string;
  /** `message` of the generated service-format error body. */
  message?: string;
}

/** Destroys the connection before any response is sent. */
export interface IResetFault extends IFaultMatch {
  kind: 'reset';
}

/** Sends the real headers and the first `bytes` bytes of the real body, then destroys the connection. */
export interface ITruncateFault extends IFaultMatch {
  kind: 'truncate';
  bytes: number;
}

/** Caps the real response body at `bytesPerSecond`. */
export interface IBandwidthFault extends IFaultMatch {
  kind: 'bandwidth';
  bytesPerSecond: number;
}

/** Expires the request's bearer token now, then lets the service answer (401 as for any expired token). */
export interface IExpireTokenFault extends IFaultMatch {
  kind: 'expireToken';
}

/** One fault rule, as written in a rules file or posted to the admin route. */
export type IFaultRule =
  ILatencyFault | IStatusFault | IResetFault | ITruncateFault | IBandwidthFault | IExpireTokenFault;

/** A rule as `FaultEngine.list()` reports it: the rule plus how often it has fired. */
export type IFaultRuleState = IFaultRule & {
  id: string;
  /** Requests disturbed so far. */
  hits: number;
  /** Requests it may still disturb; `null` = unlimited. */
  remaining: number | null;
  /** When it was added, epoch ms on the emulator clock. */
  addedAt: number;
};

/** A rules file or rule object is invalid. */
export class FaultRuleError extends Error {
  /** Stable error code. */
  readonly code = 'FaultRuleInvalid';

  /**
   * @param field - the offending field, as a path (`rules[2].status`)
   * @param message - what is wrong with it
   */
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(`Invalid fault rule field '${field}': ${message}`, options);
    this.name = 'FaultRuleError';
  }
}

/** Largest latency a rule may add (10 minutes), so nothing waits unboundedly. */
export const maxLatencyMs = 600_000;
/** Largest number of rules the engine holds. */
export const maxRules = 1000;

const kinds: readonly FaultKind[] = [
  'latency',
  'status',
  'reset',
  'truncate',
  'bandwidth',
  'expireToken'
];

const commonFields = ['id', 'service', 'method', 'path', 'pathRegex', 'count', 'probability'];
const kindFields: Record<FaultKind, string[]> = {
  latency: ['ms'],
  status: ['status', 'headers', 'body', 'bodyText', 'code', 'message'],
  reset: [],
  truncate: ['bytes'],
  bandwidth: ['bytesPerSecond'],
  expireToken: []
};

/**
 * Validates one rule object and returns it typed. Unknown fields are errors: a typo such
 * as `"cout": 1` would otherwise turn a one-shot fault into an unlimited one.
 * @param value - the parsed JSON value
 * @param where - the field path prefix used in error messages (`rules[0]`)
 */
export function parseFaultRule(value: unknown, where = 'rule'): IFaultRule {
  if (!isObject(value)) throw new FaultRuleError(where, 'must be an object');
  const kind = value.kind;
  if (typeof kind !== 'string' || !(kinds as readonly string[]).includes(kind)) {
    throw new FaultRuleError(`${where}.kind`, `must be one of ${kinds.join(', ')}`);
  }
  const k = kind as FaultKind;
  const allowed = new Set(['kind', ...commonFields, ...kindFields[k]]);
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) {
      throw new FaultRuleError(`${where}.${key}`, `is not a field of a '${k}' rule`);
    }
  }
  optString(value, 'id', where);
  optString(value, 'service', where);
  optString(value, 'method', where);
  optString(value, 'path', where);
  optString(value, 'pathRegex', where);
  if (value.path !== undefined && value.pathRegex !== undefined) {
    throw new FaultRuleError(`${where}.pathRegex`, "give either 'path' or 'pathRegex', not both");
  }
  if (typeof value.path === 'string' && !value.path.startsWith('/') && value.path !== '*') {
    throw new FaultRuleError(`${where}.path`, "must start with '/' (or be '*')");
  }
  if (typeof value.pathRegex === 'string') {
    try {
      new RegExp(value.pathRegex);
    } catch (e) {
      throw new FaultRuleError(`${where}.pathRegex`, 'is not a valid regular expression', {
        cause: e
      });
    }
  }
  if (value.count !== undefined) integer(value, 'count', where, 1, Number.MAX_SAFE_INTEGER);
  if (value.probability !== undefined) {
    const p = value.probability;
    if (typeof p !== 'number' || !(p > 0 && p <= 1)) {
      throw new FaultRuleError(`${where}.probability`, 'must be a number in (0, 1]');
    }
  }
  switch (k) {
    case 'latency':
      integer(value, 'ms', where, 0, maxLatencyMs);
      break;
    case 'status':
      integer(value, 'status', where, 100, 599);
      if (value.headers !== undefined) {
        if (!isObject(value.headers)) {
          throw new FaultRuleError(`${where}.headers`, 'must be an object of strings');
        }
        for (const [name, v] of Object.entries(value.headers)) {
          if (typeof v !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
            throw new FaultRuleError(
              `${where}.headers.${name}`,
              'must be a valid header name with a string value'
            );
          }
          if (/[\r\n]/.test(v)) {
            throw new FaultRuleError(`${where}.headers.${name}`, 'must not contain line breaks');
          }
        }
      }
      optString(value, 'bodyText', where);
      optString(value, 'code', where);
      optString(value, 'message', where);
      break;
    case 'truncate':
      integer(value, 'bytes', where, 0, Number.MAX_SAFE_INTEGER);
      break;
    case 'bandwidth':
      integer(value, 'bytesPerSecond', where, 1, Number.MAX_SAFE_INTEGER);
      break;
    case 'reset':
    case 'expireToken':
      break;
  }
  return value as unknown as IFaultRule;
}

/**
 * Validates a rules document: either an array of rules or `{ "rules": [...] }`.
 * @param value - the parsed JSON value
 */
export function parseFaultRules(value: unknown): IFaultRule[] {
  let list: unknown = value;
  if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (key !== 'rules')
        throw new FaultRuleError(key, "is not a field of a rules file (only 'rules')");
    }
    list = value.rules;
  }
  if (!Array.isArray(list)) {
    throw new FaultRuleError('rules', 'must be an array of rules (or the file an object with one)');
  }
  if (list.length > maxRules) {
    throw new FaultRuleError('rules', `must hold at most ${maxRules} rules`);
  }
  return list.map((r, i) => parseFaultRule(r, `rules[${i}]`));
}

/**
 * Reads and validates a JSON rules file (the CLI's `--faults FILE`).
 * @param file - path of the JSON file
 * @throws FaultRuleError when the file is unreadable, not JSON, or a rule is invalid
 */
export async function loadFaultRules(file: string): Promise<IFaultRule[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new FaultRuleError('file', `cannot read the rules file: ${(e as Error).message}`, {
      cause: e
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FaultRuleError('file', `is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseFaultRules(json);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(obj: Record<string, unknown>, key: string, where: string): void {
  if (obj[key] !== undefined && typeof obj[key] !== 'string') {
    throw new FaultRuleError(`${where}.${key}`, 'must be a string');
  }
}

function integer(
  obj: Record<string, unknown>,
  key: string,
  where: string,
  min: number,
  max: number
): void {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new FaultRuleError(`${where}.${key}`, `must be an integer from ${min} to ${max}`);
  }
}
