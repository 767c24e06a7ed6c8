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

/** What a notebook shows for a cancel (our `AbortError` or the platform's). */
export const CANCELLED_MESSAGE = 'The operation was cancelled; nothing partial was kept.';

/** A link that fixes the problem an error describes (shown only when it is http(s)). */
export interface IErrorLink {
  label: string;
  url: string;
}

/**
 * Base class of every error kernel-helpers throws.
 *
 * Each class says how a notebook shows it (`displayTitle`, `displayMessage`,
 * `displayLink`: getters on the prototype, so they are not own properties and never
 * serialised), and display/error-html.ts knows only this base class.
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

  /** The title a notebook shows above the message (display/error-html.ts). */
  get displayTitle(): string {
    return this.code === 'NO_CREDENTIALS' ? 'No Globus credentials' : 'Error';
  }

  /** The message a notebook shows (it names the remedy and never a token). */
  get displayMessage(): string {
    return this.message;
  }

  /** A link that fixes the problem, if there is one. */
  get displayLink(): IErrorLink | undefined {
    return undefined;
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
