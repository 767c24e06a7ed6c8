/**
 * Standalone login from a notebook cell, the way the Globus SDK's native-app guide does
 * it: PKCE S256 with a native (public) client, `access_type=offline` for refresh tokens,
 * the user signs in in a browser and pastes back the code from Auth's code page, the code
 * is exchanged and the tokens are stored in kernel-helpers' own token file (which later
 * `connect()` calls read), for plain Node and tslab outside JupyterLab.
 *
 * In a kernel started by a Jupyter server with the extension the server owns the login
 * (its token broker is in the environment, and `connect()` takes the server's tokens): a
 * login here would write a file nothing there reads, so these functions refuse with
 * `LOGIN_ON_SERVER`, pointing to the sidebar.
 *
 * `login({ scopes })` starts a login and shows the link; `login.complete(code)` finishes
 * it; `login.forConsent(error)` starts a step-up login for the scopes a
 * `ConsentRequiredError` names; `logout()` revokes every stored token and deletes the file.
 *
 * @see https://docs.globus.org/api/auth/reference/#authorization_code_grant_preferred
 */
import { randomBytes } from 'node:crypto';
import { ConsentRequiredError } from '../errors/consent-required-error';
import { IAuthorizationParameters } from '../errors/consent-required-error';
import { IDisplaySink } from '../display/sink';
import { escapeHtml } from '../display/html';
import { serviceBaseUrl } from '../http/service-urls';
import { parseScopes, formatScope } from '../tokens/scopes';
import { type ICodeInput, parseCodeInput } from './code-input';
import { LoginError } from './login-error';
import {
  buildAuthorizeUrl,
  exchangeCode,
  makePkcePair,
  revokeToken,
  storedTokensOf,
  type ITokenResponseEntry
} from './oauth';
import {
  addPendingLogin,
  forgetPendingLogins,
  pendingLoginsPath,
  dropPendingLogin,
  findPendingLogin
} from './pending-logins';
import { IStoredIdentity, ITokenFileDocument, TokenFile, tokenFilePath } from './token-file';
import { brokerConfig } from './token-broker';

/** Scopes of a first login when none are given: identity, linked identities, Transfer. */
export const DEFAULT_LOGIN_SCOPES: readonly string[] = [
  'openid',
  'profile',
  'email',
  'urn:globus:auth:scope:auth.globus.org:view_identity_set',
  'urn:globus:auth:scope:transfer.api.globus.org:all'
];

/** Where the login runs: environment, token file, client. */
export interface ILoginContextOptions {
  /** Environment (`GLOBUS_SDK_SERVICE_URL_AUTH`, `GLOBUS_KIT_CLIENT_ID`, `GLOBUS_KIT_TOKEN_FILE`); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The token file path (default {@link tokenFilePath}). */
  tokenFile?: string;
}

/** Options of {@link startLogin}. */
export interface ILoginOptions extends ILoginContextOptions {
  /** Scopes to ask for (default: {@link DEFAULT_LOGIN_SCOPES}, or the stored login's). */
  scopes?: readonly string[];
  /**
   * Scopes to add to the stored login's (step-up consent): a scope with the same name
   * replaces the stored one, so `transfer:all[*…/data_access]` widens `transfer:all`.
   */
  addScopes?: readonly string[];
  /** Native-app client id (default `GLOBUS_KIT_CLIENT_ID`). */
  clientId?: string;
  /** Redirect URI (default: Auth's code page `<auth>/v2/web/auth-code`). */
  redirectUri?: string;
  /** Ask for refresh tokens (default true). */
  offline?: boolean;
  /** GARE parameters (`session_required_*`, `prompt`, …). */
  authorizationParameters?: IAuthorizationParameters;
  /** tslab's display API: shows the link as HTML (default: printed as text). */
  display?: IDisplaySink;
}

/** A started login. */
export interface ILoginStart {
  /** The authorize URL to open (holds no secret: only the PKCE challenge). */
  url: string;
  /** The OAuth `state` that identifies this login. */
  state: string;
  /** The scopes asked for. */
  scopes: string[];
  /** Where Auth sends the browser back. */
  redirectUri: string;
}

