import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_CLIENT_ID, PUBLIC_COLLECTION_ID } from '../state/seed.js';

const cli = join(__dirname, '..', 'cli.js');

interface IStarted {
  child: ChildProcess;
  lines: string[];
  env: Record<string, string>;
}

/** Starts the CLI and resolves once it printed `ready` (bounded by 30 s). */
function startCli(args: string[]): Promise<IStarted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let buf = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI not ready after 30 s: ${stderr}`));
    }, 30_000);
    timer.unref();
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (line === 'ready') {
          clearTimeout(timer);
          const env: Record<string, string> = {};
          for (const l of lines.slice(0, -1)) {
            const eq = l.indexOf('=');
            env[l.slice(0, eq)] = l.slice(eq + 1);
          }
          resolve({ child, lines, env });
        }
      }
    });
    child.on('exit', code => {
      clearTimeout(timer);
      reject(new Error(`CLI exited early with ${String(code)}: ${stderr}`));
    });
  });
}

/** Sends a signal and resolves with the exit code (bounded by 15 s). */
function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('CLI did not exit within 15 s'));
    }, 15_000);
    timer.unref();
    child.removeAllListeners('exit');
    child.on('exit', code => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

function decodeGlobusData(b64: string): {
  tokens: Record<string, { access_token: string }>;
  token_response: {
    access_token: string;
    other_tokens: Array<{ resource_server: string; access_token: string }>;
  };
} {
  const out = spawnSync(
    'python3',
    [
      '-c',
      'import pickle,base64,json,sys; print(json.dumps(pickle.loads(base64.b64decode(sys.stdin.read()))))'
    ],
    { input: b64, encoding: 'utf8', timeout: 20_000 }
  );
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout) as ReturnType<typeof decodeGlobusData>;
}

describe('globus-emulator CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emulator-cli-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('#start', () => {
    let started: IStarted;
    before(async () => {
      const faults = join(dir, 'faults.json');
      await writeFile(
        faults,
        JSON.stringify({
          rules: [
            {
              kind: 'status',
              status: 503,
              service: 'groups',
              path: '/v2/groups/my_groups',
              count: 1
            }
          ]
        })
      );
      started = await startCli([
        '--data',
        join(dir, 'data'),
        '--seed',
        '7',
        '--faults',
        faults,
        '--protocol',
        '5'
      ]);
    });
    after(async () => {
      if (started.child.exitCode === null) await stop(started.child, 'SIGKILL');
    });

    it('should print the service URLs, GLOBUS_DATA and then ready', () => {
      const keys = started.lines.map(l => l.split('=')[0]);
      assert.deepEqual(keys, [
        'GLOBUS_SDK_SERVICE_URL_AUTH',
        'GLOBUS_SDK_SERVICE_URL_TRANSFER',
        'GLOBUS_SDK_SERVICE_URL_GROUPS',
        'GLOBUS_EMULATOR_ADMIN_URL',
        'GLOBUS_KIT_CLIENT_ID',
        'GLOBUS_DATA',
        'ready'
      ]);
      assert.equal(started.env.GLOBUS_KIT_CLIENT_ID, NATIVE_CLIENT_ID);
      for (const k of [
        'GLOBUS_SDK_SERVICE_URL_AUTH',
        'GLOBUS_SDK_SERVICE_URL_TRANSFER',
        'GLOBUS_SDK_SERVICE_URL_GROUPS'
      ]) {
        // Base URLs without a path: clients join absolute API paths onto them.
        assert.match(started.env[k], /^http:\/\/127\.0\.0\.1:\d+$/);
      }
      assert.match(started.env.GLOBUS_DATA, /^[A-Za-z0-9+/]+=*$/);
      assert.equal(Buffer.from(started.env.GLOBUS_DATA, 'base64')[1], 5);
    });

    it('should answer with the tokens from GLOBUS_DATA on every service', async () => {
      const data = decodeGlobusData(started.env.GLOBUS_DATA);
      const authToken = data.token_response.access_token;
      const userinfo = await fetch(
        `${started.env.GLOBUS_SDK_SERVICE_URL_AUTH}/v2/oauth2/userinfo`,
        {
          headers: { Authorization: `Bearer ${authToken}` }
        }
      );
      assert.equal(userinfo.status, 200);
      const transfer = await fetch(
        `${started.env.GLOBUS_SDK_SERVICE_URL_TRANSFER}/v0.10/endpoint/${PUBLIC_COLLECTION_ID}`,
        {
          headers: {
            Authorization: `Bearer ${data.tokens['transfer.api.globus.org'].access_token}`
          }
        }
      );
      assert.equal(transfer.status, 200);
      const groupsToken = data.token_response.other_tokens.find(
        t => t.resource_server === 'groups.api.globus.org'
      );
      assert.ok(groupsToken);
      const url = `${started.env.GLOBUS_SDK_SERVICE_URL_GROUPS}/v2/groups/my_groups`;
      const headers = { Authorization: `Bearer ${groupsToken.access_token}` };
      // The --faults file's one-shot 503 comes first, then the real answer.
      assert.equal((await fetch(url, { headers })).status, 503);
      const groups = await fetch(url, { headers });
      assert.equal(groups.status, 200);
      assert.equal(((await groups.json()) as unknown[]).length, 1);
      const admin = await fetch(`${started.env.GLOBUS_EMULATOR_ADMIN_URL}/faults`);
      assert.equal(admin.status, 200);
    });

    it('should exit 0 on SIGTERM', async () => {
      assert.equal(await stop(started.child, 'SIGTERM'), 0);
    });
  });

  describe('#signals', () => {
    it('should exit 0 on SIGINT', async () => {
      const started = await startCli([]);
      assert.equal(await stop(started.child, 'SIGINT'), 0);
    });
  });

  describe('#usage', () => {
    it('should print help and exit 0', () => {
      const out = spawnSync(process.execPath, [cli, '--help'], {
        encoding: 'utf8',
        timeout: 20_000
      });
      assert.equal(out.status, 0);
      assert.match(out.stdout, /Usage: globus-emulator/);
    });

    it('should exit 2 on a bad option or value', () => {
      for (const args of [['--bogus'], ['--seed', 'x'], ['--protocol', '9'], ['--shape', '1.0']]) {
        const out = spawnSync(process.execPath, [cli, ...args], {
          encoding: 'utf8',
          timeout: 20_000
        });
        assert.equal(out.status, 2, args.join(' '));
        assert.equal(out.stdout, '');
      }
    });

    it('should exit 1 when the faults file is invalid', async () => {
      const bad = join(dir, 'bad.json');
      await writeFile(bad, '{"rules": [{"kind": "nope"}]}');
      const out = spawnSync(process.execPath, [cli, '--faults', bad], {
        encoding: 'utf8',
        timeout: 20_000
      });
      assert.equal(out.status, 1);
      assert.match(out.stderr, /globus-emulator:/);
    });
  });
});
