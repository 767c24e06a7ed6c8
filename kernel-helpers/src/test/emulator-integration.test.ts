/**
 * The clients against the REAL emulator over loopback: every service, and its faults.
 * Assertions look at what the emulator stored (files on disk, fault hit counts).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, GlobusSession } from '../session';
import { isConsentRequiredError } from '../errors/consent-required-error';
import { isTokenExpiredError } from '../errors/token-expired-error';
import { isGlobusApiError } from '../errors/api-error';
import { isAbortError, isNetworkError } from '../errors/network-error';
import { GlobusScopes } from '../tokens/scopes';
import { decodeGlobusData } from '../globus-data';

type EmulatorModule = typeof import('../../../emulator/dist/index.js');
type Emulator = Awaited<ReturnType<EmulatorModule['createEmulator']>>;

const FAST = { baseDelayMs: 10, maxDelayMs: 50, maxTotalMs: 10000 };

async function loadEmulator(): Promise<EmulatorModule> {
  return import('../../../emulator/dist/index.js');
}

describe('emulator integration', () => {
  let mod: EmulatorModule;
  let emu: Emulator;
  let env: Record<string, string>;
  let session: GlobusSession;
  let seed: EmulatorModule['seed'];

  before(async () => {
    mod = await loadEmulator();
    seed = mod.seed;
    emu = await mod.createEmulator();
    env = await emu.env();
    session = await connect({ env, requestDefaults: { retry: FAST } });
  });
  after(async () => {
    await emu?.close();
  });
  beforeEach(() => {
    emu.faults.clear();
  });

  describe('connect', () => {
    it('should build a session from GLOBUS_DATA in the environment', () => {
      assert.equal(session.source, 'environment');
      assert.equal(session.identity?.sub, seed.DEMO_IDENTITY_ID);
      assert.equal(session.clientId, seed.HUB_CLIENT_ID);
      assert.ok(session.tokens.for('transfer.api.globus.org'));
      assert.ok(session.tokens.forCollection(seed.GUEST_COLLECTION_ID));
      assert.equal(session.tokens.for('transfer.api.globus.org')?.status(), 'valid');
    });

    it('should verify an id_token identity against the emulator JWKS', async () => {
      const decoded = decodeGlobusData(await emu.globusData({ shape: '16+' }));
      assert.ok(decoded.idToken && decoded.identity);
      // As a hub without globus_user would give it: identity from the id_token claims.
      const fromIdToken = {
        ...decoded,
        identity: { ...decoded.identity, source: 'id_token' as const }
      };
      const s = await connect({ env, globusData: fromIdToken });
      assert.equal(s.identityVerification.status, 'verified');
      const [h, p] = decoded.idToken.split('.');
      const forged = { ...fromIdToken, idToken: `${h}.${p}.${'A'.repeat(86)}` };
      const bad = await connect({ env, globusData: forged });
      assert.equal(bad.identityVerification.status, 'unverified');
      const offline = await connect({
        env: { ...env, GLOBUS_SDK_SERVICE_URL_AUTH: 'http://127.0.0.1:9' },
        globusData: fromIdToken,
        jwksTimeoutMs: 500
      });
      assert.equal(offline.identityVerification.status, 'unverified');
    });

    it('should refuse with NO_CREDENTIALS when nothing is available', async () => {
      await assert.rejects(
        connect({ env: {} }),
        (e: unknown) =>
          (e as { code?: string }).code === 'NO_CREDENTIALS' &&
          /hub/i.test((e as Error).message) &&
          /sidebar/i.test((e as Error).message)
      );
    });
  });

  describe('AuthClient', () => {
    it('should get userinfo', async () => {
      const info = await session.auth.userinfo.get();
      assert.equal(info.sub, seed.DEMO_IDENTITY_ID);
    });
    it('should get identities by id and by username', async () => {
      const byId = await session.auth.identities.get(seed.COLLEAGUE_IDENTITY_ID);
      assert.equal(byId?.id, seed.COLLEAGUE_IDENTITY_ID);
      const byName = await session.auth.identities.getByUsername(byId?.username as string);
      assert.equal(byName?.id, seed.COLLEAGUE_IDENTITY_ID);
      assert.equal(
        await session.auth.identities.getByUsername('nobody@nowhere.invalid'),
        undefined
      );
    });
    it('should list consents', async () => {
      const consents = await session.auth.consents.getAll(seed.DEMO_IDENTITY_ID);
      assert.ok(consents.some(c => c.scope_name === GlobusScopes.TRANSFER_ALL));
    });
  });

  describe('TransferClient', () => {
    it('should search collections by fulltext and get one with https_server', async () => {
      const found = await session.transfer.collections.search({ fulltext: 'Tutorial' });
      assert.ok(found.some(c => c.id === seed.PUBLIC_COLLECTION_ID));
      const doc = await session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID);
      assert.equal(doc.https_server, emu.urls.collections[seed.PUBLIC_COLLECTION_ID]);
      assert.equal(typeof doc.high_assurance, 'boolean');
      assert.ok(doc.entity_type);
    });

    it('should list all pages, as a list and as an iterator', async () => {
      const all = await session.transfer.files.ls(seed.PUBLIC_COLLECTION_ID, seed.WEATHER_DIR);
      const paged: string[] = [];
      for await (const f of session.transfer.files.iterate(
        seed.PUBLIC_COLLECTION_ID,
        seed.WEATHER_DIR,
        { pageSize: 3 }
      )) {
        paged.push(f.name);
      }
      assert.ok(all.length > 3);
      assert.deepEqual(
        paged,
        all.map(f => f.name)
      );
      assert.ok(all.some(f => f.name === '1952.csv' && f.type === 'file'));
    });

    it('should name the collection and path in a 404', async () => {
      await session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID);
      await assert.rejects(
        session.transfer.files.ls(seed.PUBLIC_COLLECTION_ID, '/nope/'),
        (e: unknown) => {
          return (
            isGlobusApiError(e) &&
            e.status === 404 &&
            /^Transfer ls failed \(404 [\w.]+\) for collection '[^']+' path \/nope\//.test(
              e.message
            )
          );
        }
      );
    });

    it('should mkdir -p, rename, and leave the result on disk', async () => {
      const base = `/mk-${Date.now()}`;
      await session.transfer.files.mkdir(seed.GUEST_COLLECTION_ID, `${base}/a/b/`, {
        parents: true
      });
      const again = await session.transfer.files.mkdir(seed.GUEST_COLLECTION_ID, `${base}/a/b/`, {
        parents: true
      });
      assert.equal(again.code, 'Exists');
      await session.transfer.files.rename(seed.GUEST_COLLECTION_ID, `${base}/a/b/`, `${base}/a/c/`);
      const names = (await session.transfer.files.ls(seed.GUEST_COLLECTION_ID, `${base}/a/`)).map(
        f => f.name
      );
      assert.deepEqual(names, ['c']);
    });

    it('should submit a transfer, wait with progress, and list events', async () => {
      const dest = `/tx-${Date.now()}/`;
      await session.transfer.files.mkdir(seed.GUEST_COLLECTION_ID, dest, { parents: true });
      const result = await session.transfer.tasks.submitTransfer({
        source: seed.PUBLIC_COLLECTION_ID,
        destination: seed.GUEST_COLLECTION_ID,
        items: [{ source: `${seed.WEATHER_DIR}1952.csv`, destination: `${dest}1952.csv` }],
        label: 'kernel-helpers test'
      });
      assert.equal(result.code, 'Accepted');
      const polls: string[] = [];
      const done = await session.transfer.waitForTask(result, {
        intervalMs: 100,
        onProgress: t => polls.push(t.status)
      });
      assert.equal(done.status, 'SUCCEEDED');
      assert.ok(polls.length >= 1);
      const events = await session.transfer.tasks.events(result);
      assert.ok(Array.isArray(events));
      const listed = await session.transfer.tasks.getAll({ limit: 10 });
      assert.ok(listed.some(t => t.task_id === result.task_id));
      const src = await session.https.downloadBytes(
        seed.PUBLIC_COLLECTION_ID,
        `${seed.WEATHER_DIR}1952.csv`
      );
      const copied = await session.https.downloadBytes(seed.GUEST_COLLECTION_ID, `${dest}1952.csv`);
      assert.deepEqual(Buffer.from(copied), Buffer.from(src));
    });

    it('should retry a submission safely: one task per submission_id', async () => {
      const label = `idem-${Date.now()}`;
      const rule = emu.faults.add({
        kind: 'status',
        service: 'transfer',
        method: 'POST',
        path: '/v0.10/transfer',
        status: 503,
        count: 1
      });
      const spec = {
        source: seed.PUBLIC_COLLECTION_ID,
        destination: seed.GUEST_COLLECTION_ID,
        items: [{ source: `${seed.WEATHER_DIR}README.txt`, destination: `/${label}.txt` }],
        label
      };
      const first = await session.transfer.tasks.submitTransfer(spec);
      assert.equal(first.code, 'Accepted');
      assert.equal(emu.faults.list().find(r => r.id === rule.id)?.hits, 1);
      const again = await session.transfer.tasks.submitTransfer({
        ...spec,
        submissionId: first.submission_id
      });
      assert.equal(again.code, 'Duplicate');
      const tasks = await session.transfer.tasks.getAll({ limit: 100 });
      assert.equal(tasks.filter(t => t.label === label).length, 1);
      await session.transfer.waitForTask(first, { intervalMs: 100 });
    });

    it('should delete with a delete task', async () => {
      const dir = `/del-${Date.now()}/`;
      await session.transfer.files.mkdir(seed.GUEST_COLLECTION_ID, dir, { parents: true });
      const done = await session.transfer.files.remove(seed.GUEST_COLLECTION_ID, dir, {
        recursive: true
      });
      assert.equal((done as { status?: string }).status, 'SUCCEEDED');
      await assert.rejects(session.transfer.files.ls(seed.GUEST_COLLECTION_ID, dir), (e: unknown) =>
        isGlobusApiError(e)
      );
    });

    it('should raise ConsentRequiredError with the data_access scope on the mapped collection', async () => {
      await assert.rejects(
        session.transfer.files.ls(seed.MAPPED_COLLECTION_ID, '/'),
        (e: unknown) => {
          if (!isConsentRequiredError(e)) return false;
          const url = new URL(e.consentUrl as string);
          return (
            e.requiredScopes.some(s => s.includes(`${seed.MAPPED_COLLECTION_ID}/data_access`)) &&
            url.origin === emu.urls.auth &&
            url.pathname === '/v2/oauth2/authorize' &&
            (url.searchParams.get('scope') ?? '').includes('data_access') &&
            url.searchParams.get('client_id') === seed.HUB_CLIENT_ID
          );
        }
      );
    });
  });

  describe('HttpsClient', () => {
    it('should upload and download bytes, stream and range, matching the file on disk', async () => {
      const path = `/up-${Date.now()}.bin`;
      const payload = Buffer.alloc(150_000);
      for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
      const progress: number[] = [];
      const up = await session.https.upload(seed.GUEST_COLLECTION_ID, path, payload, {
        onProgress: p => progress.push(p.loaded)
      });
      assert.equal(up.status, 200);
      assert.equal(progress.at(-1), payload.length);
      const root = emu.collections.rootOf(seed.GUEST_COLLECTION_ID) as string;
      assert.deepEqual(await readFile(join(root, path)), payload);
      const bytes = await session.https.downloadBytes(seed.GUEST_COLLECTION_ID, path);
      assert.deepEqual(Buffer.from(bytes), payload);
      const dl = await session.https.download(seed.GUEST_COLLECTION_ID, path);
      const chunks: Buffer[] = [];
      for await (const c of dl.stream) chunks.push(Buffer.from(c));
      assert.deepEqual(Buffer.concat(chunks), payload);
      const part = await session.https.download(seed.GUEST_COLLECTION_ID, path, {
        range: { start: 10, end: 19 }
      });
      const partChunks: Buffer[] = [];
      for await (const c of part.stream) partChunks.push(Buffer.from(c));
      assert.equal(part.status, 206);
      assert.deepEqual(Buffer.concat(partChunks), payload.subarray(10, 20));
    });

    it('should raise ConsentRequiredError naming the https scope when no collection token exists', async () => {
      await assert.rejects(
        session.https.downloadBytes(seed.MAPPED_COLLECTION_ID, '/anything.txt'),
        (e: unknown) =>
          isConsentRequiredError(e) &&
          e.requiredScopes.includes(GlobusScopes.https(seed.MAPPED_COLLECTION_ID))
      );
    });

    it('should abort a slow download mid-stream with an AbortError and no leftovers', async () => {
      emu.faults.add({
        kind: 'bandwidth',
        service: `gcs:${seed.PUBLIC_COLLECTION_ID}`,
        bytesPerSecond: 4000
      });
      const ac = new AbortController();
      const dl = await session.https.download(
        seed.PUBLIC_COLLECTION_ID,
        `${seed.WEATHER_DIR}1952.csv`,
        {
          signal: ac.signal,
          onProgress: p => {
            if (p.loaded > 0) ac.abort();
          }
        }
      );
      await assert.rejects(
        (async () => {
          for await (const _c of dl.stream) {
            /* drain */
          }
        })(),
        (e: unknown) => isAbortError(e)
      );
    });
  });

  describe('faults', () => {
    it('should retry 429 honouring Retry-After', async () => {
      const rule = emu.faults.add({
        kind: 'status',
        service: 'transfer',
        path: '/v0.10/endpoint/*',
        status: 429,
        headers: { 'Retry-After': '1' },
        count: 1
      });
      const t0 = Date.now();
      const doc = await session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID);
      assert.equal(doc.id, seed.PUBLIC_COLLECTION_ID);
      assert.ok(Date.now() - t0 >= 900);
      assert.equal(emu.faults.list().find(r => r.id === rule.id)?.hits, 1);
    });

    it('should retry 5xx and succeed', async () => {
      const rule = emu.faults.add({
        kind: 'status',
        service: 'transfer',
        path: '/v0.10/endpoint/*',
        status: 503,
        count: 2
      });
      const doc = await session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID);
      assert.equal(doc.id, seed.PUBLIC_COLLECTION_ID);
      assert.equal(emu.faults.list().find(r => r.id === rule.id)?.hits, 2);
    });

    it('should give the typed 5xx error when retries run out', async () => {
      emu.faults.add({
        kind: 'status',
        service: 'transfer',
        path: '/v0.10/endpoint/*',
        status: 500
      });
      await assert.rejects(
        session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID),
        (e: unknown) => isGlobusApiError(e) && e.status === 500
      );
    });

    it('should retry a reset connection, and report a persistent one as NetworkError', async () => {
      emu.faults.add({ kind: 'reset', service: 'transfer', path: '/v0.10/endpoint/*', count: 1 });
      assert.equal(
        (await session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID)).id,
        seed.PUBLIC_COLLECTION_ID
      );
      emu.faults.clear();
      emu.faults.add({ kind: 'reset', service: 'transfer', path: '/v0.10/endpoint/*' });
      await assert.rejects(
        session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID),
        (e: unknown) => isNetworkError(e) && e.code === 'CONNECTION_RESET'
      );
    });

    it('should report a truncated body as a typed error', async () => {
      emu.faults.add({ kind: 'truncate', service: `gcs:${seed.PUBLIC_COLLECTION_ID}`, bytes: 100 });
      await assert.rejects(
        session.https.downloadBytes(seed.PUBLIC_COLLECTION_ID, `${seed.WEATHER_DIR}1952.csv`),
        (e: unknown) => isNetworkError(e) && e.code === 'TRUNCATED_BODY'
      );
      emu.faults.clear();
      emu.faults.add({
        kind: 'truncate',
        service: 'transfer',
        path: '/v0.10/operation/**',
        bytes: 20
      });
      await assert.rejects(
        session.transfer.files.ls(seed.PUBLIC_COLLECTION_ID, seed.WEATHER_DIR),
        (e: unknown) =>
          isNetworkError(e) || (isGlobusApiError(e) && e.code === 'MALFORMED_RESPONSE')
      );
    });

    it('should report malformed JSON as MALFORMED_RESPONSE', async () => {
      emu.faults.add({
        kind: 'status',
        service: 'transfer',
        path: '/v0.10/endpoint/*',
        status: 200,
        bodyText: '{"DATA_TYPE": "endpo'
      });
      await assert.rejects(
        session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID),
        (e: unknown) => isGlobusApiError(e) && e.code === 'MALFORMED_RESPONSE'
      );
    });

    it('should say how to renew when the service rejects a token early (expireToken)', async () => {
      const s = await connect({ env: await emu.env(), requestDefaults: { retry: FAST } });
      emu.faults.add({ kind: 'expireToken', service: 'transfer', count: 1 });
      await assert.rejects(
        s.transfer.collections.get(seed.PUBLIC_COLLECTION_ID),
        (e: unknown) =>
          isGlobusApiError(e) && e.status === 401 && /hub control panel/i.test(e.message)
      );
    });
  });

  describe('expired tokens', () => {
    it('should raise TokenExpiredError for a 401 on a token past expiresAt', async () => {
      const short = await mod.createEmulator({ tokenLifetimeSeconds: 1 });
      try {
        const s = await connect({ env: await short.env(), requestDefaults: { retry: FAST } });
        await new Promise(r => setTimeout(r, 1300));
        assert.equal(s.tokens.for('transfer.api.globus.org')?.status(), 'expired');
        await assert.rejects(
          s.transfer.collections.get(seed.PUBLIC_COLLECTION_ID),
          (e: unknown) => {
            return (
              isTokenExpiredError(e) &&
              e.resourceServer === 'transfer.api.globus.org' &&
              e.expiredAt instanceof Date &&
              /hub control panel/i.test(e.message)
            );
          }
        );
      } finally {
        await short.close();
      }
    });
  });
});
