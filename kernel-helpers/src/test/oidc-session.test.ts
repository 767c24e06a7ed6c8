/**
 * `connectOidc` against the emulator's OIDC realm (real HTTP on 127.0.0.1): configuration
 * and discovery failures as typed errors, the client credentials grant with the id_token
 * checked against the JWKS, userinfo, renewal before expiry and after a 401, the PKCE
 * login completed with auto-approve (whole redirect address and bare code) into the
 * shared token-file format, refresh-token rotation written back, and logout.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectOidc } from '../oidc/oidc-session';
import { isLoopbackHost, oidcTokenFilePath } from '../oidc/oidc-config';
import { isOidcError } from '../oidc/oidc-error';
import { TOKEN_FILE_FORMAT, TokenFile } from '../login/token-file';
import { Emulator, EmulatorModule, loadEmulator, RecordingSink } from './flow-support';

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

async function expectOidcError(run: () => Promise<unknown>, code: string): Promise<Error> {
  try {
    await run();
  } catch (error) {
    assert.ok(isOidcError(error), `expected OidcError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.ok(error.remedy.length > 10);
    return error;
  }
  assert.fail(`expected OidcError ${code}`);
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>(r => srv.close(() => r()));
  return port;
}

describe('connectOidc', () => {
  let mod: EmulatorModule;
  let emu: Emulator;
  let issuer: string;
  let dir: string;
  beforeAll(async () => {
    mod = await loadEmulator();
    emu = await mod.createEmulator({ platform: { accessTokenTtlSeconds: 3 } });
    issuer = emu.urls.oidc as string;
    dir = await fs.mkdtemp(join(tmpdir(), 'gk-oidc-'));
  });
  afterAll(async () => {
    await emu?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('#configuration', () => {
    it('should throw OIDC_NOT_CONFIGURED without an issuer or client id', async () => {
      await expectOidcError(() => connectOidc({ env: {} }), 'OIDC_NOT_CONFIGURED');
      await expectOidcError(
        () => connectOidc({ env: { GLOBUS_KIT_OIDC_ISSUER: issuer } }),
        'OIDC_NOT_CONFIGURED'
      );
    });

    it('should refuse plain http off loopback before any request', async () => {
      const e = await expectOidcError(
        () => connectOidc({ issuer: 'http://iam.example.org/realms/x', clientId: 'c', env: {} }),
        'OIDC_INSECURE_ISSUER'
      );
      assert.match(e.message, /loopback/);
      assert.equal(isLoopbackHost('127.0.0.1'), true);
      assert.equal(isLoopbackHost('[::1]'), true);
      assert.equal(isLoopbackHost('localhost'), true);
      assert.equal(isLoopbackHost('127.example.org'), false);
      assert.equal(isLoopbackHost('10.0.0.1'), false);
    });

    it('should take the issuer, client and secret from the environment', async () => {
      const oidc = await connectOidc({
        env: {
          GLOBUS_KIT_OIDC_ISSUER: issuer,
          GLOBUS_KIT_OIDC_CLIENT_ID: mod.PLATFORM_APP_CLIENT_ID,
          GLOBUS_KIT_OIDC_CLIENT_SECRET: mod.PLATFORM_APP_CLIENT_SECRET,
          GLOBUS_KIT_OIDC_SCOPES: 'openid platform'
        }
      });
      assert.equal(oidc.source, 'client-credentials');
      assert.deepEqual(oidc.tokens?.scopes, ['openid', 'platform']);
    });
  });

  describe('#discovery', () => {
    it('should throw OIDC_DISCOVERY_FAILED for an issuer without metadata', async () => {
      const e = await expectOidcError(
        () => connectOidc({ issuer: `${issuer}-nope`, clientId: 'x', env: {} }),
        'OIDC_DISCOVERY_FAILED'
      );
      assert.match(e.message, /Discovery of http:\/\/127\.0\.0\.1/);
    });

    it('should throw OIDC_DISCOVERY_FAILED when nothing listens', async () => {
      const port = await closedPort();
      await expectOidcError(
        () => connectOidc({ issuer: `http://127.0.0.1:${port}/realms/x`, clientId: 'x', env: {} }),
        'OIDC_DISCOVERY_FAILED'
      );
    });

    it('should throw OIDC_DISCOVERY_FAILED when the metadata names another issuer', async () => {
      // The realm's metadata says …/realms/platform; asking with a trailing slash differs.
      await expectOidcError(
        () => connectOidc({ issuer: `${issuer}/`, clientId: 'x', env: {} }),
        'OIDC_DISCOVERY_FAILED'
      );
    });
  });

  describe('#clientCredentials', () => {
    it('should get a token as the service account with the id_token verified', async () => {
      const sink = new RecordingSink();
      const oidc = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_APP_CLIENT_ID,
        clientSecret: mod.PLATFORM_APP_CLIENT_SECRET,
        display: sink,
        env: {}
      });
      assert.equal(oidc.source, 'client-credentials');
      assert.equal(oidc.identity?.sub, mod.PLATFORM_SERVICE_ACCOUNT.sub);
      assert.equal(oidc.metadata.token_endpoint, `${issuer}/protocol/openid-connect/token`);
      const who = await oidc.whoami();
      assert.equal(who.userinfo.preferred_username, 'service-account-app-client');
      assert.equal(who.idTokenVerified, true);
      const card = sink.outputs.find(
        o => o.kind === 'display' && String(o.data).includes('OIDC identity')
      );
      assert.ok(card, 'identity card shown');
      assert.match(String(card.data), /service-account-app-client/);
      assert.match(String(card.data), /\(redacted\)/);
    });

    it('should throw OIDC_TOKEN_FAILED for a wrong secret, without the secret', async () => {
      const wrong = 'wrong-secret-value-1234';
      const e = await expectOidcError(
        () =>
          connectOidc({
            issuer,
            clientId: mod.PLATFORM_APP_CLIENT_ID,
            clientSecret: wrong,
            env: {}
          }),
        'OIDC_TOKEN_FAILED'
      );
      assert.equal((e as { status?: number }).status, 401);
      assert.ok(!e.message.includes(wrong));
    });
  });

  describe('#idToken', () => {
    it('should refuse an id_token not signed by the provider’s key (OIDC_ID_TOKEN_INVALID)', async () => {
      const jose = await import('jose');
      const certs = (await (await fetch(`${issuer}/protocol/openid-connect/certs`)).json()) as {
        keys: { kid: string }[];
      };
      const { privateKey } = await jose.generateKeyPair('RS256');
      const now = Math.floor(Date.now() / 1000);
      const forged = await new jose.SignJWT({
        sub: mod.PLATFORM_ALICE.sub,
        preferred_username: 'alice'
      })
        .setProtectedHeader({ alg: 'RS256', kid: certs.keys[0].kid })
        .setIssuer(issuer)
        .setAudience(mod.PLATFORM_APP_CLIENT_ID)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      emu.faults.add({
        kind: 'status',
        service: 'oidc',
        path: '/realms/platform/protocol/openid-connect/token',
        status: 200,
        count: 1,
        body: {
          access_token: 'forged-access-token-value',
          token_type: 'Bearer',
          expires_in: 300,
          scope: 'openid platform',
          id_token: forged
        }
      });
      try {
        await expectOidcError(
          () =>
            connectOidc({
              issuer,
              clientId: mod.PLATFORM_APP_CLIENT_ID,
              clientSecret: mod.PLATFORM_APP_CLIENT_SECRET,
              env: {}
            }),
          'OIDC_ID_TOKEN_INVALID'
        );
      } finally {
        emu.faults.clear();
      }
    });
  });

  describe('#userinfo', () => {
    it('should renew the token once after a 401 and answer', async () => {
      const oidc = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_APP_CLIENT_ID,
        clientSecret: mod.PLATFORM_APP_CLIENT_SECRET,
        env: {}
      });
      const before = oidc.tokens?.fingerprint;
      const token = await oidc.accessToken();
      emu.realm?.expireNow(token.unsafeRevealAccessToken());
      const info = await oidc.userinfo();
      assert.equal(info.sub, mod.PLATFORM_SERVICE_ACCOUNT.sub);
      assert.equal(oidc.refreshCount, 1);
      assert.notEqual(oidc.tokens?.fingerprint, before);
    });

    it('should renew a token before it expires, without a 401', async () => {
      const oidc = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_APP_CLIENT_ID,
        clientSecret: mod.PLATFORM_APP_CLIENT_SECRET,
        env: {}
      });
      const first = await oidc.accessToken();
      assert.equal(oidc.refreshCount, 0);
      await sleep(2600); // lifetime 3 s: within the renewal window (a quarter of it) now
      const second = await oidc.accessToken();
      assert.equal(oidc.refreshCount, 1);
      assert.notEqual(second.fingerprint, first.fingerprint);
      assert.ok((second.expiresInSeconds() ?? 0) >= 2);
    });
  });

  describe('#login', () => {
    let tokenFile: string;
    beforeAll(() => {
      emu.autoApprove = true;
      tokenFile = join(dir, 'login', 'oidc.json');
    });
    afterAll(() => {
      emu.autoApprove = false;
    });

    async function redirectOf(url: string): Promise<string> {
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 302);
      return res.headers.get('location') as string;
    }

    it('should require a login when there is no secret and no stored login', async () => {
      const oidc = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_NOTEBOOK_CLIENT_ID,
        tokenFile,
        env: {}
      });
      assert.equal(oidc.source, 'none');
      assert.equal(oidc.tokens, null);
      await expectOidcError(() => oidc.userinfo(), 'OIDC_LOGIN_REQUIRED');
      await expectOidcError(() => oidc.login.complete('abc'), 'OIDC_NO_PENDING_LOGIN');
    });

    it('should complete a PKCE login and store it in the shared token-file format', async () => {
      const sink = new RecordingSink();
      const oidc = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_NOTEBOOK_CLIENT_ID,
        tokenFile,
        display: sink,
        env: {}
      });
      const start = await oidc.login();
      const url = new URL(start.url);
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(url.searchParams.get('redirect_uri'), `${issuer}/protocol/openid-connect/oob`);
      assert.ok(sink.outputs.some(o => String(o.data).includes('Log in at 127.0.0.1')));
      const location = await redirectOf(start.url);
      const result = await oidc.login.complete(location);
      assert.equal(result.identity?.preferred_username, 'alice');
      assert.equal(result.hasRefreshToken, true);
      assert.equal(oidc.source, 'stored-login');
      assert.equal((await oidc.userinfo()).sub, mod.PLATFORM_ALICE.sub);
      const doc = await new TokenFile(tokenFile).read();
      assert.equal(doc?.format, TOKEN_FILE_FORMAT);
      assert.equal(doc?.auth_base_url, issuer);
      assert.equal(doc?.client_id, mod.PLATFORM_NOTEBOOK_CLIENT_ID);
      assert.equal(doc?.tokens.oidc.resource_server, 'oidc');
      assert.equal(doc?.identity?.email, 'alice@example.org');
      assert.ok(doc?.id_token);
      assert.equal((await fs.stat(tokenFile)).mode & 0o777, 0o600);
    });

    it('should take a bare pasted code too', async () => {
      const oidc = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_NOTEBOOK_CLIENT_ID,
        tokenFile,
        env: {}
      });
      const start = await oidc.login({
        scopes: ['openid', 'profile', 'platform', 'offline_access']
      });
      const code = new URL(await redirectOf(start.url)).searchParams.get('code') as string;
      const result = await oidc.login.complete(code);
      assert.equal(result.identity?.sub, mod.PLATFORM_ALICE.sub);
    });

    it('should refuse a code that was already used', async () => {
      const oidc = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_NOTEBOOK_CLIENT_ID,
        tokenFile,
        env: {}
      });
      const start = await oidc.login();
      const location = await redirectOf(start.url);
      await oidc.login.complete(location);
      const again = await oidc.login();
      const stale = new URL(location);
      stale.searchParams.set('state', again.state);
      await expectOidcError(() => oidc.login.complete(stale.toString()), 'OIDC_LOGIN_FAILED');
    });

    it('regression #15: should keep the login waiting when the provider refuses a code', async () => {
      const oidc = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_NOTEBOOK_CLIENT_ID,
        tokenFile,
        env: {}
      });
      const start = await oidc.login();
      const location = await redirectOf(start.url);
      const crafted = new URL(location);
      crafted.searchParams.set('code', 'AttackersCode0123456789abcdef');
      await expectOidcError(() => oidc.login.complete(crafted.toString()), 'OIDC_LOGIN_FAILED');
      // The user's real redirect still finishes the same login (before: OIDC_NO_PENDING_LOGIN).
      const result = await oidc.login.complete(location);
      assert.equal(result.identity?.sub, mod.PLATFORM_ALICE.sub);
    });

    it('should use the stored login in a new session and rotate its refresh token on renewal', async () => {
      // The code replay above ended that login's session (as a provider should): log in anew.
      const first = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_NOTEBOOK_CLIENT_ID,
        tokenFile,
        env: {}
      });
      await first.login.complete(await redirectOf((await first.login()).url));
      const oidc = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_NOTEBOOK_CLIENT_ID,
        tokenFile,
        env: {}
      });
      assert.equal(oidc.source, 'stored-login');
      assert.equal(oidc.identity?.preferred_username, 'alice');
      const file = new TokenFile(tokenFile);
      const before = (await file.read())?.tokens.oidc;
      emu.realm?.expireNow(before?.access_token as string);
      const info = await oidc.userinfo();
      assert.equal(info.preferred_username, 'alice');
      assert.equal(oidc.refreshCount, 1);
      const after = (await file.read())?.tokens.oidc;
      assert.notEqual(after?.refresh_token, before?.refresh_token);
      assert.notEqual(after?.access_token, before?.access_token);
      // A second session that still holds the old token adopts the renewed one from the file.
      const other = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_NOTEBOOK_CLIENT_ID,
        tokenFile,
        env: {}
      });
      assert.equal(other.tokens?.fingerprint, oidc.tokens?.fingerprint);
    });

    it('should log out: tokens revoked, file removed, session without token', async () => {
      const oidc = await connectOidc({
        issuer,
        clientId: mod.PLATFORM_NOTEBOOK_CLIENT_ID,
        tokenFile,
        env: {}
      });
      const stored = (await new TokenFile(tokenFile).read())?.tokens.oidc;
      const out = await oidc.login.logout();
      assert.equal(out.removed, true);
      assert.ok(out.revoked >= 1);
      assert.equal(oidc.source, 'none');
      await assert.rejects(fs.stat(tokenFile), /ENOENT/);
      const res = await fetch(`${issuer}/protocol/openid-connect/userinfo`, {
        headers: { authorization: `Bearer ${stored?.access_token}` }
      });
      assert.equal(res.status, 401);
    });
  });

  describe('oidcTokenFilePath', () => {
    it('should follow the shared path rule', () => {
      const h = createHash('sha256')
        .update(`${issuer}\nnotebook-client`)
        .digest('hex')
        .slice(0, 16);
      assert.equal(
        oidcTokenFilePath(issuer, 'notebook-client', { JUPYTER_DATA_DIR: '/data' }),
        `/data/globus-kit/oidc-${h}.json`
      );
      assert.equal(
        oidcTokenFilePath(issuer, 'notebook-client', { GLOBUS_KIT_OIDC_TOKEN_FILE: '/x.json' }),
        '/x.json'
      );
    });
  });
});
