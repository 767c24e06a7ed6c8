/**
 * Issue #15: names longer than a file system allows (255 bytes), wherever a name reaches the
 * disk — Transfer mkdir, rename, stat, a transfer task's destination, GCS HTTPS PUT and GET.
 * Each is answered in its service's format (Transfer `InvalidPath`, a failed task with
 * `INVALID_PATH_NAME`), never a 500 and never with the emulator's storage path; a 250-byte
 * name, which fits, works everywhere (the temporary names of PUT and transfer fit too).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from '../http/router.js';
import { startService } from '../http/service.js';
import { fsFailure, isFsError } from '../state/collection-paths.js';
import { GUEST_COLLECTION_ID, PUBLIC_COLLECTION_ID } from '../state/seed.js';
import { readResponse, startWorld, waitForTask, type IWorld } from './transfer-fixture.js';

const tooLong = 'n'.repeat(300);
const fits = 'f'.repeat(250);

describe('regression #15: names over the file system limit', () => {
  let world: IWorld;
  let guestRoot: string;
  let guestUrl: string;
  let guestHttpsToken: string;
  /** Every host path a body must not contain. */
  let hostPaths: string[];
  /** Every error body seen, for the final scan. */
  const bodies: string[] = [];

  const noHostPath = (text: string): void => {
    bodies.push(text);
    for (const p of hostPaths) assert.ok(!text.includes(p), `host path in ${text.slice(0, 300)}`);
    assert.ok(!/ENAMETOOLONG|name too long, /.test(text), text.slice(0, 300));
  };

  const transferTo = async (destinationPath: string): Promise<Record<string, unknown>> => {
    const sub = await world.api('GET', '/submission_id');
    const submitted = await world.api('POST', '/transfer', {
      body: {
        DATA_TYPE: 'transfer',
        submission_id: sub.body.value,
        source_endpoint: PUBLIC_COLLECTION_ID,
        destination_endpoint: GUEST_COLLECTION_ID,
        DATA: [
          {
            DATA_TYPE: 'transfer_item',
            source_path: '/share/godata/file1.txt',
            destination_path: destinationPath
          }
        ]
      }
    });
    assert.equal(submitted.status, 202, submitted.text);
    return waitForTask(world, submitted.body.task_id as string);
  };

  const put = async (path: string, body: string) =>
    readResponse(
      await fetch(`${guestUrl}${path}`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${guestHttpsToken}` },
        body
      })
    );

  before(async () => {
    world = await startWorld({ seed: 15 });
    guestRoot = world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string;
    guestUrl = world.emu.urls.collections[GUEST_COLLECTION_ID];
    guestHttpsToken = await world.token(
      `https://auth.globus.org/scopes/${GUEST_COLLECTION_ID}/https`
    );
    hostPaths = [...new Set([world.emu.dataDir, await realpath(world.emu.dataDir), guestRoot])];
  });
  after(() => world.close());

  it('should answer mkdir of a 300-character name with 400 InvalidPath, not 500', async () => {
    const res = await world.api('POST', `/operation/endpoint/${GUEST_COLLECTION_ID}/mkdir`, {
      body: { DATA_TYPE: 'mkdir', path: `/${tooLong}` }
    });
    noHostPath(res.text);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.code, 'InvalidPath');
    assert.match(res.body.message as string, /File name too long: 'n{40}…' is 300 bytes/);
    assert.equal(res.body.resource, `/operation/endpoint/${GUEST_COLLECTION_ID}/mkdir`);
  });

  it('should count bytes, not characters: 200 two-byte characters are too long', async () => {
    const res = await world.api('POST', `/operation/endpoint/${GUEST_COLLECTION_ID}/mkdir`, {
      body: { DATA_TYPE: 'mkdir', path: `/${'é'.repeat(200)}` }
    });
    noHostPath(res.text);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.code, 'InvalidPath');
  });

  it('should refuse a rename to a 300-character name and keep the file', async () => {
    const res = await world.api('POST', `/operation/endpoint/${GUEST_COLLECTION_ID}/rename`, {
      body: { DATA_TYPE: 'rename', old_path: '/README.txt', new_path: `/${tooLong}` }
    });
    noHostPath(res.text);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.code, 'InvalidPath');
    assert.ok((await readdir(guestRoot)).includes('README.txt'));
  });

  it('should answer stat of a 300-character name with InvalidPath', async () => {
    const res = await world.api('GET', `/operation/endpoint/${GUEST_COLLECTION_ID}/stat`, {
      query: { path: `/${tooLong}` }
    });
    noHostPath(res.text);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.code, 'InvalidPath');
  });

  it('should fail a transfer to a 300-character name with INVALID_PATH_NAME', async () => {
    const task = await transferTo(`/${tooLong}`);
    assert.equal(task.status, 'FAILED');
    assert.equal((task.fatal_error as { code: string }).code, 'INVALID_PATH_NAME');
    const events = await world.api('GET', `/task/${task.task_id as string}/event_list`);
    noHostPath(events.text);
    assert.match(events.text, /File name too long/);
  });

  it('should refuse a GCS HTTPS PUT of a 300-character name with 400 and store nothing', async () => {
    const before = await readdir(guestRoot);
    const res = await put(`/${tooLong}`, 'data');
    noHostPath(res.text);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.code, 'bad_request');
    assert.match(res.body.message as string, /File name too long/);
    assert.deepEqual(await readdir(guestRoot), before);
  });

  it('should refuse a GCS HTTPS GET of a 300-character name with 400', async () => {
    const res = await readResponse(
      await fetch(`${guestUrl}/${tooLong}`, {
        headers: { Authorization: `Bearer ${guestHttpsToken}` }
      })
    );
    noHostPath(res.text);
    assert.equal(res.status, 400, res.text);
  });

  it('should make, upload and transfer a 250-byte name (its temporary name fits too)', async () => {
    const mk = await world.api('POST', `/operation/endpoint/${GUEST_COLLECTION_ID}/mkdir`, {
      body: { DATA_TYPE: 'mkdir', path: `/${fits}` }
    });
    assert.equal(mk.status, 200, mk.text);
    const up = await put(`/${fits}/${fits}`, 'uploaded');
    noHostPath(up.text);
    assert.equal(up.status, 200, up.text);
    assert.equal(await readFile(join(guestRoot, fits, fits), 'utf8'), 'uploaded');
    const task = await transferTo(`/${fits}/copy-${fits.slice(5)}`);
    assert.equal(task.status, 'SUCCEEDED', JSON.stringify(task.fatal_error));
    const names = await readdir(join(guestRoot, fits));
    assert.deepEqual(names.sort(), [`copy-${fits.slice(5)}`, fits].sort());
  });

  it('should have scanned every error body above', () => {
    assert.ok(bodies.length >= 7, `${bodies.length} bodies`);
  });
});

