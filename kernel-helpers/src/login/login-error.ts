/**
 * Errors of the standalone login and the token file: one class with a stable `code` and a
 * `remedy` sentence, so a cell, the sidebar and the server can all say what to do next.
 */
import { GlobusKitError, hasErrorName } from '../errors/globus-kit-error';

/** Stable codes of {@link LoginError}. */
export type LoginErrorCode =
  /** The token file is not JSON or not an object; it was moved aside. */
  | 'TOKEN_FILE_CORRUPT'
  /** The token file is JSON but not ours; it was moved aside. */
  | 'TOKEN_FILE_FOREIGN'
  /** The token file was written by a newer version; left untouched. */
  | 'TOKEN_FILE_UNSUPPORTED'
  /** Another process held the token file's lock for too long. */
  | 'TOKEN_FILE_LOCKED'
  /** No usable login: never logged in, logged out, or the refresh token was revoked. */
  | 'LOGIN_REQUIRED'
  /** `complete(code)` without a login started (or it expired). */
  | 'NO_PENDING_LOGIN'
  /** Auth refused the code or the request. */
  | 'LOGIN_FAILED'
  /** No native-app client id configured. */
  | 'NO_CLIENT_ID'
  /**
   * A login, completion or logout in a kernel started by a Jupyter server with the
   * extension: the server owns the login there (log in from the sidebar).
   */
  | 'LOGIN_ON_SERVER';

/** What a {@link LoginError} carries. */
export interface ILoginErrorInit {
  /** Stable code. */
  code: LoginErrorCode;
  /** What happened (never a token). */
  message: string;
  /** What the user should do. */
  remedy: string;
  /** Where a bad token file was moved to, if it was. */
  movedTo?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** The remedy for every "log in again" situation. */
export const RELOGIN_REMEDY =
  'Log in again: run `await login({ scopes })` in a cell and then `await login.complete(code)`.';

/**
 * A login or token-file problem, with the remedy in the message and in `remedy`.
 */
export class LoginError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Globus login problem';
  }

  /** What the user should do. */
  readonly remedy: string;
  /** Where a bad token file was moved to, if it was. */
  readonly movedTo: string | undefined;

  /**
   * @param init - code, message, remedy
   */
  constructor(init: ILoginErrorInit) {
    super(`${init.message} ${init.remedy}`, { code: init.code, cause: init.cause });
    this.name = 'LoginError';
    this.remedy = init.remedy;
    this.movedTo = init.movedTo;
  }
}

const NAMES = new Set(['LoginError']);

/**
 * Whether `value` is a {@link LoginError} (by `instanceof` or by `name`).
 *
 * @param value - anything caught
 */
export function isLoginError(value: unknown): value is LoginError {
  return value instanceof LoginError || hasErrorName(value, NAMES);
}
