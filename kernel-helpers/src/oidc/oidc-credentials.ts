/**
 * Keeps an OIDC session's access token fresh: renewed before it expires and once after a
 * 401. A client-credentials session simply asks for a new token; a stored (PKCE) login
 * renews with its refresh token under the token file's lock and writes the rotated
 * refresh token back — whoever takes the lock second adopts the renewed token instead of
 * spending the dead one, exactly as the Globus `RefreshAuthorizer` does, so the kernel and
 * the server extension can share one login.
 */
import type { IStoredIdentity, IStoredToken, ITokenFileDocument } from '../login/token-file';
import { tokenFromStored } from '../login/refresh-authorizer';
import { TokenFile } from '../login/token-file';
import { Token } from '../tokens/token';
import { OIDC_RESOURCE_SERVER } from './oidc-config';
import { OIDC_RELOGIN_REMEDY, OidcError } from './oidc-error';
import type { IOidcTokenGrant, OidcProvider } from './oidc-provider';

/** Where an OIDC session's token comes from. */
export type OidcCredentialSource = 'client-credentials' | 'stored-login' | 'none';

/** Options of {@link OidcCredentials}. */
export interface IOidcCredentialsOptions {
  /** Scopes of client-credentials grants. */
  scopes: readonly string[];
  /** The stored-login token file. */
  file: TokenFile;
  /** Renew a token that expires within this many seconds (default 60; at most a quarter of its lifetime). */
  windowSeconds?: number;
}

/**
 * The token holder of one OIDC session (holds secrets in private fields only).
 */
export class OidcCredentials {
  /** The stored-login token file. */
  readonly file: TokenFile;
  /** Token renewals done by this holder (tests and diagnostics). */
  refreshCount = 0;
  readonly #provider: OidcProvider;
  readonly #scopes: readonly string[];
  readonly #window: number;
  #source: OidcCredentialSource = 'none';
  #token: Token | undefined;
  #lifetime: number | undefined;
  #identity: IStoredIdentity | null = null;
  #idTokenVerified = false;
  #inflight: Promise<Token> | undefined;

  /**
   * @param provider - the discovered provider
   * @param options - scopes, token file, renewal window
   */
  constructor(provider: OidcProvider, options: IOidcCredentialsOptions) {
    this.#provider = provider;
    this.#scopes = options.scopes;
    this.file = options.file;
    this.#window = options.windowSeconds ?? 60;
  }

  /** Where the current token came from. */
  get source(): OidcCredentialSource {
    return this.#source;
  }

  /** The current access token (redacted in every view), if any. */
  get token(): Token | undefined {
    return this.#token;
  }

  /** Who the id_token (verified against the JWKS) or the stored login names. */
  get identity(): IStoredIdentity | null {
    return this.#identity;
  }

  /** Whether the identity comes from an id_token whose signature was checked in this process. */
  get idTokenVerified(): boolean {
    return this.#idTokenVerified;
  }

  /**
   * Get a token with the client credentials grant and use it from now on.
   *
   * @throws OidcError `OIDC_TOKEN_FAILED`
   */
  async useClientCredentials(): Promise<Token> {
    const grant = await this.#provider.clientCredentials(this.#scopes);
    this.#source = 'client-credentials';
    this.#adopt(grant);
    return this.#token as Token;
  }

  /**
   * Use the stored login of this issuer and client, when the token file holds one.
   *
   * @returns whether one was found
   */
  async useStoredLogin(): Promise<boolean> {
    const doc = await this.file.read();
    const entry = this.#storedEntry(doc);
    if (!doc || !entry) {
      return false;
    }
    this.#source = 'stored-login';
    this.#token = tokenOf(entry);
    this.#lifetime = undefined;
    this.#identity = doc.identity;
    this.#idTokenVerified = false;
    return true;
  }

  /**
   * Adopt the tokens of a completed login (already written to the token file).
   *
   * @param grant - the token response
   */
  adoptLogin(grant: IOidcTokenGrant): void {
    this.#source = 'stored-login';
    this.#adopt(grant);
  }

  /** Forget the token (after a logout). */
  clear(): void {
    this.#source = 'none';
    this.#token = undefined;
    this.#identity = null;
    this.#idTokenVerified = false;
  }