describe('regression #15: file system errors never carry the host path', () => {
  const hostPath = '/srv/emulator-data/collections/c0ffee/secret-folder/x';
  const errnoError = (code: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: failed, open '${hostPath}'`), { code, syscall: 'open' });

  it('should name each errno by its collection path only', () => {
    const expected: Record<string, string> = {
      ENAMETOOLONG: 'NameTooLong',
      ENOENT: 'NotFound',
      ENOTDIR: 'ParentMissing',
      EEXIST: 'Exists',
      ENOTEMPTY: 'Exists',
      EISDIR: 'IsDirectory',
      EACCES: 'PermissionDenied',
      EPERM: 'PermissionDenied',
      EROFS: 'PermissionDenied',
      ENOSPC: 'StorageError',
      EIO: 'StorageError'
    };
    for (const [errno, code] of Object.entries(expected)) {
      const err = errnoError(errno);
      assert.ok(isFsError(err));
      const mapped = fsFailure(err, '/data/x');
      assert.equal(mapped.code, code, errno);
      assert.ok(mapped.message.includes('/data/x'), mapped.message);
      assert.ok(!mapped.message.includes(hostPath), mapped.message);
    }
    assert.ok(!isFsError(new TypeError('a bug')));
  });

  it("should answer a route's unexpected error with a 500 that quotes no message", async () => {
    const router = new Router({
      onBadJson: () => {
        throw new Error('unused');
      },
      onNotFound: () => {
        throw new Error('unused');
      }
    });
    router.add('GET', '/boom', () => {
      throw errnoError('EIO');
    });
    const svc = await startService('test', router);
    try {
      const res = await readResponse(await fetch(`${svc.url}/boom`));
      assert.equal(res.status, 500);
      assert.ok(!res.text.includes(hostPath), res.text);
      assert.equal(res.body.message, 'Emulator internal error (EIO)');
    } finally {
      await svc.close();
    }
  });
});