/** Options of {@link completeLogin}. */
export interface ICompleteLoginOptions extends ILoginContextOptions {
  /** Which started login (default: the newest). */
  state?: string;
  /** Cancels the exchange. */
  signal?: AbortSignal;
}

/** A completed login (no secrets). */
export interface ILoginResult {
  /** Who logged in, if `openid` was granted. */
  identity: IStoredIdentity | null;
  /** Resource servers now holding tokens in the file. */
  resourceServers: string[];
  /** Where the tokens are stored. */
  tokenFile: string;
}

/** What {@link logout} did. */
export interface ILogoutResult {
  /** Tokens Auth confirmed revoked. */
  revoked: number;
  /** Tokens that could not be revoked (Auth unreachable); they were still deleted here. */
  failed: number;
  /** Whether a token file was deleted. */
  removed: boolean;
}

/**
 * Start a native-app login: make a PKCE pair, remember it next to the token file, and
 * return (and show) the authorize URL.
 *
 * @param options - scopes, client, redirect, display
 * @throws LoginError `NO_CLIENT_ID`
 */
export async function startLogin(options: ILoginOptions = {}): Promise<ILoginStart> {
  const env = options.env ?? process.env;
  refuseUnderServer(env, options, 'start a login');
  const clientId = options.clientId ?? env.GLOBUS_KIT_CLIENT_ID;
  if (!clientId) {
    throw new LoginError({
      code: 'NO_CLIENT_ID',
      message: 'No Globus native-app client id is configured for logins.',
      remedy:
        'Register a native app at app.globus.org (or use the emulator’s) and set GLOBUS_KIT_CLIENT_ID, or pass { clientId }.'
    });
  }
  const authBaseUrl = serviceBaseUrl('auth', env);
  const path = options.tokenFile ?? tokenFilePath(env);
  const scopes = await scopesToAsk(options, path);
  const redirectUri = options.redirectUri ?? `${authBaseUrl}/v2/web/auth-code`;
  const pkce = makePkcePair();
  const state = randomBytes(12).toString('base64url');
  await addPendingLogin(pendingLoginsPath(path), {
    state,
    code_verifier: pkce.verifier,
    scopes,
    redirect_uri: redirectUri,
    client_id: clientId,
    auth_base_url: authBaseUrl,
    created_at: Date.now() / 1000
  });
  const url = buildAuthorizeUrl({
    authBaseUrl,
    clientId,
    redirectUri,
    scopes,
    state,
    codeChallenge: pkce.challenge,
    offline: options.offline,
    authorizationParameters: options.authorizationParameters
  });
  showLink(options.display, url, scopes);
  return { url, state, scopes, redirectUri };
}

/**
 * Finish a login: exchange the pasted code (or the whole redirect URL) for tokens and store
 * them, merged with the stored login of the same client.
 *
 * @param code - the code from Auth's code page, or the redirect URL holding `code=`
 * @param options - which login, environment, token file
 * @throws LoginError `NO_PENDING_LOGIN`, `LOGIN_FAILED`
 */
export async function completeLogin(
  code: string,
  options: ICompleteLoginOptions = {}
): Promise<ILoginResult> {
  const env = options.env ?? process.env;
  refuseUnderServer(env, options, 'complete a login');
  const path = options.tokenFile ?? tokenFilePath(env);
  const parsed = parseCode(code);
  // Without a state, only a Globus login is taken (OIDC logins share the file).
  const pendingPath = pendingLoginsPath(path);
  const pending = await findPendingLogin(pendingPath, options.state ?? parsed.state, {
    auth_base_url: serviceBaseUrl('auth', env)
  });
  if (!pending) {
    throw new LoginError({
      code: 'NO_PENDING_LOGIN',
      message:
        'There is no login waiting for a code (none was started here, or it is older than 15 minutes).',
      remedy: 'Start the login again with `await login({ scopes })` and paste the new code.'
    });
  }
  const response = await exchangeCode({
    authBaseUrl: pending.auth_base_url,
    clientId: pending.client_id,
    code: parsed.code,
    verifier: pending.code_verifier,
    redirectUri: pending.redirect_uri,
    signal: options.signal
  });
  // Only an accepted code uses the login up: a wrong or crafted one leaves it waiting.
  await dropPendingLogin(pendingPath, pending.state);
  const doc = await storeTokenResponse(new TokenFile(path), response, {
    clientId: pending.client_id,
    authBaseUrl: pending.auth_base_url
  });
  return {
    identity: doc?.identity ?? null,
    resourceServers: Object.keys(doc?.tokens ?? {}),
    tokenFile: path
  };
}

