/**
 * `GLOBUS_DATA` (or another pickled auth state) could not be decoded safely.
 *
 * One class for every way the text can be wrong — bad base64, a pickle that would load a
 * Python class, a truncated or oversized pickle, an auth state of an unknown shape — told
 * apart by `reason`. Messages name the opcode, byte offset or key path, never a value:
 * the input carries access tokens.
 */
import { GlobusKitError, hasErrorName } from './globus-kit-error';

/**
 * Why decoding failed (stable strings; tests and callers may switch on them).
 *
 * - `empty` — the text is empty or only whitespace.
 * - `bad-base64` — characters outside the base64 alphabets, or an impossible length.
 * - `too-large` — the decoded pickle exceeds the input size limit.
 * - `unsupported-opcode` — an opcode that builds objects or calls code (GLOBAL, REDUCE,
 *   …), or a type outside plain data (sets); `opcode` names it.
 * - `unknown-opcode` — a byte that is no pickle opcode at all.
 * - `unsupported-protocol` — PROTO above 5.
 * - `truncated` — the pickle ends inside an opcode or before STOP.
 * - `bad-value` — an opcode argument is malformed (a non-number INT line, bad UTF-8, …).
 * - `bad-stack` — an opcode finds the wrong things on the stack (APPEND to a dict, an odd
 *   number of dict items, values left over at STOP).
 * - `bad-key` — a dict key that is not a string (JSON-typed data has only string keys).
 * - `bad-memo` — GET of a memo slot that was never PUT.
 * - `memo-limit` — more memo entries than the limit.
 * - `too-deep` — nesting deeper than the limit.
 * - `too-many-values` — the value expands to more than the limit when shared references
 *   are followed (a "billion laughs" built from DUP or memo GET).
 * - `cycle` — a container that contains itself (no JSON value can).
 * - `trailing-data` — bytes after STOP.
 * - `bad-shape` — the pickle is plain data but not an auth state we understand; `path`
 *   names the offending key.
 */
export type GlobusDataErrorReason =
  | 'empty'
  | 'bad-base64'
  | 'too-large'
  | 'unsupported-opcode'
  | 'unknown-opcode'
  | 'unsupported-protocol'
  | 'truncated'
  | 'bad-value'
  | 'bad-stack'
  | 'bad-key'
  | 'bad-memo'
  | 'memo-limit'
  | 'too-deep'
  | 'too-many-values'
  | 'cycle'
  | 'trailing-data'
  | 'bad-shape';

/** Options for {@link GlobusDataError}. */
export interface IGlobusDataErrorOptions {
  /** Why decoding failed. */
  reason: GlobusDataErrorReason;
  /** The pickle opcode's name (e.g. `STACK_GLOBAL`), where one is to blame. */
  opcode?: string;
  /** Byte offset of that opcode in the decoded pickle. */
  offset?: number;
  /** Key path in the decoded value (e.g. `tokens['transfer.api.globus.org'].access_token`). */
  path?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * `GLOBUS_DATA` is not a safe, well-formed pickled auth state. `code` is always
 * `GLOBUS_DATA_INVALID`; `reason` says what exactly.
 */
export class GlobusDataError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Could not read the Globus login data';
  }

  /** Why decoding failed. */
  readonly reason: GlobusDataErrorReason;
  /** The opcode to blame, if any. */
  readonly opcode?: string;
  /** Byte offset of that opcode in the decoded pickle, if any. */
  readonly offset?: number;
  /** Key path of the offending value, for `bad-shape`. */
  readonly path?: string;

  /**
   * @param message - what is wrong, naming opcodes, offsets or key paths — never values
   * @param options - `reason` and where it happened
   */
  constructor(message: string, options: IGlobusDataErrorOptions) {
    super(message, { code: 'GLOBUS_DATA_INVALID', cause: options.cause });
    this.name = 'GlobusDataError';
    this.reason = options.reason;
    if (options.opcode !== undefined) {
      this.opcode = options.opcode;
    }
    if (options.offset !== undefined) {
      this.offset = options.offset;
    }
    if (options.path !== undefined) {
      this.path = options.path;
    }
  }
}

const NAMES = new Set(['GlobusDataError']);

/**
 * Whether `value` is a {@link GlobusDataError} (by `instanceof` or by `name`).
 *
 * @param value - anything caught
 */
export function isGlobusDataError(value: unknown): value is GlobusDataError {
  return value instanceof GlobusDataError || hasErrorName(value, NAMES);
}