  /**
   * A token that does not expire within the renewal window.
   *
   * @throws OidcError `OIDC_LOGIN_REQUIRED` when there is none and none can be had
   */
  async fresh(): Promise<Token> {
    const token = this.#token;
    if (!token) {
      throw loginRequired(
        'This OIDC session holds no token (no client secret and no stored login).'
      );
    }
    const left = token.expiresInSeconds();
    const window = Math.min(this.#window, this.#lifetime ? this.#lifetime / 4 : this.#window);
    return left !== undefined && left <= window ? this.renew(token) : token;
  }

  /**
   * Renew `stale` (once at a time in this process; under the file lock across processes).
   *
   * @param stale - the token that is expiring or was refused
   */
  renew(stale: Token): Promise<Token> {
    this.#inflight ??= this.#renew(stale).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /**
   * Run `call` with a fresh access token; when `isUnauthorized(error)` says the token was
   * refused, renew it and run once more.
   *
   * @param call - gets the raw access token (never print it)
   * @param isUnauthorized - whether an error means "token refused"
   */
  async run<T>(
    call: (accessToken: string) => Promise<T>,
    isUnauthorized: (error: unknown) => boolean
  ): Promise<T> {
    let token = await this.fresh();
    try {
      return await call(token.unsafeRevealAccessToken());
    } catch (error) {
      if (!isUnauthorized(error)) {
        throw error;
      }
      token = await this.renew(token);
      return call(token.unsafeRevealAccessToken());
    }
  }

  async #renew(stale: Token): Promise<Token> {
    if (this.#source === 'client-credentials') {
      this.refreshCount++;
      return this.useClientCredentials();
    }
    if (this.#source !== 'stored-login') {
      throw loginRequired('This OIDC session holds no token.');
    }
    let grant: IOidcTokenGrant | undefined;
    let adopted: IStoredToken | undefined;
    let doc: ITokenFileDocument | undefined;
    await this.file.update(async current => {
      const entry = this.#storedEntry(current);
      if (!current || !entry) {
        throw loginRequired('The stored OIDC login is gone (logged out?).');
      }
      const now = Date.now() / 1000;
      if (
        entry.access_token !== stale.unsafeRevealAccessToken() &&
        (entry.expires_at_seconds === null || entry.expires_at_seconds - now > 5)
      ) {
        adopted = entry; // someone else (the server, another kernel) renewed it already
        return undefined;
      }
      if (!entry.refresh_token) {
        throw loginRequired('The OIDC token has expired and the login holds no refresh token.');
      }
      this.refreshCount++;
      grant = await this.#provider.refresh(entry.refresh_token);
      const renewed = storedOf(grant);
      // A provider that does not rotate refresh tokens keeps the one we have.
      renewed.refresh_token ??= entry.refresh_token;
      doc = {
        ...current,
        id_token: grant.id_token ?? current.id_token,
        identity: identityOf(grant.claims) ?? current.identity,
        tokens: { ...current.tokens, [OIDC_RESOURCE_SERVER]: renewed }
      };
      return doc;
    });
    if (grant) {
      this.#adopt(grant);
    } else if (adopted) {
      this.#token = tokenOf(adopted);
    }
    return this.#token as Token;
  }

  #adopt(grant: IOidcTokenGrant): void {
    this.#token = tokenOf(storedOf(grant));
    this.#lifetime = grant.expires_in;
    const identity = identityOf(grant.claims);
    if (identity) {
      this.#identity = identity;
      this.#idTokenVerified = true;
    }
  }

  #storedEntry(doc: ITokenFileDocument | undefined): IStoredToken | undefined {
    if (
      !doc ||
      doc.client_id !== this.#provider.clientId ||
      doc.auth_base_url !== this.#provider.issuer
    ) {
      return undefined;
    }
    return doc.tokens[OIDC_RESOURCE_SERVER];
  }
}

/**
 * The token-file entry of a token response.
 *
 * @param grant - the token response
 */
export function storedOf(grant: IOidcTokenGrant): IStoredToken {
  return {
    resource_server: OIDC_RESOURCE_SERVER,
    access_token: grant.access_token,
    refresh_token: grant.refresh_token ?? null,
    scope: grant.scope ?? '',
    expires_at_seconds:
      grant.expires_in !== undefined ? Math.floor(Date.now() / 1000) + grant.expires_in : null,
    token_type: grant.token_type || 'Bearer'
  };
}

/**
 * The identity named by verified id_token claims.
 *
 * @param claims - the claims (undefined: no id_token)
 */
export function identityOf(claims: Record<string, unknown> | undefined): IStoredIdentity | null {
  if (!claims || typeof claims.sub !== 'string') {
    return null;
  }
  const out: IStoredIdentity = { sub: claims.sub };
  for (const key of ['preferred_username', 'name', 'email'] as const) {
    if (typeof claims[key] === 'string') {
      out[key] = claims[key];
    }
  }
  return out;
}

function tokenOf(t: IStoredToken): Token {
  return tokenFromStored(t, 60);
}

function loginRequired(what: string): OidcError {
  return new OidcError({ code: 'OIDC_LOGIN_REQUIRED', message: what, remedy: OIDC_RELOGIN_REMEDY });
}
