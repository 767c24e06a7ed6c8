import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IEmulator } from '../index.js';
import { PLATFORM_ALICE, PLATFORM_NOTEBOOK_CLIENT_ID } from '../platform/seed.js';
import {
  appToken,
  basic,
  endpoint,
  issuerOf,
  pkcePair,
  postForm,
  type IFormAnswer
} from './platform-fixture.js';
import { createEmulator } from '../index.js';

const REDIRECT = 'http://127.0.0.1:8765/oidc/callback';
const SCOPE = 'openid profile email offline_access platform';

function authUrl(emu: IEmulator, params: Record<string, string>): string {
  const url = new URL(endpoint(emu, 'auth'));
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: PLATFORM_NOTEBOOK_CLIENT_ID,
    redirect_uri: REDIRECT,
    scope: SCOPE,
    ...params
  }))
    url.searchParams.set(k, v);
  return url.toString();
}

async function codeFor(emu: IEmulator, challenge: string, extra: Record<string, string> = {}) {
  const res = await fetch(
    authUrl(emu, { code_challenge: challenge, code_challenge_method: 'S256', ...extra }),
    { redirect: 'manual' }
  );
  assert.equal(res.status, 302);
  const location = new URL(res.headers.get('location') ?? '');
  const code = location.searchParams.get('code');
  assert.ok(code, `no code in ${location.searchParams.get('error')}`);
  return { code, location };
}

function redeem(emu: IEmulator, code: string, verifier: string, redirectUri = REDIRECT) {
  return postForm(endpoint(emu, 'token'), {
    grant_type: 'authorization_code',
    client_id: PLATFORM_NOTEBOOK_CLIENT_ID,
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri
  });
}

async function userinfoStatus(emu: IEmulator, token: string): Promise<number> {
  const res = await fetch(endpoint(emu, 'userinfo'), {
    headers: { Authorization: `Bearer ${token}` }
  });
  await res.arrayBuffer();
  return res.status;
}

