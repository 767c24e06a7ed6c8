/**
 * A token was rejected (HTTP 401) and it is past its known expiry: the user must renew it.
 */
import { GlobusKitError, hasErrorName } from './globus-kit-error';

/** Where the tokens came from; decides the remedy we suggest. */
export type CredentialSource = 'hub' | 'standalone' | 'explicit' | 'unknown';

/** What a `TokenExpiredError` carries. */
export interface ITokenExpiredErrorInit {
  /** Resource server of the expired token, e.g. `transfer.api.globus.org`. */
  resourceServer: string;
  /** When it expired (unknown when the service rejected a token with no known expiry). */
  expiredAt?: Date;
  /** The token's redacted fingerprint. */
  fingerprint?: string;
  /** Where the tokens came from. */
  source?: CredentialSource;
  /** What we were doing, e.g. `Transfer ls`. */
  operation?: string;
  cause?: unknown;
}

/** The remedy text for each credential source. */
export const TOKEN_RENEWAL_REMEDY: Readonly<Record<CredentialSource, string>> = {
  hub: "On JupyterHub: run connect() again (it takes the hub's current tokens when the hub shares them); if they have expired too, restart your server from the hub control panel (File > Hub Control Panel), or log out of the hub and log in again, then reconnect.",
  standalone: 'Refresh the login from the Globus sidebar (or log in again), then reconnect.',
  explicit: 'Obtain fresh tokens and call connect() again.',
  unknown:
    'On JupyterHub: restart your server from the hub control panel or log in again. On your own JupyterLab: refresh or log in again from the Globus sidebar. Then reconnect.'
};

/**
 * A service rejected a token that is past `expiresAt`: says which token, since when, and
 * how to renew it.
 */
export class TokenExpiredError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Login expired';
  }

  /** Resource server of the expired token. */
  readonly resourceServer: string;
  /** Expiry time, if known. */
  readonly expiredAt: Date | undefined;
  /** Redacted fingerprint of the token. */
  readonly fingerprint: string | undefined;
  /** How to renew it. */
  readonly remedy: string;

  /**
   * @param init - which token, since when, where it came from
   */
  constructor(init: ITokenExpiredErrorInit) {
    const remedy = TOKEN_RENEWAL_REMEDY[init.source ?? 'unknown'];
    const since = init.expiredAt ? ` since ${init.expiredAt.toISOString()}` : '';
    const fp = init.fingerprint ? ` (token ${init.fingerprint}…)` : '';
    const op = init.operation ? `${init.operation} failed: ` : '';
    super(`${op}the token for ${init.resourceServer}${fp} has expired${since}. ${remedy}`, {
      code: 'TOKEN_EXPIRED',
      cause: init.cause
    });
    this.name = 'TokenExpiredError';
    this.resourceServer = init.resourceServer;
    this.expiredAt = init.expiredAt;
    this.fingerprint = init.fingerprint;
    this.remedy = remedy;
  }
}

const NAMES = new Set(['TokenExpiredError']);

/**
 * Whether `value` is a `TokenExpiredError` (by `instanceof` or by `name`).
 *
 * @param value - anything caught
 */
export function isTokenExpiredError(value: unknown): value is TokenExpiredError {
  return value instanceof TokenExpiredError || hasErrorName(value, NAMES);
}
