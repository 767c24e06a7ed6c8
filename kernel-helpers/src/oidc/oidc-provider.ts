/**
 * One OIDC provider as the session uses it, on top of `openid-client` v6 (discovery,
 * grants, userinfo, revocation; the id_token's JWS checked against the provider's JWKS).
 *
 * `openid-client` 6 is ESM-only; Node ≥ 20.19 loads it from our CommonJS output, and a
 * dynamic `import()` keeps TypeScript (5.0 in tslab) from refusing a static ESM import.
 * None of its types appear in this package's public declarations.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 */
import { redactSecrets } from '../errors/globus-kit-error';
import { finiteSeconds } from '../tokens/token';
import { checkedProviderUrl } from './oidc-config';
import { OidcError, type OidcErrorCode } from './oidc-error';

/** Loads openid-client (a dynamic import: TypeScript types it without a static ESM import). */
const importOpenIdClient = () => import('openid-client');
type OpenIdClient = Awaited<ReturnType<typeof importOpenIdClient>>;
type Configuration = Awaited<ReturnType<OpenIdClient['discovery']>>;
/** jose (ESM-only too) for the id_token check. */
const importJose = () => import('jose');
type RemoteJwks = ReturnType<Awaited<ReturnType<typeof importJose>>['createRemoteJWKSet']>;

/** A token endpoint answer (holds secrets: never print it). */
export interface IOidcTokenGrant {
  access_token: string;
  refresh_token?: string;
  /** Lifetime in seconds. */
  expires_in?: number;
  scope?: string;
  token_type: string;
  /** Verified (signature, issuer, audience, expiry) when present. */
  id_token?: string;
  /** The verified id_token's claims. */
  claims?: Record<string, unknown>;
}

/** The standard claims the userinfo endpoint returns (others are kept). */
export interface IOidcUserinfo {
  sub: string;
  preferred_username?: string;
  name?: string;
  email?: string;
  email_verified?: boolean;
  [claim: string]: unknown;
}

/** The non-secret parts of the provider's metadata. */
export interface IOidcProviderMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  jwks_uri?: string;
  revocation_endpoint?: string;
  scopes_supported?: string[];
  grant_types_supported?: string[];
}

/** Options of {@link OidcProvider.discover}. */
export interface IOidcDiscoverOptions {
  issuer: string;
  clientId: string;
  /** Confidential clients only; kept inside openid-client's configuration. */
  clientSecret?: string;
  /** Per-request time limit in seconds (default 30). */
  timeoutSeconds?: number;
}

let loaded: Promise<OpenIdClient> | undefined;

/** Load openid-client once (ESM from CommonJS; see the module comment). */
function openIdClient(): Promise<OpenIdClient> {
  loaded ??= importOpenIdClient();
  return loaded;
}

/**
 * The discovered provider and this client's configuration for it.
 */
export class OidcProvider {
  /** The issuer, as given. */
  readonly issuer: string;
  /** The client id. */
  readonly clientId: string;
  /** Whether the client authenticates with a secret (client credentials possible). */
  readonly confidential: boolean;
  /** The provider's endpoints (no secrets). */
  readonly metadata: IOidcProviderMetadata;
  readonly #lib: OpenIdClient;
  readonly #config: Configuration;
  readonly #secret: string | undefined;
  #jwks: RemoteJwks | undefined;

  private constructor(lib: OpenIdClient, config: Configuration, options: IOidcDiscoverOptions) {
    this.#lib = lib;
    this.#config = config;
    this.#secret = options.clientSecret || undefined;
    this.issuer = options.issuer;
    this.clientId = options.clientId;
    this.confidential = Boolean(options.clientSecret);
    const m = config.serverMetadata();
    this.metadata = {
      issuer: m.issuer,
      authorization_endpoint: m.authorization_endpoint,
      token_endpoint: m.token_endpoint,
      userinfo_endpoint: m.userinfo_endpoint,
      jwks_uri: m.jwks_uri,
      revocation_endpoint: m.revocation_endpoint,
      scopes_supported: m.scopes_supported,
      grant_types_supported: m.grant_types_supported
    };
  }

  /**
   * Discover the provider from `{issuer}/.well-known/openid-configuration`.
   *
   * @param options - issuer, client, secret, time limit
   * @throws OidcError `OIDC_INSECURE_ISSUER`, `OIDC_DISCOVERY_FAILED`
   */
  static async discover(options: IOidcDiscoverOptions): Promise<OidcProvider> {
    const { url, insecure } = checkedProviderUrl(options.issuer, 'issuer');
    const lib = await openIdClient();
    const execute: ((c: Configuration) => void)[] = [lib.enableNonRepudiationChecks];
    if (insecure) {
      // Loopback only (checked above): the local emulator speaks plain http.
      execute.push(lib.allowInsecureRequests);
    }
    let config: Configuration;
    try {
      config = await lib.discovery(
        url,
        options.clientId,
        options.clientSecret || undefined,
        options.clientSecret ? undefined : lib.None(),
        { execute, timeout: options.timeoutSeconds ?? 30 }
      );
    } catch (error) {
      throw providerError(error, 'OIDC_DISCOVERY_FAILED', {
        what: `Discovery of ${url.origin}${url.pathname} failed`,
        remedy:
          'Check the issuer URL (GLOBUS_KIT_OIDC_ISSUER): {issuer}/.well-known/openid-configuration must answer JSON metadata whose issuer is exactly that URL.',
        secrets: [options.clientSecret]
      });
    }
    return new OidcProvider(lib, config, options);
  }

