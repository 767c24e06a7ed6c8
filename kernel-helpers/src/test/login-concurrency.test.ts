/**
 * Two processes (think: the kernel and the server extension) renew the same stored login
 * at the same moment against the emulator, which rotates refresh tokens: exactly one may
 * call Auth; the other must adopt its result instead of burning the old refresh token.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeTokenResponse } from '../login/native-login';
import { buildAuthorizeUrl, exchangeCode, makePkcePair } from '../login/oauth';
import { RefreshAuthorizer, tokenFromStored } from '../login/refresh-authorizer';
import { TokenFile } from '../login/token-file';
import { Emulator, loadEmulator } from './flow-support';

/** The compiled package: child processes run plain node, which cannot load the .ts sources. */
const DIST = join(__dirname, '..', '..', 'dist');

function runChild(path: string, startAt: number): Promise<{ code: number; out: string }> {
  return new Promise(resolve => {
    const child = spawn(
      process.execPath,
      [join(DIST, 'test', 'login-refresh-child.js'), path, String(startAt)],
      {
        stdio: ['ignore', 'pipe', 'inherit']
      }
    );
    let out = '';
    child.stdout.on('data', c => (out += String(c)));
    const timer = setTimeout(() => child.kill(), 20000);
    timer.unref();
    child.on('close', code => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

describe('RefreshAuthorizer', () => {
  let emu: Emulator;
  let dir: string;
  beforeAll(async () => {
    const mod = await loadEmulator();
    emu = await mod.createEmulator();
    dir = await fs.mkdtemp(join(tmpdir(), 'gk-concurrent-'));
  });
  afterAll(async () => {
    await emu.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('#refresh', () => {
    it('should let two processes renew at once without clobbering (one Auth call, same token)', async () => {
      const mod = await loadEmulator();
      // A user login with a refresh token, minted the way the authorize flow would.
      emu.autoApprove = true;
      const pkce = makePkcePair();
      const redirectUri = `${emu.urls.auth}/v2/web/auth-code`;
      const url = buildAuthorizeUrl({
        authBaseUrl: emu.urls.auth,
        clientId: mod.seed.NATIVE_CLIENT_ID,
        redirectUri,
        scopes: ['urn:globus:auth:scope:transfer.api.globus.org:all'],
        state: 's',
        codeChallenge: pkce.challenge
      });
      const redirect = await fetch(url, { redirect: 'manual' });
      const code = new URL(redirect.headers.get('location') as string).searchParams.get(
        'code'
      ) as string;
      const tokens = await exchangeCode({
        authBaseUrl: emu.urls.auth,
        clientId: mod.seed.NATIVE_CLIENT_ID,
        code,
        verifier: pkce.verifier,
        redirectUri
      });
      const path = join(dir, 'tokens.json');
      const file = new TokenFile(path);
      await storeTokenResponse(file, tokens, {
        clientId: mod.seed.NATIVE_CLIENT_ID,
        authBaseUrl: emu.urls.auth
      });
      const startAt = Date.now() + 700;
      const [a, b] = await Promise.all([runChild(path, startAt), runChild(path, startAt)]);
      assert.equal(a.code, 0, a.out);
      assert.equal(b.code, 0, b.out);
      const ra = JSON.parse(a.out) as { fingerprint: string; refreshed: number };
      const rb = JSON.parse(b.out) as { fingerprint: string; refreshed: number };
      assert.equal(ra.refreshed + rb.refreshed, 1, 'exactly one process called Auth');
      assert.equal(ra.fingerprint, rb.fingerprint, 'both use the same renewed token');
      const stored = (await file.read())!.tokens['transfer.api.globus.org'];
      assert.equal(tokenFromStored(stored).fingerprint, ra.fingerprint);
      // The stored (rotated) refresh token is the live one.
      const again = await new RefreshAuthorizer({ file }).refresh(tokenFromStored(stored));
      assert.notEqual(again.fingerprint, ra.fingerprint);
      emu.autoApprove = false;
    });
  });
});