/**
 * Merge a token response into the token file (tokens of another client or Auth origin are
 * replaced, not merged).
 *
 * @param file - the token file
 * @param response - the token response
 * @param origin - client id and Auth origin that issued it
 */
export async function storeTokenResponse(
  file: TokenFile,
  response: ITokenResponseEntry,
  origin: { clientId: string; authBaseUrl: string }
): Promise<ITokenFileDocument | undefined> {
  const fresh = storedTokensOf(response);
  const identity = identityOf(response.id_token);
  return file.update(current => {
    const same =
      current &&
      current.client_id === origin.clientId &&
      current.auth_base_url === origin.authBaseUrl;
    const tokens = same ? { ...current.tokens } : {};
    for (const t of fresh) {
      tokens[t.resource_server] = t;
    }
    return {
      format: 'jupyterlab-globus-kit/tokens',
      format_version: 1,
      revision: current?.revision ?? 0,
      updated_at: 0,
      client_id: origin.clientId,
      auth_base_url: origin.authBaseUrl,
      identity: identity ?? (same ? current.identity : null),
      id_token: response.id_token ?? (same ? current.id_token : null),
      tokens
    };
  });
}

/**
 * Log out: revoke every stored token Auth will take (refresh tokens first, which also kills
 * their access tokens), delete the token file and forget pending logins.
 *
 * @param options - environment, token file
 */
export async function logout(options: ILoginContextOptions = {}): Promise<ILogoutResult> {
  const env = options.env ?? process.env;
  refuseUnderServer(env, options, 'log out');
  const path = options.tokenFile ?? tokenFilePath(env);
  const file = new TokenFile(path);
  let doc: ITokenFileDocument | undefined;
  try {
    doc = await file.read();
  } catch (error) {
    if (error instanceof LoginError && error.code !== 'TOKEN_FILE_UNSUPPORTED') {
      doc = undefined; // moved aside already; nothing of ours is left to revoke
    } else {
      throw error;
    }
  }
  let revoked = 0;
  let failed = 0;
  if (doc) {
    const secrets: string[] = [];
    for (const t of Object.values(doc.tokens)) {
      if (t.refresh_token) {
        secrets.push(t.refresh_token);
      }
      secrets.push(t.access_token);
    }
    for (const token of secrets) {
      try {
        await revokeToken({ authBaseUrl: doc.auth_base_url, clientId: doc.client_id, token });
        revoked++;
      } catch {
        failed++;
      }
    }
  }
  const removed = doc !== undefined;
  await file.remove();
  // Globus logins only: an OIDC provider's waiting logins share the file and stay.
  await forgetPendingLogins(pendingLoginsPath(path), {
    auth_base_url: serviceBaseUrl('auth', env)
  });
  return { revoked, failed, removed };
}

/** The callable `login` with its companions. */
export interface ILoginFunction {
  /**
   * Start a login and show its link; finish with `login.complete(code)`.
   *
   * @param options - scopes, client, display
   */
  (options?: ILoginOptions): Promise<ILoginStart>;
  /** Finish the newest login with the pasted code. */
  complete: typeof completeLogin;
  /**
   * Start a step-up login adding exactly the scopes a `ConsentRequiredError` names (with
   * its session requirements); retry the operation after `login.complete(code)`.
   */
  forConsent: (error: ConsentRequiredError, options?: ILoginOptions) => Promise<ILoginStart>;
  /** Revoke and delete the stored login. */
  logout: typeof logout;
}

