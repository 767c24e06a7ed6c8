/**
 * The official @globus/sdk against the emulated Auth, pointed at it only by
 * `GLOBUS_SDK_SERVICE_URL_AUTH` (the SDK joins `/v2/oauth2/...` onto that bare origin).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HUB_CLIENT_ID, NATIVE_CLIENT_ID } from '../state/seed.js';
import type { ITokenResponse } from '../state/auth/auth-state.js';
import {
  authorizeUrl,
  basic,
  pkcePair,
  startAuthFixture,
  type IAuthFixture
} from './auth-fixture.js';

const loadSdk = () => import('@globus/sdk');
const TRANSFER = 'urn:globus:auth:scope:transfer.api.globus.org:all';

describe('@globus/sdk auth.oauth2 against the emulator', () => {
  let fx: IAuthFixture;
  let sdk: Awaited<ReturnType<typeof loadSdk>>;
  before(async () => {
    fx = await startAuthFixture({ autoApprove: true });
    // This file runs in its own process (node --test), so the variable stays local to it.
    process.env.GLOBUS_SDK_SERVICE_URL_AUTH = fx.authUrl;
    sdk = await loadSdk();
  });
  after(async () => {
    delete process.env.GLOBUS_SDK_SERVICE_URL_AUTH;
    await fx.close();
  });

  it('should exchange a PKCE code, refresh, introspect, read userinfo and revoke', async () => {
    const { verifier, challenge } = pkcePair();
    const redirect = await fetch(
      authorizeUrl(fx.authUrl, {
        scope: `openid profile ${TRANSFER} offline_access`,
        code_challenge: challenge,
        code_challenge_method: 'S256'
      }),
      { redirect: 'manual' }
    );
    const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';

    const exchanged = await sdk.auth.oauth2.token.exchange({
      payload: {
        grant_type: 'authorization_code',
        code,
        client_id: NATIVE_CLIENT_ID,
        code_verifier: verifier,
        redirect_uri: `${fx.authUrl}/v2/web/auth-code`
      }
    });
    assert.equal(exchanged.status, 200);
    const tokens = (await exchanged.json()) as ITokenResponse;
    assert.equal(tokens.resource_server, 'auth.globus.org');
    assert.equal(tokens.other_tokens[0].resource_server, 'transfer.api.globus.org');

    const info = await sdk.auth.oauth2.userinfo({
      headers: { Authorization: `Bearer ${tokens.access_token}` },
      // The SDK declares `payload: never` as required here; a GET sends none.
      payload: undefined as never
    });
    assert.equal(info.status, 200);
    assert.equal(
      ((await info.json()) as { preferred_username: string }).preferred_username,
      'demo.researcher@globusid.org'
    );

    const refreshed = await sdk.auth.oauth2.token.refresh({
      payload: {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token as string,
        client_id: NATIVE_CLIENT_ID
      }
    });
    assert.equal(refreshed.status, 200);
    const fresh = (await refreshed.json()) as ITokenResponse;
    assert.notEqual(fresh.refresh_token, tokens.refresh_token);

    const introspected = await sdk.auth.oauth2.token.introspect({
      payload: { token: fresh.access_token },
      headers: { Authorization: basic() }
    });
    assert.equal(((await introspected.json()) as { active: boolean }).active, true);

    const revoked = await sdk.auth.oauth2.token.revoke({
      payload: { token: fresh.refresh_token as string, client_id: NATIVE_CLIENT_ID }
    });
    assert.equal(revoked.status, 200);
    assert.deepEqual(fx.auth.check(fresh.access_token, 'auth.globus.org'), {
      ok: false,
      reason: 'revoked'
    });
  });

  it('should get client_credentials tokens', async () => {
    // The SDK's payload type only names the user grants; the endpoint takes any grant_type.
    const payload = { grant_type: 'client_credentials', scope: TRANSFER } as never;
    const res = await sdk.auth.oauth2.token.token({
      payload,
      headers: { Authorization: basic() }
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as ITokenResponse;
    const check = fx.auth.check(body.access_token, 'transfer.api.globus.org');
    assert.ok(check.ok && check.token.subject === HUB_CLIENT_ID);
  });
});
