import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createEmulator, type IEmulator } from '../index.js';
import {
  ALICE_WORKSPACE,
  BOB_WORKSPACE,
  PLATFORM_ALICE,
  PLATFORM_NOTEBOOK_CLIENT_ID,
  PLATFORM_SERVICE_ACCOUNT,
  SERVICE_WORKSPACE
} from '../platform/seed.js';
import { appToken, endpoint, pkcePair, postForm } from './platform-fixture.js';

async function aliceToken(
  emu: IEmulator,
  scope = 'openid profile email platform'
): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const redirect = 'http://localhost:9999/cb';
  const url = new URL(endpoint(emu, 'auth'));
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: PLATFORM_NOTEBOOK_CLIENT_ID,
    redirect_uri: redirect,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256'
  }).toString();
  const res = await fetch(url, { redirect: 'manual' });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const tok = await postForm(endpoint(emu, 'token'), {
    grant_type: 'authorization_code',
    client_id: PLATFORM_NOTEBOOK_CLIENT_ID,
    code,
    code_verifier: verifier,
    redirect_uri: redirect
  });
  assert.equal(tok.status, 200);
  return tok.body.access_token;
}

async function get(
  emu: IEmulator,
  path: string,
  token?: string
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${emu.urls.platform}${path}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {}
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

describe('Workspace API', () => {
  let emu: IEmulator;
  let alice: string;
  before(async () => {
    emu = await createEmulator({ platform: { stsTtlSeconds: 120 }, autoApprove: true });
    alice = await aliceToken(emu);
  });
  after(() => emu.close());

  describe('#GET /v2/user/info', () => {
    it('should describe the caller and its platforms', async () => {
      const res = await get(emu, '/v2/user/info', alice);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        sub: PLATFORM_ALICE.sub,
        preferred_username: 'alice',
        email: 'alice@example.org',
        platforms: [{ id: 'demo' }]
      });
    });
  });

  describe('#GET /v2/storage/workspaces', () => {
    it("should list only alice's two workspaces with self links", async () => {
      const res = await get(emu, '/v2/storage/workspaces', alice);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, [
        {
          type: 'urn:resource:storage:workspace',
          name: ALICE_WORKSPACE,
          self: `${emu.urls.platform}/v2/storage/workspaces/${ALICE_WORKSPACE}`
        },
        {
          type: 'urn:resource:storage:workspace',
          name: SERVICE_WORKSPACE,
          self: `${emu.urls.platform}/v2/storage/workspaces/${SERVICE_WORKSPACE}`
        }
      ]);
    });

    it('should list only the shared workspace for the service account', async () => {
      const tok = await appToken(emu);
      const res = await get(emu, '/v2/storage/workspaces', tok.access_token);
      assert.deepEqual(
        (res.body as Array<{ name: string }>).map(w => w.name),
        [SERVICE_WORKSPACE]
      );
      const info = await get(emu, '/v2/user/info', tok.access_token);
      assert.equal((info.body as { sub: string }).sub, PLATFORM_SERVICE_ACCOUNT.sub);
    });
  });

  describe('#GET /v2/storage/workspaces/{name}', () => {
    it('should answer the workspace document', async () => {
      const res = await get(emu, `/v2/storage/workspaces/${ALICE_WORKSPACE}`, alice);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        name: ALICE_WORKSPACE,
        type: 'urn:resource:storage:workspace',
        storage_type: 's3',
        end_point: `${emu.urls.s3}/`,
        owner: 'platform-api',
        status: { status_code: 'OK', message: 'From Authorization Resource' },
        resource_uris: ['s3://demo-workspaces/alice/'],
        scopes: [
          's3:GetObject',
          's3:PutObject',
          's3:ListBucket',
          's3:DeleteObject',
          's3:GetBucketLocation'
        ],
        properties: {
          bucket: ['demo-workspaces'],
          key: ['alice/'],
          service_url: [emu.urls.s3],
          storage_type: ['s3'],
          storage_url: ['s3://demo-workspaces/alice/'],
          region: ['us-east-1'],
          platform_id: ['demo']
        }
      });
    });

    it("should answer 404 for an unknown workspace and for bob's", async () => {
      for (const name of ['nope', BOB_WORKSPACE]) {
        const res = await get(emu, `/v2/storage/workspaces/${name}`, alice);
        assert.equal(res.status, 404);
        const body = res.body as { title: string; status: number; detail: string };
        assert.equal(body.status, 404);
        assert.equal(body.title, 'Not Found');
        assert.ok(body.detail);
        const sts = await get(emu, `/v2/storage/workspaces/${name}/sts`, alice);
        assert.equal(sts.status, 404);
      }
    });
  });

  describe('#GET /v2/storage/workspaces/{name}/sts', () => {
    it('should answer the workspace and fresh credentials with the configured lifetime', async () => {
      const before = emu.clock.now();
      const res = await get(emu, `/v2/storage/workspaces/${SERVICE_WORKSPACE}/sts`, alice);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = res.body as {
        storage: { name: string; properties: { bucket: string[] } };
        credentials: { access_key: string; secret_key: string; token: string; expiration: string };
      };
      assert.equal(body.storage.name, SERVICE_WORKSPACE);
      assert.deepEqual(body.storage.properties.bucket, ['demo-processing-results']);
      assert.match(body.credentials.access_key, /^ASIA[A-Z2-7]{16}$/);
      assert.ok(body.credentials.secret_key.length >= 40);
      assert.ok(body.credentials.token.length >= 64);
      const expires = Date.parse(body.credentials.expiration);
      assert.ok(Math.abs(expires - before - 120_000) < 5_000);
      const again = await get(emu, `/v2/storage/workspaces/${SERVICE_WORKSPACE}/sts`, alice);
      assert.notEqual(
        (again.body as typeof body).credentials.access_key,
        body.credentials.access_key
      );
    });
  });

  describe('#issued secrets', () => {
    it('should list realm tokens and STS secrets for leak scans, also on the admin origin', async () => {
      const res = await get(emu, `/v2/storage/workspaces/${ALICE_WORKSPACE}/sts`, alice);
      const creds = (res.body as { credentials: { secret_key: string; token: string } })
        .credentials;
      const secrets = emu.platformSecrets();
      assert.ok(secrets);
      assert.ok(secrets.accessTokens.includes(alice));
      assert.ok(secrets.stsSecretKeys.includes(creds.secret_key));
      assert.ok(secrets.stsSessionTokens.includes(creds.token));
      assert.ok(secrets.clientSecrets.includes('emulator-app-client-secret'));
      assert.ok(secrets.codeVerifiers.length >= 1);
      const admin = (await (await fetch(`${emu.urls.admin}/issued-secrets`)).json()) as {
        accessTokens: string[];
        stsSecretKeys: string[];
      };
      assert.ok(admin.accessTokens.includes(alice));
      assert.ok(admin.stsSecretKeys.includes(creds.secret_key));
    });
  });

  describe('#authentication', () => {
    it('should answer 401 with WWW-Authenticate for a missing, forged or expired token', async () => {
      const missing = await get(emu, '/v2/storage/workspaces');
      assert.equal(missing.status, 401);
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
      const body = missing.body as { title: string; status: number; detail: string };
      assert.equal(body.status, 401);
      assert.equal(body.title, 'Unauthorized');
      const forged = await get(emu, '/v2/storage/workspaces', `${alice.slice(0, -4)}AAAA`);
      assert.equal(forged.status, 401);
      emu.clock.advance(301_000);
      try {
        const expired = await get(emu, '/v2/storage/workspaces', alice);
        assert.equal(expired.status, 401);
        assert.doesNotMatch(JSON.stringify(expired.body), new RegExp(alice.slice(-16)));
      } finally {
        emu.clock.advance(-301_000);
      }
    });

    it('should answer 403 insufficient_scope without the platform scope', async () => {
      const tok = await aliceToken(emu, 'openid profile');
      const res = await get(emu, '/v2/storage/workspaces', tok);
      assert.equal(res.status, 403);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    });

    it('should refuse a well-formed token signed by another key', async () => {
      const jose = await import('jose');
      const { privateKey } = await jose.generateKeyPair('RS256');
      const claims = jose.decodeJwt(alice);
      const header = jose.decodeProtectedHeader(alice);
      const forged = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: header.kid })
        .sign(privateKey);
      const res = await get(emu, '/v2/storage/workspaces', forged);
      assert.equal(res.status, 401);
      assert.equal((await get(emu, '/v2/storage/workspaces', 'opaque-token')).status, 401);
    });

    it('should honour fault rules for the platform and oidc services', async () => {
      emu.faults.add({ service: 'platform', kind: 'status', status: 503, count: 1 });
      assert.equal((await fetch(`${emu.urls.platform}/v2/user/info`)).status, 503);
      assert.equal((await get(emu, '/v2/user/info', alice)).status, 200);
      const tok = await aliceToken(emu);
      emu.faults.add({
        service: 'oidc',
        path: '/realms/platform/**/userinfo',
        kind: 'expireToken',
        count: 1
      });
      const res = await fetch(endpoint(emu, 'userinfo'), {
        headers: { Authorization: `Bearer ${tok}` }
      });
      assert.equal(res.status, 401);
      await res.arrayBuffer();
      assert.equal((await get(emu, '/v2/user/info', tok)).status, 401);
      emu.faults.clear();
    });

    it('should answer a JSON 404 for an unknown route', async () => {
      const res = await get(emu, '/v2/nothing', alice);
      assert.equal(res.status, 404);
      assert.equal((res.body as { status: number }).status, 404);
    });
  });
});
