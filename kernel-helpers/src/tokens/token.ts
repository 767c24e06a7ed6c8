/**
 * One Globus access token, for exactly one resource server, that never shows its secret.
 *
 * The raw value lives in a private field and leaves the object only through
 * `unsafeRevealAccessToken()`, which the HTTP layer calls to build the `Authorization`
 * header. Every other view (`util.inspect`, `toString`, `toJSON`, tslab display, errors)
 * shows a fingerprint: the first 8 hex digits of the token's SHA-256.
 */
import { createHash } from 'node:crypto';
import { inspect, InspectOptions } from 'node:util';
import { IScope, parseScopes, formatScopes } from './scopes';

/** Expiry status of a token at a point in time. */
export type TokenStatus = 'valid' | 'expiring' | 'expired' | 'unknown';

/** Where `expiresAt` came from. */
export type ExpirySource = 'expires_at_seconds' | 'issued_at_plus_expires_in' | 'unknown';

/** The fields a token is built from (the shape of a normalised GLOBUS_DATA token). */
export interface ITokenInit {
  /** The resource server it is issued for (`transfer.api.globus.org`, a collection id, …). */
  resourceServer: string;
  /** The secret. */
  accessToken: string;
  /** Space-separated scope string as issued. */
  scope: string;
  /** Absolute expiry (epoch seconds), when the source recorded it. */
  expiresAtSeconds?: number;
  /** Lifetime in seconds, as in the token response. */
  expiresIn?: number;
  /** When the token response was issued (epoch seconds; e.g. the id_token's `iat`). */
  issuedAtSeconds?: number;
  /** Refresh token, when offline access was granted. */
  refreshToken?: string;
  /** Usually `Bearer`. */
  tokenType?: string;
}

/** Options for a token. */
export interface ITokenOptions {
  /** A token is `expiring` when it expires within this many seconds (default 300). */
  expiringWindowSeconds?: number;
}

/** Options for a status query. */
export interface ITokenStatusOptions {
  /** The time to judge at (default: now). */
  now?: Date | number;
  /** Override the expiring window for this query, in seconds. */
  expiringWindowSeconds?: number;
}

/** The redacted, serialisable view of a token. */
export interface ITokenSummary {
  resourceServer: string;
  scopes: string[];
  expiresAt: string | null;
  expiresAtSource: ExpirySource;
  status: TokenStatus;
  hasRefreshToken: boolean;
  tokenType: string;
  fingerprint: string;
}

/** Default window for `expiring`, in seconds. */
export const DEFAULT_EXPIRING_WINDOW_SECONDS = 300;

/**
 * The first 8 hex digits of the SHA-256 of a secret: enough to tell tokens apart, useless
 * to an attacker.
 *
 * @param secret - the raw token
 */
export function fingerprintOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 8);
}

/**
 * An access token for one resource server, with parsed scopes, a known-or-unknown expiry,
 * and redaction in every display.
 */
export class Token {
  /** The resource server it is issued for. */
  readonly resourceServer: string;
  /** Parsed scopes. */
  readonly scopes: readonly IScope[];
  /** When it expires; `undefined` when the source did not say (never guessed). */
  readonly expiresAt: Date | undefined;
  /** Where `expiresAt` came from. */
  readonly expiresAtSource: ExpirySource;
  /** Whether a refresh token came with it. */
  readonly hasRefreshToken: boolean;
  /** Token type, usually `Bearer`. */
  readonly tokenType: string;
  /** First 8 hex digits of the token's SHA-256. */
  readonly fingerprint: string;
  /** Default `expiring` window for `status()`, in seconds. */
  readonly expiringWindowSeconds: number;

  readonly #accessToken: string;
  readonly #refreshToken: string | undefined;

  /**
   * @param init - the token's fields (the secret is kept private)
   * @param options - the `expiring` window
   */
  constructor(init: ITokenInit, options: ITokenOptions = {}) {
    this.resourceServer = init.resourceServer;
    this.#accessToken = init.accessToken;
    this.#refreshToken = init.refreshToken || undefined;
    this.hasRefreshToken = Boolean(init.refreshToken);
    this.tokenType = init.tokenType || 'Bearer';
    this.fingerprint = fingerprintOf(init.accessToken);
    this.expiringWindowSeconds = options.expiringWindowSeconds ?? DEFAULT_EXPIRING_WINDOW_SECONDS;
    this.scopes = parseScopesLeniently(init.scope);
    const absolute = expiryDate(init.expiresAtSeconds);
    const relative =
      isFiniteNumber(init.issuedAtSeconds) && isFiniteNumber(init.expiresIn)
        ? expiryDate(init.issuedAtSeconds + init.expiresIn)
        : undefined;
    if (absolute) {
      this.expiresAt = absolute;
      this.expiresAtSource = 'expires_at_seconds';
    } else if (relative) {
      this.expiresAt = relative;
      this.expiresAtSource = 'issued_at_plus_expires_in';
    } else {
      this.expiresAt = undefined;
      this.expiresAtSource = 'unknown';
    }
  }

