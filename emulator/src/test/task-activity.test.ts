/**
 * What the transfer dialog and the activity view need from the task routes (issue #17),
 * over HTTP: every submission option reported back in the task document, a fault mid-task
 * (a file seeded as unreadable) as a PERMISSION_DENIED event, skipped errors under
 * `skip_source_errors` with marker paging, pause info, deadline expiry on the emulator
 * clock, and task update (label, deadline).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { GUEST_COLLECTION_ID, PUBLIC_COLLECTION_ID, WEATHER_DIR } from '../state/seed.js';
import { readResponse, startWorld, waitForTask, type IWorld } from './transfer-fixture.js';

/** Keys of a recorded skipped error (skipped_error_list.yaml). */
const skippedErrorKeys = [
  'DATA_TYPE',
  'checksum_algorithm',
  'destination_path',
  'error_code',
  'error_details',
  'error_time',
  'external_checksum',
  'is_delete_destination_extra',
  'is_directory',
  'is_symlink',
  'source_path'
];

async function submit(
  world: IWorld,
  fields: Record<string, unknown>
): Promise<{ status: number; body: Record<string, unknown> }> {
  const sub = await world.api('GET', '/submission_id');
  return world.api('POST', '/transfer', {
    body: {
      DATA_TYPE: 'transfer',
      submission_id: sub.body.value,
      source_endpoint: PUBLIC_COLLECTION_ID,
      destination_endpoint: GUEST_COLLECTION_ID,
      ...fields
    }
  });
}

