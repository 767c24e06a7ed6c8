/**
 * The native-app OAuth calls of Globus Auth: PKCE, the authorize URL, the token endpoint
 * (authorization code, refresh) and revocation, as a public client (no secret, `client_id`
 * in the body).
 *
 * Not through `@globus/sdk`'s `auth.oauth2.token` functions (6.2.0), which send the same
 * form bodies: these calls run in `login()` and in token renewal, which can happen inside
 * `connect()` (a stored login whose token is due), and the SDK is loaded only at the first
 * Transfer or Auth service call (about 20-30 ms of CPU) so that `connect()` does not pay
 * for it. They use `request()` directly, with the same typed errors.
 *
 * @see https://docs.globus.org/api/auth/reference/#authorization_code_grant_preferred
 * @see https://docs.globus.org/api/auth/reference/#refresh_token_grant
 * @see https://docs.globus.org/api/auth/reference/#token_revocation
 */
import { createHash, randomBytes } from 'node:crypto';
import { isGlobusApiError } from '../errors/api-error';
import { IAuthorizationParameters } from '../errors/consent-required-error';
import { request } from '../http/request';
import { finiteSeconds } from '../tokens/token';
import { LoginError, RELOGIN_REMEDY } from './login-error';
import { IStoredToken } from './token-file';

/** A PKCE pair. The verifier is a secret until the code is exchanged. */
export interface IPkcePair {
  verifier: string;
  challenge: string;
}

/** One token of a token response (snake_case, as Auth sends it). Holds secrets. */
export interface ITokenResponseEntry {
  access_token: string;
  refresh_token?: string | null;
  scope: string;
  resource_server: string;
  expires_in?: number;
  token_type?: string;
  id_token?: string;
  other_tokens?: ITokenResponseEntry[];
}

/** Parameters of an authorize URL. */
export interface IAuthorizeUrlInit {
  authBaseUrl: string;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  codeChallenge: string;
  /** Ask for refresh tokens (`access_type=offline`); default true. */
  offline?: boolean;
  /** GARE parameters (`session_required_*`, `session_message`, `prompt`). */
  authorizationParameters?: IAuthorizationParameters;
}

/**
 * A fresh PKCE verifier (43 chars of base64url) and its S256 challenge.
 */
export function makePkcePair(): IPkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier) };
}

/**
 * `base64url(sha256(verifier))` without padding.
 *
 * @param verifier - the PKCE verifier
 */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * The Globus authorize URL for a native-app login with PKCE S256.
 *
 * @param init - client, redirect, scopes, state, challenge, GARE parameters
 */
export function buildAuthorizeUrl(init: IAuthorizeUrlInit): string {
  const url = new URL(`${init.authBaseUrl.replace(/\/+$/, '')}/v2/oauth2/authorize`);
  const q = url.searchParams;
  q.set('client_id', init.clientId);
  q.set('redirect_uri', init.redirectUri);
  q.set('scope', init.scopes.join(' '));
  q.set('state', init.state);
  q.set('response_type', 'code');
  q.set('code_challenge', init.codeChallenge);
  q.set('code_challenge_method', 'S256');
  q.set('access_type', init.offline === false ? 'online' : 'offline');
  const p = init.authorizationParameters ?? {};
  for (const key of [
    'session_required_identities',
    'session_required_policies',
    'session_required_single_domain'
  ] as const) {
    const v = p[key];
    if (Array.isArray(v) && v.length > 0) {
      q.set(key, v.join(','));
    }
  }
  if (typeof p.session_required_mfa === 'boolean') {
    q.set('session_required_mfa', String(p.session_required_mfa));
  }
  if (typeof p.session_message === 'string') {
    q.set('session_message', p.session_message);
  }
  if (typeof p.prompt === 'string') {
    q.set('prompt', p.prompt);
  }
  return url.toString();
}

/**
 * Exchange an authorization code (with its PKCE verifier) for tokens.
 *
 * @param init - auth base, client, code, verifier, redirect
 * @throws LoginError `LOGIN_FAILED` when Auth refuses the code
 */
