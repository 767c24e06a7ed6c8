// Unit tests of the transfer dialog's and the Activity view's UI-free models (issue #17:
// src/model/transfer-model.ts and activity-model.ts) under jest, with the ONE HTTP
// module replaced through jest.mock (./api-mock.js): the checks made before a submit,
// the submission id fetched once and reused by every retry, the remembered options, the
// paged and filtered list, one task's detail, cancel, and the Poll (5 s, backoff).
import assert from 'node:assert/strict';

import { GlobusKitApiError } from '../../src/api';
import {
  TransferSubmission,
  validateTransfer,
  rememberable,
  requestOptions,
  destinationOf,
  parentFolder,
  startFixLogin,
  DEFAULT_TRANSFER_OPTIONS
} from '../../src/model/transfer-model';
import { ActivityModel, timeLeft, optionsOfTask, specOfTask } from '../../src/model/activity-model';
import { resetStub, stub } from './api-mock';

jest.mock('../../src/api', () =>
  jest.requireActual('./api-mock').mockApi(jest.requireActual('../../src/api'))
);

const A = 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01';
const B = '9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2';
const SID = '11111111-2222-4333-8444-555555555555';
const spec = (over = {}) => ({
  source: { collection: A, path: '/data/' },
  destination: { collection: B, path: '/in/' },
  items: ['/data/a.csv', '/data/sub/'],
  ...over
});
const calls = name => stub.calls.filter(c => c.name === name);

beforeEach(() => resetStub());

describe('validateTransfer', () => {
  it('should accept a plain transfer between two collections', () => {
    assert.equal(validateTransfer(spec(), {}), null);
  });
  it('should refuse no items and no destination with their codes', () => {
    assert.equal(validateTransfer(spec({ items: [] }), {}).code, 'NO_ITEMS');
    assert.equal(
      validateTransfer(spec({ destination: { collection: '', path: '' } }), {}).code,
      'NO_DESTINATION'
    );
  });
  it('should refuse a folder into itself on the same collection, as the server does', () => {
    const same = spec({ destination: { collection: A, path: '/data/sub/' } });
    const problem = validateTransfer(same, {});
    assert.equal(problem.code, 'OVERLAPPING_PATHS');
    assert.match(problem.message, /\/data\/sub\/ and \/data\/sub\/sub\/ overlap/);
    // Into the folder it already sits in: a.csv onto itself.
    const parent = spec({ destination: { collection: A, path: '/data/' } });
    assert.equal(validateTransfer(parent, {}).code, 'OVERLAPPING_PATHS');
    // Another folder of the same collection is fine.
    assert.equal(
      validateTransfer(spec({ destination: { collection: A, path: '/other/' } }), {}),
      null
    );
  });
  it('should check the label, the deadline and delete-extra with files', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    assert.equal(validateTransfer(spec(), { label: ' x' }, now).code, 'BAD_LABEL');
    assert.equal(validateTransfer(spec(), { label: 'a\nb' }, now).code, 'BAD_LABEL');
    assert.equal(validateTransfer(spec(), { label: 'x'.repeat(129) }, now).code, 'BAD_LABEL');
    assert.equal(validateTransfer(spec(), { deadline: 'soon' }, now).code, 'BAD_DEADLINE');
    assert.equal(validateTransfer(spec(), { deadline: '2025-12-31' }, now).code, 'BAD_DEADLINE');
    assert.equal(validateTransfer(spec(), { deadline: '2030-01-31 09:30' }, now), null);
    assert.equal(
      validateTransfer(spec(), { delete_destination_extra: true }, now).code,
      'DELETE_NEEDS_FOLDERS'
    );
    assert.equal(
      validateTransfer(spec({ items: ['/data/sub/'] }), { delete_destination_extra: true }, now),
      null
    );
  });
  it('should place an item under the destination folder', () => {
    assert.equal(destinationOf('/data/sub/', '/in'), '/in/sub/');
    assert.equal(destinationOf('/data/a.csv', '/in/'), '/in/a.csv');
  });
});

