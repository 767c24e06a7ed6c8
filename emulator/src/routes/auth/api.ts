/**
 * Globus Auth's bearer-token API: userinfo, identities, consents, and the public OIDC
 * discovery documents. Errors use the `errors` array format (`authApiError`).
 * @see https://docs.globus.org/api/auth/reference/
 */
import { randomUUID } from 'node:crypto';
import type { IRequestContext, Router } from '../../http/router.js';
import type { AuthState } from '../../state/auth/auth-state.js';
import { AUTH_RESOURCE_SERVER, VIEW_CONSENTS_SCOPE } from '../../state/auth/scopes.js';
import { ID_TOKEN_ALG } from '../../state/auth/signing-key.js';
import type { IIdentity, IIssuedToken } from '../../state/types.js';
import { authApiError, unauthorized } from './responses.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Adds userinfo, identities, consents, `/.well-known/openid-configuration` and `/jwk.json`. */
export function addApiRoutes(router: Router, auth: AuthState): void {
  const userinfo = (ctx: IRequestContext): void => {
    const token = bearer(ctx, auth);
    ctx.send(200, auth.userinfo(token));
  };
  router.add('GET', '/v2/oauth2/userinfo', userinfo);
  router.add('POST', '/v2/oauth2/userinfo', userinfo);

  router.add('GET', '/v2/api/identities', ctx => {
    bearer(ctx, auth);
    const ids = ctx.query.get('ids');
    const usernames = ctx.query.get('usernames');
    if ((ids === null) === (usernames === null)) {
      throw authApiError(
        400,
        'INVALID_PARAMETERS',
        'Invalid Parameters',
        'Exactly one of "ids" or "usernames" must be given'
      );
    }
    const wanted = (ids ?? usernames ?? '')
      .split(',')
      .map(s => s.trim())
      .filter(Boolean);
    if (ids !== null) {
      const bad = wanted.find(id => !uuid.test(id));
      if (bad !== undefined) {
        throw authApiError(
          400,
          'INVALID_PARAMETERS',
          'Invalid Parameters',
          `Invalid identity id: ${bad.slice(0, 64)}`
        );
      }
    }
    const provision = usernames !== null && ctx.query.get('provision') === 'true';
    const found: IIdentity[] = [];
    for (const key of wanted) {
      const identity =
        auth.identity(key) ?? (provision ? auth.directory.provision(key, randomUUID()) : undefined);
      if (identity && !found.includes(identity)) found.push(identity);
    }
    ctx.send(200, { identities: found.map(identityDocument) });
  });

  router.add('GET', '/v2/api/identities/:id', ctx => {
    bearer(ctx, auth);
    const identity = uuid.test(ctx.params.id) ? auth.identity(ctx.params.id) : undefined;
    if (!identity) throw authApiError(404, 'NOT_FOUND', 'Not Found', 'No identity with this id');
    ctx.send(200, { identity: identityDocument(identity) });
  });

  router.add('GET', '/v2/api/identities/:id/consents', ctx => {
    const token = bearer(ctx, auth);
    const caller = auth.userByIdentity(token.subject);
    const target = ctx.params.id.toLowerCase();
    if (!caller || !caller.identities.some(i => i.id === target)) {
      throw authApiError(
        403,
        'FORBIDDEN',
        'Forbidden',
        'You may only view consents of your own identities'
      );
    }
    const all = ctx.query.get('all') === 'true';
    if (all && !token.scopes.some(s => s === VIEW_CONSENTS_SCOPE)) {
      throw authApiError(
        403,
        'FORBIDDEN',
        'Forbidden',
        `all=true requires the scope ${VIEW_CONSENTS_SCOPE}`
      );
    }
    ctx.send(200, { consents: auth.consentsOf(target, all ? undefined : token.clientId) });
  });

  router.add('GET', '/.well-known/openid-configuration', ctx => {
    const base = auth.issuer;
    ctx.send(200, {
      issuer: base,
      authorization_endpoint: `${base}/v2/oauth2/authorize`,
      userinfo_endpoint: `${base}/v2/oauth2/userinfo`,
      token_endpoint: `${base}/v2/oauth2/token`,
      revocation_endpoint: `${base}/v2/oauth2/token/revoke`,
      introspection_endpoint: `${base}/v2/oauth2/token/introspect`,
      jwks_uri: `${base}/jwk.json`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256', 'plain'],
      id_token_signing_alg_values_supported: [ID_TOKEN_ALG],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      claims_supported: [
        'at_hash',
        'aud',
        'email',
        'exp',
        'name',
        'nonce',
        'preferred_username',
        'iat',
        'iss',
        'sub'
      ],
      subject_types_supported: ['public']
    });
  });

  router.add('GET', '/jwk.json', ctx => {
    ctx.send(200, { keys: [auth.signingKey.jwk] });
  });
}

/** Checks the bearer token for `auth.globus.org`; a refusal is the documented 401. */
function bearer(ctx: IRequestContext, auth: AuthState): IIssuedToken {
  const check = auth.check(ctx.bearer, AUTH_RESOURCE_SERVER);
  if (!check.ok) throw unauthorized(check.reason);
  return check.token;
}

function identityDocument(i: IIdentity): Record<string, unknown> {
  return {
    id: i.id,
    username: i.username,
    status: i.status,
    identity_provider: i.identity_provider,
    identity_type: i.identity_type,
    name: i.name,
    email: i.email,
    organization: i.organization
  };
}
