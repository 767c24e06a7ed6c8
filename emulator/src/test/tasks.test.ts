/**
 * Transfer and delete tasks end to end: bytes really move between collection folders, the
 * counters add up, submission ids deduplicate, sync levels skip, cancel ends FAILED with
 * CANCELED and leaves no partial file, events are newest first, successful transfers page
 * by marker, and task_list filters and pages.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  COLLEAGUE_IDENTITY_ID,
  GUEST_COLLECTION_ID,
  MAPPED_COLLECTION_ID,
  PUBLIC_COLLECTION_ID,
  WEATHER_DIR
} from '../state/seed.js';
import { startWorld, waitForTask, type IWorld } from './transfer-fixture.js';

/** Keys of a recorded task document (task_list.yaml plus `key` from submit_delete_*.yaml). */
const recordedTaskKeys = [
  'bytes_checksummed',
  'bytes_transferred',
  'canceled_by_admin',
  'canceled_by_admin_message',
  'command',
  'completion_time',
  'deadline',
  'delete_destination_extra',
  'destination_endpoint',
  'destination_endpoint_display_name',
  'destination_endpoint_id',
  'directories',
  'effective_bytes_per_second',
  'encrypt_data',
  'fail_on_quota_errors',
  'fatal_error',
  'faults',
  'files',
  'files_skipped',
  'files_transferred',
  'filter_rules',
  'history_deleted',
  'is_ok',
  'is_paused',
  'key',
  'label',
  'nice_status',
  'nice_status_details',
  'nice_status_expires_in',
  'nice_status_short_description',
  'owner_id',
  'preserve_timestamp',
  'recursive_symlinks',
  'request_time',
  'skip_source_errors',
  'source_endpoint',
  'source_endpoint_display_name',
  'source_endpoint_id',
  'status',
  'subtasks_canceled',
  'subtasks_expired',
  'subtasks_failed',
  'subtasks_pending',
  'subtasks_retrying',
  'subtasks_skipped_errors',
  'subtasks_succeeded',
  'subtasks_total',
  'symlinks',
  'sync_level',
  'task_id',
  'type',
  'username',
  'verify_checksum'
];

async function submitTransfer(
  world: IWorld,
  fields: Record<string, unknown>,
  token = world.transfer
): Promise<{ status: number; body: Record<string, unknown> }> {
  const sub = await world.api('GET', '/submission_id', { token });
  return world.api('POST', '/transfer', {
    token,
    body: {
      DATA_TYPE: 'transfer',
      submission_id: sub.body.value,
      source_endpoint: PUBLIC_COLLECTION_ID,
      destination_endpoint: GUEST_COLLECTION_ID,
      ...fields
    }
  });
}

async function submitDelete(
  world: IWorld,
  fields: Record<string, unknown>
): Promise<{ status: number; body: Record<string, unknown> }> {
  const sub = await world.api('GET', '/submission_id');
  return world.api('POST', '/delete', {
    body: {
      DATA_TYPE: 'delete',
      submission_id: sub.body.value,
      endpoint: GUEST_COLLECTION_ID,
      ...fields
    }
  });
}

