/**
 * The OIDC realm's HTTP routes, at Keycloak's paths under the issuer
 * (`/realms/<realm>/…`): discovery, JWKS, the authorization endpoint with its approve page,
 * token, userinfo, revocation and introspection. Token-endpoint errors use the RFC 6749
 * `{error, error_description}` body.
 * @see https://www.keycloak.org/securing-apps/oidc-layers
 */
import { EmulatorHttpError, Router, type IRequestContext } from '../http/router.js';
import { escapeHtml, sendHtml } from '../routes/auth/html.js';
import { RealmError, REALM_SCOPES, type IRealmClient, type RealmState } from './realm-state.js';
import { PLATFORM_ALICE, REALM_NAME } from './seed.js';

/** Options of the realm router. */
export interface IRealmRouterOptions {
  /** When true, `…/auth` approves at once as alice (a test switch). */
  autoApprove(): boolean;
}

/** The realm's path prefix (`/realms/platform`). */
export const REALM_PATH = `/realms/${REALM_NAME}`;
const OIDC = `${REALM_PATH}/protocol/openid-connect`;
/** Path of the page that shows a code to paste (the out-of-band redirect URI). */
export const OOB_PATH = `${OIDC}/oob`;

const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const cors = { 'Access-Control-Allow-Origin': '*' };

/** The OIDC discovery document of the realm. */
export function discoveryDocument(issuer: string): Record<string, unknown> {
  const base = `${issuer}/protocol/openid-connect`;
  return {
    issuer,
    authorization_endpoint: `${base}/auth`,
    token_endpoint: `${base}/token`,
    introspection_endpoint: `${base}/token/introspect`,
    userinfo_endpoint: `${base}/userinfo`,
    jwks_uri: `${base}/certs`,
    revocation_endpoint: `${base}/revoke`,
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    userinfo_signing_alg_values_supported: ['none'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [...REALM_SCOPES],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'name',
      'preferred_username',
      'email',
      'email_verified'
    ],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'none'
    ],
    authorization_response_iss_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false
  };
}

function oauthError(e: RealmError): EmulatorHttpError {
  const headers: Record<string, string> = { ...noStore, ...cors };
  if (e.status === 401) headers['WWW-Authenticate'] = `Basic realm="${REALM_NAME}"`;
  return new EmulatorHttpError(
    e.status,
    { error: e.code, error_description: e.description },
    headers
  );
}

async function oauth(handler: () => Promise<void>): Promise<void> {
  try {
    await handler();
  } catch (e) {
    if (e instanceof RealmError) throw oauthError(e);
    throw e;
  }
}

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw new RealmError('invalid_request', `Missing parameter: ${name}`);
  return value;
}

function bearerError(reason: string): EmulatorHttpError {
  return new EmulatorHttpError(
    401,
    { error: 'invalid_token', error_description: reason },
    { ...cors, 'WWW-Authenticate': `Bearer realm="${REALM_NAME}", error="invalid_token"` }
  );
}

