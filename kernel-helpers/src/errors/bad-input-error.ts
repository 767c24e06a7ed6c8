/**
 * The caller passed something the library cannot use (a malformed scope string, a relative
 * path where an absolute one is needed, an unknown option value).
 */
import { GlobusKitError, hasErrorName } from './globus-kit-error';

/**
 * Bad input from the caller; the message says which argument and what was expected.
 */
export class BadInputError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Bad input';
  }

  /**
   * @param message - which input is wrong and what is expected (never echo a secret)
   * @param options - `code` (default `BAD_INPUT`) and `cause`
   */
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'BAD_INPUT', cause: options.cause });
    this.name = 'BadInputError';
  }
}

const NAMES = new Set(['BadInputError']);

/**
 * Whether `value` is a `BadInputError` (by `instanceof` or by `name`).
 *
 * @param value - anything caught
 */
export function isBadInputError(value: unknown): value is BadInputError {
  return value instanceof BadInputError || hasErrorName(value, NAMES);
}
