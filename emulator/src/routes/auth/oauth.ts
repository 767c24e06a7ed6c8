/**
 * Globus Auth's OAuth 2.0 endpoints: token (authorization_code + PKCE, refresh_token with
 * rotation, client_credentials), introspect and revoke. Bodies are form-encoded; errors use
 * the OAuth `{"error", "error_description"}` shape.
 * @see https://docs.globus.org/api/auth/reference/#token
 */
import type { IRequestContext, Router } from '../../http/router.js';
import { AuthStateError } from '../../state/auth/auth-error.js';
import type { AuthState, ITokenResponse } from '../../state/auth/auth-state.js';
import type { IOAuthClient } from '../../state/auth/directory.js';
import { oauthError } from './responses.js';

const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** Adds `/v2/oauth2/token`, `/token/introspect` and `/token/revoke`. */
export function addOAuthRoutes(router: Router, auth: AuthState): void {
  router.add('POST', '/v2/oauth2/token', ctx => oauth(() => token(ctx, auth)));
  router.add('POST', '/v2/oauth2/token/introspect', ctx => oauth(() => introspect(ctx, auth)));
  router.add('POST', '/v2/oauth2/token/revoke', ctx => oauth(() => revoke(ctx, auth)));
}

/** Runs a handler and maps `AuthStateError` to the OAuth error body. */
async function oauth(handler: () => Promise<void>): Promise<void> {
  try {
    await handler();
  } catch (e) {
    if (e instanceof AuthStateError) throw oauthError(e.status, e.code, e.description);
    throw e;
  }
}

function requireClient(ctx: IRequestContext, auth: AuthState, form: URLSearchParams): IOAuthClient {
  const client = auth.authenticateClient(ctx.req.headers.authorization, form.get('client_id'));
  if (!client) throw new AuthStateError('invalid_client', 'Client authentication is required', 401);
  return client;
}

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw new AuthStateError('invalid_request', `Missing required parameter: ${name}`);
  return value;
}

async function token(ctx: IRequestContext, auth: AuthState): Promise<void> {
  const form = await ctx.form();
  const client = requireClient(ctx, auth, form);
  const grant = form.get('grant_type');
  let response: ITokenResponse;
  switch (grant) {
    case 'authorization_code':
      response = await auth.redeemCode(
        client,
        required(form, 'code'),
        form.get('redirect_uri'),
        form.get('code_verifier')
      );
      break;
    case 'refresh_token':
      response = await auth.refresh(client, required(form, 'refresh_token'));
      break;
    case 'client_credentials':
      if (!client.confidential) {
        throw new AuthStateError(
          'unauthorized_client',
          'Only confidential clients may use client_credentials'
        );
      }
      response = await auth.issueTokens({ clientId: client.id, scope: required(form, 'scope') });
      break;
    case null:
      throw new AuthStateError('invalid_request', 'Missing required parameter: grant_type');
    default:
      throw new AuthStateError(
        'unsupported_grant_type',
        `Unsupported grant_type: ${grant.slice(0, 80)}`
      );
  }
  ctx.send(200, response, noStore);
}

async function introspect(ctx: IRequestContext, auth: AuthState): Promise<void> {
  const form = await ctx.form();
  const client = auth.authenticateClient(ctx.req.headers.authorization, null);
  if (!client)
    throw new AuthStateError('invalid_client', 'Introspection requires a confidential client', 401);
  const include = new Set(
    (form.get('include') ?? '')
      .split(',')
      .map(s => s.trim())
      .filter(Boolean)
  );
  ctx.send(200, auth.introspect(required(form, 'token'), include), noStore);
}

async function revoke(ctx: IRequestContext, auth: AuthState): Promise<void> {
  const form = await ctx.form();
  requireClient(ctx, auth, form);
  auth.revoke(required(form, 'token'));
  ctx.send(200, { active: false }, noStore);
}