describe('remembered options', () => {
  it('should keep the switches and the sync level, never the label or deadline', () => {
    const kept = rememberable({
      label: 'run 1',
      deadline: '2030-01-01',
      sync_level: 'mtime',
      encrypt_data: true,
      verify_checksum: false,
      evil: '<img>',
      skip_source_errors: 'yes'
    });
    assert.deepEqual(kept, { sync_level: 'mtime', encrypt_data: true, verify_checksum: false });
    assert.deepEqual(rememberable(null), {});
    assert.deepEqual(rememberable(['x']), {});
    assert.deepEqual(rememberable({ sync_level: 'sometimes' }), {});
  });
  it('should send every default (verify on) plus the label and deadline when set', () => {
    const sent = requestOptions({ label: 'L', sync_level: 'size', deadline: ' 2030-01-01 ' });
    assert.equal(sent.verify_checksum, true);
    assert.equal(sent.notify_on_failed, true);
    assert.equal(sent.sync_level, 'size');
    assert.equal(sent.label, 'L');
    assert.equal(sent.deadline, '2030-01-01');
    assert.equal(DEFAULT_TRANSFER_OPTIONS.verify_checksum, true);
    assert.equal('label' in requestOptions({}), false);
  });
});

describe('TransferSubmission', () => {
  it('should fetch a submission id once and reuse it on a retry (exactly once)', async () => {
    let n = 0;
    stub.handlers.getSubmissionId = () => ({ submissionId: SID });
    stub.handlers.submitTransfer = request => {
      n++;
      if (n === 1) {
        throw new GlobusKitApiError('timed out', 'TIMEOUT', 504, {
          body: { code: 'TIMEOUT', message: 'timed out', submissionId: SID }
        });
      }
      return { code: 'Duplicate', taskId: 'task-1', submissionId: request.submission_id };
    };
    const submission = new TransferSubmission(spec());
    await assert.rejects(submission.submit({ label: 'L' }), { code: 'TIMEOUT' });
    assert.equal(submission.submissionId, SID);
    const answer = await submission.submit({ label: 'L' });
    assert.equal(answer.taskId, 'task-1');
    assert.equal(calls('getSubmissionId').length, 1, 'one submission id for both attempts');
    const sent = calls('submitTransfer').map(c => c.args[0].submission_id);
    assert.deepEqual(sent, [SID, SID]);
    const body = calls('submitTransfer')[1].args[0];
    assert.deepEqual(body.items, ['/data/a.csv', '/data/sub/']);
    assert.equal(body.options.label, 'L');
    assert.equal(body.options.verify_checksum, true);
  });
  it('should refuse an overlap before any request', async () => {
    const submission = new TransferSubmission(
      spec({ destination: { collection: A, path: '/data/sub/' } })
    );
    await assert.rejects(submission.submit({}), { code: 'OVERLAPPING_PATHS' });
    assert.equal(stub.calls.length, 0);
  });
  it('should expose the consent URL of CONSENT_REQUIRED (the one-click fix)', async () => {
    stub.handlers.getSubmissionId = () => ({ submissionId: SID });
    stub.handlers.submitTransfer = () => {
      throw new GlobusKitApiError('consent needed', 'CONSENT_REQUIRED', 403, {
        body: {
          code: 'CONSENT_REQUIRED',
          message: 'consent needed',
          consentUrl: 'https://auth.example/consent',
          submissionId: SID
        }
      });
    };
    const submission = new TransferSubmission(spec());
    await assert.rejects(submission.submit({}), { code: 'CONSENT_REQUIRED' });
    assert.equal(submission.consentUrl, 'https://auth.example/consent');
  });
});

