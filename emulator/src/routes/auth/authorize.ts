/**
 * The browser side of Globus Auth: `GET /v2/oauth2/authorize` (validate, then show the
 * consent screen or, with the auto-approve test switch, redirect at once),
 * `POST /v2/oauth2/authorize/decision` (the consent form), and the native-app page
 * `GET /v2/web/auth-code` that shows the code for the user to paste.
 * @see https://docs.globus.org/api/auth/reference/#authorization_code_grant_preferred
 */
import type { IRequestContext, Router } from '../../http/router.js';
import { DEMO_IDENTITY_ID } from '../../state/seed.js';
import { AuthStateError } from '../../state/auth/auth-error.js';
import type { AuthState, IPendingAuthorization } from '../../state/auth/auth-state.js';
import type { IOAuthClient } from '../../state/auth/directory.js';
import { formatScopes, resourceServerOf, type IScopeRequest } from '../../state/auth/scopes.js';
import { escapeHtml, page, sendHtml } from './html.js';

/** Options shared by the browser routes. */
export interface IAuthorizeOptions {
  /** When true, `/authorize` approves at once as the demo user (a test switch). */
  autoApprove(): boolean;
}

/** The native-app code page path. */
export const AUTH_CODE_PAGE = '/v2/web/auth-code';

/** Adds the browser routes to the Auth router. */
export function addAuthorizeRoutes(
  router: Router,
  auth: AuthState,
  options: IAuthorizeOptions
): void {
  router.add('GET', '/v2/oauth2/authorize', ctx => authorize(ctx, auth, options));
  router.add('POST', '/v2/oauth2/authorize/decision', ctx => decide(ctx, auth));
  router.add('GET', AUTH_CODE_PAGE, ctx => {
    const code = ctx.query.get('code');
    const error = ctx.query.get('error');
    const body = code
      ? `<h1>Native App Authorization Code</h1>
<p>Copy this code and paste it into the application you are logging in to.</p>
<p><input class="code" id="auth-code" readonly value="${escapeHtml(code)}" aria-label="Authorization code"></p>`
      : `<h1>Login failed</h1><p class="error" id="auth-error">${escapeHtml(
          `${error ?? 'no_code'}: ${ctx.query.get('error_description') ?? 'No authorization code was issued.'}`
        )}</p>`;
    sendHtml(ctx, code ? 200 : 400, page('Authorization code', body));
  });
}

function errorPage(ctx: IRequestContext, status: number, message: string): void {
  sendHtml(
    ctx,
    status,
    page('Login error', `<h1>Login error</h1><p class="error">${escapeHtml(message)}</p>`)
  );
}

function redirect(ctx: IRequestContext, target: string): void {
  ctx.res.writeHead(302, { Location: target, 'Content-Length': '0', 'Cache-Control': 'no-store' });
  ctx.res.end();
}

function redirectWith(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/** Redirect URIs a client may use besides its registered ones. */
function redirectAllowed(client: IOAuthClient, uri: string, authBase: string): boolean {
  if (client.redirectUris.includes(uri)) return true;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.hash) return false;
  // RFC 8252 §7.3: loopback redirects with any port.
  if (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    return !(url.origin === authBase && url.pathname !== AUTH_CODE_PAGE);
  }
  // The code page is for apps a person runs: native apps and their instances (`globus login
  // --no-local-server` sends its instance there).
  return (!client.confidential || !!client.parentClient) && uri === `${authBase}${AUTH_CODE_PAGE}`;
}

async function authorize(
  ctx: IRequestContext,
  auth: AuthState,
  options: IAuthorizeOptions
): Promise<void> {
  const q = ctx.query;
  const client = auth.client(q.get('client_id'));
  if (!client) return errorPage(ctx, 400, 'Unknown or missing client_id.');
  const given = q.get('redirect_uri');
  const redirectUri =
    given ?? (client.confidential ? undefined : `${auth.issuer}${AUTH_CODE_PAGE}`);
  if (!redirectUri) return errorPage(ctx, 400, 'redirect_uri is required for this client.');
  if (!redirectAllowed(client, redirectUri, auth.issuer)) {
    return errorPage(ctx, 400, 'redirect_uri is not registered for this client.');
  }
  const state = q.get('state') ?? undefined;
  const fail = (error: string, description: string): void =>
    redirect(ctx, redirectWith(redirectUri, { error, error_description: description, state }));

  if (q.get('response_type') !== 'code') {
    return fail('unsupported_response_type', 'response_type must be "code"');
  }
  const scopeText = q.get('scope');
  if (!scopeText) return fail('invalid_scope', 'scope is required');
  let requests: IScopeRequest[];
  let offline: boolean;
  try {
    ({ requests, offline } = auth.parseScopeRequest(scopeText));
  } catch (e) {
    if (e instanceof AuthStateError) return fail(e.code, e.description);
    throw e;
  }
  offline ||= q.get('access_type') === 'offline';
  const challenge = q.get('code_challenge') ?? undefined;
  const method = q.get('code_challenge_method') ?? (challenge ? 'plain' : undefined);
  if (method !== undefined && method !== 'S256' && method !== 'plain') {
    return fail('invalid_request', 'code_challenge_method must be S256 or plain');
  }
  if (challenge !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) {
    return fail('invalid_request', 'code_challenge is malformed');
  }
  if (!client.confidential && challenge === undefined) {
    return fail('invalid_request', 'Native apps must use PKCE (code_challenge)');
  }
  const pending = auth.addPending({
    client,
    redirectUri,
    redirectUriGiven: given !== null,
    scope: formatScopes(requests),
    requests,
    offline,
    state,
    nonce: q.get('nonce') ?? undefined,
    codeChallenge: challenge,
    codeChallengeMethod: method,
    sessionDomains: (q.get('session_required_single_domain') ?? '')
      .split(',')
      .map(d => d.trim().toLowerCase())
      .filter(Boolean)
  });
  if (options.autoApprove()) {
    auth.takePending(pending.id);
    const identityId = loginIdentity(auth, q.get('session_required_identities'));
    const code = auth.approve(pending, identityId, true);
    return redirect(ctx, redirectWith(redirectUri, { code, state }));
  }
  sendHtml(ctx, 200, consentPage(auth, pending), redirectUri);
}

