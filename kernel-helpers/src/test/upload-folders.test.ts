/**
 * The upload verb's round trips before the PUT: folders a session made are remembered for a
 * short while (and made again when found gone), the parent's `mkdir -p` and the target's
 * HEAD run at once, and a local file's PUT is sent again on a transient failure with the
 * hash of what was stored.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnownFolders } from '../flow/known-folders';
import { connect, GlobusSession } from '../session';
import {
  type Emulator,
  type EmulatorModule,
  FAST_RETRY,
  loadEmulator,
  RecordingSink
} from './flow-support';

const COLLECTION = 'c0ffee00-0000-4000-8000-000000000001';
const OTHER = 'c0ffee00-0000-4000-8000-000000000002';

describe('KnownFolders', () => {
  describe('#has', () => {
    it('should know a remembered folder and its parents, on that collection only', () => {
      const folders = new KnownFolders(1000, () => 0);
      folders.remember(COLLECTION, '/a/b');
      assert.equal(folders.has(COLLECTION, '/a/b'), true);
      assert.equal(folders.has(COLLECTION, '/a'), true);
      assert.equal(folders.has(COLLECTION, '/a/b/c'), false);
      assert.equal(folders.has(COLLECTION, '/a/bc'), false);
      assert.equal(folders.has(OTHER, '/a/b'), false);
    });

    it('should forget a folder when its time runs out', () => {
      let now = 0;
      const folders = new KnownFolders(1000, () => now);
      folders.remember(COLLECTION, '/a');
      now = 999;
      assert.equal(folders.has(COLLECTION, '/a'), true);
      now = 1000;
      assert.equal(folders.has(COLLECTION, '/a'), false);
    });
  });

  describe('#forget', () => {
    it('should forget the folder and every folder below it, not its siblings', () => {
      const folders = new KnownFolders(1000, () => 0);
      folders.remember(COLLECTION, '/a/b/c');
      folders.remember(COLLECTION, '/a/x');
      folders.forget(COLLECTION, '/a/b');
      assert.equal(folders.has(COLLECTION, '/a/b/c'), false);
      assert.equal(folders.has(COLLECTION, '/a/b'), false);
      assert.equal(folders.has(COLLECTION, '/a/x'), true);
    });
  });

  describe('#remember', () => {
    it('should keep at most 256 folders, dropping the oldest', () => {
      const folders = new KnownFolders(1000, () => 0);
      for (let i = 0; i < 300; i++) {
        folders.remember(COLLECTION, `/f${i}`);
      }
      assert.equal(folders.has(COLLECTION, '/f0'), false);
      assert.equal(folders.has(COLLECTION, '/f43'), false);
      assert.equal(folders.has(COLLECTION, '/f44'), true);
      assert.equal(folders.has(COLLECTION, '/f299'), true);
    });
  });
});

describe('GlobusSession', () => {
  let mod: EmulatorModule;
  let emu: Emulator;
  let globus: GlobusSession;
  let tmp: string;
  const MKDIR = '/v0.10/operation/endpoint/*/mkdir';

  beforeAll(async () => {
    mod = await loadEmulator();
    emu = await mod.createEmulator();
    tmp = mkdtempSync(join(tmpdir(), 'gk-upload-folders-'));
    globus = await connect({
      env: await emu.env(),
      display: new RecordingSink(),
      requestDefaults: { retry: FAST_RETRY }
    });
  });
  afterAll(async () => {
    await emu?.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    emu.faults.clear();
  });

  const guest = (path: string): string =>
    join(emu.collections.rootOf(mod.seed.GUEST_COLLECTION_ID) as string, path);
  /** Counts the requests a rule matches without disturbing them (a 0 ms delay). */
  const counter = (match: { service: string; method: string; path?: string }) =>
    emu.faults.add({ ...match, kind: 'latency', ms: 0 });
  const hits = (id: string | undefined): number =>
    emu.faults.list().find(r => r.id === id)?.hits ?? -1;

  describe('#upload', () => {
    it('should make a folder once for a loop of uploads into it, and again when it was removed', async () => {
      const collection = mod.seed.GUEST_COLLECTION_ID;
      const mkdirs = counter({ service: 'transfer', method: 'POST', path: MKDIR });
      await globus.upload('one', { collection, path: '/loop/run/1.txt' });
      const first = hits(mkdirs.id);
      assert.ok(first >= 1, `mkdir requests: ${first}`);
      await globus.upload('two', { collection, path: '/loop/run/2.txt' });
      await globus.upload('three', { collection, path: '/loop/run/3.txt' });
      assert.equal(hits(mkdirs.id), first, 'no mkdir for a folder this session just made');
      assert.equal(readFileSync(guest('loop/run/3.txt'), 'utf8'), 'three');

      // Someone removes the folder: the PUT answers 404, the folder is made again and the
      // file (read again from disk, hashed again) is sent again.
      rmSync(guest('loop'), { recursive: true, force: true });
      const local = join(tmp, 'again.bin');
      const bytes = Buffer.alloc(2 * 1024 * 1024 + 17, 5);
      writeFileSync(local, bytes);
      const r = await globus.upload({ file: local }, { collection, path: '/loop/run/4.bin' });
      assert.ok(hits(mkdirs.id) > first, 'the folder was made again');
      assert.ok(readFileSync(guest('loop/run/4.bin')).equals(bytes));
      assert.equal(r.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(r.bytes, bytes.length);
    });

    it('should ask for the parent folder and the target file at once', async () => {
      const collection = mod.seed.GUEST_COLLECTION_ID;
      emu.faults.add({
        service: 'transfer',
        method: 'POST',
        path: MKDIR,
        kind: 'latency',
        ms: 2000,
        count: 1
      });
      const heads = counter({ service: `gcs:${collection}`, method: 'HEAD' });
      let done = false;
      const upload = globus
        .upload('x', { collection, path: '/at-once/deep/x.txt' })
        .finally(() => (done = true));
      // One after the other, the HEAD would wait for the delayed mkdir.
      const deadline = Date.now() + 1500;
      while (hits(heads.id) === 0 && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 10));
      }
      assert.equal(hits(heads.id), 1, 'the HEAD was sent while mkdir was still delayed');
      assert.equal(done, false);
      await upload;
      assert.equal(readFileSync(guest('at-once/deep/x.txt'), 'utf8'), 'x');
    });

    it('should send a local file again after a 503 and return the hash of what was stored', async () => {
      const collection = mod.seed.GUEST_COLLECTION_ID;
      const local = join(tmp, 'retry.bin');
      const bytes = Buffer.alloc(3 * 1024 * 1024 + 1);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
      writeFileSync(local, bytes);
      const fault = emu.faults.add({
        service: `gcs:${collection}`,
        method: 'PUT',
        kind: 'status',
        status: 503,
        count: 1
      });
      const r = await globus.upload({ file: local }, { collection, path: '/retry-file/r.bin' });
      assert.equal(hits(fault.id), 1);
      assert.ok(readFileSync(guest('retry-file/r.bin')).equals(bytes));
      assert.equal(r.sha256, createHash('sha256').update(bytes).digest('hex'));
    });

    it('should report the mkdir failure when the parent cannot be made, and store nothing', async () => {
      const collection = mod.seed.GUEST_COLLECTION_ID;
      await globus.upload('a file', { collection, path: '/blocker.txt' });
      await assert.rejects(
        globus.upload('x', { collection, path: '/blocker.txt/sub/x.txt' }),
        (e: unknown) => {
          assert.match(String((e as Error).message), /mkdir/i);
          return true;
        }
      );
      assert.equal(readFileSync(guest('blocker.txt'), 'utf8'), 'a file');
    });
  });
});
