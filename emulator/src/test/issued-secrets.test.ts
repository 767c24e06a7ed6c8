/**
 * The test-only list of issued secrets (`AuthState#issuedSecrets` and the admin origin's
 * `GET /issued-secrets`) that leak scans search for: every access, refresh and id token,
 * every authorization code and PKCE verifier, and the client secrets.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createEmulator, type IEmulator, type IIssuedSecrets } from '../index.js';
import { HUB_CLIENT_SECRET, NATIVE_CLIENT_ID } from '../state/seed.js';
import { authorizeUrl, pkcePair, postForm } from './auth-fixture.js';

describe('AuthState', () => {
  describe('#issuedSecrets', () => {
    let emu: IEmulator;

    before(async () => {
      emu = await createEmulator({ autoApprove: true });
    });
    after(async () => {
      await emu.close();
    });

    async function adminList(): Promise<IIssuedSecrets> {
      const r = await fetch(`${emu.urls.admin}/issued-secrets`);
      assert.equal(r.status, 200);
      return (await r.json()) as IIssuedSecrets;
    }

    it('should list every secret of a code login, its refresh and GLOBUS_DATA', async () => {
      const data = await emu.authState({ shape: 'pre-0.12' });
      const hubTokens = Object.values(data.tokens as Record<string, Record<string, string>>);

      const { verifier, challenge } = pkcePair();
      const authorize = await fetch(
        authorizeUrl(emu.urls.auth, {
          scope: 'openid profile urn:globus:auth:scope:transfer.api.globus.org:all',
          access_type: 'offline',
          code_challenge: challenge,
          code_challenge_method: 'S256'
        }),
        { redirect: 'manual' }
      );
      assert.equal(authorize.status, 302);
      const code = new URL(authorize.headers.get('location') ?? '').searchParams.get('code');
      assert.ok(code);
      const exchanged = await postForm(`${emu.urls.auth}/v2/oauth2/token`, {
        grant_type: 'authorization_code',
        code,
        client_id: NATIVE_CLIENT_ID,
        code_verifier: verifier,
        redirect_uri: `${emu.urls.auth}/v2/web/auth-code`
      });
      assert.equal(exchanged.status, 200);
      const login = (await exchanged.json()) as Record<string, unknown> & {
        other_tokens: Record<string, string>[];
      };
      const transfer = login.other_tokens[0];
      const refreshed = await postForm(`${emu.urls.auth}/v2/oauth2/token`, {
        grant_type: 'refresh_token',
        refresh_token: transfer.refresh_token,
        client_id: NATIVE_CLIENT_ID
      });
      assert.equal(refreshed.status, 200);
      const renewed = (await refreshed.json()) as Record<string, string>;

      const listed = await adminList();
      assert.deepEqual(listed, emu.auth.issuedSecrets(), 'the route and the method agree');
      for (const t of hubTokens) {
        assert.ok(listed.accessTokens.includes(t.access_token), 'a GLOBUS_DATA access token');
        assert.ok(listed.refreshTokens.includes(t.refresh_token), 'a GLOBUS_DATA refresh token');
      }
      assert.ok(listed.authorizationCodes.includes(code), 'the authorization code');
      assert.ok(listed.codeVerifiers.includes(verifier), 'the PKCE verifier');
      assert.ok(listed.accessTokens.includes(String(login.access_token)));
      assert.ok(listed.idTokens.includes(String(login.id_token)), 'the id_token');
      assert.ok(listed.refreshTokens.includes(transfer.refresh_token), 'the rotated-out one');
      assert.ok(listed.accessTokens.includes(renewed.access_token), 'the refreshed access token');
      assert.ok(listed.refreshTokens.includes(renewed.refresh_token), 'the new refresh token');
      assert.deepEqual(listed.clientSecrets, [HUB_CLIENT_SECRET]);
    });

    it('should keep a code after it is swept from the redeemable codes', async () => {
      const { challenge } = pkcePair();
      const authorize = await fetch(
        authorizeUrl(emu.urls.auth, {
          scope: 'openid',
          code_challenge: challenge,
          code_challenge_method: 'S256'
        }),
        { redirect: 'manual' }
      );
      const code = new URL(authorize.headers.get('location') ?? '').searchParams.get('code');
      assert.ok(code);
      emu.clock.advance(3 * 3600 * 1000); // past the code's life and the one-hour replay window
      // A new authorize request sweeps stale codes.
      await fetch(authorizeUrl(emu.urls.auth, { scope: 'openid', code_challenge: challenge }), {
        redirect: 'manual'
      });
      assert.ok((await adminList()).authorizationCodes.includes(code));
    });
  });
});