/**
 * Log in with Globus from a cell: `await login({ scopes })` shows the link, then
 * `await login.complete(code)` stores the tokens; `connect()` picks them up.
 */
export const login: ILoginFunction = Object.assign(
  (options?: ILoginOptions) => startLogin(options),
  {
    complete: completeLogin,
    forConsent: (error: ConsentRequiredError, options: ILoginOptions = {}) =>
      startLogin({
        ...options,
        addScopes: [...(options.addScopes ?? []), ...error.requiredScopes],
        authorizationParameters: {
          ...error.authorizationParameters,
          required_scopes: undefined
        }
      }),
    logout
  }
);

// Module internals (not exported).

/**
 * Refuse a login, completion or logout in a kernel whose Jupyter server owns the login
 * (its token broker is in the environment), unless a token file is named explicitly.
 */
function refuseUnderServer(
  env: Readonly<Record<string, string | undefined>>,
  options: ILoginContextOptions,
  what: string
): void {
  if (options.tokenFile === undefined && brokerConfig(env)) {
    throw new LoginError({
      code: 'LOGIN_ON_SERVER',
      message: `This kernel was started by JupyterLab, whose server holds your Globus login; a ${what} here would not reach it.`,
      remedy:
        'Use "Log in with Globus" (or "Log out") in the Globus sidebar; connect() and the verbs in this kernel use the server\'s login at their next call.'
    });
  }
}

async function scopesToAsk(options: ILoginOptions, path: string): Promise<string[]> {
  let base: string[];
  if (options.scopes) {
    base = [...options.scopes];
  } else {
    let stored: string[] = [];
    if (options.addScopes?.length) {
      try {
        const doc = await new TokenFile(path).read();
        stored = Object.values(doc?.tokens ?? {}).flatMap(t =>
          t.scope.split(/\s+/).filter(Boolean)
        );
      } catch {
        stored = [];
      }
    }
    base = stored.length > 0 ? stored : [...DEFAULT_LOGIN_SCOPES];
  }
  const byName = new Map<string, string>();
  for (const scope of [...base, ...(options.addScopes ?? [])]) {
    let name = scope;
    try {
      const parsed = parseScopes(scope);
      if (parsed.length === 1) {
        name = parsed[0].name;
        byName.delete(name); // a later one (with dependencies) replaces an earlier one
        byName.set(name, formatScope(parsed[0]));
        continue;
      }
    } catch {
      // keep as given; Auth will say if it is malformed
    }
    byName.set(name, scope);
  }
  return [...byName.values()];
}

function parseCode(input: string): ICodeInput {
  return parseCodeInput(
    input,
    /^[A-Za-z0-9._~-]{1,512}$/,
    () =>
      new LoginError({
        code: 'LOGIN_FAILED',
        message: 'That does not look like an authorization code.',
        remedy:
          'Copy the code shown on the Globus page after you log in (or the whole address of that page).'
      })
  );
}

function identityOf(idToken: string | undefined): IStoredIdentity | null {
  if (!idToken) {
    return null;
  }
  try {
    const payload = JSON.parse(
      Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')
    ) as Record<string, unknown>;
    if (typeof payload.sub !== 'string') {
      return null;
    }
    const out: IStoredIdentity = { sub: payload.sub };
    for (const key of [
      'preferred_username',
      'name',
      'email',
      'organization',
      'identity_provider_display_name'
    ] as const) {
      if (typeof payload[key] === 'string') {
        out[key] = payload[key];
      }
    }
    return out;
  } catch {
    return null;
  }
}

function showLink(display: IDisplaySink | undefined, url: string, scopes: readonly string[]): void {
  const steps =
    'Open the link, log in and approve, then copy the code Globus shows and run ' +
    '`await login.complete("<code>")`.';
  if (display) {
    display.display.html(
      `<div class="jp-GlobusKit-Login"><p><a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">Log in with Globus</a> ` +
        `(${scopes.length} scope${scopes.length === 1 ? '' : 's'})</p><p>${escapeHtml(steps)}</p></div>`
    );
  } else {
    console.log(`Log in with Globus: ${url}\n${steps}`);
  }
}
