/**
 * The standalone login against the emulator: PKCE login through the consent page (plain
 * HTTP form posts) and with auto-approve, paste-code completion, refresh before expiry and
 * on 401 with rotated refresh tokens written back, a revoked refresh token, step-up consent
 * unlocking the mapped collection, and logout.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../session';
import { isConsentRequiredError } from '../errors/consent-required-error';
import { request } from '../http/request';
import { completeLogin, login, logout, startLogin } from '../login/native-login';
import { isLoginError } from '../login/login-error';
import { RefreshAuthorizer, tokenFromStored } from '../login/refresh-authorizer';
import { TokenFile } from '../login/token-file';
import { Emulator, loadEmulator, EmulatorModule } from './flow-support';

/** Follow the authorize URL like a browser without JavaScript: consent form, then code page. */
async function approveInBrowserless(url: string): Promise<string> {
  let res = await fetch(url, { redirect: 'manual' });
  if (res.status === 200) {
    const html = await res.text();
    const requestId = /name="request" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(requestId, 'consent page has the request id');
    const form = new URLSearchParams({ request: requestId, decision: 'approve' });
    res = await fetch(new URL('/v2/oauth2/authorize/decision', url), {
      method: 'POST',
      body: form,
      redirect: 'manual'
    });
  }
  assert.equal(res.status, 302);
  const location = res.headers.get('location') as string;
  const page = await fetch(location);
  const html = await page.text();
  const code = /id="auth-code" readonly value="([^"]+)"/.exec(html)?.[1];
  assert.ok(code, `code page shows a code (${page.status})`);
  return code;
}

