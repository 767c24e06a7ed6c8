/**
 * Errors of the OIDC provider profile (`connectOidc`): one class with a stable `code` and a
 * `remedy` sentence, like `LoginError`, so a cell and the sidebar can say what to do next.
 */
import { GlobusKitError, hasErrorName } from '../errors/globus-kit-error';

/** Stable codes of {@link OidcError}. */
export type OidcErrorCode =
  /** No issuer (or no client id) given and none in the environment. */
  | 'OIDC_NOT_CONFIGURED'
  /** A plain-http issuer that is not on a loopback address. */
  | 'OIDC_INSECURE_ISSUER'
  /** `/.well-known/openid-configuration` could not be fetched or is not valid metadata. */
  | 'OIDC_DISCOVERY_FAILED'
  /** The token endpoint refused the client credentials or the request. */
  | 'OIDC_TOKEN_FAILED'
  /** No usable login: never logged in, logged out, or the refresh token was refused. */
  | 'OIDC_LOGIN_REQUIRED'
  /** The authorization code exchange failed (wrong code, state or verifier). */
  | 'OIDC_LOGIN_FAILED'
  /** `login.complete(code)` without a login started (or it expired). */
  | 'OIDC_NO_PENDING_LOGIN'
  /** The id_token failed verification against the provider's JWKS. */
  | 'OIDC_ID_TOKEN_INVALID'
  /** The userinfo endpoint refused the token or answered something unusable. */
  | 'OIDC_USERINFO_FAILED';

/** What an {@link OidcError} carries. */
export interface IOidcErrorInit {
  /** Stable code. */
  code: OidcErrorCode;
  /** What happened (never a token or secret). */
  message: string;
  /** What the user should do. */
  remedy: string;
  /** The OAuth `error` code the provider answered, if any (e.g. `invalid_grant`). */
  oauthError?: string;
  /** HTTP status of the provider's answer, if any. */
  status?: number;
  /** The underlying error. */
  cause?: unknown;
}

/** The remedy for every "log in again" situation of an OIDC session. */
export const OIDC_RELOGIN_REMEDY =
  'Log in again: run `await oidc.login()` in a cell, open the link, then `await oidc.login.complete(code)` (or use the provider’s login in the sidebar).';

/**
 * An OIDC discovery, token, login or userinfo problem, with the remedy in the message.
 */
export class OidcError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Login with your identity provider failed';
  }

  /** What the user should do. */
  readonly remedy: string;
  /** The provider's OAuth `error` code, if it gave one. */
  readonly oauthError: string | undefined;
  /** HTTP status of the provider's answer, if any. */
  readonly status: number | undefined;

  /**
   * @param init - code, message, remedy
   */
  constructor(init: IOidcErrorInit) {
    super(`${init.message} ${init.remedy}`, { code: init.code, cause: init.cause });
    this.name = 'OidcError';
    this.remedy = init.remedy;
    this.oauthError = init.oauthError;
    this.status = init.status;
  }
}

const NAMES = new Set(['OidcError']);

/**
 * Whether `value` is an {@link OidcError} (by `instanceof` or by `name`).
 *
 * @param value - anything caught
 */
export function isOidcError(value: unknown): value is OidcError {
  return value instanceof OidcError || hasErrorName(value, NAMES);
}