  /** The scope names (top level) as strings. */
  get scopeNames(): string[] {
    return this.scopes.map(s => s.name);
  }

  /** The scope string (re-serialised). */
  get scopeString(): string {
    return formatScopes(this.scopes);
  }

  /**
   * Whether the token carries the scope `name` at top level.
   *
   * @param name - a scope name (dependencies ignored)
   */
  hasScope(name: string): boolean {
    return this.scopes.some(s => s.name === name);
  }

  /**
   * Seconds until expiry (negative when past); `undefined` when unknown.
   *
   * @param now - the time to measure from (default: now)
   */
  expiresInSeconds(now: Date | number = Date.now()): number | undefined {
    if (!this.expiresAt) {
      return undefined;
    }
    return Math.floor((this.expiresAt.getTime() - toMillis(now)) / 1000);
  }

  /**
   * `valid`, `expiring` (within the window), `expired`, or `unknown` (no expiry known).
   *
   * @param options - the time to judge at and the window
   */
  status(options: ITokenStatusOptions = {}): TokenStatus {
    if (!this.expiresAt) {
      return 'unknown';
    }
    const now = toMillis(options.now ?? Date.now());
    const left = this.expiresAt.getTime() - now;
    if (left <= 0) {
      return 'expired';
    }
    const window = (options.expiringWindowSeconds ?? this.expiringWindowSeconds) * 1000;
    return left <= window ? 'expiring' : 'valid';
  }

  /**
   * Whether the token is past its known expiry.
   *
   * @param now - the time to judge at (default: now)
   */
  isExpired(now: Date | number = Date.now()): boolean {
    return this.status({ now }) === 'expired';
  }

  /**
   * The raw access token. Only the HTTP layer calls this, to build an `Authorization`
   * header; never print, log or store what it returns.
   */
  unsafeRevealAccessToken(): string {
    return this.#accessToken;
  }

  /**
   * The raw refresh token, if any. Only a token-refresh flow may call this.
   */
  unsafeRevealRefreshToken(): string | undefined {
    return this.#refreshToken;
  }

  /** The redacted, JSON-safe view. */
  toJSON(): ITokenSummary {
    return {
      resourceServer: this.resourceServer,
      scopes: this.scopeNames,
      expiresAt: this.expiresAt ? this.expiresAt.toISOString() : null,
      expiresAtSource: this.expiresAtSource,
      status: this.status(),
      hasRefreshToken: this.hasRefreshToken,
      tokenType: this.tokenType,
      fingerprint: this.fingerprint
    };
  }

  /** `Token(<resource server>, <status>, sha256:<fingerprint>…)` */
  toString(): string {
    return `Token(${this.resourceServer}, ${this.status()}, sha256:${this.fingerprint}…)`;
  }

  /** Redacted `util.inspect` / console / tslab view. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `Token ${inspect(this.toJSON(), { ...options, depth: 2 })}`;
  }
}

/** Largest distance from the epoch a `Date` can hold, in ms (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/**
 * An expiry time in epoch seconds as a `Date`, or `undefined` (unknown) when it is not a
 * number, not finite (`NaN`, `±Infinity`, as a hand-edited or garbled source can hold) or
 * beyond what a `Date` holds, so every view of it (status, countdown, `toJSON`) stays
 * defined: an invalid `Date` would make `toISOString()` throw and countdowns `NaN`.
 *
 * @param seconds - epoch seconds, or anything
 */
export function expiryDate(seconds: unknown): Date | undefined {
  if (!isFiniteNumber(seconds)) {
    return undefined;
  }
  const ms = seconds * 1000;
  return Math.abs(ms) <= MAX_DATE_MS ? new Date(ms) : undefined;
}

/**
 * A number of seconds when it is a finite number, else `undefined` (unknown).
 *
 * @param value - anything
 */
export function finiteSeconds(value: unknown): number | undefined {
  return isFiniteNumber(value) ? value : undefined;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function toMillis(t: Date | number): number {
  return typeof t === 'number' ? t : t.getTime();
}

// Module internals (not exported).
/**
 * Parse a token's scope string; a malformed one (seen only in hand-edited data) degrades
 * to whitespace-split names instead of making the whole session unusable.
 */
function parseScopesLeniently(scope: string): IScope[] {
  try {
    return parseScopes(scope ?? '');
  } catch {
    return String(scope ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map(name => ({ name, optional: false, dependencies: [] }));
  }
}
