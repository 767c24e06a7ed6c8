/**
 * PKCE login at an OIDC provider from a cell, with the standalone-login machinery: the
 * verifier waits in `pending-logins.json` next to the token file (so the sidebar can
 * complete a login started in a cell), the tokens go into a token file of the same format
 * as the Globus one (`tokens.oidc`, `auth_base_url` = the issuer).
 */
import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../display/html';
import type { IDisplaySink } from '../display/sink';
import { type ICodeInput, parseCodeInput } from '../login/code-input';
import { makePkcePair } from '../login/oauth';
import {
  addPendingLogin,
  dropPendingLogin,
  findPendingLogin,
  pendingLoginsPath
} from '../login/pending-logins';
import type { IStoredIdentity, TokenFile } from '../login/token-file';
import { identityOf, storedOf } from './oidc-credentials';
import { OIDC_RESOURCE_SERVER } from './oidc-config';
import { OidcError } from './oidc-error';
import type { IOidcTokenGrant, OidcProvider } from './oidc-provider';

/** Options of an OIDC login. */
export interface IOidcLoginOptions {
  /** Scopes to ask for (default: the session's). */
  scopes?: readonly string[];
  /**
   * Where the provider sends the browser back (default `GLOBUS_KIT_OIDC_REDIRECT_URI`, else
   * the provider's out-of-band code page `{issuer}/protocol/openid-connect/oob`). With a
   * loopback redirect such as `http://localhost:8888/callback`, paste the whole address the
   * browser ends on.
   */
  redirectUri?: string;
}

/** A started OIDC login (no secret: the URL holds only the PKCE challenge). */
export interface IOidcLoginStart {
  /** The authorize URL to open. */
  url: string;
  /** The OAuth `state` of this login. */
  state: string;
  /** The scopes asked for. */
  scopes: string[];
  /** Where the provider sends the browser back. */
  redirectUri: string;
}

/** A completed OIDC login (no secrets). */
export interface IOidcLoginResult {
  /** Who logged in (from the verified id_token), if `openid` was granted. */
  identity: IStoredIdentity | null;
  /** Whether a refresh token came with it. */
  hasRefreshToken: boolean;
  /** Where the tokens are stored. */
  tokenFile: string;
}

/**
 * Start a PKCE login: remember the verifier, return (and show) the authorize URL.
 *
 * @param provider - the provider
 * @param file - the token file
 * @param scopes - what to ask for
 * @param redirectUri - the redirect URI
 * @param display - shows the link when given
 */
export async function startOidcLogin(
  provider: OidcProvider,
  file: TokenFile,
  scopes: readonly string[],
  redirectUri: string,
  display: IDisplaySink | undefined
): Promise<IOidcLoginStart> {
  const pkce = makePkcePair();
  const state = randomBytes(12).toString('base64url');
  await addPendingLogin(pendingLoginsPath(file.path), {
    state,
    code_verifier: pkce.verifier,
    scopes: [...scopes],
    redirect_uri: redirectUri,
    client_id: provider.clientId,
    auth_base_url: provider.issuer,
    created_at: Date.now() / 1000
  });
  const url = provider.authorizationUrl({
    redirectUri,
    scopes,
    state,
    codeChallenge: pkce.challenge
  });
  const host = hostOf(provider.issuer);
  const steps =
    'Open the link, log in and approve, then run `await oidc.login.complete("<code>")` with the code the page shows (or the whole address the browser ends on).';
  if (display) {
    try {
      display.display.html(
        `<div class="jp-GlobusKit-Login"><p><a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">Log in at ${escapeHtml(host)}</a> ` +
          `(${scopes.length} scope${scopes.length === 1 ? '' : 's'})</p><p>${escapeHtml(steps)}</p></div>`
      );
    } catch {
      // no display here: the URL is returned anyway
    }
  }
  return { url, state, scopes: [...scopes], redirectUri };
}

/**
 * Finish a login: exchange the code (or the redirect address holding it) and store the
 * tokens in the token file, replacing any earlier login there.
 *
 * @param provider - the provider
 * @param file - the token file
 * @param input - the code, or the whole redirect address
 * @param state - which login (default: the one in the address, else the newest)
 * @returns the result and the token response (for the session to adopt)
 * @throws OidcError `OIDC_NO_PENDING_LOGIN`, `OIDC_LOGIN_FAILED`, `OIDC_ID_TOKEN_INVALID`
 */
export async function completeOidcLogin(
  provider: OidcProvider,
  file: TokenFile,
  input: string,
  state?: string
): Promise<{ result: IOidcLoginResult; grant: IOidcTokenGrant }> {
  const parsed = parseCode(input);
  const pendingPath = pendingLoginsPath(file.path);
  // Only this provider's and client's logins are found.
  const pending = await findPendingLogin(pendingPath, state ?? parsed.state, {
    auth_base_url: provider.issuer,
    client_id: provider.clientId
  });
  if (!pending) {
    throw new OidcError({
      code: 'OIDC_NO_PENDING_LOGIN',
      message:
        'There is no login waiting for a code (none was started here, or it is older than 15 minutes).',
      remedy: 'Start the login again with `await oidc.login()` and use the new code.'
    });
  }
  const current = parsed.url ?? new URL(pending.redirect_uri);
  if (!parsed.url) {
    current.search = '';
    current.searchParams.set('code', parsed.code);
    current.searchParams.set('state', pending.state);
    // The provider's own issuer: a redirect that carries `iss` is checked against it.
    current.searchParams.set('iss', provider.metadata.issuer);
  }
  const grant = await provider.exchangeCode(current, {
    verifier: pending.code_verifier,
    state: pending.state,
    idTokenExpected: pending.scopes.includes('openid')
  });
  // Only an accepted code (and a valid id_token) uses the login up: a wrong or crafted one
  // leaves it waiting for the user's real code.
  await dropPendingLogin(pendingPath, pending.state);
  const identity = identityOf(grant.claims);
  await file.update(() => ({
    format: 'jupyterlab-globus-kit/tokens',
    format_version: 1,
    revision: 0,
    updated_at: 0,
    client_id: provider.clientId,
    auth_base_url: provider.issuer,
    identity,
    id_token: grant.id_token ?? null,
    tokens: { [OIDC_RESOURCE_SERVER]: storedOf(grant) }
  }));
  return {
    result: { identity, hasRefreshToken: Boolean(grant.refresh_token), tokenFile: file.path },
    grant
  };
}

// Module internals (not exported from the package).
function parseCode(input: string): ICodeInput {
  return parseCodeInput(
    input,
    /^[A-Za-z0-9._~+/=-]{1,2048}$/,
    () =>
      new OidcError({
        code: 'OIDC_LOGIN_FAILED',
        message: 'That does not look like an authorization code.',
        remedy:
          'Copy the code the provider shows after you log in, or the whole address the browser ends on.'
      })
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
