import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IEmulator } from '../index.js';
import {
  PLATFORM_ALICE,
  PLATFORM_APP_CLIENT_ID,
  PLATFORM_APP_CLIENT_SECRET,
  PLATFORM_NOTEBOOK_CLIENT_ID,
  PLATFORM_SERVICE_ACCOUNT
} from '../platform/seed.js';
import {
  appToken,
  basic,
  endpoint,
  issuerOf,
  postForm,
  startPlatformEmulator
} from './platform-fixture.js';

const loadJose = () => import('jose');
const loadOidc = () => import('openid-client');

describe('OIDC realm', () => {
  let emu: IEmulator;
  before(async () => {
    emu = await startPlatformEmulator();
  });
  after(() => emu.close());

  describe('#discovery', () => {
    it('should publish Keycloak-shaped endpoints under the issuer', async () => {
      const issuer = issuerOf(emu);
      assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+\/realms\/platform$/);
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as Record<string, unknown>;
      const base = `${issuer}/protocol/openid-connect`;
      assert.equal(doc.issuer, issuer);
      assert.equal(doc.authorization_endpoint, `${base}/auth`);
      assert.equal(doc.token_endpoint, `${base}/token`);
      assert.equal(doc.userinfo_endpoint, `${base}/userinfo`);
      assert.equal(doc.jwks_uri, `${base}/certs`);
      assert.equal(doc.revocation_endpoint, `${base}/revoke`);
      assert.equal(doc.introspection_endpoint, `${base}/token/introspect`);
      assert.deepEqual(doc.grant_types_supported, [
        'authorization_code',
        'client_credentials',
        'refresh_token'
      ]);
      assert.deepEqual(doc.response_types_supported, ['code']);
      assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(doc.scopes_supported, [
        'openid',
        'profile',
        'email',
        'offline_access',
        'platform'
      ]);
      assert.deepEqual(doc.token_endpoint_auth_methods_supported, [
        'client_secret_basic',
        'client_secret_post',
        'none'
      ]);
      assert.deepEqual(doc.id_token_signing_alg_values_supported, ['RS256']);
      assert.deepEqual(doc.subject_types_supported, ['public']);
    });

    it('should publish one RS256 signing key with a kid', async () => {
      const res = await fetch(endpoint(emu, 'certs'));
      const jwks = (await res.json()) as { keys: Array<Record<string, string>> };
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0].kty, 'RSA');
      assert.equal(jwks.keys[0].alg, 'RS256');
      assert.ok(jwks.keys[0].kid);
      assert.equal(jwks.keys[0].d, undefined);
    });

    it('should add the platform lines to platformEnv()', () => {
      const env = emu.platformEnv();
      assert.equal(env.GLOBUS_KIT_OIDC_ISSUER, issuerOf(emu));
      assert.equal(env.GLOBUS_KIT_OIDC_CLIENT_ID, PLATFORM_NOTEBOOK_CLIENT_ID);
      assert.equal(env.GLOBUS_KIT_OIDC_APP_CLIENT_ID, PLATFORM_APP_CLIENT_ID);
      assert.equal(env.GLOBUS_KIT_OIDC_APP_CLIENT_SECRET, PLATFORM_APP_CLIENT_SECRET);
      assert.equal(env.GLOBUS_KIT_PLATFORM_URL, emu.urls.platform);
      assert.equal(env.GLOBUS_KIT_S3_ENDPOINT, emu.urls.s3);
    });
  });

  describe('#client_credentials', () => {
    it('should issue tokens with Basic client authentication', async () => {
      const res = await postForm(
        endpoint(emu, 'token'),
        { grant_type: 'client_credentials', scope: 'openid profile email platform' },
        { Authorization: basic() }
      );
      assert.equal(res.status, 200);
      assert.equal(res.body.token_type, 'Bearer');
      assert.equal(res.body.expires_in, 300);
      assert.equal(res.body.refresh_expires_in, 1800);
      assert.equal(res.body['not-before-policy'], 0);
      assert.equal(res.body.scope, 'openid profile email platform');
      assert.ok(res.body.refresh_token);
      assert.ok(res.body.id_token);
      assert.ok(res.body.session_state);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    });

    it('should issue tokens with client_secret_post', async () => {
      const res = await postForm(endpoint(emu, 'token'), {
        grant_type: 'client_credentials',
        client_id: PLATFORM_APP_CLIENT_ID,
        client_secret: PLATFORM_APP_CLIENT_SECRET,
        scope: 'platform'
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.scope, 'platform');
      assert.equal(res.body.id_token, undefined);
    });

    it('should answer 401 invalid_client for a wrong secret, by either method', async () => {
      const a = await postForm(
        endpoint(emu, 'token'),
        { grant_type: 'client_credentials' },
        { Authorization: basic(PLATFORM_APP_CLIENT_ID, 'wrong') }
      );
      assert.equal(a.status, 401);
      assert.equal(a.body.error, 'invalid_client');
      const b = await postForm(endpoint(emu, 'token'), {
        grant_type: 'client_credentials',
        client_id: PLATFORM_APP_CLIENT_ID,
        client_secret: 'wrong'
      });
      assert.equal(b.status, 401);
      assert.equal(b.body.error, 'invalid_client');
      assert.doesNotMatch(JSON.stringify(b.body), new RegExp(PLATFORM_APP_CLIENT_SECRET));
    });

    it('should refuse client_credentials for the public client', async () => {
      const res = await postForm(endpoint(emu, 'token'), {
        grant_type: 'client_credentials',
        client_id: PLATFORM_NOTEBOOK_CLIENT_ID
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'unauthorized_client');
    });

    it('should answer RFC 6749 errors for bad grants and scopes', async () => {
      const a = await postForm(
        endpoint(emu, 'token'),
        { grant_type: 'password' },
        { Authorization: basic() }
      );
      assert.equal(a.status, 400);
      assert.equal(a.body.error, 'unsupported_grant_type');
      const b = await postForm(endpoint(emu, 'token'), {}, { Authorization: basic() });
      assert.equal(b.body.error, 'invalid_request');
      const c = await postForm(
        endpoint(emu, 'token'),
        { grant_type: 'client_credentials', scope: 'platform admin' },
        { Authorization: basic() }
      );
      assert.equal(c.status, 400);
      assert.equal(c.body.error, 'invalid_scope');
    });

    it('should sign an access token the JWKS verifies, with the contract claims', async () => {
      const jose = await loadJose();
      const tok = await appToken(emu);
      const jwks = jose.createRemoteJWKSet(new URL(endpoint(emu, 'certs')));
      const { payload, protectedHeader } = await jose.jwtVerify(tok.access_token, jwks, {
        issuer: issuerOf(emu)
      });
      assert.equal(protectedHeader.alg, 'RS256');
      assert.ok(protectedHeader.kid);
      assert.equal(payload.sub, PLATFORM_SERVICE_ACCOUNT.sub);
      assert.deepEqual(payload.aud, ['platform-api', 'account']);
      assert.equal(payload.azp, PLATFORM_APP_CLIENT_ID);
      assert.equal(payload.typ, 'Bearer');
      assert.equal(payload.scope, 'openid profile email platform');
      assert.equal(payload.preferred_username, 'service-account-app-client');
      assert.ok(payload.jti);
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 300);
      const id = await jose.jwtVerify(tok.id_token ?? '', jwks, {
        issuer: issuerOf(emu),
        audience: PLATFORM_APP_CLIENT_ID
      });
      assert.equal(id.payload.sub, PLATFORM_SERVICE_ACCOUNT.sub);
    });
  });

  describe('#userinfo', () => {
    it('should answer the caller with GET and POST', async () => {
      const tok = await appToken(emu);
      const res = await fetch(endpoint(emu, 'userinfo'), {
        headers: { Authorization: `Bearer ${tok.access_token}` }
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        sub: PLATFORM_SERVICE_ACCOUNT.sub,
        email_verified: false,
        name: PLATFORM_SERVICE_ACCOUNT.name,
        preferred_username: 'service-account-app-client',
        email: PLATFORM_SERVICE_ACCOUNT.email
      });
      const post = await fetch(endpoint(emu, 'userinfo'), {
        method: 'POST',
        headers: { Authorization: `Bearer ${tok.access_token}` }
      });
      assert.equal(post.status, 200);
    });

    it('should answer 401 invalid_token for a missing, forged or expired token', async () => {
      const missing = await fetch(endpoint(emu, 'userinfo'));
      assert.equal(missing.status, 401);
      assert.match(missing.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      const tok = await appToken(emu);
      const [h, p] = tok.access_token.split('.');
      const forged = await fetch(endpoint(emu, 'userinfo'), {
        headers: { Authorization: `Bearer ${h}.${p}.AAAA` }
      });
      assert.equal(forged.status, 401);
      emu.clock.advance(301_000);
      try {
        const expired = await fetch(endpoint(emu, 'userinfo'), {
          headers: { Authorization: `Bearer ${tok.access_token}` }
        });
        assert.equal(expired.status, 401);
        assert.match(expired.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
        const body = (await expired.json()) as { error: string; error_description: string };
        assert.equal(body.error, 'invalid_token');
        assert.doesNotMatch(JSON.stringify(body), new RegExp(tok.access_token.slice(-20)));
      } finally {
        emu.clock.advance(-301_000);
      }
    });
  });

  describe('#openid-client', () => {
    it('should discover the realm and get a client-credentials token and userinfo', async () => {
      const oidc = await loadOidc();
      const config = await oidc.discovery(
        new URL(issuerOf(emu)),
        PLATFORM_APP_CLIENT_ID,
        PLATFORM_APP_CLIENT_SECRET,
        undefined,
        { execute: [oidc.allowInsecureRequests] }
      );
      assert.equal(config.serverMetadata().issuer, issuerOf(emu));
      const tokens = await oidc.clientCredentialsGrant(config, { scope: 'openid platform' });
      assert.equal(tokens.token_type, 'bearer');
      assert.ok(tokens.access_token);
      // expiresIn() counts from when the answer arrived: 300 or, a second later, 299.
      assert.ok([299, 300].includes(tokens.expiresIn() ?? 0));
      const claims = tokens.claims();
      assert.equal(claims?.sub, PLATFORM_SERVICE_ACCOUNT.sub);
      const info = await oidc.fetchUserInfo(
        config,
        tokens.access_token,
        PLATFORM_SERVICE_ACCOUNT.sub
      );
      assert.equal(info.preferred_username, 'service-account-app-client');
    });

    it('should refuse plain http without allowInsecureRequests', async () => {
      const oidc = await loadOidc();
      await assert.rejects(
        oidc.discovery(new URL(issuerOf(emu)), PLATFORM_APP_CLIENT_ID, PLATFORM_APP_CLIENT_SECRET)
      );
    });

    it('should log alice in with PKCE and refresh the tokens', async () => {
      const oidc = await loadOidc();
      const config = await oidc.discovery(
        new URL(issuerOf(emu)),
        PLATFORM_NOTEBOOK_CLIENT_ID,
        undefined,
        oidc.None(),
        { execute: [oidc.allowInsecureRequests] }
      );
      const verifier = oidc.randomPKCECodeVerifier();
      const challenge = await oidc.calculatePKCECodeChallenge(verifier);
      const state = oidc.randomState();
      const redirectUri = 'http://127.0.0.1:8123/callback';
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile email offline_access platform',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state
      });
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const callback = new URL(res.headers.get('location') ?? '');
      assert.equal(callback.searchParams.get('iss'), issuerOf(emu));
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state
      });
      assert.equal(tokens.claims()?.sub, PLATFORM_ALICE.sub);
      assert.equal(tokens.claims()?.preferred_username, 'alice');
      const info = await oidc.fetchUserInfo(config, tokens.access_token, PLATFORM_ALICE.sub);
      assert.equal(info.name, 'Alice Researcher');
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
      assert.equal(refreshed.claims()?.sub, PLATFORM_ALICE.sub);
    });
  });
});