  /**
   * A client credentials grant (confidential clients).
   *
   * @param scopes - scopes to ask for
   * @throws OidcError `OIDC_TOKEN_FAILED`
   */
  async clientCredentials(scopes: readonly string[]): Promise<IOidcTokenGrant> {
    try {
      const r = await this.#lib.clientCredentialsGrant(this.#config, { scope: scopes.join(' ') });
      return await this.#verified(r);
    } catch (error) {
      throw providerError(error, 'OIDC_TOKEN_FAILED', {
        what: `The client credentials grant of client ${this.clientId} at ${this.issuer} failed`,
        remedy:
          'Check the client id and secret (GLOBUS_KIT_OIDC_CLIENT_ID, GLOBUS_KIT_OIDC_CLIENT_SECRET) and that the client may use the client credentials grant and these scopes.',
        secrets: [this.#secret]
      });
    }
  }

  /**
   * The authorize URL of a PKCE (S256) login.
   *
   * @param p - redirect, scopes, state and the PKCE challenge
   */
  authorizationUrl(p: {
    redirectUri: string;
    scopes: readonly string[];
    state: string;
    codeChallenge: string;
  }): string {
    return this.#lib
      .buildAuthorizationUrl(this.#config, {
        redirect_uri: p.redirectUri,
        scope: p.scopes.join(' '),
        state: p.state,
        code_challenge: p.codeChallenge,
        code_challenge_method: 'S256'
      })
      .toString();
  }

  /**
   * Exchange an authorization code (the redirect URL holding it) for tokens.
   *
   * @param currentUrl - the redirect URL with `code`, `state` (and `iss`)
   * @param checks - the PKCE verifier, expected state, whether an id_token must come
   * @throws OidcError `OIDC_LOGIN_FAILED`, `OIDC_ID_TOKEN_INVALID`
   */
  async exchangeCode(
    currentUrl: URL,
    checks: { verifier: string; state: string; idTokenExpected: boolean }
  ): Promise<IOidcTokenGrant> {
    try {
      const r = await this.#lib.authorizationCodeGrant(this.#config, currentUrl, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        idTokenExpected: checks.idTokenExpected
      });
      return await this.#verified(r);
    } catch (error) {
      throw providerError(error, 'OIDC_LOGIN_FAILED', {
        what: `The login at ${this.issuer} could not be completed`,
        remedy:
          'Start the login again with `await oidc.login()` and use the new code at once (a code works once, for a few minutes).',
        secrets: [this.#secret, checks.verifier, currentUrl.searchParams.get('code') ?? undefined]
      });
    }
  }

  /**
   * Renew tokens with a refresh token (the provider may rotate it).
   *
   * @param refreshToken - the refresh token
   * @throws OidcError `OIDC_LOGIN_REQUIRED` when refused, `OIDC_TOKEN_FAILED` otherwise
   */
  async refresh(refreshToken: string): Promise<IOidcTokenGrant> {
    try {
      const r = await this.#lib.refreshTokenGrant(this.#config, refreshToken);
      return await this.#verified(r);
    } catch (error) {
      const refused = oauthFieldsOf(error).error === 'invalid_grant';
      throw providerError(error, refused ? 'OIDC_LOGIN_REQUIRED' : 'OIDC_TOKEN_FAILED', {
        what: refused
          ? `${this.issuer} refused the stored refresh token (expired, revoked or already used)`
          : `Renewing the token at ${this.issuer} failed`,
        remedy: refused
          ? 'Log in again: run `await oidc.login()` in a cell, open the link, then `await oidc.login.complete(code)`.'
          : 'Try again; if it keeps failing, log in again with `await oidc.login()`.',
        secrets: [this.#secret, refreshToken]
      });
    }
  }

  /**
   * The userinfo of the token's subject.
   *
   * @param accessToken - the access token
   * @param expectedSub - the subject it must be (from the id_token), if known
   * @throws OidcError `OIDC_USERINFO_FAILED` (with `status` 401 when the token was refused)
   */
  async userinfo(accessToken: string, expectedSub?: string): Promise<IOidcUserinfo> {
    try {
      const r = await this.#lib.fetchUserInfo(
        this.#config,
        accessToken,
        expectedSub ?? this.#lib.skipSubjectCheck
      );
      return r as IOidcUserinfo;
    } catch (error) {
      throw providerError(error, 'OIDC_USERINFO_FAILED', {
        what: `The userinfo request to ${this.issuer} failed`,
        remedy: 'Check that the token holds the `openid` scope; log in again if it was revoked.',
        secrets: [accessToken, this.#secret]
      });
    }
  }

  /**
   * The grant with its id_token, if any, verified here: signature against the provider's
   * JWKS, issuer, audience (this client) and expiry. openid-client checks the id_token of a
   * code exchange, but not of every grant (a client-credentials answer's is not looked
   * at), and the identity the session shows comes from it.
   */
  async #verified(r: Parameters<typeof grantOf>[0]): Promise<IOidcTokenGrant> {
    if (!r.id_token) {
      return grantOf(r, undefined);
    }
    const remedy =
      'The provider’s id_token does not verify against its published keys: check the issuer URL, or report it to the provider.';
    if (!this.metadata.jwks_uri) {
      throw new OidcError({
        code: 'OIDC_ID_TOKEN_INVALID',
        message: `${this.issuer} sent an id_token but publishes no jwks_uri to check it.`,
        remedy
      });
    }
    try {
      const jose = await importJose();
      this.#jwks ??= jose.createRemoteJWKSet(new URL(this.metadata.jwks_uri), {
        timeoutDuration: 10_000
      });
      const { payload } = await jose.jwtVerify(r.id_token, this.#jwks, {
        issuer: this.metadata.issuer,
        audience: this.clientId,
        clockTolerance: 60
      });
      return grantOf(r, payload as Record<string, unknown>);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new OidcError({
        code: 'OIDC_ID_TOKEN_INVALID',
        message: `The id_token from ${this.issuer} failed verification (${typeof code === 'string' ? code : 'invalid'}).`,
        remedy
      });
    }
  }

  /**
   * Revoke a token (RFC 7009); resolves whether it worked.
   *
   * @param token - access or refresh token
   */
  async revoke(token: string): Promise<boolean> {
    if (!this.metadata.revocation_endpoint) {
      return false;
    }
    try {
      await this.#lib.tokenRevocation(this.#config, token);
      return true;
    } catch {
      return false;
    }
  }
}