async function admin(world: IWorld, method: string, path: string, body?: unknown) {
  return readResponse(
    await fetch(`${world.emu.urls.admin}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
  );
}

describe('Task activity routes', () => {
  let world: IWorld;
  before(async () => {
    world = await startWorld();
  });
  after(async () => {
    await world.close();
  });

  describe('POST /transfer options', () => {
    it('should report every submitted option back in the task document', async () => {
      const res = await submit(world, {
        label: 'all options',
        sync_level: 'checksum',
        verify_checksum: true,
        encrypt_data: true,
        preserve_timestamp: true,
        delete_destination_extra: true,
        skip_source_errors: true,
        fail_on_quota_errors: true,
        deadline: '2099-01-02 03:04:05+00:00',
        notify_on_succeeded: false,
        notify_on_failed: true,
        notify_on_inactive: false,
        DATA: [{ source_path: WEATHER_DIR, destination_path: '/opts/', recursive: true }]
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const task = await waitForTask(world, res.body.task_id as string);
      assert.equal(task.status, 'SUCCEEDED');
      assert.equal(task.label, 'all options');
      assert.equal(task.sync_level, 3);
      assert.equal(task.verify_checksum, true);
      assert.equal(task.encrypt_data, true);
      assert.equal(task.preserve_timestamp, true);
      assert.equal(task.delete_destination_extra, true);
      assert.equal(task.skip_source_errors, true);
      assert.equal(task.fail_on_quota_errors, true);
      assert.equal(task.deadline, '2099-01-02T03:04:05+00:00');
    });

    it('should default to the documented values', async () => {
      const res = await submit(world, {
        DATA: [{ source_path: `${WEATHER_DIR}1950.csv`, destination_path: '/defaults.csv' }]
      });
      const task = await waitForTask(world, res.body.task_id as string);
      assert.equal(task.sync_level, null);
      assert.equal(task.verify_checksum, false);
      assert.equal(task.encrypt_data, false);
      assert.equal(task.skip_source_errors, false);
      assert.equal(task.label, null);
    });

    it('should refuse a non-boolean notify option and a bad label', async () => {
      const item = [{ source_path: `${WEATHER_DIR}1950.csv`, destination_path: '/x.csv' }];
      const notify = await submit(world, { notify_on_failed: 'yes', DATA: item });
      assert.equal(notify.status, 400);
      assert.equal(notify.body.code, 'ClientError.BadRequest');
      assert.match(String(notify.body.message), /notify_on_failed/);
      for (const label of ['x'.repeat(129), 'two\nlines', ' padded']) {
        const bad = await submit(world, { label, DATA: item });
        assert.equal(bad.status, 400, label);
        assert.match(String(bad.body.message), /label/);
      }
    });
  });

  describe('GET /task_list label filter', () => {
    it('regression #17: should match a ~ label pattern ignoring case, as Transfer documents', async () => {
      const res = await submit(world, {
        label: 'Mixed Case Label',
        DATA: [{ source_path: `${WEATHER_DIR}1950.csv`, destination_path: '/case.csv' }]
      });
      const list = await world.api('GET', '/task_list', {
        query: { filter: 'label:~*mixed case*' }
      });
      assert.deepEqual(
        (list.body.DATA ?? []).map(t => t.task_id),
        [res.body.task_id]
      );
      const exact = await world.api('GET', '/task_list', {
        query: { filter: 'label:mixed case label' }
      });
      assert.equal(exact.body.total, 0, 'an exact match still minds case');
    });
  });

  describe('a fault mid-task', () => {
    it('should fail PERMISSION_DENIED with an error event after copying the earlier files', async () => {
      const seeded = await admin(
        world,
        'POST',
        `/seed/collections/${PUBLIC_COLLECTION_ID}/unreadable`,
        { paths: [`${WEATHER_DIR}1955.csv`] }
      );
      assert.equal(seeded.status, 201);
      assert.deepEqual(seeded.body.unreadable, [`${WEATHER_DIR}1955.csv`]);
      const res = await submit(world, {
        DATA: [{ source_path: WEATHER_DIR, destination_path: '/denied/', recursive: true }]
      });
      const task = await waitForTask(world, res.body.task_id as string);
      assert.equal(task.status, 'FAILED');
      assert.deepEqual(task.fatal_error, {
        code: 'PERMISSION_DENIED',
        description: 'permission denied'
      });
      assert.equal(task.faults, 1);
      assert.equal(task.files_transferred, 7, '1948 … 1954 were copied first');
      const events = await world.api('GET', `/task/${task.task_id}/event_list`, {
        query: { filter: 'is_error:1' }
      });
      assert.equal(events.body.total, 1);
      const fault = (events.body.DATA ?? [])[0];
      assert.equal(fault.code, 'PERMISSION_DENIED');
      assert.equal(fault.is_error, true);
      assert.match(String(fault.details), /File: \/portal\/catalog\/dataset_las\/1955\.csv/);
      assert.doesNotMatch(String(fault.details), new RegExp(world.emu.dataDir));
      const copied = await readdir(
        `${world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string}/denied`
      );
      assert.ok(!copied.includes('1955.csv'));
    });

    it('should refuse to seed a relative path or an unknown collection', async () => {
      const relative = await admin(
        world,
        'POST',
        `/seed/collections/${PUBLIC_COLLECTION_ID}/unreadable`,
        { paths: ['x.csv'] }
      );
      assert.equal(relative.status, 400);
      assert.equal(relative.body.field, 'paths');
      const unknown = await admin(
        world,
        'POST',
        '/seed/collections/00000000-0000-4000-8000-000000000000/unreadable',
        { paths: ['/x'] }
      );
      assert.equal(unknown.status, 404);
    });
  });

  describe('GET /task/<id>/skipped_errors', () => {
    it('should skip source errors, list them as recorded and page by marker', async () => {
      await admin(world, 'POST', `/seed/collections/${PUBLIC_COLLECTION_ID}/unreadable`, {
        paths: [`${WEATHER_DIR}1957.csv`]
      });
      const res = await submit(world, {
        skip_source_errors: true,
        DATA: [
          { source_path: `${WEATHER_DIR}1957.csv`, destination_path: '/skip/1957.csv' },
          { source_path: '/no/such-file.csv', destination_path: '/skip/missing.csv' },
          { source_path: `${WEATHER_DIR}1958.csv`, destination_path: '/skip/1958.csv' }
        ]
      });
      const task = await waitForTask(world, res.body.task_id as string);
      assert.equal(task.status, 'SUCCEEDED');
      assert.equal(task.subtasks_skipped_errors, 2);
      assert.equal(task.files_transferred, 1);
      const page = await world.api('GET', `/task/${task.task_id}/skipped_errors`);
      assert.equal(page.status, 200);
      assert.equal(page.body.DATA_TYPE, 'skipped_errors');
      assert.equal(page.body.next_marker, null);
      const items = page.body.DATA ?? [];
      assert.deepEqual(
        items.map(e => [e.error_code, e.source_path]),
        [
          ['FILE_NOT_FOUND', '/no/such-file.csv'],
          ['PERMISSION_DENIED', `${WEATHER_DIR}1957.csv`]
        ]
      );
      for (const item of items) assert.deepEqual(Object.keys(item).sort(), skippedErrorKeys);
      const second = await world.api('GET', `/task/${task.task_id}/skipped_errors`, {
        query: { marker: '1' }
      });
      assert.equal(second.body.marker, 1);
      assert.deepEqual(
        (second.body.DATA ?? []).map(e => e.error_code),
        ['PERMISSION_DENIED']
      );
      const bad = await world.api('GET', `/task/${task.task_id}/skipped_errors`, {
        query: { marker: '-1' }
      });
      assert.equal(bad.status, 400);
    });
  });

  describe('GET /task/<id>/pause_info', () => {
    it('should answer the pause_info_limited document, 404 for an unknown task', async () => {
      const res = await submit(world, {
        DATA: [{ source_path: `${WEATHER_DIR}1950.csv`, destination_path: '/pause.csv' }]
      });
      const info = await world.api('GET', `/task/${res.body.task_id as string}/pause_info`);
      assert.equal(info.status, 200);
      assert.deepEqual(info.body, {
        DATA_TYPE: 'pause_info_limited',
        pause_rules: [],
        source_pause_message: null,
        destination_pause_message: null,
        source_pause_message_share: null,
        destination_pause_message_share: null
      });
      const unknown = await world.api(
        'GET',
        '/task/00000000-0000-4000-8000-000000000000/pause_info'
      );
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'TaskNotFound');
    });
  });
});

describe('Task deadlines and updates (throttled)', () => {
  let world: IWorld;
  before(async () => {
    world = await startWorld({ transferRate: 8 * 1024 });
  });
  after(async () => {
    await world.close();
  });

  async function slowTask(label: string): Promise<string> {
    const res = await submit(world, {
      label,
      DATA: [{ source_path: WEATHER_DIR, destination_path: `/${label}/`, recursive: true }]
    });
    assert.equal(res.status, 202);
    return res.body.task_id as string;
  }

  it('should expire a task when the emulator clock passes its deadline', async () => {
    const taskId = await slowTask('expiring');
    const moved = await admin(world, 'POST', '/clock', { advanceMs: 25 * 3600 * 1000 });
    assert.equal(moved.status, 200);
    const task = (await world.api('GET', `/task/${taskId}`)).body;
    assert.equal(task.status, 'FAILED');
    assert.deepEqual(task.fatal_error, { code: 'EXPIRED', description: 'expired' });
    assert.ok((task.subtasks_expired as number) > 0);
    assert.equal(task.subtasks_pending, 0);
    assert.equal(task.nice_status, null);
    const events = (await world.api('GET', `/task/${taskId}/event_list`)).body.DATA ?? [];
    assert.equal(events[0].code, 'EXPIRED');
    assert.equal(events[0].is_error, true);
    // No partial file stays under a final name, or as a temporary file, once it has stopped.
    await new Promise(r => setTimeout(r, 300));
    const names = await readdir(
      `${world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string}/expiring`
    ).catch(() => [] as string[]);
    assert.ok(!names.some(n => n.includes('.part-')), names.join(','));
  });

  it('should update label and deadline while running, and expire at the new deadline', async () => {
    const taskId = await slowTask('updating');
    const put = await world.api('PUT', `/task/${taskId}`, {
      body: { DATA_TYPE: 'task', label: 'renamed' }
    });
    assert.equal(put.status, 200);
    assert.equal(put.body.code, 'Updated');
    assert.equal((await world.api('GET', `/task/${taskId}`)).body.label, 'renamed');
    const badLabel = await world.api('PUT', `/task/${taskId}`, {
      body: { DATA_TYPE: 'task', label: 'a\nb' }
    });
    assert.equal(badLabel.status, 400);
    const other = await world.api('PUT', `/task/${taskId}`, {
      body: { DATA_TYPE: 'task', sync_level: 1 }
    });
    assert.equal(other.status, 400);
    const now = (await admin(world, 'GET', '/clock')).body.now as number;
    const soon = new Date(now + 60_000).toISOString().slice(0, 19) + '+00:00';
    const upd = await world.api('PUT', `/task/${taskId}`, {
      body: { DATA_TYPE: 'task', deadline: soon }
    });
    assert.equal(upd.status, 200);
    assert.equal((await world.api('GET', `/task/${taskId}`)).body.status, 'ACTIVE');
    await admin(world, 'POST', '/clock', { advanceMs: 61_000 });
    const task = (await world.api('GET', `/task/${taskId}`)).body;
    assert.equal(task.status, 'FAILED');
    assert.deepEqual(task.fatal_error, { code: 'EXPIRED', description: 'expired' });
    const done = await world.api('PUT', `/task/${taskId}`, {
      body: { DATA_TYPE: 'task', label: 'too late' }
    });
    assert.equal(done.status, 409);
  });

  it('should list an expired task as FAILED in task_list', async () => {
    // A submitted deadline (the clock moved 25 h already; tokens live 48 h).
    const now = (await admin(world, 'GET', '/clock')).body.now as number;
    const res = await submit(world, {
      deadline: new Date(now + 30_000).toISOString(),
      DATA: [{ source_path: WEATHER_DIR, destination_path: '/listed/', recursive: true }]
    });
    const taskId = res.body.task_id as string;
    await admin(world, 'POST', '/clock', { advanceMs: 31_000 });
    const list = await world.api('GET', '/task_list', {
      query: { filter: `task_id:${taskId}` }
    });
    assert.equal(list.status, 200, list.text);
    assert.equal((list.body.DATA ?? [])[0]?.status, 'FAILED', list.text);
  });
});
