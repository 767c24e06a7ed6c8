// kernel-helpers as a user installs it (issue #20): `npm pack` builds it (prepack) and packs
// only the build, README and LICENSE; the tarball installs by name into an empty folder
// outside the repository, without the optional AWS SDK; and a real tslab kernel started by
// a real Jupyter server in that folder imports it from there and decodes with it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { openKernel, root, startJupyterServer } from './support/notebook-runner.mjs';

const run = promisify(execFile);
const npmQuiet = ['--no-audit', '--no-fund', '--loglevel=error'];

describe('the packed kernel-helpers package', { timeout: 600_000 }, () => {
  let tmp;
  let packed;
  let server;
  let kernel;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'globus-kit-pack-'));
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--pack-destination', tmp, ...npmQuiet],
      { cwd: join(root, 'kernel-helpers'), maxBuffer: 1 << 26 }
    );
    // prepack's build output may precede the JSON
    packed = JSON.parse(stdout.slice(stdout.indexOf('[')))[0];
  });

  after(async () => {
    await kernel?.close();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('should hold the build, README, LICENSE and package.json, and no tests or sources', () => {
    const files = packed.files.map(f => f.path);
    for (const want of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/index.js',
      'dist/index.d.ts'
    ]) {
      assert.ok(files.includes(want), `${want} missing from the tarball`);
    }
    assert.ok(files.includes('dist/http/download-worker.js'), 'the download worker is missing');
    assert.ok(files.includes('dist/flow/csv-worker.js'), 'the CSV worker is missing');
    assert.deepEqual(
      files.filter(f => f.startsWith('dist/test/') || f.startsWith('src/')),
      [],
      'tests or sources in the tarball'
    );
    const manifest = JSON.parse(readFileSync(join(root, 'kernel-helpers/package.json'), 'utf8'));
    assert.equal(packed.version, manifest.version);
    assert.ok(manifest.engines?.node, 'engines.node');
    assert.equal(manifest.exports['.'].default, './dist/index.js');
  });

  it('should install by name into an empty folder without the optional AWS SDK', async () => {
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ private: true }));
    await run(
      'npm',
      ['install', '--omit=optional', '--prefer-offline', ...npmQuiet, join(tmp, packed.filename)],
      { cwd: tmp, maxBuffer: 1 << 26, timeout: 300_000 }
    );
    const installed = join(tmp, 'node_modules/@jupyterlab-globus-kit/kernel-helpers');
    assert.ok(existsSync(join(installed, 'dist/index.js')));
    assert.ok(!existsSync(join(tmp, 'node_modules/@aws-sdk/client-s3')), 'AWS SDK installed');
  });

  it('should be imported from there by a tslab cell, with a clear error for workspaces', async () => {
    server = await startJupyterServer({ rootDir: tmp, env: { GLOBUS_DATA: '' } });
    kernel = await openKernel(server, 'check.ipynb');
    const cell = [
      "import { decodeGlobusData, connectOidc } from '@jupyterlab-globus-kit/kernel-helpers';",
      "console.log('resolved', require.resolve('@jupyterlab-globus-kit/kernel-helpers'));",
      "const { awsSdk } = require(require.resolve('@jupyterlab-globus-kit/kernel-helpers').replace(/index\\.js$/, 'workspaces/aws-sdk.js'));",
      'try { awsSdk(); } catch (err) { console.log(err.code, err.remedy); }',
      "try { decodeGlobusData('bm90IGEgcGlja2xl'); } catch (err) { console.log('decode', err.code, err.reason); }",
      "console.log('oidc', typeof connectOidc);"
    ].join('\n');
    const reply = await kernel.execute(cell, { timeoutMs: 120_000 });
    const text = reply.messages
      .filter(m => m.msg_type === 'stream')
      .map(m => m.content.text)
      .join('');
    const errors = reply.messages.filter(m => m.msg_type === 'error');
    assert.deepEqual(errors, [], JSON.stringify(errors));
    const resolved = /resolved (\S+)/.exec(text)?.[1];
    assert.ok(resolved?.startsWith(tmp), `imported from ${resolved}, not from ${tmp}`);
    assert.match(
      text,
      /S3_CLIENT_MISSING Install it beside the kernel helpers: npm install @aws-sdk\/client-s3/
    );
    assert.match(text, /^decode GLOBUS_DATA_INVALID unknown-opcode$/m);
    assert.match(text, /^oidc function$/m);
  });
});
