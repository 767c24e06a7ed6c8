// Issue #18: a REAL tslab kernel started by a REAL jupyter_server takes its credentials
// from the server's token broker: connect() says `source: 'server'`, a call works; the
// token expires (emulator clock) and the next call gets a renewed one from the server;
// a logout through the server's REST API (what the sidebar does) makes the kernel's next
// call fail with NO_CREDENTIALS, without connect() again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEmulator, seed } from '../emulator/dist/index.js';
import { openKernel, startJupyterServer, executeText } from './support/notebook-runner.mjs';

const HOURS_49 = 49 * 3600 * 1000;

describe('tslab kernel: connect() through the server token broker', () => {
  let emu;
  let server;
  let kernel;
  const outputs = [];

  const api = async (method, path, body) => {
    const r = await fetch(`${server.url}${path}`, {
      method,
      headers: { Authorization: `token ${server.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000)
    });
    const text = await r.text();
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
    return JSON.parse(text);
  };

  const run = async code => {
    const result = await kernel.execute(code, { timeoutMs: 90_000 });
    assert.equal(result.timedOut, false, `timed out: ${code}`);
    const text = executeText(result);
    outputs.push(text);
    assert.equal(result.reply?.status, 'ok', text);
    return text;
  };

  before(async () => {
    emu = await createEmulator({ autoApprove: true });
    const env = await emu.env();
    delete env.GLOBUS_DATA;
    server = await startJupyterServer({
      env: { ...env, GLOBUS_KIT_CLIENT_ID: seed.NATIVE_CLIENT_ID }
    });
    // The sidebar's login, through the same routes: start, approve, paste the code.
    const start = await api('POST', '/globus-kit/login', { redirect: 'paste' });
    const approved = await fetch(start.url, { redirect: 'manual' });
    const code = new URL(approved.headers.get('location')).searchParams.get('code');
    await api('POST', '/globus-kit/login/complete', { code });
    kernel = await openKernel(server, 'tslab-broker.ipynb', { kernelName: 'tslab' });
  });

  after(async () => {
    await kernel?.close();
    await server?.stop();
    await emu?.close();
  });

  it("should connect with source 'server' and call Transfer", async () => {
    const text = await run(
      [
        "import { connect } from '@jupyterlab-globus-kit/kernel-helpers';",
        'const globus = await connect();',
        "const fp = () => globus.tokens.for('transfer.api.globus.org')!.fingerprint;",
        'const first = fp();',
        `const doc = await globus.transfer.collections.get('${seed.PUBLIC_COLLECTION_ID}');`,
        'console.log(globus.source, doc.id, globus.identity?.username);',
        "console.log(JSON.stringify(globus).includes('accessToken'));"
      ].join('\n')
    );
    assert.equal(text, `server ${seed.PUBLIC_COLLECTION_ID} demo.researcher@globusid.org\nfalse\n`);
  });

  it('should get a renewed token from the server after the token expires', async () => {
    emu.clock.advance(HOURS_49);
    const text = await run(
      [
        `const again = await globus.transfer.collections.get('${seed.PUBLIC_COLLECTION_ID}');`,
        'console.log(again.id, fp() !== first);'
      ].join('\n')
    );
    assert.equal(text, `${seed.PUBLIC_COLLECTION_ID} true\n`);
    const status = await api('GET', '/globus-kit/status');
    const transfer = status.tokens.find(t => t.resourceServer === 'transfer.api.globus.org');
    assert.equal(transfer.status, 'active');
  });

  it('should succeed after a consent granted in the sidebar, without connect() again', async () => {
    const before = await run(
      [
        'const lsMapped = async () => {',
        '  try {',
        `    const entries = await globus.transfer.files.ls('${seed.MAPPED_COLLECTION_ID}', '/');`,
        '    return `ok ${entries.length > 0}`;',
        '  } catch (e) {',
        '    return (e as { code?: string }).code;',
        '  }',
        '};',
        'console.log(await lsMapped());'
      ].join('\n')
    );
    assert.equal(before, 'CONSENT_REQUIRED\n');
    // The sidebar's step-up login with the collection's data_access (auto-approved).
    const scope =
      'urn:globus:auth:scope:transfer.api.globus.org:all' +
      `[*https://auth.globus.org/scopes/${seed.MAPPED_COLLECTION_ID}/data_access]`;
    const start = await api('POST', '/globus-kit/login', { redirect: 'paste', addScopes: [scope] });
    const approved = await fetch(start.url, { redirect: 'manual' });
    const code = new URL(approved.headers.get('location')).searchParams.get('code');
    await api('POST', '/globus-kit/login/complete', { code });
    assert.equal(await run('console.log(await lsMapped());'), 'ok true\n');
  });

  it('should read a collection consented in the sidebar after connect(), without connect() again', async () => {
    // A collection the session held no token for at connect time, not readable anonymously.
    const seeded = await fetch(`${emu.urls.admin}/seed/collections`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        display_name: 'Broker consent test',
        public: false,
        files: { '/a.txt': 'hello from a private collection' }
      })
    });
    assert.equal(seeded.status, 201);
    const { id } = await seeded.json();
    const before = await run(
      [
        'const readPrivate = async () => {',
        '  try {',
        `    const bytes = await globus.https.downloadBytes('${id}', '/a.txt');`,
        '    return Buffer.from(bytes).toString();',
        '  } catch (e) {',
        '    return (e as { code?: string }).code;',
        '  }',
        '};',
        'console.log(await readPrivate());'
      ].join('\n')
    );
    assert.equal(before, 'CONSENT_REQUIRED\n');
    const scope = `https://auth.globus.org/scopes/${id}/https`;
    const start = await api('POST', '/globus-kit/login', { redirect: 'paste', addScopes: [scope] });
    const approved = await fetch(start.url, { redirect: 'manual' });
    const code = new URL(approved.headers.get('location')).searchParams.get('code');
    await api('POST', '/globus-kit/login/complete', { code });
    assert.equal(
      await run('console.log(await readPrivate());'),
      'hello from a private collection\n'
    );
  });

  it("should fail the next call with NO_CREDENTIALS after the sidebar's logout", async () => {
    const out = await api('POST', '/globus-kit/logout', {});
    assert.ok(out.revoked >= 1, JSON.stringify(out));
    const text = await run(
      [
        'try {',
        `  await globus.transfer.collections.get('${seed.PUBLIC_COLLECTION_ID}');`,
        "  console.log('no error');",
        '} catch (e) {',
        '  console.log((e as { code?: string }).code, (e as Error).message);',
        '}'
      ].join('\n')
    );
    assert.match(text, /^NO_CREDENTIALS .*log in with Globus from the Globus sidebar/i);
  });

  it('should show no token in any output, nor the broker secret in the server log', () => {
    const secrets = emu.auth.issuedSecrets();
    const all = [...secrets.accessTokens, ...secrets.refreshTokens].filter(s => s.length >= 8);
    assert.ok(all.length >= 4);
    const text = outputs.join('\n');
    for (const s of all) assert.ok(!text.includes(s), 'a token appears in a kernel output');
    assert.ok(!server.log().includes('GLOBUS_KIT_TOKEN_BROKER_SECRET='));
  });
});

