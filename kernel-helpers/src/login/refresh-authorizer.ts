/**
 * Keeps a standalone login's access tokens fresh: before a call, a token that expires
 * within `windowSeconds` is renewed with its refresh token; a call answered 401 is
 * renewed and repeated once. Every refresh happens under the token file's lock and writes
 * the (rotated) refresh token back, so two kernels or scripts never both use the same
 * refresh token: whoever takes the lock second finds the file already renewed and adopts
 * that token instead of refreshing again.
 *
 * The same role as the Globus SDK's `RefreshTokenAuthorizer` with `on_refresh` writing to
 * token storage.
 */
import { isGlobusApiError } from '../errors/api-error';
import { isTokenExpiredError } from '../errors/token-expired-error';
import { Token } from '../tokens/token';
import { LoginError, RELOGIN_REMEDY } from './login-error';
import { refreshTokens, storedTokensOf } from './oauth';
import { IStoredToken, TokenFile } from './token-file';

/** Runs a call with the freshest token of its resource server. */
export interface IRequestAuthorizer {
  /**
   * Call `call` with a fresh token in place of `token`; on a 401, renew and call once more.
   *
   * @param token - the token the caller picked (or none, for anonymous calls)
   * @param call - the request
   */
  run<T>(token: Token | undefined, call: (token: Token | undefined) => Promise<T>): Promise<T>;
}

/** Options of {@link RefreshAuthorizer}. */
export interface IRefreshAuthorizerOptions {
  /** The token file to read from and write back to. */
  file: TokenFile;
  /** Renew a token that expires within this many seconds (default 60). */
  windowSeconds?: number;
  /** The `expiring` window of the tokens it hands out (display only). */
  expiringWindowSeconds?: number;
}

/**
 * The refresh-token authorizer of a stored login.
 */
export class RefreshAuthorizer implements IRequestAuthorizer {
  /** The token file. */
  readonly file: TokenFile;
  /** Renewal window in seconds. */
  readonly windowSeconds: number;
  /** Refresh grants this authorizer sent to Auth (tests and diagnostics). */
  refreshCount = 0;
  readonly #current = new Map<string, Token>();
  readonly #inflight = new Map<string, Promise<Token>>();
  readonly #expiringWindowSeconds: number | undefined;

  /**
   * @param options - token file and window
   */
  constructor(options: IRefreshAuthorizerOptions) {
    this.file = options.file;
    this.windowSeconds = options.windowSeconds ?? 60;
    this.#expiringWindowSeconds = options.expiringWindowSeconds;
  }

  /** @inheritdoc */
  async run<T>(
    token: Token | undefined,
    call: (token: Token | undefined) => Promise<T>
  ): Promise<T> {
    if (!token) {
      return call(token);
    }
    let fresh = await this.current(token);
    try {
      return await call(fresh);
    } catch (error) {
      const unauthorized =
        isTokenExpiredError(error) || (isGlobusApiError(error) && error.status === 401);
      if (!unauthorized || !fresh.hasRefreshToken) {
        throw error;
      }
      fresh = await this.refresh(fresh);
      return call(fresh);
    }
  }

  /**
   * The newest token for `token`'s resource server, renewed first when it is about to expire.
   *
   * @param token - a token of the session
   */
  async current(token: Token): Promise<Token> {
    const latest = this.#current.get(token.resourceServer) ?? token;
    const left = latest.expiresInSeconds();
    if (latest.hasRefreshToken && left !== undefined && left <= this.windowSeconds) {
      return this.refresh(latest);
    }
    return latest;
  }

  /**
   * Renew `stale` (once per resource server at a time in this process; under the file lock
   * across processes).
   *
   * @param stale - the token that is expiring or was rejected
   * @throws LoginError `LOGIN_REQUIRED` when the login is gone or the refresh token is refused
   */
  refresh(stale: Token): Promise<Token> {
    const rs = stale.resourceServer;
    let pending = this.#inflight.get(rs);
    if (!pending) {
      pending = this.#refreshLocked(stale).finally(() => this.#inflight.delete(rs));
      this.#inflight.set(rs, pending);
    }
    return pending;
  }

  async #refreshLocked(stale: Token): Promise<Token> {
    const rs = stale.resourceServer;
    let result: IStoredToken | undefined;
    await this.file.update(async doc => {
      const entry = doc?.tokens[rs];
      if (!doc || !entry) {
        throw new LoginError({
          code: 'LOGIN_REQUIRED',
          message: `The stored Globus login has no token for ${rs} any more (logged out?).`,
          remedy: RELOGIN_REMEDY
        });
      }
      const nowSeconds = Date.now() / 1000;
      const someoneElseRenewed =
        entry.access_token !== stale.unsafeRevealAccessToken() &&
        (entry.expires_at_seconds === null ||
          entry.expires_at_seconds - nowSeconds > this.windowSeconds);
      if (someoneElseRenewed) {
        result = entry;
        return undefined;
      }
      if (!entry.refresh_token) {
        throw new LoginError({
          code: 'LOGIN_REQUIRED',
          message: `The token for ${rs} has expired and the login holds no refresh token.`,
          remedy: RELOGIN_REMEDY
        });
      }
      this.refreshCount++;
      const response = await refreshTokens({
        authBaseUrl: doc.auth_base_url,
        clientId: doc.client_id,
        refreshToken: entry.refresh_token,
        resourceServer: rs
      });
      const renewed = storedTokensOf(response).find(t => t.resource_server === rs);
      if (!renewed) {
        throw new LoginError({
          code: 'LOGIN_REQUIRED',
          message: `Globus Auth renewed the login but returned no token for ${rs}.`,
          remedy: RELOGIN_REMEDY
        });
      }
      // Auth normally rotates the refresh token; if it does not, keep the one we have.
      renewed.refresh_token ??= entry.refresh_token;
      result = renewed;
      return { ...doc, tokens: { ...doc.tokens, [rs]: renewed } };
    });
    const token = tokenFromStored(result as IStoredToken, this.#expiringWindowSeconds);
    this.#current.set(rs, token);
    return token;
  }
}

/**
 * A `Token` from a stored token.
 *
 * @param t - the stored token
 * @param expiringWindowSeconds - display window
 */
export function tokenFromStored(t: IStoredToken, expiringWindowSeconds?: number): Token {
  return new Token(
    {
      resourceServer: t.resource_server,
      accessToken: t.access_token,
      refreshToken: t.refresh_token ?? undefined,
      scope: t.scope,
      expiresAtSeconds: t.expires_at_seconds ?? undefined,
      tokenType: t.token_type
    },
    { expiringWindowSeconds }
  );
}
