import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml } from '../routes/auth/html.js';
import {
  COLLEAGUE_IDENTITY_ID,
  GUEST_COLLECTION_ID,
  HUB_CLIENT_ID,
  NATIVE_CLIENT_ID
} from '../state/seed.js';
import {
  authorizeUrl,
  pkcePair,
  postForm,
  startAuthFixture,
  type IAuthFixture
} from './auth-fixture.js';

const TRANSFER = 'urn:globus:auth:scope:transfer.api.globus.org:all';

/** Reads the hidden `request` field of the consent form. */
function requestId(html: string): string {
  const m = /name="request" value="([^"]+)"/.exec(html);
  assert.ok(m, 'consent form has a request id');
  return m[1];
}

describe('Auth authorize page', () => {
  let fx: IAuthFixture;
  before(async () => {
    fx = await startAuthFixture({ autoApprove: false });
  });
  after(() => fx.close());

  describe('#consent screen', () => {
    it('should show the client, the scopes and an Approve button', async () => {
      const { challenge } = pkcePair();
      const res = await fetch(
        authorizeUrl(fx.authUrl, {
          scope: `openid ${TRANSFER}`,
          code_challenge: challenge,
          code_challenge_method: 'S256'
        })
      );
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      const html = await res.text();
      assert.match(html, /JupyterLab Globus Kit would like to:/);
      assert.match(html, /Manage your data with Globus Transfer/);
      assert.match(
        html,
        /<button class="primary" type="submit" name="decision" value="approve">Approve<\/button>/
      );
    });

    it('regression: should let the consent form redirect to a loopback client callback (CSP form-action)', async () => {
      const { challenge } = pkcePair();
      const callback = 'http://127.0.0.1:48123/globus-kit/login/callback';
      const res = await fetch(
        authorizeUrl(fx.authUrl, {
          scope: `openid ${TRANSFER}`,
          redirect_uri: callback,
          code_challenge: challenge,
          code_challenge_method: 'S256'
        })
      );
      assert.equal(res.status, 200);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /form-action 'self' http:\/\/127\.0\.0\.1:48123(;|$)/);
      assert.match(csp, /default-src 'none'/);
      await res.arrayBuffer();
    });

    it('should redirect with a code and state after Approve, and the code should work once', async () => {
      const { verifier, challenge } = pkcePair();
      const page = await (
        await fetch(
          authorizeUrl(fx.authUrl, {
            scope: TRANSFER,
            state: 's-42',
            code_challenge: challenge,
            code_challenge_method: 'S256'
          })
        )
      ).text();
      const res = await postForm(`${fx.authUrl}/v2/oauth2/authorize/decision`, {
        request: requestId(page),
        identity: COLLEAGUE_IDENTITY_ID,
        decision: 'approve'
      });
      assert.equal(res.status, 302);
      const location = new URL(res.headers.get('location') ?? '');
      assert.equal(`${location.origin}${location.pathname}`, `${fx.authUrl}/v2/web/auth-code`);
      assert.equal(location.searchParams.get('state'), 's-42');
      const code = location.searchParams.get('code') ?? '';
      // The native redirect page shows the code to paste.
      const paste = await (await fetch(location)).text();
      assert.match(paste, new RegExp(`id="auth-code" readonly value="${code}"`));
      const tok = await postForm(`${fx.authUrl}/v2/oauth2/token`, {
        grant_type: 'authorization_code',
        code,
        client_id: NATIVE_CLIENT_ID,
        code_verifier: verifier
      });
      assert.equal(tok.status, 200);
      const body = (await tok.json()) as { access_token: string };
      const check = fx.auth.check(body.access_token, 'transfer.api.globus.org');
      assert.ok(check.ok && check.token.subject === COLLEAGUE_IDENTITY_ID);
      // The form cannot be replayed.
      const again = await postForm(`${fx.authUrl}/v2/oauth2/authorize/decision`, {
        request: requestId(page),
        decision: 'approve'
      });
      assert.equal(again.status, 400);
    });

    it('should redirect with access_denied on Deny', async () => {
      const { challenge } = pkcePair();
      const redirect = 'http://127.0.0.1:9/callback';
      const page = await (
        await fetch(
          authorizeUrl(fx.authUrl, {
            scope: TRANSFER,
            state: 'd',
            redirect_uri: redirect,
            code_challenge: challenge
          })
        )
      ).text();
      const res = await postForm(`${fx.authUrl}/v2/oauth2/authorize/decision`, {
        request: requestId(page),
        decision: 'deny'
      });
      assert.equal(res.status, 302);
      const location = new URL(res.headers.get('location') ?? '');
      assert.equal(location.searchParams.get('error'), 'access_denied');
      assert.equal(location.searchParams.get('state'), 'd');
      assert.equal(location.searchParams.get('code'), null);
    });

    it('should approve at once when the test switch is on', async () => {
      fx.setAutoApprove(true);
      try {
        const { challenge } = pkcePair();
        const res = await fetch(
          authorizeUrl(fx.authUrl, { scope: TRANSFER, code_challenge: challenge }),
          { redirect: 'manual' }
        );
        assert.equal(res.status, 302);
        assert.ok(new URL(res.headers.get('location') ?? '').searchParams.get('code'));
      } finally {
        fx.setAutoApprove(false);
      }
    });
  });

  describe('#validation', () => {
    it('should show an error page, not redirect, for an unknown client or redirect_uri', async () => {
      const unknown = await fetch(
        authorizeUrl(fx.authUrl, { client_id: 'nope', scope: TRANSFER }),
        { redirect: 'manual' }
      );
      assert.equal(unknown.status, 400);
      assert.match(await unknown.text(), /Unknown or missing client_id/);
      const evil = await fetch(
        authorizeUrl(fx.authUrl, {
          scope: TRANSFER,
          redirect_uri: 'https://evil.example.org/cb',
          code_challenge: pkcePair().challenge
        }),
        { redirect: 'manual' }
      );
      assert.equal(evil.status, 400);
      assert.equal(evil.headers.get('location'), null);
      const hubWithout = await fetch(
        authorizeUrl(fx.authUrl, { client_id: HUB_CLIENT_ID, scope: TRANSFER }),
        { redirect: 'manual' }
      );
      assert.equal(hubWithout.status, 400);
    });

    it('should redirect errors for response_type, scope and PKCE', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [
          { response_type: 'token', scope: TRANSFER, code_challenge: pkcePair().challenge },
          'unsupported_response_type'
        ],
        [
          { scope: 'urn:globus:auth:scope:unknown:all', code_challenge: pkcePair().challenge },
          'invalid_scope'
        ],
        [
          {
            scope: `https://auth.globus.org/scopes/${GUEST_COLLECTION_ID}/data_access`,
            code_challenge: pkcePair().challenge
          },
          'invalid_scope'
        ],
        [{ scope: `${TRANSFER}[broken`, code_challenge: pkcePair().challenge }, 'invalid_scope'],
        [{ scope: TRANSFER }, 'invalid_request'],
        [
          { scope: TRANSFER, code_challenge: pkcePair().challenge, code_challenge_method: 'S512' },
          'invalid_request'
        ]
      ];
      for (const [params, error] of cases) {
        const res = await fetch(authorizeUrl(fx.authUrl, { state: 'st', ...params }), {
          redirect: 'manual'
        });
        assert.equal(res.status, 302, JSON.stringify(params));
        const location = new URL(res.headers.get('location') ?? '');
        assert.equal(location.searchParams.get('error'), error, JSON.stringify(params));
        assert.equal(location.searchParams.get('state'), 'st');
      }
    });
  });

  describe('#escaping', () => {
    it('should escape request values rendered into pages', async () => {
      assert.equal(
        escapeHtml(`<a href="x" onclick='y'>&</a>`),
        '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;'
      );
      const res = await fetch(
        `${fx.authUrl}/v2/web/auth-code?code=${encodeURIComponent('"><script>alert(1)</script>')}`
      );
      const html = await res.text();
      assert.doesNotMatch(html, /<script>/);
      assert.match(html, /&quot;&gt;&lt;script&gt;/);
      const err = await (
        await fetch(`${fx.authUrl}/v2/web/auth-code?error=${encodeURIComponent('<img src=x>')}`)
      ).text();
      assert.doesNotMatch(err, /<img/);
    });
  });
});