export async function exchangeCode(init: {
  authBaseUrl: string;
  clientId: string;
  code: string;
  verifier: string;
  redirectUri: string;
  signal?: AbortSignal;
}): Promise<ITokenResponseEntry> {
  return tokenCall(
    init.authBaseUrl,
    'exchange authorization code',
    {
      grant_type: 'authorization_code',
      code: init.code,
      code_verifier: init.verifier,
      redirect_uri: init.redirectUri,
      client_id: init.clientId
    },
    cause =>
      new LoginError({
        cause,
        code: 'LOGIN_FAILED',
        message:
          'Globus Auth did not accept the authorization code (it is single-use and short-lived, and must come from the latest login link).',
        remedy: 'Start the login again and paste the new code.'
      }),
    init.signal
  );
}

/**
 * Use a refresh token. Auth may rotate it: store whatever comes back.
 *
 * @param init - auth base, client, refresh token, which resource server (for the message)
 * @throws LoginError `LOGIN_REQUIRED` when the refresh token is revoked or unknown
 */
export async function refreshTokens(init: {
  authBaseUrl: string;
  clientId: string;
  refreshToken: string;
  resourceServer: string;
  signal?: AbortSignal;
}): Promise<ITokenResponseEntry> {
  return tokenCall(
    init.authBaseUrl,
    'refresh token',
    { grant_type: 'refresh_token', refresh_token: init.refreshToken, client_id: init.clientId },
    cause =>
      new LoginError({
        cause,
        code: 'LOGIN_REQUIRED',
        message: `Globus Auth refused the stored refresh token for ${init.resourceServer} (revoked, expired, or consent withdrawn).`,
        remedy: RELOGIN_REMEDY
      }),
    init.signal
  );
}

/**
 * Revoke an access or refresh token (native client: `client_id` in the body).
 *
 * @param init - auth base, client, the token
 */
export async function revokeToken(init: {
  authBaseUrl: string;
  clientId: string;
  token: string;
}): Promise<void> {
  await request({
    service: 'auth',
    operation: 'revoke token',
    method: 'POST',
    baseUrl: init.authBaseUrl.replace(/\/+$/, ''),
    path: '/v2/oauth2/token/revoke',
    form: { token: init.token, client_id: init.clientId },
    retry: false,
    timeoutMs: 15000
  });
}

/**
 * Every token of a response (top level and `other_tokens`) as stored tokens.
 *
 * @param response - the token response
 * @param nowSeconds - when it was received
 */
export function storedTokensOf(
  response: ITokenResponseEntry,
  nowSeconds: number = Date.now() / 1000
): IStoredToken[] {
  const all = [response, ...(response.other_tokens ?? [])];
  return all.map(t => {
    // A lifetime that is not a finite number (JSON's 1e400 parses as Infinity) is unknown.
    const lifetime = finiteSeconds(t.expires_in);
    return {
      resource_server: t.resource_server,
      access_token: t.access_token,
      refresh_token: t.refresh_token ?? null,
      scope: t.scope ?? '',
      expires_at_seconds:
        lifetime === undefined ? null : (finiteSeconds(Math.floor(nowSeconds + lifetime)) ?? null),
      token_type: t.token_type ?? 'Bearer'
    };
  });
}

// Module internals (not exported).
async function tokenCall(
  authBaseUrl: string,
  operation: string,
  form: Record<string, string>,
  refused: (cause: unknown) => LoginError,
  signal?: AbortSignal
): Promise<ITokenResponseEntry> {
  try {
    const res = await request<ITokenResponseEntry>({
      service: 'auth',
      operation,
      method: 'POST',
      baseUrl: authBaseUrl.replace(/\/+$/, ''),
      path: '/v2/oauth2/token',
      form,
      retry: false,
      timeoutMs: 15000,
      signal
    });
    const doc = res.data;
    if (!doc || typeof doc.access_token !== 'string' || typeof doc.resource_server !== 'string') {
      throw new LoginError({
        code: 'LOGIN_FAILED',
        message: `Globus Auth ${operation}: the response has no access token.`,
        remedy: 'Try again later.'
      });
    }
    return doc;
  } catch (error) {
    // RFC 6749 says 400, the Python SDK's fixtures say 401: both mean "this grant is dead".
    if (
      isGlobusApiError(error) &&
      (error.status === 400 || error.status === 401) &&
      (error.globusCode === 'invalid_grant' || error.globusCode === undefined)
    ) {
      throw refused(error);
    }
    throw error;
  }
}
