import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PLATFORM_APP_CLIENT_SECRET } from '../platform/seed.js';

const cli = join(__dirname, '..', 'cli.js');

describe('globus-emulator --platform', () => {
  describe('#output', () => {
    it('should print the platform lines before ready, serve them, and exit 0 on SIGTERM', async () => {
      const child = spawn(process.execPath, [cli, '--platform'], {
        stdio: ['ignore', 'pipe', 'pipe']
      });
      const lines: string[] = [];
      await new Promise<void>((resolve, reject) => {
        let buf = '';
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error('not ready after 30 s'));
        }, 30_000);
        timer.unref();
        child.stdout.on('data', (c: Buffer) => {
          buf += c.toString();
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            lines.push(buf.slice(0, i));
            buf = buf.slice(i + 1);
            if (lines[lines.length - 1] === 'ready') {
              clearTimeout(timer);
              resolve();
            }
          }
        });
        child.on('exit', code => reject(new Error(`exited early with ${String(code)}`)));
      });
      const env: Record<string, string> = {};
      for (const l of lines.slice(0, -1))
        env[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
      assert.match(env.GLOBUS_KIT_OIDC_ISSUER, /^http:\/\/127\.0\.0\.1:\d+\/realms\/platform$/);
      assert.equal(env.GLOBUS_KIT_OIDC_CLIENT_ID, 'notebook-client');
      assert.equal(env.GLOBUS_KIT_OIDC_APP_CLIENT_ID, 'app-client');
      assert.equal(env.GLOBUS_KIT_OIDC_APP_CLIENT_SECRET, PLATFORM_APP_CLIENT_SECRET);
      assert.match(env.GLOBUS_KIT_PLATFORM_URL, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(env.GLOBUS_KIT_S3_ENDPOINT, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(env.GLOBUS_DATA);
      const doc = await fetch(`${env.GLOBUS_KIT_OIDC_ISSUER}/.well-known/openid-configuration`);
      assert.equal(doc.status, 200);
      const api = await fetch(`${env.GLOBUS_KIT_PLATFORM_URL}/v2/storage/workspaces`);
      assert.equal(api.status, 401);
      const code = await new Promise<number | null>(resolve => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        timer.unref();
        child.removeAllListeners('exit');
        child.on('exit', c => {
          clearTimeout(timer);
          resolve(c);
        });
        child.kill('SIGTERM');
      });
      assert.equal(code, 0);
    });
  });
});