describe('standalone login', () => {
  let emu: Emulator;
  let mod: EmulatorModule;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    mod = await loadEmulator();
    emu = await mod.createEmulator({ tokenLifetimeSeconds: 3600 });
    dir = await fs.mkdtemp(join(tmpdir(), 'gk-login-'));
    env = {
      GLOBUS_SDK_SERVICE_URL_AUTH: emu.urls.auth,
      GLOBUS_SDK_SERVICE_URL_TRANSFER: emu.urls.transfer,
      GLOBUS_SDK_SERVICE_URL_GROUPS: emu.urls.groups,
      GLOBUS_KIT_CLIENT_ID: mod.seed.NATIVE_CLIENT_ID,
      GLOBUS_KIT_TOKEN_FILE: join(dir, 'globus-kit', 'tokens.json')
    };
  });
  afterAll(async () => {
    await emu.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('login()', () => {
    it('regression #18: should refuse in a kernel whose Jupyter server owns the login', async () => {
      // The server's token broker in the environment: connect() takes the server's login,
      // so a login here would write a file nothing in JupyterLab reads (0.1.0 shared it).
      const underServer = {
        ...env,
        GLOBUS_KIT_TOKEN_BROKER_URL: 'http://127.0.0.1:9/globus-kit/broker',
        GLOBUS_KIT_TOKEN_BROKER_SECRET: 'not-a-real-secret-0123456789'
      };
      for (const attempt of [
        () => startLogin({ env: underServer }),
        () => login.complete('AnyCode0123', { env: underServer }),
        () => logout({ env: underServer })
      ]) {
        await assert.rejects(attempt(), (err: unknown) => {
          assert.ok(isLoginError(err));
          assert.equal(err.code, 'LOGIN_ON_SERVER');
          assert.match(err.message, /Globus sidebar/);
          assert.doesNotMatch(err.message, /not-a-real-secret/);
          return true;
        });
      }
      await assert.rejects(fs.stat(join(dir, 'globus-kit', 'pending-logins.json')), {
        code: 'ENOENT'
      });
      // A token file named on purpose is a deliberate standalone login: allowed.
      const explicit = join(dir, 'explicit', 'tokens.json');
      const start = await startLogin({ env: underServer, tokenFile: explicit });
      assert.ok(start.url.startsWith(emu.urls.auth));
    });

    it('should build a PKCE S256 offline authorize URL for the native client and show it as a link', async () => {
      const shown: string[] = [];
      const sink = {
        display: {
          html: (h: string) => shown.push(h),
          text: () => undefined,
          raw: () => undefined
        },
        newDisplay: () => sink.display
      };
      const start = await login({ env, display: sink });
      const url = new URL(start.url);
      assert.equal(url.origin, emu.urls.auth);
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      assert.match(url.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.equal(url.searchParams.get('access_type'), 'offline');
      assert.equal(url.searchParams.get('client_id'), mod.seed.NATIVE_CLIENT_ID);
      assert.equal(url.searchParams.get('redirect_uri'), `${emu.urls.auth}/v2/web/auth-code`);
      assert.equal(shown.length, 1);
      assert.match(shown[0], /<a href="http:\/\/127\.0\.0\.1:\d+\/v2\/oauth2\/authorize\?/);
      const pending = await fs.readFile(join(dir, 'globus-kit', 'pending-logins.json'), 'utf8');
      assert.ok(!shown[0].includes(JSON.parse(pending).pending[start.state].code_verifier));
    });

    it('should complete with the code pasted from the consent flow and store the tokens (paste-code login)', async () => {
      const start = await startLogin({ env });
      const code = await approveInBrowserless(start.url);
      const result = await completeLogin(code, { env });
      assert.equal(result.identity?.sub, mod.seed.DEMO_IDENTITY_ID);
      assert.ok(result.resourceServers.includes('transfer.api.globus.org'));
      const doc = await new TokenFile(env.GLOBUS_KIT_TOKEN_FILE).read();
      assert.ok(doc?.tokens['transfer.api.globus.org'].refresh_token);
      assert.equal((await fs.stat(env.GLOBUS_KIT_TOKEN_FILE)).mode & 0o777, 0o600);
      const globus = await connect({ env });
      assert.equal(globus.source, 'stored-login');
      assert.equal(globus.identity?.sub, mod.seed.DEMO_IDENTITY_ID);
      assert.equal(globus.identityVerification.status, 'verified');
      const doc2 = await globus.transfer.collections.get(mod.seed.PUBLIC_COLLECTION_ID);
      assert.equal(doc2.id, mod.seed.PUBLIC_COLLECTION_ID);
    });

    it('should refuse a pasted address whose code is not one, keeping the login waiting', async () => {
      const start = await startLogin({ env });
      for (const pasted of [
        `http://127.0.0.1:1/v2/web/auth-code?code=not%20a%20code&state=${start.state}`,
        `http://127.0.0.1:1/v2/web/auth-code?code=${'x'.repeat(600)}`,
        '<script>alert(1)</script>'
      ]) {
        await assert.rejects(
          completeLogin(pasted, { env }),
          (e: unknown) => isLoginError(e) && e.code === 'LOGIN_FAILED'
        );
      }
      // The login was not used up: its real code (as the whole code-page address) finishes it.
      const code = await approveInBrowserless(start.url);
      const url = `http://127.0.0.1:1/v2/web/auth-code?code=${code}&state=${start.state}`;
      const result = await completeLogin(url, { env });
      assert.equal(result.identity?.sub, mod.seed.DEMO_IDENTITY_ID);
    });

    it('regression #15: should keep the login waiting when Auth refuses a well-formed code', async () => {
      const start = await startLogin({ env });
      // A code Auth never issued (an attacker's, or a typo): the exchange fails...
      await assert.rejects(
        completeLogin('AttackersCode0123456789abcdef', { env, state: start.state }),
        (e: unknown) => isLoginError(e) && e.code === 'LOGIN_FAILED'
      );
      // ...and the user's real code still finishes the same login (before: NO_PENDING_LOGIN).
      const code = await approveInBrowserless(start.url);
      const result = await completeLogin(code, { env, state: start.state });
      assert.equal(result.identity?.sub, mod.seed.DEMO_IDENTITY_ID);
      // Used up once accepted.
      await assert.rejects(
        completeLogin(code, { env, state: start.state }),
        (e: unknown) => isLoginError(e) && e.code === 'NO_PENDING_LOGIN'
      );
    });

    it('should refuse a reused code with LOGIN_FAILED or NO_PENDING_LOGIN', async () => {
      const start = await startLogin({ env });
      const code = await approveInBrowserless(start.url);
      await completeLogin(code, { env });
      await assert.rejects(completeLogin(code, { env }), (e: unknown) => isLoginError(e));
      // Auth revokes what a replayed code produced (RFC 6749 §4.1.2): log in afresh.
      const again = await startLogin({ env });
      await completeLogin(await approveInBrowserless(again.url), { env, state: again.state });
    });
  });

  describe('RefreshAuthorizer', () => {
    it('should renew a token that is about to expire and persist the rotated refresh token', async () => {
      const file = new TokenFile(env.GLOBUS_KIT_TOKEN_FILE);
      const before = (await file.read())!.tokens['transfer.api.globus.org'];
      const auth = new RefreshAuthorizer({ file, windowSeconds: 3600 + 60 });
      const fresh = await auth.current(tokenFromStored(before));
      assert.equal(auth.refreshCount, 1);
      const after = (await file.read())!.tokens['transfer.api.globus.org'];
      assert.notEqual(after.refresh_token, before.refresh_token, 'rotated refresh token stored');
      assert.notEqual(after.access_token, before.access_token);
      assert.equal(fresh.fingerprint, tokenFromStored(after).fingerprint);
      // the old refresh token is dead at Auth (rotation), the stored one works
      const res = await fetch(`${emu.urls.auth}/v2/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: before.refresh_token as string,
          client_id: mod.seed.NATIVE_CLIENT_ID
        })
      });
      assert.equal(res.status, 400);
    });

    it('should renew once and repeat a call answered 401', async () => {
      const globus = await connect({ env });
      const file = new TokenFile(env.GLOBUS_KIT_TOKEN_FILE);
      const stored = (await file.read())!.tokens['transfer.api.globus.org'];
      assert.ok(emu.auth.expireNow(stored.access_token), 'emulator expires it early');
      const doc = await globus.transfer.collections.get(mod.seed.PUBLIC_COLLECTION_ID);
      assert.equal(doc.id, mod.seed.PUBLIC_COLLECTION_ID);
      const now = (await file.read())!.tokens['transfer.api.globus.org'];
      assert.notEqual(now.access_token, stored.access_token);
      assert.notEqual(now.refresh_token, stored.refresh_token);
    });

    it('should turn a revoked refresh token into LOGIN_REQUIRED with the re-login remedy', async () => {
      const file = new TokenFile(env.GLOBUS_KIT_TOKEN_FILE);
      const stored = (await file.read())!.tokens['transfer.api.globus.org'];
      assert.ok(emu.auth.revoke(stored.refresh_token as string));
      const globus = await connect({ env });
      const error = await globus.transfer.collections.get(mod.seed.PUBLIC_COLLECTION_ID).then(
        () => assert.fail('should fail'),
        (e: unknown) => e
      );
      assert.ok(isLoginError(error), String(error));
      assert.equal(error.code, 'LOGIN_REQUIRED');
      assert.match(error.message, /Log in again: run `await login\(\{ scopes \}\)` in a cell/);
      assert.ok(!error.message.includes(stored.refresh_token as string));
      assert.ok(!error.message.includes(stored.access_token));
    });
  });

  describe('step-up consent', () => {
    it('should unlock the mapped collection after a login adding exactly the data_access scope', async () => {
      emu.autoApprove = true;
      try {
        const first = await startLogin({ env });
        await completeLogin(await approveInBrowserless(first.url), { env });
        let globus = await connect({ env });
        const error = await globus.transfer.files.ls(mod.seed.MAPPED_COLLECTION_ID, '/').then(
          () => assert.fail('should need consent'),
          (e: unknown) => e
        );
        assert.ok(isConsentRequiredError(error));
        const stepUp = await globus.login.forConsent(error);
        const wanted = `urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/${mod.seed.MAPPED_COLLECTION_ID}/data_access]`;
        assert.ok(stepUp.scopes.includes(wanted), stepUp.scopes.join(' '));
        assert.ok(!stepUp.scopes.includes('urn:globus:auth:scope:transfer.api.globus.org:all'));
        assert.ok(stepUp.scopes.includes('openid'), 'keeps the scopes already held');
        await globus.login.complete(await approveInBrowserless(stepUp.url));
        globus = await connect({ env });
        const listing = await globus.transfer.files.ls(mod.seed.MAPPED_COLLECTION_ID, '/');
        assert.ok(Array.isArray(listing));
      } finally {
        emu.autoApprove = false;
      }
    });
  });

  describe('logout()', () => {
    it('should revoke every stored token and leave no token on disk', async () => {
      const file = new TokenFile(env.GLOBUS_KIT_TOKEN_FILE);
      const doc = (await file.read())!;
      const result = await logout({ env });
      assert.equal(result.removed, true);
      assert.equal(result.failed, 0);
      assert.ok(result.revoked >= 2);
      const left = await fs.readdir(join(dir, 'globus-kit'));
      for (const name of left) {
        const text = await fs.readFile(join(dir, 'globus-kit', name), 'utf8');
        for (const t of Object.values(doc.tokens)) {
          assert.ok(!text.includes(t.access_token), `${name} holds no token`);
        }
      }
      assert.ok(!left.includes('tokens.json'));
      const res = await request<{ active: boolean }>({
        service: 'auth',
        operation: 'introspect',
        method: 'POST',
        baseUrl: emu.urls.auth,
        path: '/v2/oauth2/token/introspect',
        form: { token: doc.tokens['transfer.api.globus.org'].access_token },
        basicAuth: { username: mod.seed.HUB_CLIENT_ID, password: mod.seed.HUB_CLIENT_SECRET }
      });
      assert.equal(res.data.active, false);
      await assert.rejects(connect({ env }), { code: 'NO_CREDENTIALS' });
    });
  });
});