async function weatherBytes(world: IWorld): Promise<number> {
  const dir = join(
    world.emu.collections.rootOf(PUBLIC_COLLECTION_ID) as string,
    ...WEATHER_DIR.split('/')
  );
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

describe('TaskEngine', () => {
  let world: IWorld;
  let guestRoot: string;
  before(async () => {
    world = await startWorld();
    guestRoot = world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string;
  });
  after(async () => {
    await world.close();
  });

  describe('#submitTransfer', () => {
    it('should copy a directory recursively and end SUCCEEDED with the documented counters', async () => {
      const res = await submitTransfer(world, {
        label: 'weather copy',
        verify_checksum: true,
        DATA: [
          {
            DATA_TYPE: 'transfer_item',
            source_path: WEATHER_DIR,
            destination_path: '/copy/',
            recursive: true
          }
        ]
      });
      assert.equal(res.status, 202);
      assert.equal(res.body.DATA_TYPE, 'transfer_result');
      assert.equal(res.body.code, 'Accepted');
      assert.equal(res.body.resource, '/transfer');
      const taskId = res.body.task_id as string;
      assert.deepEqual(res.body.task_link, {
        DATA_TYPE: 'link',
        href: `task/${taskId}?format=json`,
        rel: 'related',
        resource: 'task',
        title: 'related task'
      });
      const early = (await world.api('GET', `/task/${taskId}`)).body;
      assert.equal(early.status, 'ACTIVE');
      assert.equal(early.is_ok, true);
      assert.equal(early.nice_status_expires_in, -1);

      const task = await waitForTask(world, taskId);
      const bytes = await weatherBytes(world);
      assert.equal(task.status, 'SUCCEEDED');
      assert.equal(task.type, 'TRANSFER');
      assert.equal(task.label, 'weather copy');
      assert.equal(task.files, 14, '13 CSVs and a README');
      assert.equal(task.directories, 1);
      assert.equal(task.files_transferred, 14);
      assert.equal(task.files_skipped, 0);
      assert.equal(task.bytes_transferred, bytes);
      assert.equal(task.bytes_checksummed, bytes);
      assert.equal(task.subtasks_total, 16);
      assert.equal(task.subtasks_succeeded, 16);
      assert.equal(task.subtasks_pending, 0);
      assert.equal(task.fatal_error, null);
      assert.equal(task.nice_status, null);
      assert.equal(task.is_ok, null);
      assert.match(String(task.completion_time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
      assert.match(String(task.key), /^complete,/);
      assert.equal(task.source_endpoint_id, PUBLIC_COLLECTION_ID);
      assert.equal(task.destination_endpoint_id, GUEST_COLLECTION_ID);
      const missing = recordedTaskKeys.filter(k => !(k in task));
      assert.deepEqual(missing, []);

      const src = join(
        world.emu.collections.rootOf(PUBLIC_COLLECTION_ID) as string,
        'portal/catalog/dataset_las/1952.csv'
      );
      assert.deepEqual(await readFile(join(guestRoot, 'copy/1952.csv')), await readFile(src));
      assert.ok(!(await readdir(join(guestRoot, 'copy'))).some(n => n.includes('.part-')));
    });

    it('should return Duplicate for a reused submission_id without a second task', async () => {
      const sub = (await world.api('GET', '/submission_id')).body.value as string;
      assert.equal((await world.api('GET', '/submission_id')).body.DATA_TYPE, 'submission_id');
      const body = {
        DATA_TYPE: 'transfer',
        submission_id: sub,
        source_endpoint: PUBLIC_COLLECTION_ID,
        destination_endpoint: GUEST_COLLECTION_ID,
        DATA: [{ source_path: `${WEATHER_DIR}1952.csv`, destination_path: '/dup.csv' }]
      };
      const first = await world.api('POST', '/transfer', { body });
      const second = await world.api('POST', '/transfer', { body });
      assert.equal(first.body.code, 'Accepted');
      assert.equal(second.status, 200);
      assert.equal(second.body.code, 'Duplicate');
      assert.equal(second.body.task_id, first.body.task_id);
      const list = await world.api('GET', '/task_list', {
        query: { filter: `task_id:${first.body.task_id}` }
      });
      assert.equal(list.body.total, 1);
      await waitForTask(world, first.body.task_id as string);
    });

    it('should skip files already in sync and copy changed ones (sync_level)', async () => {
      const item = { source_path: WEATHER_DIR, destination_path: '/copy/', recursive: true };
      const same = await waitForTask(
        world,
        (await submitTransfer(world, { sync_level: 'size', DATA: [item] })).body.task_id as string
      );
      assert.equal(same.files_skipped, 14);
      assert.equal(same.files_transferred, 0);
      assert.equal(same.sync_level, 1);
      const file = join(guestRoot, 'copy/1953.csv');
      const size = (await stat(file)).size;
      await writeFile(file, 'x'.repeat(size));
      const checksum = await waitForTask(
        world,
        (await submitTransfer(world, { sync_level: 3, DATA: [item] })).body.task_id as string
      );
      assert.equal(checksum.files_transferred, 1, 'only the changed file moves');
      assert.equal(checksum.files_skipped, 13);
      assert.notEqual((await readFile(file, 'utf8'))[0], 'x');
    });

    it('should fail a task whose destination is not writable with PERMISSION_DENIED', async () => {
      const res = await submitTransfer(world, {
        source_endpoint: GUEST_COLLECTION_ID,
        destination_endpoint: PUBLIC_COLLECTION_ID,
        DATA: [{ source_path: '/copy/1952.csv', destination_path: '/stolen.csv' }]
      });
      const task = await waitForTask(world, res.body.task_id as string);
      assert.equal(task.status, 'FAILED');
      assert.deepEqual(task.fatal_error, {
        code: 'PERMISSION_DENIED',
        description: 'permission denied'
      });
      assert.equal(task.faults, 1);
      const events = (await world.api('GET', `/task/${task.task_id}/event_list`)).body.DATA ?? [];
      assert.equal(events[0].code, 'PERMISSION_DENIED');
      assert.equal(events[0].is_error, true);
    });

    it('should refuse empty submissions and require consent on mapped collections', async () => {
      const empty = await submitTransfer(world, { DATA: [] });
      assert.equal(empty.status, 400);
      assert.equal(empty.body.code, 'ClientError.BadRequest.NoTransferItems');
      assert.equal(empty.body.message, 'A transfer requires at least one item');
      const item = [{ source_path: `${WEATHER_DIR}1952.csv`, destination_path: '/~/1952.csv' }];
      const denied = await submitTransfer(world, {
        destination_endpoint: MAPPED_COLLECTION_ID,
        DATA: item
      });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.code, 'ConsentRequired');
      const ok = await submitTransfer(
        world,
        { destination_endpoint: MAPPED_COLLECTION_ID, DATA: item },
        world.transferConsented
      );
      assert.equal(ok.status, 202);
      const task = await waitForTask(world, ok.body.task_id as string, world.transferConsented);
      assert.equal(task.status, 'SUCCEEDED');
      // The demo user (demo.researcher@globusid.org) maps to the local account demo.researcher.
      const home = 'demo.researcher';
      const mappedRoot = world.emu.collections.rootOf(MAPPED_COLLECTION_ID) as string;
      assert.ok((await stat(join(mappedRoot, 'home', home, '1952.csv'))).isFile());
    });
  });

  describe('#successfulTransfers', () => {
    it('should page the transferred files by marker until next_marker is null', async () => {
      await mkdir(join(guestRoot, 'many'), { recursive: true });
      for (let i = 0; i < 130; i++) await writeFile(join(guestRoot, 'many', `f${i}.txt`), `${i}\n`);
      const res = await submitTransfer(world, {
        source_endpoint: GUEST_COLLECTION_ID,
        DATA: [{ source_path: '/many/', destination_path: '/many-copy/', recursive: true }]
      });
      const taskId = res.body.task_id as string;
      assert.equal((await waitForTask(world, taskId)).files_transferred, 130);
      const paths: string[] = [];
      let marker = 0;
      for (let pages = 0; pages < 5; pages++) {
        const page = await world.api('GET', `/task/${taskId}/successful_transfers`, {
          query: { marker: String(marker) }
        });
        assert.equal(page.body.DATA_TYPE, 'successful_transfers');
        assert.equal(page.body.marker, marker);
        for (const t of page.body.DATA ?? []) {
          assert.equal(t.DATA_TYPE, 'successful_transfer');
          assert.match(String(t.destination_path), /^\/many-copy\/f\d+\.txt$/);
          paths.push(t.source_path as string);
        }
        if (page.body.next_marker === null) break;
        marker = page.body.next_marker as number;
      }
      assert.equal(paths.length, 130);
      assert.equal(new Set(paths).size, 130);
    });
  });

  describe('#submitDelete', () => {
    it('should delete recursively with the recorded result and counters', async () => {
      const res = await submitDelete(world, {
        recursive: true,
        DATA: [{ DATA_TYPE: 'delete_item', path: '/many-copy/' }]
      });
      assert.equal(res.status, 202);
      assert.deepEqual(Object.keys(res.body).sort(), [
        'DATA_TYPE',
        'code',
        'message',
        'request_id',
        'resource',
        'submission_id',
        'task_id',
        'task_link'
      ]);
      assert.equal(res.body.DATA_TYPE, 'delete_result');
      assert.equal(res.body.resource, '/delete');
      assert.equal(
        res.body.message,
        'The delete has been accepted and a task has been created and queued for execution'
      );
      const task = await waitForTask(world, res.body.task_id as string);
      assert.equal(task.status, 'SUCCEEDED');
      assert.equal(task.type, 'DELETE');
      assert.equal(task.files, 130);
      assert.equal(task.directories, 1);
      assert.equal(task.destination_endpoint_id, null);
      assert.equal(task.source_endpoint_id, GUEST_COLLECTION_ID);
      await assert.rejects(stat(join(guestRoot, 'many-copy')));
    });

    it('should fail on a missing path unless ignore_missing, and on a non-empty dir without recursive', async () => {
      const missing = await waitForTask(
        world,
        (await submitDelete(world, { DATA: [{ path: '/nope.txt' }] })).body.task_id as string
      );
      assert.equal(missing.status, 'FAILED');
      assert.deepEqual(missing.fatal_error, {
        code: 'FILE_NOT_FOUND',
        description: 'file not found'
      });
      const ignored = await waitForTask(
        world,
        (await submitDelete(world, { ignore_missing: true, DATA: [{ path: '/nope.txt' }] })).body
          .task_id as string
      );
      assert.equal(ignored.status, 'SUCCEEDED');
      const notEmpty = await waitForTask(
        world,
        (await submitDelete(world, { DATA: [{ path: '/many/' }] })).body.task_id as string
      );
      assert.equal(notEmpty.status, 'FAILED');
      assert.ok((await stat(join(guestRoot, 'many'))).isDirectory());
    });
  });

  describe('#list', () => {
    it('should filter task_list by status and type and page with total', async () => {
      const all = await world.api('GET', '/task_list', { query: { limit: '100' } });
      assert.equal(all.body.DATA_TYPE, 'task_list');
      const total = all.body.total as number;
      assert.ok(total >= 8);
      const deletes = await world.api('GET', '/task_list', {
        query: { filter: 'type:DELETE', limit: '100' }
      });
      assert.ok((deletes.body.DATA ?? []).every(t => t.type === 'DELETE'));
      assert.equal(deletes.body.total, 4);
      const failed = await world.api('GET', '/task_list', {
        query: { filter: 'type:TRANSFER/status:FAILED' }
      });
      assert.equal(failed.body.total, 1);
      const page = await world.api('GET', '/task_list', { query: { limit: '2', offset: '1' } });
      assert.equal(page.body.length, 2);
      assert.equal(page.body.total, total);
      assert.equal(
        page.body.DATA?.[0].task_id,
        all.body.DATA?.[1].task_id,
        'newest first by default'
      );
      const colleague = await world.token(
        'urn:globus:auth:scope:transfer.api.globus.org:all',
        COLLEAGUE_IDENTITY_ID
      );
      assert.equal((await world.api('GET', '/task_list', { token: colleague })).body.total, 0);
      const foreign = await world.api('GET', `/task/${all.body.DATA?.[0].task_id}`, {
        token: colleague
      });
      assert.equal(foreign.status, 403);
      const unknown = await world.api('GET', '/task/00000000-0000-4000-8000-000000000000');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'TaskNotFound');
    });
  });
});

describe('TaskEngine (throttled)', () => {
  let world: IWorld;
  before(async () => {
    world = await startWorld({ transferRate: 64 * 1024 });
  });
  after(async () => {
    await world.close();
  });

  describe('#transferRate', () => {
    it('should not move bytes faster than the configured rate', async () => {
      const started = Date.now();
      const res = await submitTransfer(world, {
        DATA: [{ source_path: `${WEATHER_DIR}1952.csv`, destination_path: '/slow.csv' }]
      });
      const task = await waitForTask(world, res.body.task_id as string);
      const elapsed = (Date.now() - started) / 1000;
      assert.equal(task.status, 'SUCCEEDED');
      const expected = (task.bytes_transferred as number) / (64 * 1024);
      assert.ok(elapsed >= expected * 0.8, `took ${elapsed}s, expected about ${expected}s`);
    });
  });

  describe('#cancel', () => {
    it('should end FAILED with CANCELED, a CANCELED event first, and no partial file', async () => {
      const res = await submitTransfer(world, {
        DATA: [{ source_path: WEATHER_DIR, destination_path: '/cancelled/', recursive: true }]
      });
      const taskId = res.body.task_id as string;
      const deadline = Date.now() + 5000;
      for (;;) {
        const t = (await world.api('GET', `/task/${taskId}`)).body;
        if ((t.bytes_transferred as number) > 40_000) break;
        assert.ok(Date.now() < deadline, 'task makes progress');
        await new Promise(r => setTimeout(r, 50));
      }
      const cancel = await world.api('POST', `/task/${taskId}/cancel`);
      assert.equal(cancel.status, 200);
      assert.equal(cancel.body.DATA_TYPE, 'result');
      assert.equal(cancel.body.code, 'Canceled');
      assert.equal(cancel.body.message, 'The task has been cancelled successfully.');
      assert.equal(cancel.body.resource, `/task/${taskId}/cancel`);
      const task = (await world.api('GET', `/task/${taskId}`)).body;
      assert.equal(task.status, 'FAILED');
      assert.deepEqual(task.fatal_error, { code: 'CANCELED', description: 'canceled' });
      assert.ok((task.subtasks_canceled as number) > 0);
      assert.equal(task.subtasks_pending, 0);
      const bytes = task.bytes_transferred;
      await new Promise(r => setTimeout(r, 300));
      assert.equal(
        (await world.api('GET', `/task/${taskId}`)).body.bytes_transferred,
        bytes,
        'no bytes move after cancel'
      );

      const events = await world.api('GET', `/task/${taskId}/event_list`);
      assert.equal(events.body.DATA_TYPE, 'event_list');
      const list = events.body.DATA ?? [];
      assert.deepEqual(
        {
          code: list[0].code,
          description: list[0].description,
          details: list[0].details,
          is_error: list[0].is_error
        },
        {
          code: 'CANCELED',
          description: 'canceled',
          details: 'Canceled by the task owner',
          is_error: true
        }
      );
      assert.equal(list[list.length - 1].code, 'STARTED');
      const times = list.map(e => Date.parse(String(e.time)));
      assert.deepEqual(
        [...times].sort((a, b) => b - a),
        times,
        'newest first'
      );
      const errors = await world.api('GET', `/task/${taskId}/event_list`, {
        query: { filter: 'is_error:1' }
      });
      assert.ok((errors.body.DATA ?? []).every(e => e.is_error === true));
      assert.equal(errors.body.total, 1);

      const dir = join(world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string, 'cancelled');
      // The copy in flight stops and removes its temporary file after the cancel has
      // answered (on a loaded machine that took over 300 ms): wait for it, up to 5 s.
      let names = await readdir(dir);
      for (const end = Date.now() + 5000; names.some(n => n.startsWith('.')) && Date.now() < end;) {
        await new Promise(r => setTimeout(r, 50));
        names = await readdir(dir);
      }
      assert.ok(!names.some(n => n.startsWith('.')), `no temporary files left: ${names.join(',')}`);
      assert.ok(names.length < 14, 'the task stopped before copying everything');
      for (const name of names) {
        const src = join(
          world.emu.collections.rootOf(PUBLIC_COLLECTION_ID) as string,
          'portal/catalog/dataset_las',
          name
        );
        assert.equal(
          (await stat(join(dir, name))).size,
          (await stat(src)).size,
          `${name} is complete`
        );
      }
      const again = await world.api('POST', `/task/${taskId}/cancel`);
      assert.equal(again.body.code, 'TaskComplete');
    });
  });
});
