import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  COLLEAGUE_IDENTITY_ID,
  DEMO_IDENTITY_ID,
  DEMO_LINKED_IDENTITY_ID,
  MAPPED_COLLECTION_ID,
  NATIVE_CLIENT_ID,
  TUTORIAL_GROUP_ID
} from '../state/seed.js';
import { nativeLogin, startAuthFixture, type IAuthFixture } from './auth-fixture.js';

const TRANSFER = 'urn:globus:auth:scope:transfer.api.globus.org:all';
const GROUPS = 'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships';
const IDSET = 'urn:globus:auth:scope:auth.globus.org:view_identity_set';
const CONSENTS = 'urn:globus:auth:scope:auth.globus.org:view_consents';

interface IAuthApiError {
  errors: Array<{ status: string; id: string; code: string; detail: string; title: string }>;
  error: string;
  error_description: string;
}

function get(url: string, token?: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) }
  });
}

async function assertAuthError(
  res: Response,
  status: number,
  code: string
): Promise<IAuthApiError> {
  assert.equal(res.status, status);
  const body = (await res.json()) as IAuthApiError;
  assert.equal(body.errors.length, 1);
  assert.equal(body.errors[0].status, String(status));
  assert.equal(body.errors[0].code, code);
  assert.match(body.errors[0].id, /^[0-9a-f-]{36}$/);
  assert.equal(typeof body.errors[0].detail, 'string');
  assert.equal(body.error, code.toLowerCase());
  assert.equal(body.error_description, body.errors[0].title);
  return body;
}

