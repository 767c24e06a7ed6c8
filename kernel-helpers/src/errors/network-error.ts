/**
 * Failures below HTTP: the connection failed or was reset, a body was cut short, the
 * request took too long, or the caller aborted it.
 */
import { CANCELLED_MESSAGE, GlobusKitError, hasErrorName } from './globus-kit-error';

/** Options for network-level errors. */
export interface INetworkErrorOptions {
  /** `NETWORK_ERROR` (default), `CONNECTION_RESET`, `TRUNCATED_BODY`, … */
  code?: string;
  /** The request's URL (never carries a token). */
  url?: string;
  cause?: unknown;
}

/**
 * The request could not complete at the network level (DNS, refused, reset, truncated body).
 */
export class NetworkError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Network problem';
  }

  /** The request's URL. */
  readonly url: string | undefined;

  /**
   * @param message - what failed, and that retrying later may help
   * @param options - `code`, `url`, `cause`
   */
  constructor(message: string, options: INetworkErrorOptions = {}) {
    super(message, { code: options.code ?? 'NETWORK_ERROR', cause: options.cause });
    this.name = 'NetworkError';
    this.url = options.url;
  }
}

/**
 * The request did not finish within its time limit.
 */
export class TimeoutError extends NetworkError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * @param message - which request timed out
   * @param timeoutMs - the limit
   * @param options - `url`, `cause`
   */
  constructor(message: string, timeoutMs: number, options: INetworkErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? 'TIMEOUT' });
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The caller aborted the operation through its `AbortSignal`.
 *
 * Compatible with the platform's abort errors: `name` is `AbortError` and `code` is
 * `ABORT_ERR`, so code that checks either keeps working.
 */
export class AbortError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Cancelled';
  }

  /** A cancel is not a failure: what happened, not the low-level message. */
  override get displayMessage(): string {
    return CANCELLED_MESSAGE;
  }

  /**
   * @param message - what was aborted
   * @param options - `cause` (the signal's reason)
   */
  constructor(message = 'The operation was aborted', options: { cause?: unknown } = {}) {
    super(message, { code: 'ABORT_ERR', cause: options.cause });
    this.name = 'AbortError';
  }
}

const NETWORK_NAMES = new Set(['NetworkError', 'TimeoutError']);
const TIMEOUT_NAMES = new Set(['TimeoutError']);

/**
 * Whether `value` is a `NetworkError` (including `TimeoutError`), by `instanceof` or `name`.
 *
 * @param value - anything caught
 */
export function isNetworkError(value: unknown): value is NetworkError {
  return value instanceof NetworkError || hasErrorName(value, NETWORK_NAMES);
}

/**
 * Whether `value` is a `TimeoutError`, by `instanceof` or `name`.
 *
 * @param value - anything caught
 */
export function isTimeoutError(value: unknown): value is TimeoutError {
  return value instanceof TimeoutError || hasErrorName(value, TIMEOUT_NAMES);
}

/**
 * Whether `value` is an abort: our `AbortError`, or any error named `AbortError` (the
 * platform's `DOMException` from `fetch` or `AbortSignal.abort()`).
 *
 * @param value - anything caught
 */
export function isAbortError(value: unknown): value is Error {
  return (
    value instanceof AbortError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'AbortError')
  );
}
