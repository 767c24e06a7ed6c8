/**
 * The root of the kernel-helpers error family.
 *
 * Every error the library throws is a `GlobusKitError` (or a subclass) carrying a stable
 * `code` that notebook code and tests can switch on; the original error, when there is
 * one, sits in `cause`. Messages name the request and the remedy and never contain a
 * token: whoever builds a message from server text must scrub it first (see
 * `redactSecrets`).
 */

/** Options accepted by every error of the family. */
export interface IGlobusKitErrorOptions {
  /** Stable machine-readable code, e.g. `NO_CREDENTIALS`. */
  code?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Base class of every error kernel-helpers throws.
 */
export class GlobusKitError extends Error {
  /** Stable machine-readable code (never localised, never changes between versions). */
  readonly code: string;

  /**
   * @param message - what failed and what to do about it (never a token)
   * @param options - `code` and `cause`
   */
  constructor(message: string, options: IGlobusKitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GlobusKitError';
    this.code = options.code ?? 'GLOBUS_KIT_ERROR';
  }
}

/** Names used by the family; the guards accept any of them (errors crossing realms lose `instanceof`). */
const FAMILY_NAMES = new Set([
  'GlobusKitError',
  'GlobusApiError',
  'ConsentRequiredError',
  'TokenExpiredError',
  'NetworkError',
  'TimeoutError',
  'AbortError',
  'BadInputError',
  'GlobusDataError',
  'CsvError'
]);

/**
 * Whether `value` is an error of the kernel-helpers family.
 *
 * Checks `instanceof` or, for errors from another copy of the library, the `name` and a
 * string `code`.
 *
 * @param value - anything caught
 */
export function isGlobusKitError(value: unknown): value is GlobusKitError {
  if (value instanceof GlobusKitError) {
    return true;
  }
  return hasErrorName(value, FAMILY_NAMES);
}

/**
 * Whether `value` looks like an error of the family with one of `names`: an object with
 * that `name` and a string `code`. Used by the `is…()` guards next to `instanceof`.
 *
 * @param value - anything caught
 * @param names - accepted `name` values
 */
export function hasErrorName(value: unknown, names: ReadonlySet<string>): boolean {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { name, code } = value as { name?: unknown; code?: unknown };
  return typeof name === 'string' && names.has(name) && typeof code === 'string';
}

/**
 * Replace every occurrence of the given secrets in `text` by `[redacted]`.
 *
 * Used wherever server-provided text (which might echo a header) goes into a message.
 *
 * @param text - text to clean
 * @param secrets - raw secret strings (empty strings are ignored)
 */
export function redactSecrets(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) {
      out = out.split(secret).join('[redacted]');
    }
  }
  return out;
}
