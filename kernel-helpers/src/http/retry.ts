/**
 * Retry policy for transient Globus failures: which responses are worth retrying, and how
 * long to wait (exponential backoff with jitter, `Retry-After` honoured), bounded in
 * attempts and in total time.
 */

/** Bounds and timing of retries. */
export interface IRetryPolicy {
  /** Total attempts including the first (default 4). */
  maxAttempts: number;
  /** First backoff step in ms (default 250). */
  baseDelayMs: number;
  /** Largest single wait in ms (default 8000). */
  maxDelayMs: number;
  /** Give up when the next wait would end later than this after the first attempt (default 30000). */
  maxTotalMs: number;
  /** Random source in [0, 1) for jitter (default `Math.random`; tests pin it). */
  random: () => number;
}

/** The defaults. */
export const DEFAULT_RETRY_POLICY: Readonly<IRetryPolicy> = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxTotalMs: 30000,
  random: Math.random
};

/**
 * Merge a partial policy over the defaults.
 *
 * @param partial - overrides
 */
export function resolveRetryPolicy(partial: Partial<IRetryPolicy> = {}): IRetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...partial };
}

/**
 * Backoff before retry number `retry` (1 = the first retry): an exponential step, half of
 * it fixed and half random ("equal jitter"), capped at `maxDelayMs`.
 *
 * @param retry - 1-based retry number
 * @param policy - the policy
 */
export function backoffDelayMs(retry: number, policy: IRetryPolicy): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + policy.random() * (step / 2));
}

/**
 * Parse a `Retry-After` header (delta seconds or an HTTP date) into milliseconds from
 * `now`; `undefined` when absent or unparseable; never negative.
 *
 * @param value - the header value
 * @param now - current time in ms
 */
export function parseRetryAfterMs(
  value: string | null | undefined,
  now = Date.now()
): number | undefined {
  if (!value) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    return Math.round(Number(trimmed) * 1000);
  }
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) {
    return undefined;
  }
  return Math.max(0, date - now);
}

/**
 * Whether a response status (with the service's error code) is worth retrying.
 *
 * 429 and 5xx are transient, except Transfer's `ExternalError*` / `EndpointError*` codes,
 * which describe the storage side and will fail the same way again (the official SDKs'
 * rule).
 *
 * @param status - HTTP status
 * @param globusCode - the service's error code, if any
 */
export function isRetryableStatus(status: number, globusCode?: string): boolean {
  if (status !== 429 && (status < 500 || status > 599)) {
    return false;
  }
  if (globusCode && /(^|\.)(ExternalError|EndpointError)/.test(globusCode)) {
    return false;
  }
  return true;
}