// Module internals (not exported from the package).
function grantOf(
  r: {
    access_token: string;
    refresh_token?: string;
    expires_in?: number;
    scope?: string;
    token_type: string;
    id_token?: string;
  },
  claims: Record<string, unknown> | undefined
): IOidcTokenGrant {
  return {
    access_token: r.access_token,
    refresh_token: r.refresh_token,
    expires_in: finiteSeconds(r.expires_in),
    scope: r.scope,
    token_type: r.token_type || 'Bearer',
    id_token: r.id_token,
    claims: claims ? { ...claims } : undefined
  };
}

interface IOauthFields {
  error?: string;
  description?: string;
  status?: number;
}

/** The OAuth error fields of an openid-client error (duck-typed: its classes are ESM). */
function oauthFieldsOf(error: unknown): IOauthFields {
  if (typeof error !== 'object' || error === null) {
    return {};
  }
  const e = error as {
    error?: unknown;
    error_description?: unknown;
    status?: unknown;
    cause?: unknown;
  };
  const out: IOauthFields = {};
  if (typeof e.error === 'string') {
    out.error = e.error;
  }
  if (typeof e.error_description === 'string') {
    out.description = e.error_description;
  }
  // WWWAuthenticateChallengeError: the challenges' parameters carry the OAuth error.
  if (out.error === undefined && Array.isArray(e.cause)) {
    const params = (e.cause[0] as { parameters?: Record<string, unknown> } | undefined)?.parameters;
    if (typeof params?.error === 'string') {
      out.error = params.error;
    }
    if (typeof params?.error_description === 'string') {
      out.description = params.error_description;
    }
  }
  if (typeof e.status === 'number') {
    out.status = e.status;
  } else if (e.cause instanceof Response) {
    out.status = e.cause.status;
  }
  return out;
}

/**
 * An `OidcError` from an openid-client (or fetch) failure, its text scrubbed of secrets;
 * the original error is not kept as `cause` (it may hold the response or request).
 */
function providerError(
  error: unknown,
  code: OidcErrorCode,
  p: { what: string; remedy: string; secrets: (string | undefined)[] }
): OidcError {
  if (error instanceof OidcError) {
    return error;
  }
  const f = oauthFieldsOf(error);
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const low =
    typeof cause?.code === 'string'
      ? cause.code
      : error instanceof Error
        ? error.message
        : String(error);
  const detail = f.error
    ? `${f.status ? `${f.status} ` : ''}${f.error}${f.description ? `: ${f.description}` : ''}`
    : f.status
      ? `HTTP ${f.status}`
      : low;
  const claimCheck = /JWS|signature|JWT|"iss"|"aud"|claim/i.test(low) && !f.error;
  return new OidcError({
    code: claimCheck && code !== 'OIDC_DISCOVERY_FAILED' ? 'OIDC_ID_TOKEN_INVALID' : code,
    message: redactSecrets(`${p.what} (${detail.slice(0, 300)}).`, p.secrets),
    remedy: p.remedy,
    oauthError: f.error,
    status: f.status
  });
}
