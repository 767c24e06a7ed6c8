import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HUB_CLIENT_ID, MAPPED_COLLECTION_ID, NATIVE_CLIENT_ID } from '../state/seed.js';
import {
  authorizeUrl,
  basic,
  nativeLogin,
  pkcePair,
  postForm,
  startAuthFixture,
  type IAuthFixture
} from './auth-fixture.js';

const TRANSFER = 'urn:globus:auth:scope:transfer.api.globus.org:all';
const loadJose = () => import('jose');

async function authorizeCode(fx: IAuthFixture, params: Record<string, string>): Promise<string> {
  const res = await fetch(authorizeUrl(fx.authUrl, params), { redirect: 'manual' });
  assert.equal(res.status, 302);
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code');
  assert.ok(code);
  return code;
}

describe('Auth token endpoint', () => {
  let fx: IAuthFixture;
  before(async () => {
    fx = await startAuthFixture({ autoApprove: true });
  });
  after(() => fx.close());

  describe('#authorization_code', () => {
    it('should issue one token per resource server with other_tokens and state', async () => {
      const res = await nativeLogin(fx, `openid profile email ${TRANSFER}`, { state: 'xyz' });
      assert.equal(res.resource_server, 'auth.globus.org');
      assert.equal(res.scope, 'openid profile email');
      assert.equal(res.token_type, 'Bearer');
      assert.equal(res.expires_in, 172800);
      assert.equal(res.state, 'xyz');
      assert.equal(res.refresh_token, undefined);
      assert.equal(res.other_tokens.length, 1);
      const transfer = res.other_tokens[0];
      assert.equal(transfer.resource_server, 'transfer.api.globus.org');
      assert.equal(transfer.scope, TRANSFER);
      assert.equal(transfer.state, 'xyz');
      assert.notEqual(transfer.access_token, res.access_token);
      assert.ok(fx.auth.check(transfer.access_token, 'transfer.api.globus.org').ok);
      assert.equal(fx.auth.check(transfer.access_token, 'auth.globus.org').ok, false);
    });

    it('should give refresh tokens for offline_access and for access_type=offline', async () => {
      const a = await nativeLogin(fx, `openid ${TRANSFER} offline_access`);
      assert.ok(a.refresh_token);
      assert.ok(a.other_tokens[0].refresh_token);
      assert.equal(a.scope, 'openid');
      const b = await nativeLogin(fx, TRANSFER, { access_type: 'offline' });
      assert.ok(b.refresh_token);
      assert.deepEqual(b.other_tokens, []);
    });

    it('should sign an id_token that verifies against /jwk.json', async () => {
      const jose = await loadJose();
      const res = await nativeLogin(fx, 'openid profile email', { nonce: 'n-1' });
      assert.ok(res.id_token);
      const jwks = jose.createRemoteJWKSet(new URL(`${fx.authUrl}/jwk.json`));
      const { payload, protectedHeader } = await jose.jwtVerify(res.id_token, jwks, {
        issuer: fx.authUrl,
        audience: NATIVE_CLIENT_ID
      });
      assert.equal(protectedHeader.alg, 'RS256');
      assert.equal(payload.sub, '3b1d9f6e-4c2a-4f8e-b7d1-2e9a6c5f0a11');
      assert.equal(payload.preferred_username, 'demo.researcher@globusid.org');
      assert.equal(payload.email, 'demo.researcher@example.edu');
      assert.equal(payload.nonce, 'n-1');
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 172800);
      assert.equal(typeof payload.at_hash, 'string');
    });

    it('should refuse a PKCE mismatch with invalid_grant', async () => {
      const { challenge } = pkcePair();
      const code = await authorizeCode(fx, {
        scope: TRANSFER,
        code_challenge: challenge,
        code_challenge_method: 'S256'
      });
      const res = await postForm(`${fx.authUrl}/v2/oauth2/token`, {
        grant_type: 'authorization_code',
        code,
        client_id: NATIVE_CLIENT_ID,
        code_verifier: pkcePair().verifier
      });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description, /PKCE/);
    });

    it('should refuse a reused code and revoke what it issued', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await authorizeCode(fx, {
        scope: TRANSFER,
        code_challenge: challenge,
        code_challenge_method: 'S256'
      });
      const form = {
        grant_type: 'authorization_code',
        code,
        client_id: NATIVE_CLIENT_ID,
        code_verifier: verifier
      };
      const first = await postForm(`${fx.authUrl}/v2/oauth2/token`, form);
      assert.equal(first.status, 200);
      const token = ((await first.json()) as { access_token: string }).access_token;
      assert.ok(fx.auth.check(token, 'transfer.api.globus.org').ok);
      const second = await postForm(`${fx.authUrl}/v2/oauth2/token`, form);
      assert.equal(second.status, 400);
      assert.equal(((await second.json()) as { error: string }).error, 'invalid_grant');
      assert.deepEqual(fx.auth.check(token, 'transfer.api.globus.org'), {
        ok: false,
        reason: 'revoked'
      });
    });

    it('should refuse an expired code and a wrong redirect_uri', async () => {
      const { verifier, challenge } = pkcePair();
      const p = { scope: TRANSFER, code_challenge: challenge, code_challenge_method: 'S256' };
      const expired = await authorizeCode(fx, p);
      fx.clock.advance(601_000);
      try {
        const res = await postForm(`${fx.authUrl}/v2/oauth2/token`, {
          grant_type: 'authorization_code',
          code: expired,
          client_id: NATIVE_CLIENT_ID,
          code_verifier: verifier
        });
        assert.equal(res.status, 400);
        assert.match(
          ((await res.json()) as { error_description: string }).error_description,
          /expired/
        );
      } finally {
        fx.clock.advance(-601_000);
      }
      const code = await authorizeCode(fx, p);
      const res = await postForm(`${fx.authUrl}/v2/oauth2/token`, {
        grant_type: 'authorization_code',
        code,
        client_id: NATIVE_CLIENT_ID,
        code_verifier: verifier,
        redirect_uri: 'http://127.0.0.1:1/elsewhere'
      });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_grant');
    });

    it('should let the confidential hub client redeem with Basic auth and no PKCE', async () => {
      const redirect = 'http://127.0.0.1:8000/hub/oauth_callback';
      const code = await authorizeCode(fx, {
        client_id: HUB_CLIENT_ID,
        scope: `openid ${TRANSFER}`,
        redirect_uri: redirect
      });
      const res = await postForm(
        `${fx.authUrl}/v2/oauth2/token`,
        { grant_type: 'authorization_code', code, redirect_uri: redirect },
        { Authorization: basic() }
      );
      assert.equal(res.status, 200);
      const body = (await res.json()) as { other_tokens: unknown[]; id_token: string };
      assert.equal(body.other_tokens.length, 1);
      assert.ok(body.id_token);
    });
  });

  describe('#refresh_token', () => {
    it('should rotate the refresh token and keep old access tokens valid', async () => {
      const login = await nativeLogin(fx, TRANSFER, { access_type: 'offline' });
      const old = login.refresh_token as string;
      const res = await postForm(`${fx.authUrl}/v2/oauth2/token`, {
        grant_type: 'refresh_token',
        refresh_token: old,
        client_id: NATIVE_CLIENT_ID
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        access_token: string;
        refresh_token: string;
        other_tokens: unknown[];
        resource_server: string;
        state: string;
      };
      assert.deepEqual(body.other_tokens, []);
      assert.equal(body.resource_server, 'transfer.api.globus.org');
      assert.equal(typeof body.state, 'string');
      assert.notEqual(body.refresh_token, old);
      assert.notEqual(body.access_token, login.access_token);
      assert.ok(fx.auth.check(login.access_token, 'transfer.api.globus.org').ok);
      assert.ok(fx.auth.check(body.access_token, 'transfer.api.globus.org').ok);
      const reuse = await postForm(`${fx.authUrl}/v2/oauth2/token`, {
        grant_type: 'refresh_token',
        refresh_token: old,
        client_id: NATIVE_CLIENT_ID
      });
      assert.equal(reuse.status, 400);
      assert.equal(((await reuse.json()) as { error: string }).error, 'invalid_grant');
    });

    it('should refuse a refresh token presented by another client', async () => {
      const login = await nativeLogin(fx, TRANSFER, { access_type: 'offline' });
      const res = await postForm(
        `${fx.authUrl}/v2/oauth2/token`,
        { grant_type: 'refresh_token', refresh_token: login.refresh_token as string },
        { Authorization: basic() }
      );
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_grant');
    });
  });

  describe('#client_credentials', () => {
    it('should issue tokens for the client itself with Basic auth', async () => {
      const res = await postForm(
        `${fx.authUrl}/v2/oauth2/token`,
        { grant_type: 'client_credentials', scope: TRANSFER },
        { Authorization: basic() }
      );
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        access_token: string;
        resource_server: string;
        other_tokens: unknown[];
        refresh_token?: string;
      };
      assert.equal(body.resource_server, 'transfer.api.globus.org');
      assert.deepEqual(body.other_tokens, []);
      assert.equal(body.refresh_token, undefined);
      const check = fx.auth.check(body.access_token, 'transfer.api.globus.org');
      assert.ok(check.ok && check.token.subject === HUB_CLIENT_ID && check.user === undefined);
    });

    it('should answer 401 invalid_client for a wrong secret', async () => {
      const res = await postForm(
        `${fx.authUrl}/v2/oauth2/token`,
        { grant_type: 'client_credentials', scope: TRANSFER },
        { Authorization: basic(HUB_CLIENT_ID, 'wrong') }
      );
      assert.equal(res.status, 401);
      assert.deepEqual(Object.keys((await res.json()) as object).sort(), [
        'error',
        'error_description'
      ]);
    });

    it('should refuse a public client and unknown grant types', async () => {
      const pub = await postForm(`${fx.authUrl}/v2/oauth2/token`, {
        grant_type: 'client_credentials',
        scope: TRANSFER,
        client_id: NATIVE_CLIENT_ID
      });
      assert.equal(pub.status, 400);
      assert.equal(((await pub.json()) as { error: string }).error, 'unauthorized_client');
      const odd = await postForm(`${fx.authUrl}/v2/oauth2/token`, {
        grant_type: 'password',
        client_id: NATIVE_CLIENT_ID
      });
      assert.equal(((await odd.json()) as { error: string }).error, 'unsupported_grant_type');
      const anon = await postForm(`${fx.authUrl}/v2/oauth2/token`, {
        grant_type: 'client_credentials',
        scope: TRANSFER
      });
      assert.equal(anon.status, 401);
      assert.equal(((await anon.json()) as { error: string }).error, 'invalid_client');
    });

    it('should answer invalid_scope for an unknown scope', async () => {
      const res = await postForm(
        `${fx.authUrl}/v2/oauth2/token`,
        { grant_type: 'client_credentials', scope: 'urn:globus:auth:scope:nope:all' },
        { Authorization: basic() }
      );
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_scope');
    });
  });

  describe('#revoke', () => {
    it('should kill the access tokens of a revoked refresh token', async () => {
      const login = await nativeLogin(fx, TRANSFER, { access_type: 'offline' });
      const res = await postForm(`${fx.authUrl}/v2/oauth2/token/revoke`, {
        token: login.refresh_token as string,
        client_id: NATIVE_CLIENT_ID
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { active: false });
      assert.deepEqual(fx.auth.check(login.access_token, 'transfer.api.globus.org'), {
        ok: false,
        reason: 'revoked'
      });
    });

    it('should need client authentication', async () => {
      const res = await postForm(`${fx.authUrl}/v2/oauth2/token/revoke`, { token: 'x' });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
    });
  });

  describe('#introspect', () => {
    it('should describe an active token to a confidential client', async () => {
      const login = await nativeLogin(fx, `openid profile ${TRANSFER}`);
      const res = await postForm(
        `${fx.authUrl}/v2/oauth2/token/introspect`,
        { token: login.access_token, include: 'identity_set,session_info' },
        { Authorization: basic() }
      );
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.active, true);
      assert.equal(body.scope, 'openid profile');
      assert.equal(body.client_id, NATIVE_CLIENT_ID);
      assert.equal(body.username, 'demo.researcher@globusid.org');
      assert.deepEqual(body.aud, ['auth.globus.org', NATIVE_CLIENT_ID]);
      assert.deepEqual(body.identity_set, [
        '3b1d9f6e-4c2a-4f8e-b7d1-2e9a6c5f0a11',
        '7c2e0a4b-8d1f-4e3a-9b6c-5d4e3f2a1b22'
      ]);
      assert.ok((body.session_info as { authentications: object }).authentications);
      fx.auth.revoke(login.access_token);
      const after = await postForm(
        `${fx.authUrl}/v2/oauth2/token/introspect`,
        { token: login.access_token },
        { Authorization: basic() }
      );
      assert.deepEqual(await after.json(), { active: false });
    });

    it('should refuse a public client', async () => {
      const res = await postForm(`${fx.authUrl}/v2/oauth2/token/introspect`, {
        token: 'x',
        client_id: NATIVE_CLIENT_ID
      });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
    });
  });

  describe('#data_access consent', () => {
    it('should record transfer:all[*data_access] and let hasDataAccessConsent see it', async () => {
      const plain = await nativeLogin(fx, TRANSFER);
      const check = fx.auth.check(plain.access_token, 'transfer.api.globus.org');
      assert.ok(check.ok);
      // No earlier test in this file asks for data_access, so there is no consent yet.
      assert.equal(fx.auth.hasDataAccessConsent(check.token, MAPPED_COLLECTION_ID), false);
      await nativeLogin(
        fx,
        `${TRANSFER}[*https://auth.globus.org/scopes/${MAPPED_COLLECTION_ID}/data_access]`
      );
      // The consent is dynamic: the earlier token now passes too.
      assert.equal(fx.auth.hasDataAccessConsent(check.token, MAPPED_COLLECTION_ID), true);
    });
  });

  describe('#access log', () => {
    it('should never record tokens, codes or secrets', () => {
      assert.ok(fx.log.length > 10);
      for (const line of fx.log) {
        assert.doesNotMatch(line, /[?]|Ag[A-Za-z0-9_-]{20}|secret/);
      }
    });
  });
});