/** A whole HTML page (body already escaped). */
function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} | ${escapeHtml(REALM_NAME)} realm (emulated)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
header{color:#5e6a71;font-size:.85rem;margin-bottom:1.5rem}
h1{font-size:1.4rem}
code,.code{font-family:ui-monospace,monospace;background:#f1f3f4;padding:.2rem .4rem;border-radius:3px;word-break:break-all}
button{font-size:1rem;padding:.5rem 1.2rem;cursor:pointer;background:#2a62c9;color:#fff;border:0;border-radius:4px}
input.code{width:100%;font-size:1rem;padding:.4rem}
.error{color:#b00020}
</style>
</head>
<body>
<header>OIDC realm "${escapeHtml(REALM_NAME)}" — local emulator (not a real identity provider)</header>
${body}
</body>
</html>
`;
}

function errorPage(ctx: IRequestContext, status: number, message: string): void {
  sendHtml(
    ctx,
    status,
    page('Login error', `<h1>Login error</h1><p class="error">${escapeHtml(message)}</p>`)
  );
}

function redirect(
  ctx: IRequestContext,
  base: string,
  params: Record<string, string | undefined>
): void {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  ctx.res.writeHead(302, {
    Location: url.toString(),
    'Content-Length': '0',
    'Cache-Control': 'no-store'
  });
  ctx.res.end();
}

/**
 * Redirect URIs: loopback `http://127.0.0.1:<any port>/…` or `http://localhost:<any port>/…`
 * (RFC 8252 §7.3), or the realm's own out-of-band code page.
 */
function redirectAllowed(uri: string, issuer: string): boolean {
  if (uri === `${issuer}/protocol/openid-connect/oob`) return true;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.hash || url.username || url.password) return false;
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(url.hostname)) return false;
  // Never redirect into the realm's own origin except the oob page.
  return url.origin !== new URL(issuer).origin;
}

/**
 * Creates the realm's router.
 * @param realm - the realm state (its `issuer` set once the origin listens)
 * @param options - the auto-approve switch
 */
export function createRealmRouter(realm: RealmState, options: IRealmRouterOptions): Router {
  const router = new Router({
    onBadJson: (_ctx, message) =>
      new EmulatorHttpError(400, { error: 'invalid_request', error_description: message }),
    onNotFound: () =>
      new EmulatorHttpError(404, { error: 'Unable to find matching target resource method' })
  });

  router.add('GET', `${REALM_PATH}/.well-known/openid-configuration`, ctx =>
    ctx.send(200, discoveryDocument(realm.issuer), cors)
  );
  router.add('GET', `${OIDC}/certs`, ctx => ctx.send(200, { keys: [realm.key.jwk] }, cors));

  router.add('GET', `${OIDC}/auth`, ctx => authorize(ctx, realm, options));
  router.add('POST', `${OIDC}/auth/approve`, ctx => approve(ctx, realm));
  router.add('GET', OOB_PATH, ctx => {
    const code = ctx.query.get('code');
    const body = code
      ? `<h1>Authorization code</h1>
<p>Copy this code and paste it into the application you are logging in to.</p>
<p><input class="code" id="auth-code" readonly value="${escapeHtml(code)}" aria-label="Authorization code"></p>`
      : `<h1>Login failed</h1><p class="error" id="auth-error">${escapeHtml(
          `${ctx.query.get('error') ?? 'no_code'}: ${ctx.query.get('error_description') ?? 'No code was issued.'}`
        )}</p>`;
    sendHtml(ctx, code ? 200 : 400, page('Authorization code', body));
  });

  router.add('POST', `${OIDC}/token`, ctx => oauth(() => token(ctx, realm)));
  router.add('POST', `${OIDC}/revoke`, ctx =>
    oauth(async () => {
      const form = await ctx.form();
      const client = realm.authenticateClient(ctx.req.headers.authorization, form);
      await realm.revoke(client, required(form, 'token'));
      ctx.res.writeHead(200, { ...noStore, ...cors, 'Content-Length': '0' });
      ctx.res.end();
    })
  );
  router.add('POST', `${OIDC}/token/introspect`, ctx =>
    oauth(async () => {
      const form = await ctx.form();
      const client = realm.authenticateClient(ctx.req.headers.authorization, form);
      if (!client.confidential) {
        throw new RealmError('invalid_client', 'Public clients may not introspect', 401);
      }
      ctx.send(200, await realm.introspect(required(form, 'token')), { ...noStore, ...cors });
    })
  );
  const userinfo = async (ctx: IRequestContext): Promise<void> => {
    let bearer = ctx.bearer;
    if (!bearer && ctx.req.method === 'POST') {
      const form = await ctx.form();
      bearer = form.get('access_token') ?? undefined;
    }
    const verified = await realm.verifyAccess(bearer);
    if (!verified.ok) {
      throw bearerError(
        verified.reason === 'missing'
          ? 'Missing token'
          : `Token verification failed (${verified.reason})`
      );
    }
    const user = realm.user(verified.claims.sub);
    if (!user) throw bearerError('User not found');
    ctx.send(
      200,
      {
        sub: user.sub,
        email_verified: user.email_verified,
        name: user.name,
        preferred_username: user.preferred_username,
        email: user.email
      },
      { ...noStore, ...cors }
    );
  };
  router.add('GET', `${OIDC}/userinfo`, userinfo);
  router.add('POST', `${OIDC}/userinfo`, userinfo);
  return router;
}

async function token(ctx: IRequestContext, realm: RealmState): Promise<void> {
  const form = await ctx.form();
  const client: IRealmClient = realm.authenticateClient(ctx.req.headers.authorization, form);
  const grant = form.get('grant_type');
  let response;
  switch (grant) {
    case 'client_credentials':
      response = await realm.clientCredentials(client, form.get('scope'));
      break;
    case 'authorization_code':
      response = await realm.redeemCode(
        client,
        required(form, 'code'),
        form.get('redirect_uri'),
        form.get('code_verifier')
      );
      break;
    case 'refresh_token':
      response = await realm.refresh(client, required(form, 'refresh_token'), form.get('scope'));
      break;
    case null:
      throw new RealmError('invalid_request', 'Missing form parameter: grant_type');
    default:
      throw new RealmError(
        'unsupported_grant_type',
        `Unsupported grant_type: ${grant.slice(0, 80)}`
      );
  }
  ctx.send(200, response, { ...noStore, ...cors });
}

function authorize(ctx: IRequestContext, realm: RealmState, options: IRealmRouterOptions): void {
  const q = ctx.query;
  const client = realm.client(q.get('client_id'));
  if (!client) return errorPage(ctx, 400, 'Client not found.');
  const redirectUri = q.get('redirect_uri');
  if (!redirectUri || !redirectAllowed(redirectUri, realm.issuer)) {
    return errorPage(ctx, 400, 'Invalid parameter: redirect_uri');
  }
  const state = q.get('state') ?? undefined;
  const fail = (error: string, description: string): void =>
    redirect(ctx, redirectUri, { error, error_description: description, state, iss: realm.issuer });
  if (q.get('response_type') !== 'code') {
    return fail(
      'unsupported_response_type',
      'Client is not allowed to initiate browser login with given response_type.'
    );
  }
  let scope: string;
  try {
    scope = realm.parseScope(q.get('scope'), 'openid');
  } catch (e) {
    if (e instanceof RealmError) return fail(e.code, e.description);
    throw e;
  }
  const challenge = q.get('code_challenge') ?? undefined;
  const method = q.get('code_challenge_method') ?? undefined;
  if (challenge !== undefined || method !== undefined) {
    if (method !== 'S256')
      return fail('invalid_request', 'Invalid parameter: code_challenge_method');
    if (!challenge || !/^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) {
      return fail('invalid_request', 'Invalid parameter: code_challenge');
    }
  } else if (!client.confidential) {
    return fail('invalid_request', 'Missing parameter: code_challenge_method');
  }
  const pending = realm.addPending({
    client,
    redirectUri,
    scope,
    state,
    nonce: q.get('nonce') ?? undefined,
    codeChallenge: challenge
  });
  if (options.autoApprove()) {
    realm.takePending(pending.id);
    const code = realm.approve(pending, PLATFORM_ALICE);
    return redirect(ctx, redirectUri, { code, state, iss: realm.issuer });
  }
  sendHtml(
    ctx,
    200,
    page(
      'Sign in',
      `<h1>Sign in to ${escapeHtml(client.name)}</h1>
<p>You are signing in as <strong>${escapeHtml(PLATFORM_ALICE.name)}</strong> (<code>${escapeHtml(
        PLATFORM_ALICE.preferred_username
      )}</code>). The application asks for: <code>${escapeHtml(scope)}</code>.</p>
<form method="post" action="${escapeHtml(`${OIDC}/auth/approve`)}">
<input type="hidden" name="request" value="${escapeHtml(pending.id)}">
<p><button type="submit" id="approve" name="decision" value="approve">Approve</button></p>
</form>`
    ),
    redirectUri
  );
}

async function approve(ctx: IRequestContext, realm: RealmState): Promise<void> {
  const form = await ctx.form();
  const pending = realm.takePending(form.get('request') ?? '');
  if (!pending) {
    return errorPage(
      ctx,
      400,
      'This login request is unknown or has expired. Start the login again.'
    );
  }
  const code = realm.approve(pending, PLATFORM_ALICE);
  redirect(ctx, pending.redirectUri, { code, state: pending.state, iss: realm.issuer });
}