describe('the missing destination folder (#17)', () => {
  const notFound = (globusCode, code = 'API_ERROR') =>
    new GlobusKitApiError('missing', code, code === 'NOT_FOUND' ? 404 : 502, {
      body: { code, message: 'missing', globusCode }
    });
  it('should call the destination missing only on NOT_FOUND', async () => {
    stub.handlers.ls = () => {
      throw notFound('ClientError.NotFound', 'NOT_FOUND');
    };
    assert.equal(await new TransferSubmission(spec()).destinationMissing(), true);
    assert.deepEqual(calls('ls')[0].args.slice(0, 2), [B, '/in/']);
    stub.handlers.ls = () => {
      throw new GlobusKitApiError('consent', 'CONSENT_REQUIRED', 403);
    };
    assert.equal(await new TransferSubmission(spec()).destinationMissing(), false);
    stub.handlers.ls = () => ({ entries: [] });
    assert.equal(await new TransferSubmission(spec()).destinationMissing(), false);
  });
  it('should create the missing parents first, top down, and accept one made meanwhile', async () => {
    const existing = new Set(['/']);
    stub.handlers.mkdir = (collection, path) => {
      assert.equal(collection, B);
      const parent = parentFolder(path);
      if (path === '/in/a/' && existing.has(parent)) {
        existing.add(path); // made by someone else meanwhile: Exists
        throw notFound('ExternalError.MkdirFailed.Exists');
      }
      if (parent && !existing.has(parent)) {
        throw notFound('ExternalError.MkdirFailed.NotFound');
      }
      existing.add(path);
      return { code: 'DirectoryCreated' };
    };
    const submission = new TransferSubmission(
      spec({ destination: { collection: B, path: '/in/a/b/c/' } })
    );
    await submission.createDestination();
    assert.ok(existing.has('/in/a/b/c/'));
    assert.deepEqual(
      calls('mkdir').map(c => c.args[1]),
      ['/in/a/b/c/', '/in/a/b/', '/in/a/', '/in/', '/in/a/', '/in/a/b/', '/in/a/b/c/']
    );
  });
  it('should stop on another error and never climb above the home or the root', async () => {
    stub.handlers.mkdir = () => {
      throw new GlobusKitApiError('denied', 'FORBIDDEN', 403);
    };
    await assert.rejects(
      new TransferSubmission(
        spec({ destination: { collection: B, path: '/x/y/' } })
      ).createDestination(),
      { code: 'FORBIDDEN' }
    );
    assert.equal(calls('mkdir').length, 1);
    assert.equal(parentFolder('/~/'), null);
    assert.equal(parentFolder('/'), null);
    assert.equal(parentFolder('/~/data/'), '/~/');
    assert.equal(parentFolder('/a/b'), '/a/');
  });
});

describe('the login that fixes a submit (#17)', () => {
  const failWith = (code, body) => {
    stub.handlers.getSubmissionId = () => ({ submissionId: SID });
    stub.handlers.submitTransfer = () => {
      throw new GlobusKitApiError('refused', code, 403, { body: { code, message: 'x', ...body } });
    };
  };
  it('should offer a fresh login with the parameters of SESSION_REQUIRED', async () => {
    const params = { session_required_single_domain: ['globusid.org'], session_message: 'HA' };
    failWith('SESSION_REQUIRED', { authorizationParameters: params });
    const submission = new TransferSubmission(spec());
    await assert.rejects(submission.submit({}), { code: 'SESSION_REQUIRED' });
    assert.deepEqual(submission.loginFix, { authorizationParameters: params });
    assert.equal(submission.consentUrl, null);
    stub.handlers.requestAPI = () => ({ url: 'https://auth.example/authorize?x=1' });
    assert.equal(await startFixLogin(submission.loginFix), 'https://auth.example/authorize?x=1');
    const [path, init] = calls('requestAPI')[0].args;
    assert.equal(path, 'login');
    assert.equal(init.method, 'POST');
    assert.deepEqual(JSON.parse(init.body), { authorizationParameters: params });
  });
  it('should offer a step-up login with the scopes of CONSENT_REQUIRED, none otherwise', async () => {
    failWith('CONSENT_REQUIRED', { requiredScopes: ['s[d]'], consentUrl: 'https://a/c' });
    const submission = new TransferSubmission(spec());
    await assert.rejects(submission.submit({}));
    assert.deepEqual(submission.loginFix, { addScopes: ['s[d]'] });
    failWith('FORBIDDEN', {});
    const other = new TransferSubmission(spec());
    await assert.rejects(other.submit({}));
    assert.equal(other.loginFix, null);
    failWith('SESSION_REQUIRED', {});
    const bare = new TransferSubmission(spec());
    await assert.rejects(bare.submit({}));
    assert.equal(bare.loginFix, null, 'no parameters, no login to offer');
  });
});

