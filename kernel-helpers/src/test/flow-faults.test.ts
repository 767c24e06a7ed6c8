/**
 * Failure paths of the notebook verbs with the emulator's faults: cancel mid-download and
 * mid-upload, a truncated body, 429/5xx retries, a missing consent and an expired token.
 * Each failure must show its final state and a short message, and leave nothing partial.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { connect, GlobusSession } from '../session';
import { isAbortError, isNetworkError } from '../errors/network-error';
import { isConsentRequiredError } from '../errors/consent-required-error';
import { isTokenExpiredError } from '../errors/token-expired-error';
import {
  type Emulator,
  type EmulatorModule,
  FAST_RETRY,
  loadEmulator,
  RecordingSink
} from './flow-support';

const WEATHER = '/portal/catalog/dataset_las/1952.csv';

/** The console form tslab prints for a failed cell: one line, no stack of internals. */
function assertShortForm(error: unknown, pattern: RegExp): void {
  const printed = inspect(error);
  assert.match(printed, pattern);
  assert.ok(!/\n\s+at /.test(printed), `no stack trace in ${printed}`);
  assert.ok(!printed.includes('[cause]'), 'no cause chain');
}

describe('notebook verbs under faults', () => {
  let mod: EmulatorModule;
  let emu: Emulator;
  let seed: EmulatorModule['seed'];
  let sink: RecordingSink;
  let globus: GlobusSession;

  beforeAll(async () => {
    mod = await loadEmulator();
    seed = mod.seed;
    emu = await mod.createEmulator();
    sink = new RecordingSink();
    globus = await connect({
      env: await emu.env(),
      display: sink,
      requestDefaults: { retry: FAST_RETRY }
    });
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(() => {
    emu.faults.clear();
    sink.outputs.length = 0;
  });

  function guestDir(path: string): string {
    return join(emu.collections.rootOf(seed.GUEST_COLLECTION_ID)!, path);
  }

  describe('cancel', () => {
    it('should cancel a slow download: AbortError, progress shows cancelled', async () => {
      emu.faults.add({
        service: `gcs:${seed.PUBLIC_COLLECTION_ID}`,
        method: 'GET',
        kind: 'bandwidth',
        bytesPerSecond: 8000
      });
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 400).unref();
      await assert.rejects(
        globus.fetchCsv(
          { collection: seed.PUBLIC_COLLECTION_ID, path: WEATHER },
          { signal: controller.signal }
        ),
        (e: unknown) => {
          assert.ok(isAbortError(e), String(e));
          assertShortForm(e, /AbortError/);
          return true;
        }
      );
      assert.ok(Date.now() - started < 3000, 'cancelled promptly');
      assert.equal(sink.progress.length, 1);
      assert.match(String(sink.progress[0].data), /jp-mod-cancelled/);
      assert.match(sink.html, /Cancelled/);
    });

    it('should cancel an upload mid-body and leave no file, partial or whole', async () => {
      const dir = guestDir('cancel-up');
      const bytes = new Uint8Array(128 * 1024 * 1024);
      const controller = new AbortController();
      let sawPartial = false;
      const watcher = setInterval(() => {
        if (!existsSync(dir)) return;
        const entries = readdirSync(dir);
        if (entries.length > 0 && !entries.includes('big.bin')) {
          sawPartial = true;
          controller.abort();
          clearInterval(watcher);
        }
      }, 2);
      watcher.unref();
      try {
        await assert.rejects(
          globus.upload(bytes, {
            collection: seed.GUEST_COLLECTION_ID,
            path: '/cancel-up/big.bin',
            signal: controller.signal
          }),
          (e: unknown) => isAbortError(e)
        );
      } finally {
        clearInterval(watcher);
      }
      assert.ok(sawPartial, 'the emulator had started receiving the body');
      // The server notices the closed connection and drops its temporary file.
      const deadline = Date.now() + 3000;
      while (readdirSync(dir).length > 0 && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 20));
      }
      assert.deepEqual([...readdirSync(dir)], [], 'nothing left in the folder');
      assert.match(String(sink.progress[0].data), /jp-mod-cancelled/);
    });

    it('should leave no file when an upload fails for good', async () => {
      emu.faults.add({
        service: `gcs:${seed.GUEST_COLLECTION_ID}`,
        method: 'PUT',
        kind: 'status',
        status: 500
      });
      await assert.rejects(
        globus.upload('data', { collection: seed.GUEST_COLLECTION_ID, path: '/fail-up/x.txt' }),
        (e: unknown) => (e as { status?: number }).status === 500
      );
      assert.deepEqual([...readdirSync(guestDir('fail-up'))], []);
      assert.match(String(sink.progress[0].data), /jp-mod-failed/);
      assert.match(sink.html, /Globus request failed/);
    });
  });

  describe('truncated body', () => {
    it('should fail fetchCsv with a typed error, not a short table', async () => {
      emu.faults.add({
        service: `gcs:${seed.PUBLIC_COLLECTION_ID}`,
        method: 'GET',
        kind: 'truncate',
        bytes: 1000
      });
      await assert.rejects(
        globus.fetchCsv({ collection: seed.PUBLIC_COLLECTION_ID, path: WEATHER }),
        (e: unknown) => {
          assert.ok(isNetworkError(e), String(e));
          assert.equal((e as { code: string }).code, 'TRUNCATED_BODY');
          assertShortForm(e, /TRUNCATED_BODY/);
          return true;
        }
      );
      assert.match(String(sink.progress[0].data), /jp-mod-failed/);
      assert.match(sink.html, /Network problem/);
    });
  });

  describe('retries', () => {
    it('should retry 429 on Transfer ls and 503 on the HTTPS download and upload', async () => {
      const r429 = emu.faults.add({
        service: 'transfer',
        method: 'GET',
        path: '/v0.10/operation/endpoint/*/ls',
        kind: 'status',
        status: 429,
        headers: { 'Retry-After': '0' },
        count: 2
      });
      const table = await globus.ls(seed.PUBLIC_COLLECTION_ID, '/share/godata/');
      assert.equal(table.numRows, 3);
      const r503get = emu.faults.add({
        service: `gcs:${seed.PUBLIC_COLLECTION_ID}`,
        method: 'GET',
        kind: 'status',
        status: 503,
        count: 1
      });
      const csv = await globus.fetchCsv({ collection: seed.PUBLIC_COLLECTION_ID, path: WEATHER });
      assert.ok(csv.numRows > 300);
      const r503put = emu.faults.add({
        service: `gcs:${seed.GUEST_COLLECTION_ID}`,
        method: 'PUT',
        kind: 'status',
        status: 503,
        count: 1
      });
      await globus.upload('retried', {
        collection: seed.GUEST_COLLECTION_ID,
        path: '/retry/r.txt'
      });
      const hits = new Map(emu.faults.list().map(r => [r.id, r.hits]));
      assert.equal(hits.get(r429.id), 2);
      assert.equal(hits.get(r503get.id), 1);
      assert.equal(hits.get(r503put.id), 1);
      assert.deepEqual([...readdirSync(guestDir('retry'))], ['r.txt']);
      for (const p of sink.progress) {
        assert.match(String(p.data), /jp-mod-done/);
      }
    });
  });

  describe('consent', () => {
    it('should raise ConsentRequiredError on the mapped collection and show the consent link', async () => {
      await assert.rejects(globus.ls('Globus Tutorials Mapped Collection', '/'), (e: unknown) => {
        assert.ok(isConsentRequiredError(e));
        assert.ok(e.consentUrl?.startsWith(`${emu.urls.auth}/v2/oauth2/authorize?`));
        assertShortForm(e, /ConsentRequiredError \[CONSENT_REQUIRED\]/);
        const href = /href="([^"]+)"/.exec(sink.html)?.[1]?.replaceAll('&amp;', '&');
        assert.equal(href, e.consentUrl);
        return true;
      });
      assert.match(sink.html, /Consent needed/);
      assert.match(String(sink.progress[0].data), /jp-mod-failed/);
    });
  });

  describe('expired token', () => {
    it('should raise TokenExpiredError and show how to renew', async () => {
      const short = await mod.createEmulator({ tokenLifetimeSeconds: 1 });
      try {
        const s = new RecordingSink();
        const g = await connect({
          env: await short.env(),
          display: s,
          requestDefaults: { retry: FAST_RETRY }
        });
        await new Promise(r => setTimeout(r, 1300));
        await assert.rejects(g.ls(seed.PUBLIC_COLLECTION_ID, '/share/godata/'), (e: unknown) => {
          assert.ok(isTokenExpiredError(e), String(e));
          assertShortForm(e, /TokenExpiredError \[TOKEN_EXPIRED\].*hub control panel/i);
          return true;
        });
        assert.match(s.html, /Login expired/);
        assert.match(s.html, /hub control panel/i);
      } finally {
        await short.close();
      }
    });

    it('should show the renewal advice when a service rejects a token early', async () => {
      emu.faults.add({ service: 'transfer', kind: 'expireToken', count: 1 });
      const fresh = await connect({
        env: await emu.env(),
        display: sink,
        requestDefaults: { retry: FAST_RETRY }
      });
      await assert.rejects(fresh.ls(seed.PUBLIC_COLLECTION_ID, '/share/godata/'), (e: unknown) =>
        /hub control panel/i.test(String((e as Error).message))
      );
      assert.match(sink.html, /hub control panel/i);
    });
  });
});