/** The identity the auto-approve switch logs in as: a required identity if known, else the demo user. */
function loginIdentity(auth: AuthState, required: string | null): string {
  for (const candidate of (required ?? '').split(',')) {
    const identity = candidate.trim() && auth.identity(candidate.trim());
    if (identity && auth.userByIdentity(identity.id)) return identity.id;
  }
  return DEMO_IDENTITY_ID;
}

const scopeDescriptions: Record<string, string> = {
  openid: 'Know who you are in Globus',
  profile: 'View your name, organization and identity provider',
  email: 'View your email address',
  'urn:globus:auth:scope:auth.globus.org:view_identity_set': 'View your linked identities',
  'urn:globus:auth:scope:auth.globus.org:view_identities': 'Look up other Globus identities',
  'urn:globus:auth:scope:auth.globus.org:view_consents': 'View the consents you have granted',
  'urn:globus:auth:scope:transfer.api.globus.org:all': 'Manage your data with Globus Transfer',
  'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships':
    'View your groups and memberships',
  'urn:globus:auth:scope:groups.api.globus.org:all': 'Manage your groups'
};

function describeScope(scope: string): string {
  const known = scopeDescriptions[scope];
  if (known) return known;
  const m = /^https:\/\/auth\.globus\.org\/scopes\/([^/]+)\/(https|data_access)$/.exec(scope);
  if (m)
    return m[2] === 'https'
      ? `Read and write files over HTTPS on collection ${m[1]}`
      : `Access data on collection ${m[1]}`;
  return `Use ${resourceServerOf(scope) ?? 'an unknown service'} (${scope})`;
}

function scopeList(requests: IScopeRequest[]): string {
  return `<ul class="scopes">${requests
    .map(
      r =>
        `<li>${escapeHtml(describeScope(r.scope))} <code>${escapeHtml(r.scope)}</code>${
          r.dependencies.length ? scopeList(r.dependencies) : ''
        }</li>`
    )
    .join('')}</ul>`;
}

function consentPage(auth: AuthState, pending: IPendingAuthorization): string {
  const users = auth.directory.allUsers();
  const options = users
    .map(
      u =>
        `<option value="${escapeHtml(u.primary.id)}"${u.primary.id === DEMO_IDENTITY_ID ? ' selected' : ''}>${escapeHtml(
          `${u.primary.name ?? u.primary.username} (${u.primary.username})`
        )}</option>`
    )
    .join('');
  return page(
    'Allow access',
    `<h1>${escapeHtml(pending.client.name)} would like to:</h1>
${scopeList(pending.requests)}
${pending.offline ? '<p>It will keep this access until you revoke it (refresh tokens).</p>' : ''}
<form method="post" action="/v2/oauth2/authorize/decision">
<input type="hidden" name="request" value="${escapeHtml(pending.id)}">
<p><label>Log in as <select name="identity">${options}</select></label></p>
<p><button class="primary" type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></p>
</form>`
  );
}

async function decide(ctx: IRequestContext, auth: AuthState): Promise<void> {
  const form = await ctx.form();
  const pending = auth.takePending(form.get('request') ?? '');
  if (!pending)
    return errorPage(
      ctx,
      400,
      'This login request is unknown or has expired. Start the login again.'
    );
  if (form.get('decision') !== 'approve') {
    return redirect(
      ctx,
      redirectWith(pending.redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied the request',
        state: pending.state
      })
    );
  }
  const identity = auth.identity(form.get('identity') ?? DEMO_IDENTITY_ID);
  if (!identity || !auth.userByIdentity(identity.id))
    return errorPage(ctx, 400, 'Unknown identity.');
  const code = auth.approve(pending, identity.id, false);
  redirect(ctx, redirectWith(pending.redirectUri, { code, state: pending.state }));
}
