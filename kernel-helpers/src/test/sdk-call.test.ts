/**
 * Transfer and Auth calls go through `@globus/sdk`'s service functions with our transport
 * underneath, against the REAL emulator: the SDK is loaded on the first call (not by
 * `connect()`), the session's base URL wins over the one the SDK reads from `process.env`,
 * our typed errors reach the caller untouched, and an SDK failure before sending is a
 * typed `SDK_REQUEST` error.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect, GlobusSession } from '../session';
import { isGlobusApiError } from '../errors/api-error';
import { isGlobusKitError } from '../errors/globus-kit-error';
import { isAbortError } from '../errors/network-error';
import { Emulator, EmulatorModule, FAST_RETRY, loadEmulator } from './flow-support';

/** Run `code` in a fresh node process with the package's dist as `kit`; its stdout. */
function runFresh(code: string, env: Record<string, string>): Promise<string> {
  // The compiled package: the child runs plain node, which cannot load the .ts sources.
  const kit = JSON.stringify(join(__dirname, '..', '..', 'dist', 'index.js'));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const kit = require(${kit}); (async () => { ${code} })().catch(e => { console.error(e); process.exit(1); });`
      ],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }
    );
    let out = '';
    child.stdout.on('data', c => (out += String(c)));
    const timer = setTimeout(() => child.kill(), 30000);
    child.on('close', status => {
      clearTimeout(timer);
      if (status === 0) {
        resolve(out);
      } else {
        reject(new Error(`child exited ${status}: ${out}`));
      }
    });
  });
}

describe('@globus/sdk under our transport', () => {
  let mod: EmulatorModule;
  let emu: Emulator;
  let env: Record<string, string>;
  let session: GlobusSession;

  beforeAll(async () => {
    mod = await loadEmulator();
    emu = await mod.createEmulator();
    env = await emu.env();
    session = await connect({ env, requestDefaults: { retry: FAST_RETRY } });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('should load the SDK at the first Transfer call, not at connect()', async () => {
    const out = await runFresh(
      [
        "const sdk = require.resolve('@globus/sdk');",
        'const g = await kit.connect({ env: process.env });',
        'const afterConnect = sdk in require.cache;',
        `const entries = await g.transfer.files.ls(${JSON.stringify(mod.seed.PUBLIC_COLLECTION_ID)}, '/');`,
        'console.log(JSON.stringify({ afterConnect, afterLs: sdk in require.cache, n: entries.length }));'
      ].join('\n'),
      env
    );
    const got = JSON.parse(out) as { afterConnect: boolean; afterLs: boolean; n: number };
    assert.deepEqual(
      { afterConnect: got.afterConnect, afterLs: got.afterLs },
      { afterConnect: false, afterLs: true }
    );
    assert.ok(got.n > 0, 'the listing has entries');
  });

  it("should send to the session's base URL, not the one the SDK reads from process.env", async () => {
    const saved = process.env.GLOBUS_SDK_SERVICE_URL_TRANSFER;
    // Nothing listens on port 9: a request sent there would fail with CONNECTION_REFUSED.
    process.env.GLOBUS_SDK_SERVICE_URL_TRANSFER = 'http://127.0.0.1:9';
    try {
      const doc = await session.transfer.collections.get(mod.seed.PUBLIC_COLLECTION_ID);
      assert.equal(doc.id, mod.seed.PUBLIC_COLLECTION_ID);
    } finally {
      if (saved === undefined) {
        delete process.env.GLOBUS_SDK_SERVICE_URL_TRANSFER;
      } else {
        process.env.GLOBUS_SDK_SERVICE_URL_TRANSFER = saved;
      }
    }
  });

  it('should hand our typed errors through the SDK untouched', async () => {
    await assert.rejects(
      session.transfer.collections.get('00000000-0000-4000-8000-00000000dead'),
      (e: unknown) => {
        assert.ok(isGlobusApiError(e), String(e));
        assert.equal(e.code, 'NOT_FOUND');
        assert.equal(e.service, 'transfer');
        assert.equal(e.operation, 'get collection');
        return true;
      }
    );
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      session.transfer.files.ls(mod.seed.PUBLIC_COLLECTION_ID, '/', { signal: controller.signal }),
      (e: unknown) => isAbortError(e)
    );
  });

  it("should send Auth calls to the session's Auth, not process.env's", async () => {
    const saved = process.env.GLOBUS_SDK_SERVICE_URL_AUTH;
    process.env.GLOBUS_SDK_SERVICE_URL_AUTH = 'http://127.0.0.1:9';
    try {
      const info = await session.auth.userinfo.get();
      assert.equal(info.sub, mod.seed.DEMO_IDENTITY_ID);
      const [byId] = await session.auth.identities.getAll({ ids: [mod.seed.DEMO_IDENTITY_ID] });
      assert.equal(byId?.id, mod.seed.DEMO_IDENTITY_ID);
      const consents = await session.auth.consents.getAll(mod.seed.DEMO_IDENTITY_ID);
      assert.ok(consents.length > 0 && consents.every(c => typeof c.scope_name === 'string'));
    } finally {
      if (saved === undefined) {
        delete process.env.GLOBUS_SDK_SERVICE_URL_AUTH;
      } else {
        process.env.GLOBUS_SDK_SERVICE_URL_AUTH = saved;
      }
    }
  });

  it('should introspect with Basic credentials added by our transport, never quoting the secret', async () => {
    const token = session.tokens.for('transfer.api.globus.org');
    assert.ok(token);
    const doc = await session.auth.introspect(token, {
      clientCredentials: {
        clientId: mod.seed.HUB_CLIENT_ID,
        clientSecret: mod.seed.HUB_CLIENT_SECRET
      },
      include: ['identity_set']
    });
    assert.equal(doc.active, true);
    assert.equal(doc.sub, mod.seed.DEMO_IDENTITY_ID);
    const wrong = 'wrong-secret-4f1e9c0b7a';
    await assert.rejects(
      session.auth.introspect(token, {
        clientCredentials: { clientId: mod.seed.HUB_CLIENT_ID, clientSecret: wrong },
        retry: false
      }),
      (e: unknown) => {
        assert.ok(isGlobusApiError(e), String(e));
        assert.equal(e.status, 401);
        assert.equal(e.operation, 'introspect');
        const shown = `${e.message} ${JSON.stringify(e)} ${String(e.stack)}`;
        assert.ok(!shown.includes(wrong), 'the client secret is not quoted');
        assert.ok(!shown.includes(token.unsafeRevealAccessToken()), 'the token is not quoted');
        return true;
      }
    );
  });

  it('should turn an SDK failure before sending into SDK_REQUEST', async () => {
    const saved = process.env.GLOBUS_SDK_OPTIONS;
    // The SDK parses this variable as JSON on every call.
    process.env.GLOBUS_SDK_OPTIONS = '{not json';
    try {
      await assert.rejects(session.transfer.tasks.submissionId(), (e: unknown) => {
        assert.ok(isGlobusKitError(e), String(e));
        assert.equal(e.code, 'SDK_REQUEST');
        assert.match(e.message, /GLOBUS_SDK_/);
        return true;
      });
    } finally {
      if (saved === undefined) {
        delete process.env.GLOBUS_SDK_OPTIONS;
      } else {
        process.env.GLOBUS_SDK_OPTIONS = saved;
      }
    }
  });
});