describe('OIDC realm PKCE login', () => {
  let emu: IEmulator;
  before(async () => {
    emu = await createEmulator({ platform: true, autoApprove: true });
  });
  after(() => emu.close());

  describe('#authorization_code', () => {
    it('should redirect with code, state and iss, then issue alice tokens', async () => {
      const { verifier, challenge } = pkcePair();
      const { code, location } = await codeFor(emu, challenge, { state: 's-1', nonce: 'n-1' });
      assert.equal(location.origin + location.pathname, REDIRECT);
      assert.equal(location.searchParams.get('state'), 's-1');
      assert.equal(location.searchParams.get('iss'), issuerOf(emu));
      const res = await redeem(emu, code, verifier);
      assert.equal(res.status, 200);
      assert.equal(res.body.scope, SCOPE);
      const jose = await import('jose');
      const jwks = jose.createRemoteJWKSet(new URL(endpoint(emu, 'certs')));
      const id = await jose.jwtVerify(res.body.id_token, jwks, {
        issuer: issuerOf(emu),
        audience: PLATFORM_NOTEBOOK_CLIENT_ID
      });
      assert.equal(id.payload.sub, PLATFORM_ALICE.sub);
      assert.equal(id.payload.nonce, 'n-1');
      assert.equal(id.payload.email, 'alice@example.org');
      assert.equal(await userinfoStatus(emu, res.body.access_token), 200);
    });

    it('should answer invalid_grant for a wrong verifier', async () => {
      const { challenge } = pkcePair();
      const { code } = await codeFor(emu, challenge);
      const res = await redeem(emu, code, pkcePair().verifier);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_grant');
    });

    it('should refuse a code used twice and end the session it started', async () => {
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(emu, challenge);
      const first = await redeem(emu, code, verifier);
      assert.equal(first.status, 200);
      const second = await redeem(emu, code, verifier);
      assert.equal(second.status, 400);
      assert.equal(second.body.error, 'invalid_grant');
      assert.equal(await userinfoStatus(emu, first.body.access_token), 401);
      const refresh = await postForm(endpoint(emu, 'token'), {
        grant_type: 'refresh_token',
        client_id: PLATFORM_NOTEBOOK_CLIENT_ID,
        refresh_token: first.body.refresh_token
      });
      assert.equal(refresh.body.error, 'invalid_grant');
    });

    it('should refuse a different redirect_uri and a missing verifier', async () => {
      const { verifier, challenge } = pkcePair();
      const a = await codeFor(emu, challenge);
      const wrong = await redeem(emu, a.code, verifier, 'http://127.0.0.1:8765/other');
      assert.equal(wrong.body.error, 'invalid_grant');
      const b = await codeFor(emu, challenge);
      const none = await postForm(endpoint(emu, 'token'), {
        grant_type: 'authorization_code',
        client_id: PLATFORM_NOTEBOOK_CLIENT_ID,
        code: b.code,
        redirect_uri: REDIRECT
      });
      assert.equal(none.body.error, 'invalid_grant');
    });

    it('should refuse an expired code', async () => {
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(emu, challenge);
      emu.clock.advance(61_000);
      try {
        const res = await redeem(emu, code, verifier);
        assert.equal(res.body.error, 'invalid_grant');
      } finally {
        emu.clock.advance(-61_000);
      }
    });
  });

  describe('#auth', () => {
    it('should require PKCE S256 from the public client', async () => {
      const none = await fetch(authUrl(emu, {}), { redirect: 'manual' });
      const a = new URL(none.headers.get('location') ?? '');
      assert.equal(a.searchParams.get('error'), 'invalid_request');
      const plain = await fetch(
        authUrl(emu, { code_challenge: pkcePair().challenge, code_challenge_method: 'plain' }),
        { redirect: 'manual' }
      );
      const b = new URL(plain.headers.get('location') ?? '');
      assert.equal(b.searchParams.get('error'), 'invalid_request');
    });

    it('should show an error page, not redirect, for a foreign redirect_uri or client', async () => {
      const { challenge } = pkcePair();
      const cases: Array<Record<string, string>> = [
        { redirect_uri: 'https://evil.example/cb' },
        { redirect_uri: 'http://127.0.0.1.evil.example:80/cb' },
        { client_id: 'nobody' }
      ];
      for (const params of cases) {
        const res = await fetch(
          authUrl(emu, { code_challenge: challenge, code_challenge_method: 'S256', ...params }),
          { redirect: 'manual' }
        );
        assert.equal(res.status, 400);
        assert.equal(res.headers.get('location'), null);
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
        await res.arrayBuffer();
      }
    });

    it('should refuse an unknown scope with a redirect', async () => {
      const res = await fetch(
        authUrl(emu, {
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'S256',
          scope: 'openid admin',
          state: 'q'
        }),
        { redirect: 'manual' }
      );
      const loc = new URL(res.headers.get('location') ?? '');
      assert.equal(loc.searchParams.get('error'), 'invalid_scope');
      assert.equal(loc.searchParams.get('state'), 'q');
    });
  });

  describe('#approve page', () => {
    it('should show alice and one Approve button, escape the state, then redirect', async () => {
      emu.autoApprove = false;
      try {
        const { verifier, challenge } = pkcePair();
        const state = '"><script>alert(1)</script>';
        const res = await fetch(
          authUrl(emu, { code_challenge: challenge, code_challenge_method: 'S256', state }),
          { redirect: 'manual' }
        );
        assert.equal(res.status, 200);
        const html = await res.text();
        assert.match(html, /Alice Researcher/);
        assert.equal((html.match(/<button/g) ?? []).length, 1);
        assert.doesNotMatch(html, /<script>/);
        assert.match(
          res.headers.get('content-security-policy') ?? '',
          /form-action 'self' http:\/\/127\.0\.0\.1:8765/
        );
        const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
        const request = /name="request" value="([^"]+)"/.exec(html)?.[1] ?? '';
        const approved = await fetch(new URL(action, issuerOf(emu)), {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ request, decision: 'approve' }).toString(),
          redirect: 'manual'
        });
        assert.equal(approved.status, 302);
        const loc = new URL(approved.headers.get('location') ?? '');
        assert.equal(loc.searchParams.get('state'), state);
        const tokens = await redeem(emu, loc.searchParams.get('code') ?? '', verifier);
        assert.equal(tokens.status, 200);
        const again = await fetch(new URL(action, issuerOf(emu)), {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ request, decision: 'approve' }).toString(),
          redirect: 'manual'
        });
        assert.equal(again.status, 400);
        await again.arrayBuffer();
      } finally {
        emu.autoApprove = true;
      }
    });

    it('should show the code on the out-of-band page', async () => {
      const { verifier, challenge } = pkcePair();
      const oob = `${issuerOf(emu)}/protocol/openid-connect/oob`;
      const { code, location } = await codeFor(emu, challenge, { redirect_uri: oob });
      assert.equal(location.origin + location.pathname, oob);
      const page = await fetch(location);
      assert.equal(page.status, 200);
      assert.match(await page.text(), new RegExp(`id="auth-code" readonly value="${code}"`));
      const res = await redeem(emu, code, verifier, oob);
      assert.equal(res.status, 200);
    });
  });

  describe('#refresh_token', () => {
    it('should rotate: the new token works, the old one is invalid_grant', async () => {
      const { verifier, challenge } = pkcePair();
      const { code } = await codeFor(emu, challenge);
      const first = (await redeem(emu, code, verifier)).body;
      const refresh = (token: string): Promise<IFormAnswer> =>
        postForm(endpoint(emu, 'token'), {
          grant_type: 'refresh_token',
          client_id: PLATFORM_NOTEBOOK_CLIENT_ID,
          refresh_token: token
        });
      const second = await refresh(first.refresh_token);
      assert.equal(second.status, 200);
      assert.notEqual(second.body.refresh_token, first.refresh_token);
      assert.notEqual(second.body.access_token, first.access_token);
      assert.equal(second.body.scope, SCOPE);
      const old = await refresh(first.refresh_token);
      assert.equal(old.status, 400);
      assert.equal(old.body.error, 'invalid_grant');
      assert.equal((await refresh(second.body.refresh_token)).status, 200);
    });

    it('should refuse a refresh token after its lifetime and one of another client', async () => {
      const app = await appToken(emu);
      const foreign = await postForm(endpoint(emu, 'token'), {
        grant_type: 'refresh_token',
        client_id: PLATFORM_NOTEBOOK_CLIENT_ID,
        refresh_token: app.refresh_token
      });
      assert.equal(foreign.body.error, 'invalid_grant');
      const other = await appToken(emu);
      emu.clock.advance(1_801_000);
      try {
        const late = await postForm(
          endpoint(emu, 'token'),
          { grant_type: 'refresh_token', refresh_token: other.refresh_token },
          { Authorization: basic() }
        );
        assert.equal(late.body.error, 'invalid_grant');
      } finally {
        emu.clock.advance(-1_801_000);
      }
    });
  });

  describe('#revoke and #introspect', () => {
    it('should introspect active tokens for the confidential client only', async () => {
      const tok = await appToken(emu);
      const res = await postForm(
        endpoint(emu, 'token/introspect'),
        { token: tok.access_token },
        { Authorization: basic() }
      );
      assert.equal(res.status, 200);
      assert.equal(res.body.active, true);
      assert.equal(res.body.client_id, 'app-client');
      assert.equal(res.body.username, 'service-account-app-client');
      const refresh = await postForm(
        endpoint(emu, 'token/introspect'),
        { token: tok.refresh_token },
        { Authorization: basic() }
      );
      assert.equal(refresh.body.active, true);
      assert.equal(refresh.body.token_type, 'Refresh');
      const junk = await postForm(
        endpoint(emu, 'token/introspect'),
        { token: 'not-a-token' },
        { Authorization: basic() }
      );
      assert.deepEqual(junk.body, { active: false });
      const pub = await postForm(endpoint(emu, 'token/introspect'), {
        token: tok.access_token,
        client_id: PLATFORM_NOTEBOOK_CLIENT_ID
      });
      assert.equal(pub.status, 401);
    });

    it('should revoke an access token on its own and a refresh token with its session', async () => {
      const a = await appToken(emu);
      const r1 = await postForm(
        endpoint(emu, 'revoke'),
        { token: a.access_token, token_type_hint: 'access_token' },
        { Authorization: basic() }
      );
      assert.equal(r1.status, 200);
      assert.equal(await userinfoStatus(emu, a.access_token), 401);
      const b = await appToken(emu);
      assert.equal(await userinfoStatus(emu, b.access_token), 200);
      await postForm(
        endpoint(emu, 'revoke'),
        { token: b.refresh_token },
        { Authorization: basic() }
      );
      assert.equal(await userinfoStatus(emu, b.access_token), 401);
      const introspected = await postForm(
        endpoint(emu, 'token/introspect'),
        { token: b.refresh_token },
        { Authorization: basic() }
      );
      assert.equal(introspected.body.active, false);
      const unknown = await postForm(
        endpoint(emu, 'revoke'),
        { token: 'whatever' },
        { Authorization: basic() }
      );
      assert.equal(unknown.status, 200);
    });
  });
});
