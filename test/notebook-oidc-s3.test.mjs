// The second demo notebook end to end: the emulator CLI with --platform (OIDC realm,
// workspace API, S3 server), a REAL Jupyter server from the project venv and a REAL tslab
// kernel running notebooks/oidc-s3-workspace.ipynb cell by cell. The person is alice, who
// logged in beforehand (PKCE, stored in the token file the kernel reads, as a sidebar login
// would). Assertions are per cell on the outputs a front end would show, on what S3 stored,
// and that no secret the emulator ever issued appears in any output.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kernelHelpers from '../kernel-helpers/dist/index.js';
import {
  allOutputText,
  cellHtml as html,
  cellStream as streams,
  root,
  runNotebook,
  startJupyterServer
} from './support/notebook-runner.mjs';

const { connectOidc } = kernelHelpers;
const NOTEBOOK = 'notebooks/oidc-s3-workspace.ipynb';
const VEGALITE = 'application/vnd.vegalite.v5+json';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BIG = 64 * 1024 * 1024;

/** Start `node emulator/dist/cli.js --platform --auto-approve`; resolve its printed environment. */
function startEmulatorCli() {
  const child = spawn(
    process.execPath,
    [join(root, 'emulator/dist/cli.js'), '--platform', '--auto-approve'],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let out = '';
  let err = '';
  child.stderr.on('data', c => (err += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${err}`)), 30_000);
    timer.unref();
    child.on('exit', code => reject(new Error(`emulator exited ${code}: ${err}`)));
    child.stdout.on('data', chunk => {
      out += chunk;
      if (/^ready$/m.test(out)) {
        clearTimeout(timer);
        const env = {};
        for (const line of out.split('\n')) {
          const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
          if (m) env[m[1]] = m[2];
        }
        resolve({
          env,
          stop: () =>
            new Promise(r => {
              if (child.exitCode !== null) return r();
              child.removeAllListeners('exit');
              child.once('exit', () => r());
              child.kill('SIGTERM');
            })
        });
      }
    });
  });
}

describe('notebooks/oidc-s3-workspace.ipynb', () => {
  let emu;
  let server;
  let run;
  let alice;
  let dir;
  const byId = {};

  before(async () => {
    emu = await startEmulatorCli();
    dir = mkdtempSync(join(tmpdir(), 'gk-nb-oidc-'));
    const kernelEnv = {
      GLOBUS_KIT_OIDC_ISSUER: emu.env.GLOBUS_KIT_OIDC_ISSUER,
      GLOBUS_KIT_OIDC_CLIENT_ID: emu.env.GLOBUS_KIT_OIDC_CLIENT_ID,
      GLOBUS_KIT_PLATFORM_URL: emu.env.GLOBUS_KIT_PLATFORM_URL,
      GLOBUS_KIT_OIDC_TOKEN_FILE: join(dir, 'oidc-tokens.json'),
      // Node 20: the AWS SDK's one-time notice about its future Node 22 requirement.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'
    };
    // alice logs in first (PKCE, auto-approved), as she would from the sidebar.
    alice = await connectOidc({ env: kernelEnv });
    const start = await alice.login();
    const res = await fetch(start.url, { redirect: 'manual' });
    await alice.login.complete(res.headers.get('location'));
    server = await startJupyterServer({ env: kernelEnv });
    try {
      run = await runNotebook(server, NOTEBOOK, { cellTimeoutMs: 120_000 });
    } catch (error) {
      throw new Error(`${error.message}\nserver log:\n${server.log().slice(-3000)}`);
    }
    for (const cell of run.cells) byId[cell.id] = cell;
  });

  after(async () => {
    alice?.dispose();
    await server?.stop();
    await emu?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('should run every code cell without error or stderr, within its time limit', () => {
    const nb = JSON.parse(readFileSync(join(root, NOTEBOOK), 'utf8'));
    const codeCells = nb.cells.filter(c => c.cell_type === 'code');
    assert.equal(run.cells.length, codeCells.length, 'a cell failed and stopped the run');
    for (const cell of run.cells) {
      assert.equal(cell.status, 'ok', `cell ${cell.id}: ${streams(cell, 'stderr')}`);
      assert.equal(streams(cell, 'stderr'), '', `cell ${cell.id} wrote to stderr`);
    }
    assert.ok(run.totalMs < 150_000, `notebook took ${run.totalMs} ms`);
  });

  it('should be committed without outputs', () => {
    const nb = JSON.parse(readFileSync(join(root, NOTEBOOK), 'utf8'));
    for (const c of nb.cells.filter(c => c.cell_type === 'code')) {
      assert.deepEqual(c.outputs, [], `cell ${c.id} has outputs`);
      assert.equal(c.execution_count, null);
    }
  });

  it('should show no secret the emulator issued in any output', async () => {
    const res = await fetch(`${emu.env.GLOBUS_EMULATOR_ADMIN_URL}/issued-secrets`);
    assert.equal(res.status, 200);
    const issued = await res.json();
    const secrets = Object.values(issued)
      .flat()
      .filter(s => typeof s === 'string' && s.length >= 8);
    assert.ok(issued.stsSecretKeys.length >= 1, 'the kernel got STS credentials');
    assert.ok(issued.stsSessionTokens.length >= 1);
    assert.ok(issued.accessTokens.length >= 1);
    // The signed URL carries the session token in its own query by design (it is the
    // capability handed out); nothing else may.
    const text = allOutputText(run.cells).replace(
      /X-Amz-Security-Token=[^&"'<\s\\]*/g,
      'X-Amz-Security-Token=…'
    );
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), 'a secret appears in the notebook output');
      assert.ok(!text.includes(encodeURIComponent(secret)), 'an encoded secret appears');
    }
    assert.match(allOutputText([byId.link]), /X-Amz-Security-Token/);
  });

  it('should end every progress display in a final state, updated in place', () => {
    for (const id of [
      'whoami',
      'workspaces',
      'ls',
      'fetch',
      'plot',
      'upload-chart',
      'upload-big',
      'link'
    ]) {
      const progress = byId[id].outputs.filter(o =>
        o.data?.['text/html']?.includes('jp-GlobusKit-Progress')
      );
      assert.equal(progress.length, 1, `cell ${id}: one progress display`);
      assert.match(progress[0].data['text/html'], /jp-mod-done/, `cell ${id}`);
      assert.ok(progress[0].display_id, `cell ${id}: progress has a display id`);
    }
  });

  it('whoami: should show alice and a redacted token', () => {
    const h = html(byId.whoami);
    assert.match(h, /Alice Researcher/);
    assert.match(h, /alice@example\.org/);
    assert.match(h, /stored-login/);
    assert.match(h, /\(redacted\)/);
  });

  it("workspaces: should list alice's two workspaces and not bob's", () => {
    const h = html(byId.workspaces);
    assert.match(h, /Workspaces \(2\)/);
    assert.match(h, /demo-alice-private-workspace/);
    assert.match(h, /demo-processing-results-service-workspace/);
    assert.doesNotMatch(h, /demo-bob-private-workspace/);
  });

  it('ls and fetch: should list the seeded CSV and preview its 31 rows', () => {
    assert.match(html(byId.ls), /station-1\.csv/);
    const h = html(byId.fetch);
    assert.match(h, /31 rows × 8 columns/);
    assert.match(h, /TMAX/);
  });

  it('plot: should send a vega-lite object with the 31 days', () => {
    const out = byId.plot.outputs.find(o => o.data?.[VEGALITE]);
    assert.ok(out, 'a vega-lite output');
    assert.equal(typeof out.data[VEGALITE], 'object');
    assert.equal(out.data[VEGALITE].data.values.length, 31);
  });

  it('upload: should store the PNG and the 64 MiB body in alice’s workspace', async () => {
    assert.match(html(byId['upload-chart']), /image\/png/);
    const h = html(byId['upload-big']);
    assert.match(h, new RegExp(`${BIG} bytes`));
    assert.match(h, /Multipart<\/th><td>yes/);
    const updates = byId['upload-big'].messages.filter(
      m => m.msg_type === 'update_display_data'
    ).length;
    assert.ok(updates >= 3, `progress updated in place (${updates} updates)`);
    const ws = await alice.workspace('demo-alice-private-workspace');
    const png = await ws.download('results/station-1.png');
    const chunks = [];
    for await (const c of png.stream) chunks.push(c);
    assert.deepEqual(Buffer.concat(chunks).subarray(0, 8), PNG_SIGNATURE);
    const listing = await ws.ls('results/');
    const names = listing.column('name');
    const sizes = listing.column('size');
    assert.equal(sizes[names.indexOf('generated-64MiB.bin')], BIG);
  });

  it('link and http: should show a signed URL with its expiry that plain HTTP can fetch', () => {
    const h = html(byId.link);
    assert.match(h, /Download link/);
    assert.match(h, /X-Amz-Signature/);
    assert.match(h, /Expires/);
    assert.match(streams(byId.http, 'stdout'), /^200 image\/png \d+ bytes/);
  });
});