describe('Auth API', () => {
  let fx: IAuthFixture;
  let authToken: string;
  let transferToken: string;
  let groupsToken: string;
  before(async () => {
    fx = await startAuthFixture({ autoApprove: true });
    const res = await nativeLogin(
      fx,
      `openid profile email ${IDSET} ${CONSENTS} ${TRANSFER} ${GROUPS}`
    );
    authToken = res.access_token;
    transferToken =
      res.other_tokens.find(t => t.resource_server === 'transfer.api.globus.org')?.access_token ??
      '';
    groupsToken =
      res.other_tokens.find(t => t.resource_server === 'groups.api.globus.org')?.access_token ?? '';
  });
  after(() => fx.close());

  describe('#userinfo', () => {
    it('should answer GET and POST with the identity set', async () => {
      for (const method of ['GET', 'POST']) {
        const res = await get(`${fx.authUrl}/v2/oauth2/userinfo`, authToken, { method });
        assert.equal(res.status, 200);
        const body = (await res.json()) as {
          sub: string;
          email: string;
          identity_set: Array<{ sub: string }>;
        };
        assert.equal(body.sub, DEMO_IDENTITY_ID);
        assert.equal(body.email, 'demo.researcher@example.edu');
        assert.deepEqual(
          body.identity_set.map(i => i.sub),
          [DEMO_IDENTITY_ID, DEMO_LINKED_IDENTITY_ID]
        );
      }
    });

    it('should leave out email and identity_set without their scopes', async () => {
      const res = await nativeLogin(fx, 'openid profile');
      const body = (await (
        await get(`${fx.authUrl}/v2/oauth2/userinfo`, res.access_token)
      ).json()) as Record<string, unknown>;
      assert.equal(body.sub, DEMO_IDENTITY_ID);
      assert.equal('email' in body, false);
      assert.equal('identity_set' in body, false);
    });

    it('should answer 401 in the errors format when the token is missing, wrong, revoked or expired', async () => {
      const missing = await assertAuthError(
        await get(`${fx.authUrl}/v2/oauth2/userinfo`),
        401,
        'UNAUTHORIZED'
      );
      assert.equal(missing.errors[0].detail, 'Call must be authenticated');
      await assertAuthError(
        await get(`${fx.authUrl}/v2/oauth2/userinfo`, 'not-a-token'),
        401,
        'UNAUTHORIZED'
      );
      await assertAuthError(
        await get(`${fx.authUrl}/v2/oauth2/userinfo`, transferToken),
        401,
        'UNAUTHORIZED'
      );
      const revoked = await nativeLogin(fx, 'openid');
      fx.auth.revoke(revoked.access_token);
      const r = await assertAuthError(
        await get(`${fx.authUrl}/v2/oauth2/userinfo`, revoked.access_token),
        401,
        'UNAUTHORIZED'
      );
      assert.match(r.errors[0].detail, /revoked/);
      const expiring = await nativeLogin(fx, 'openid');
      assert.equal(fx.auth.expireNow(expiring.access_token), true);
      const e = await assertAuthError(
        await get(`${fx.authUrl}/v2/oauth2/userinfo`, expiring.access_token),
        401,
        'UNAUTHORIZED'
      );
      assert.match(e.errors[0].detail, /expired/);
    });

    it('should expire tokens when the clock passes their lifetime', async () => {
      const res = await nativeLogin(fx, 'openid');
      fx.clock.advance(172_800_000);
      try {
        await assertAuthError(
          await get(`${fx.authUrl}/v2/oauth2/userinfo`, res.access_token),
          401,
          'UNAUTHORIZED'
        );
      } finally {
        fx.clock.advance(-172_800_000);
      }
      assert.equal((await get(`${fx.authUrl}/v2/oauth2/userinfo`, res.access_token)).status, 200);
    });
  });

  describe('#identities', () => {
    it('should look identities up by ids and by usernames', async () => {
      const byIds = await get(
        `${fx.authUrl}/v2/api/identities?ids=${DEMO_LINKED_IDENTITY_ID},${COLLEAGUE_IDENTITY_ID}`,
        authToken
      );
      assert.equal(byIds.status, 200);
      const ids = (await byIds.json()) as { identities: Array<Record<string, unknown>> };
      assert.deepEqual(
        ids.identities.map(i => i.id),
        [DEMO_LINKED_IDENTITY_ID, COLLEAGUE_IDENTITY_ID]
      );
      assert.deepEqual(Object.keys(ids.identities[0]).sort(), [
        'email',
        'id',
        'identity_provider',
        'identity_type',
        'name',
        'organization',
        'status',
        'username'
      ]);
      const byName = (await (
        await get(
          `${fx.authUrl}/v2/api/identities?usernames=GRACE.colleague@globusid.org,nobody@nowhere.org`,
          authToken
        )
      ).json()) as { identities: Array<{ id: string }> };
      assert.deepEqual(
        byName.identities.map(i => i.id),
        [COLLEAGUE_IDENTITY_ID]
      );
    });

    it('should provision unknown usernames as unused identities when asked', async () => {
      const res = (await (
        await get(
          `${fx.authUrl}/v2/api/identities?usernames=new.person@globusid.org&provision=true`,
          authToken
        )
      ).json()) as { identities: Array<{ status: string; username: string }> };
      assert.equal(res.identities.length, 1);
      assert.equal(res.identities[0].status, 'unused');
    });

    it('should refuse both ids and usernames, and neither', async () => {
      await assertAuthError(
        await get(
          `${fx.authUrl}/v2/api/identities?ids=${DEMO_IDENTITY_ID}&usernames=a@b.org`,
          authToken
        ),
        400,
        'INVALID_PARAMETERS'
      );
      await assertAuthError(
        await get(`${fx.authUrl}/v2/api/identities`, authToken),
        400,
        'INVALID_PARAMETERS'
      );
      await assertAuthError(
        await get(`${fx.authUrl}/v2/api/identities?ids=x`),
        401,
        'UNAUTHORIZED'
      );
    });

    it('should get one identity by id, 404 for an unknown one', async () => {
      const res = await get(`${fx.authUrl}/v2/api/identities/${COLLEAGUE_IDENTITY_ID}`, authToken);
      assert.equal(
        ((await res.json()) as { identity: { username: string } }).identity.username,
        'grace.colleague@globusid.org'
      );
      await assertAuthError(
        await get(
          `${fx.authUrl}/v2/api/identities/00000000-0000-0000-0000-000000000000`,
          authToken
        ),
        404,
        'NOT_FOUND'
      );
    });
  });

  describe('#consents', () => {
    it('should return the consent forest with integer ids and dependency paths', async () => {
      const scope = `${TRANSFER}[*https://auth.globus.org/scopes/${MAPPED_COLLECTION_ID}/data_access]`;
      await nativeLogin(fx, scope);
      const res = await get(
        `${fx.authUrl}/v2/api/identities/${DEMO_IDENTITY_ID}/consents`,
        authToken
      );
      assert.equal(res.status, 200);
      const { consents } = (await res.json()) as {
        consents: Array<{
          id: number;
          dependency_path: number[];
          scope_name: string;
          client: string;
          atomically_revocable: boolean;
        }>;
      };
      const root = consents.find(c => c.scope_name === TRANSFER && c.dependency_path.length === 1);
      assert.ok(root);
      assert.equal(Number.isInteger(root.id), true);
      assert.deepEqual(root.dependency_path, [root.id]);
      assert.equal(root.client, NATIVE_CLIENT_ID);
      const child = consents.find(c => c.scope_name.endsWith('/data_access'));
      assert.ok(child);
      assert.deepEqual(child.dependency_path, [root.id, child.id]);
      assert.equal(child.atomically_revocable, true);
      assert.notEqual(child.client, NATIVE_CLIENT_ID);
    });

    it('should allow all=true only with view_consents, and only for your own identities', async () => {
      const ok = await get(
        `${fx.authUrl}/v2/api/identities/${DEMO_LINKED_IDENTITY_ID}/consents?all=true`,
        authToken
      );
      assert.equal(ok.status, 200);
      const narrow = await nativeLogin(fx, 'openid');
      await assertAuthError(
        await get(
          `${fx.authUrl}/v2/api/identities/${DEMO_IDENTITY_ID}/consents?all=true`,
          narrow.access_token
        ),
        403,
        'FORBIDDEN'
      );
      await assertAuthError(
        await get(`${fx.authUrl}/v2/api/identities/${COLLEAGUE_IDENTITY_ID}/consents`, authToken),
        403,
        'FORBIDDEN'
      );
    });
  });

  describe('#discovery', () => {
    it('should publish the openid configuration with the emulator issuer', async () => {
      const res = await fetch(`${fx.authUrl}/.well-known/openid-configuration`);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.issuer, fx.authUrl);
      assert.equal(body.token_endpoint, `${fx.authUrl}/v2/oauth2/token`);
      assert.equal(body.jwks_uri, `${fx.authUrl}/jwk.json`);
      assert.deepEqual(body.id_token_signing_alg_values_supported, ['RS256']);
      const jwk = (await (await fetch(`${fx.authUrl}/jwk.json`)).json()) as {
        keys: Array<Record<string, string>>;
      };
      assert.equal(jwk.keys.length, 1);
      assert.equal(jwk.keys[0].kty, 'RSA');
      assert.equal(jwk.keys[0].alg, 'RS256');
      assert.equal('d' in jwk.keys[0], false);
    });

    it('should answer unknown routes with a 404 in the errors format', async () => {
      await assertAuthError(await fetch(`${fx.authUrl}/v2/api/nothing`), 404, 'NOT_FOUND');
    });
  });

  describe('#cors', () => {
    it('should answer preflights on the API routes', async () => {
      for (const path of [
        '/v2/oauth2/token',
        '/v2/oauth2/token/revoke',
        '/v2/oauth2/userinfo',
        '/v2/api/identities'
      ]) {
        const res = await fetch(`${fx.authUrl}${path}`, {
          method: 'OPTIONS',
          headers: {
            Origin: 'http://localhost:8888',
            'Access-Control-Request-Method': 'POST',
            'Access-Control-Request-Headers': 'authorization,content-type'
          }
        });
        assert.equal(res.status, 204, path);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/);
        assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
      }
      const real = await get(`${fx.authUrl}/v2/oauth2/userinfo`, authToken);
      assert.equal(real.headers.get('access-control-allow-origin'), '*');
      const error = await get(`${fx.authUrl}/v2/oauth2/userinfo`);
      assert.equal(error.headers.get('access-control-allow-origin'), '*');
    });
  });

  describe('Groups #my_groups', () => {
    it('should return a bare array with the Tutorial Users group', async () => {
      const res = await get(`${fx.groupsUrl}/v2/groups/my_groups`, groupsToken);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Array<{
        id: string;
        name: string;
        my_memberships: Array<{ identity_id: string; role: string; status: string }>;
      }>;
      assert.ok(Array.isArray(body));
      assert.equal(body.length, 1);
      assert.equal(body[0].id, TUTORIAL_GROUP_ID);
      assert.equal(body[0].name, 'Tutorial Users');
      assert.deepEqual(
        body[0].my_memberships.map(m => [m.identity_id, m.role, m.status]),
        [[DEMO_IDENTITY_ID, 'member', 'active']]
      );
    });

    it('should refuse tokens of other resource servers with 401', async () => {
      for (const token of [undefined, transferToken, authToken]) {
        const res = await get(`${fx.groupsUrl}/v2/groups/my_groups`, token);
        assert.equal(res.status, 401);
        const body = (await res.json()) as { code: string };
        assert.equal(body.code, 'UNAUTHORIZED');
      }
    });

    it('should filter by statuses', async () => {
      const res = await get(`${fx.groupsUrl}/v2/groups/my_groups?statuses=invited`, groupsToken);
      assert.deepEqual(await res.json(), []);
      const bad = await get(`${fx.groupsUrl}/v2/groups/my_groups?statuses=bogus`, groupsToken);
      assert.equal(bad.status, 400);
    });
  });
});