describe('specOfTask: resubmit a task not from this session (#17)', () => {
  const doc = (over = {}) => ({
    task_id: 't1',
    type: 'TRANSFER',
    status: 'SUCCEEDED',
    source_endpoint_id: A,
    destination_endpoint_id: B,
    source_endpoint_display_name: 'Source',
    destination_endpoint_display_name: 'Dest',
    ...over
  });
  it('should rebuild files and folders under one source and one destination folder', () => {
    const spec = specOfTask(doc(), [
      { source_path: '/data/src/one.txt', destination_path: '/in/one.txt' },
      { source_path: '/data/src/sub/inner.txt', destination_path: '/in/sub/inner.txt' },
      { source_path: '/data/src/sub/deep/x.txt', destination_path: '/in/sub/deep/x.txt' },
      { source_path: '/data/src/locked.txt', destination_path: '/in/locked.txt' }
    ]);
    assert.deepEqual(spec, {
      source: { collection: A, path: '/data/src/', name: 'Source' },
      destination: { collection: B, path: '/in/', name: 'Dest' },
      items: ['/data/src/locked.txt', '/data/src/one.txt', '/data/src/sub/']
    });
  });
  it('should say why when it cannot: a delete, no file list, files from different folders', () => {
    assert.equal(specOfTask(doc({ type: 'DELETE' }), []).code, 'NOT_A_TRANSFER');
    assert.equal(specOfTask(doc(), []).code, 'NO_FILE_LIST');
    const files = [{ source_path: '/a/f.txt', destination_path: '/b/f.txt' }];
    assert.equal(specOfTask(doc({ history_deleted: true }), files).code, 'NO_FILE_LIST');
    assert.equal(
      specOfTask(doc(), [
        { source_path: '/a/f.txt', destination_path: '/b/f.txt' },
        { source_path: '/a/g.txt', destination_path: '/c/g.txt' }
      ]).code,
      'MIXED_FOLDERS'
    );
    assert.match(specOfTask(doc(), []).message, /items are unknown/);
  });
  it('should read every page of copied files and the skipped errors', async () => {
    stub.handlers.getSuccessfulTransfers = (id, marker) =>
      marker === 'm2'
        ? { transfers: [{ source_path: '/s/b', destination_path: '/d/b' }], nextMarker: null }
        : { transfers: [{ source_path: '/s/a', destination_path: '/d/a' }], nextMarker: 'm2' };
    stub.handlers.getSkippedErrors = () => ({
      errors: [
        { source_path: '/s/c', destination_path: '/d/c', error_code: 'PERMISSION_DENIED' },
        { source_path: '/s/dir/', destination_path: '/d/dir/', is_directory: true }
      ]
    });
    const model = new ActivityModel({ standby: 'never' });
    const files = await model.filesOfTask('t1');
    assert.deepEqual(
      files.map(f => f.source_path),
      ['/s/a', '/s/b', '/s/c']
    );
    assert.deepEqual(specOfTask(doc(), files).items, ['/s/a', '/s/b', '/s/c']);
    model.dispose();
  });
});

