// The set-up and packaging: a second set-up run does nothing, and the wheel installs into a
// fresh venv where JupyterLab and jupyter_server see both halves of the extension enabled.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { root } from '../scripts/lab-launcher.mjs';

const run = promisify(execFile);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const escaped = text => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// eslint-disable-next-line no-control-regex
const stripAnsi = s => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('scripts/setup.mjs', { timeout: 300_000 }, () => {
  it('should find everything up to date on a second run', async () => {
    const setup = join(root, 'scripts/setup.mjs');
    await run(process.execPath, [setup, '--build-only'], { cwd: root, maxBuffer: 1 << 24 });
    const started = Date.now();
    const { stdout } = await run(process.execPath, [setup, '--build-only'], { cwd: root });
    const steps = stdout.split('\n').filter(l => /^\s+[·✓-] /.test(l));
    assert.ok(steps.length >= 6, `step lines expected, got:\n${stdout}`);
    const busy = steps.filter(l => !/up to date|skipped/.test(l));
    assert.deepEqual(busy, [], `a second run should do nothing:\n${stdout}`);
    assert.ok(Date.now() - started < 20_000, 'a no-op set-up should take seconds');
  });
});

describe('package-lock.json', { timeout: 120_000 }, () => {
  it('should be accepted by npm ci as it is committed', async () => {
    // npm ci refuses a lockfile that lacks other platforms' optional packages ("Missing:
    // @rspack/binding-darwin-arm64 from lock file"); --dry-run checks it and installs nothing.
    const { stdout, stderr } = await run(
      'npm',
      ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'],
      { cwd: root }
    ).catch(err => assert.fail(`npm ci refused the lockfile:\n${err.stderr || err.message}`));
    assert.doesNotMatch(`${stdout}${stderr}`, /Missing: .* from lock file/);
  });
});

describe('the jupyterlab_globus_kit wheel', { timeout: 300_000 }, () => {
  let tmp;
  let env;
  let bin;

  before(async () => {
    const dist = join(root, 'dist');
    const wheel =
      existsSync(dist) && readdirSync(dist).find(n => /^jupyterlab_globus_kit-.*\.whl$/.test(n));
    assert.ok(wheel, 'no wheel in dist/: run `npm run build` first');
    tmp = mkdtempSync(join(tmpdir(), 'globus-kit-wheel-'));
    const venv = join(tmp, 'venv');
    bin = join(venv, 'bin');
    env = {
      ...process.env,
      PIP_RETRIES: '0',
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      JUPYTER_CONFIG_DIR: join(tmp, 'config'),
      JUPYTER_DATA_DIR: join(tmp, 'data'),
      JUPYTER_RUNTIME_DIR: join(tmp, 'runtime'),
      JUPYTER_PLATFORM_DIRS: '1'
    };
    delete env.JUPYTER_PATH;
    delete env.JUPYTER_CONFIG_PATH;
    delete env.PYTHONPATH;
    // A clean venv (no system site-packages); the project venv's pip installs into it,
    // which skips bootstrapping a second pip. --no-compile: byte-compiling JupyterLab
    // would double the time and tests nothing.
    await run('python3', ['-m', 'venv', '--without-pip', venv], { env });
    await run(
      join(root, '.venv/bin/python'),
      [
        '-m',
        'pip',
        '--python',
        join(bin, 'python'),
        'install',
        '-q',
        '--no-compile',
        join(dist, wheel),
        'jupyterlab==4.6.4'
      ],
      { env, maxBuffer: 1 << 24 }
    );
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('should be listed by `jupyter labextension list` as enabled and OK', async () => {
    const { stdout, stderr } = await run(join(bin, 'jupyter'), ['labextension', 'list'], { env });
    const out = stripAnsi(stdout + stderr);
    assert.match(
      out,
      new RegExp(
        `jupyterlab-globus-kit v${escaped(version)} enabled\\s+OK \\(python, jupyterlab_globus_kit\\)`
      ),
      out
    );
    assert.doesNotMatch(out, /incompatible/, out);
  });

  it('should be listed by `jupyter server extension list` as enabled and OK', async () => {
    const { stdout, stderr } = await run(join(bin, 'jupyter'), ['server', 'extension', 'list'], {
      env
    });
    const out = stripAnsi(stdout + stderr);
    assert.match(out, /jupyterlab_globus_kit enabled/, out);
    assert.match(out, new RegExp(`jupyterlab_globus_kit ${escaped(version)} OK`), out);
  });

  it('should carry the licence text and the project version in its metadata', async () => {
    const script = [
      'import importlib.metadata as m',
      "d = m.distribution('jupyterlab_globus_kit')",
      "print(d.version, d.metadata['License-Expression'])",
      "print(d.read_text('licenses/LICENSE'))"
    ].join('\n');
    const { stdout } = await run(join(bin, 'python'), ['-c', script], { env });
    const [first, ...licence] = stdout.split('\n');
    assert.equal(first, `${version} BSD-3-Clause`);
    assert.equal(licence.join('\n').trim(), readFileSync(join(root, 'LICENSE'), 'utf8').trim());
  });
});