describe('tslab kernel: a token the server renews before expiry reaches the next call', () => {
  let emu;
  let server;
  let kernel;

  before(async () => {
    // Tokens live 70 s: the server renews within 60 s of expiry.
    emu = await createEmulator({ autoApprove: true, tokenLifetimeSeconds: 70 });
    const env = await emu.env();
    delete env.GLOBUS_DATA;
    server = await startJupyterServer({
      env: { ...env, GLOBUS_KIT_CLIENT_ID: seed.NATIVE_CLIENT_ID }
    });
    const headers = { Authorization: `token ${server.token}`, 'Content-Type': 'application/json' };
    const post = async (path, body) =>
      (
        await fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
      ).json();
    const start = await post('/globus-kit/login', { redirect: 'paste' });
    const approved = await fetch(start.url, { redirect: 'manual' });
    const code = new URL(approved.headers.get('location')).searchParams.get('code');
    await post('/globus-kit/login/complete', { code });
    kernel = await openKernel(server, 'tslab-expiring.ipynb', { kernelName: 'tslab' });
  });

  after(async () => {
    await kernel?.close();
    await server?.stop();
    await emu?.close();
  });

  it('should carry the renewed token, without a 401, once under 60 s are left', async () => {
    const first = await kernel.execute(
      [
        "import { connect } from '@jupyterlab-globus-kit/kernel-helpers';",
        'const globus = await connect();',
        "const fp = () => globus.tokens.for('transfer.api.globus.org')!.fingerprint;",
        'const before = fp();',
        `await globus.transfer.collections.get('${seed.PUBLIC_COLLECTION_ID}');`,
        'console.log(globus.source, fp() === before);'
      ].join('\n'),
      { timeoutMs: 90_000 }
    );
    assert.equal(executeText(first), 'server true\n');
    // 70 s tokens: after 11 s fewer than 60 s are left, though the token still works.
    await new Promise(resolve => setTimeout(resolve, 11_000));
    const second = await kernel.execute(
      [
        `const doc = await globus.transfer.collections.get('${seed.PUBLIC_COLLECTION_ID}');`,
        'console.log(doc.id, fp() !== before);'
      ].join('\n'),
      { timeoutMs: 90_000 }
    );
    assert.equal(executeText(second), `${seed.PUBLIC_COLLECTION_ID} true\n`);
  });
});