const task = (id, status, over = {}) => ({
  task_id: id,
  type: 'TRANSFER',
  status,
  label: id,
  files: 10,
  files_transferred: 5,
  bytes_transferred: 500,
  effective_bytes_per_second: 100,
  ...over
});

describe('ActivityModel', () => {
  it('should page and filter the list through listActivity', async () => {
    stub.handlers.listActivity = ({ offset, limit }) => ({
      total: 60,
      offset,
      limit,
      tasks: [task(`t${offset}`, 'SUCCEEDED')]
    });
    const model = new ActivityModel({ pageSize: 25, standby: 'never' });
    await model.refresh();
    assert.equal(model.pageCount, 3);
    await model.goToPage(2);
    assert.equal(model.tasks[0].task_id, 't50');
    await model.goToPage(9);
    assert.equal(model.page, 2, 'clamped to the last page');
    await model.setFilter({ status: ['FAILED'], type: ['TRANSFER'], label: ' run ' });
    const last = calls('listActivity').at(-1).args[0];
    assert.deepEqual(last, {
      limit: 25,
      offset: 0,
      status: ['FAILED'],
      type: ['TRANSFER'],
      label: 'run'
    });
    model.dispose();
  });
  it('should keep the last error and throw it (so the Poll backs off)', async () => {
    stub.handlers.listActivity = () => {
      throw new Error('down');
    };
    const model = new ActivityModel({ standby: 'never' });
    await assert.rejects(model.refresh(), /down/);
    assert.equal(model.error.message, 'down');
    model.dispose();
  });
  it('should load a task detail with events, skipped errors, files and pause info', async () => {
    stub.handlers.getTaskDetail = id => task(id, 'ACTIVE', { is_paused: true, sync_level: 2 });
    stub.handlers.getTaskEvents = () => ({
      total: 2,
      events: [
        { code: 'PERMISSION_DENIED', is_error: true, description: 'denied' },
        { code: 'STARTED', is_error: false }
      ]
    });
    stub.handlers.getSkippedErrors = () => ({ errors: [{ error_code: 'X', source_path: '/a' }] });
    let page = 0;
    stub.handlers.getSuccessfulTransfers = () => {
      page++;
      return {
        transfers: [{ source_path: `/s${page}`, destination_path: `/d${page}` }],
        nextMarker: page === 1 ? 1 : null
      };
    };
    stub.handlers.getPauseInfo = () => ({ pause_rules: [], source_pause_message: 'maint' });
    const model = new ActivityModel({ standby: 'never' });
    await model.openTask('t1');
    const d = model.detail;
    assert.equal(d.events[0].is_error, true);
    assert.equal(d.skipped.length, 1);
    assert.equal(d.pause.source_pause_message, 'maint');
    assert.equal(d.transfersNext, 1);
    await model.moreTransfers();
    assert.deepEqual(
      model.detail.transfers.map(t => t.source_path),
      ['/s1', '/s2']
    );
    assert.equal(model.detail.transfersNext, null);
    assert.equal(optionsOfTask(d.task).sync_level, 'mtime');
    model.dispose();
  });
  it('regression #17: opening another task clears the previous detail at once', async () => {
    let release;
    const gate = new Promise(r => (release = r));
    stub.handlers.getTaskDetail = async id => {
      if (id === 't2') await gate;
      return task(id, 'FAILED');
    };
    stub.handlers.getTaskEvents = () => ({ total: 0, events: [] });
    stub.handlers.getSkippedErrors = () => ({ errors: [] });
    stub.handlers.getSuccessfulTransfers = () => ({ transfers: [], nextMarker: null });
    const model = new ActivityModel({ standby: 'never' });
    await model.openTask('t1');
    assert.equal(model.detail.task.task_id, 't1');
    const opening = model.openTask('t2');
    assert.equal(model.detail, null, 't1 is not shown while t2 loads');
    release();
    await opening;
    assert.equal(model.detail.task.task_id, 't2');
    model.dispose();
  });
  it('should cancel and reload the list and the detail', async () => {
    let status = 'ACTIVE';
    stub.handlers.cancelTask = () => {
      status = 'FAILED';
      return { code: 'Canceled' };
    };
    stub.handlers.listActivity = () => ({ total: 1, tasks: [task('t1', status)] });
    stub.handlers.getTaskDetail = id => task(id, status);
    stub.handlers.getTaskEvents = () => ({ total: 0, events: [] });
    stub.handlers.getSkippedErrors = () => ({ errors: [] });
    stub.handlers.getSuccessfulTransfers = () => ({ transfers: [], nextMarker: null });
    const model = new ActivityModel({ standby: 'never' });
    await model.openTask('t1');
    await model.cancel('t1');
    assert.equal(calls('cancelTask')[0].args[0], 't1');
    assert.equal(model.tasks[0].status, 'FAILED');
    assert.equal(model.detail.task.status, 'FAILED');
    model.dispose();
  });
  it('should poll the list on its interval, with backoff after an error', async () => {
    let fail = true;
    stub.handlers.listActivity = () => {
      if (fail) throw new Error('down');
      return { total: 1, tasks: [task('t1', 'ACTIVE')] };
    };
    const model = new ActivityModel({ interval: 0.05, standby: 'never' });
    const ticks = [];
    model.poll.ticked.connect((_, state) => ticks.push(state));
    await model.start();
    const deadline = Date.now() + 3000;
    while (ticks.filter(s => s.phase === 'rejected').length < 2 && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 20));
    }
    const rejected = ticks.filter(s => s.phase === 'rejected');
    assert.ok(rejected.length >= 2, 'two failed ticks');
    // Lumino draws each backoff at random between the interval and 3× the last one, so the
    // growth itself is not asserted; the settings that ask for it are (below).
    fail = false;
    const until = Date.now() + 3000;
    while (model.tasks.length === 0 && Date.now() < until) {
      await new Promise(r => setTimeout(r, 20));
    }
    assert.equal(model.tasks[0].task_id, 't1', 'a later tick loads the list');
    model.dispose();
    assert.equal(model.poll.isDisposed, true);
  });
  it('regression #17: start() asks for the list at once, not at a later timer', async () => {
    let calls = 0;
    stub.handlers.listActivity = () => {
      calls++;
      return { total: 1, tasks: [task('t1', 'SUCCEEDED')] };
    };
    // Fake timers: the poll's next tick (5 s) stays pending, and lumino's Poll.dispose()
    // leaves that timer set, which would hold jest's worker past the run.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    const model = new ActivityModel({ standby: 'never' });
    try {
      const started = model.start();
      // Before: the poll's first tick ran on a timer, after whatever the page did next.
      assert.equal(calls, 1, 'the list request left before start() returned');
      await started;
      await model.start(); // already polling: no second request
      assert.equal(calls, 1);
      assert.equal(model.poll.state.phase, 'started');
    } finally {
      model.dispose(); // a failed assertion must not leave the poll running
      jest.clearAllTimers();
      jest.useRealTimers();
    }
  });
  it('should poll every 5 s, back off up to 60 s and stand by while hidden by default', () => {
    const model = new ActivityModel();
    assert.deepEqual(model.poll.frequency, { interval: 5000, backoff: true, max: 60000 });
    assert.equal(model.poll.standby, 'when-hidden');
    model.dispose();
  });
  it('should estimate the time left from the rate and the files done', () => {
    assert.equal(timeLeft(task('t', 'ACTIVE')), 5); // 100 B/file × 5 files ÷ 100 B/s
    assert.equal(timeLeft(task('t', 'SUCCEEDED')), null);
    assert.equal(timeLeft(task('t', 'ACTIVE', { effective_bytes_per_second: 0 })), null);
  });
});
