// Issue #18: a REAL ipykernel, started by a REAL jupyter_server through its kernels API,
// gets the user's token from the server's token broker (jupyterlab_globus_kit.kernel)
// and calls the emulator's Transfer with it. No token in any output.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEmulator } from '../emulator/dist/index.js';
import { openKernel, startJupyterServer, executeText } from './support/notebook-runner.mjs';

/** The text of every stream / result / error message of one execute. */
const textOf = result => executeText(result, m => JSON.stringify(m.content.data ?? {}));

describe('Python kernel: jupyterlab_globus_kit.kernel through the broker', () => {
  let emu;
  let server;
  let kernel;
  const outputs = [];

  const run = async code => {
    const result = await kernel.execute(code, { timeoutMs: 60_000 });
    assert.equal(result.timedOut, false, `timed out: ${code}`);
    const text = textOf(result);
    outputs.push(text);
    return { status: result.reply?.status, text };
  };

  before(async () => {
    emu = await createEmulator({});
    const env = await emu.env();
    server = await startJupyterServer({ env });
    kernel = await openKernel(server, 'python-broker.ipynb', { kernelName: 'python3' });
  });

  after(async () => {
    await kernel?.close();
    await server?.stop();
    await emu?.close();
  });

  it('should inherit the broker URL of its own server and a secret', async () => {
    const r = await run(
      'import os\n' +
        "print(os.environ['GLOBUS_KIT_TOKEN_BROKER_URL'])\n" +
        "print(len(os.environ['GLOBUS_KIT_TOKEN_BROKER_SECRET']) >= 40)"
    );
    assert.equal(r.status, 'ok', r.text);
    const port = new URL(server.url).port;
    assert.equal(r.text, `http://127.0.0.1:${port}/globus-kit/broker\nTrue\n`);
  });

  it('should call Transfer with the token from access_token() and headers()', async () => {
    const r = await run(
      [
        'import json, os, urllib.request',
        'from jupyterlab_globus_kit.kernel import access_token, headers, tokens',
        "base = os.environ['GLOBUS_SDK_SERVICE_URL_TRANSFER'] + '/v0.10'",
        "url = base + '/endpoint_search?filter_fulltext=Tutorial&limit=5'",
        "req = urllib.request.Request(url, headers={'Authorization': 'Bearer ' + access_token('transfer.api.globus.org')})",
        'doc = json.load(urllib.request.urlopen(req, timeout=30))',
        "print(sorted(c['display_name'] for c in doc['DATA'])[0])",
        "req = urllib.request.Request(base + '/task_list?limit=1', headers=headers('urn:globus:auth:scope:transfer.api.globus.org:all'))",
        'print(urllib.request.urlopen(req, timeout=30).status)',
        'print(repr(tokens()))'
      ].join('\n')
    );
    assert.equal(r.status, 'ok', r.text);
    const lines = r.text.split('\n');
    assert.match(lines[0], /Tutorial/);
    assert.equal(lines[1], '200');
    assert.match(r.text, /Globus login of demo\.researcher@globusid\.org \(from GLOBUS_DATA\)/);
    assert.match(r.text, /transfer\.api\.globus\.org: active/);
  });

  it('should give a typed CONSENT_REQUIRED error with the consent link', async () => {
    const r = await run(
      [
        'from jupyterlab_globus_kit.kernel import access_token, GlobusKitError',
        'try:',
        "    access_token('api.example.org')",
        'except GlobusKitError as e:',
        '    print(e.code)',
        'try:',
        "    access_token('https://auth.globus.org/scopes/00000000-0000-4000-8000-000000000001/https')",
        'except GlobusKitError as e:',
        "    print(e.code, e.consent_url.split('?')[0].endswith('/v2/oauth2/authorize'))"
      ].join('\n')
    );
    assert.equal(r.status, 'ok', r.text);
    assert.equal(r.text, 'NO_CREDENTIALS\nCONSENT_REQUIRED True\n');
  });

  it('should show no token in any output', async () => {
    const secrets = emu.auth.issuedSecrets();
    const all = [...secrets.accessTokens, ...secrets.refreshTokens].filter(s => s.length >= 8);
    assert.ok(all.length >= 3);
    const text = outputs.join('\n');
    for (const s of all) assert.ok(!text.includes(s), 'a token appears in a kernel output');
    assert.ok(!server.log().includes('GLOBUS_KIT_TOKEN_BROKER_SECRET='));
  });
});
