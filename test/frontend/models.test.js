// Unit tests of the frontend's UI-free models (src/model/) under jest, with the ONE HTTP
// module, src/api.ts, replaced through jest.mock (./api-mock.js). Offline, no browser: the
// models touch no DOM.
import assert from 'node:assert/strict';

import * as api from '../../src/api';
import {
  BrowserModel,
  FIRST_PAGE,
  MAX_ENTRIES,
  SCREEN_BLOCK,
  breadcrumbsOf,
  httpsUrlOf,
  sortEntries
} from '../../src/model/browser-model';
import { TasksModel, taskProgress } from '../../src/model/tasks-model';
import { ConsentModel } from '../../src/model/consent-model';
import {
  GlobusStatusModel,
  NO_HUB_TOKENS,
  problemTitle,
  tokenSection
} from '../../src/model/status-model';
import { visibleRange } from '../../src/model/virtual-range';
import {
  ResourceNames,
  healthLine,
  shortDuration,
  tokenHealth,
  tokenState
} from '../../src/model/token-health';
import * as snippets from '../../src/model/cell-snippets';
import { isCall, resetStub, stub } from './api-mock';

jest.mock('../../src/api', () =>
  jest.requireActual('./api-mock').mockApi(jest.requireActual('../../src/api'))
);

const COLLECTION = {
  id: 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01',
  display_name: 'Public',
  https_server: 'https://g-1234.data.globus.org'
};
const file = (name, size = 1, last_modified = '2024-01-01 00:00:00+00:00') => ({
  name,
  type: 'file',
  size,
  last_modified
});
const dir = name => ({ name, type: 'dir', size: 0, last_modified: '2020-01-01 00:00:00+00:00' });
const tick = () => new Promise(r => setImmediate(r));

beforeEach(() => resetStub());

describe('the api mock', () => {
  it('should replace every call of the real api module and keep its error class', () => {
    const real = jest.requireActual('../../src/api');
    const calls = Object.keys(real).filter(name => isCall(name, real[name]));
    assert.ok(calls.length >= 30, `${calls.length} calls found`);
    for (const name of calls) {
      assert.ok(jest.isMockFunction(api[name]), `api.${name} is mocked`);
    }
    assert.equal(api.GlobusKitApiError, real.GlobusKitApiError);
    for (const name of Object.keys(real)) {
      assert.ok(name in api, `api.${name} is still exported`);
    }
  });
});

describe('BrowserModel', () => {
  describe('#search', () => {
    it('should search with the text and scope and keep the results', async () => {
      stub.handlers.searchCollections = () => ({ collections: [COLLECTION], hasNextPage: false });
      const model = new BrowserModel();
      model.query = '  weather ';
      model.scope = 'shared-with-me';
      await model.search();
      assert.deepEqual(stub.calls[0].args[0], {
        q: 'weather',
        filterScope: 'shared-with-me',
        limit: 50
      });
      assert.deepEqual(model.results, [COLLECTION]);
      assert.equal(model.error, null);
    });

    it('should not call the server for "all" without text', async () => {
      const model = new BrowserModel();
      model.scope = 'all';
      await model.search();
      assert.equal(stub.calls.length, 0);
      assert.match(model.error.message, /search text/);
    });

    it('should keep the error of a failed search', async () => {
      stub.handlers.searchCollections = () => {
        throw new Error('Transfer endpoint_search failed (503)');
      };
      const model = new BrowserModel();
      await model.search();
      assert.match(model.error.message, /503/);
      assert.equal(model.busy, false);
    });
  });

  describe('#open and #cd', () => {
    it('should load every page of a folder and sort folders first', async () => {
      const all = [file('b.csv'), dir('zeta'), file('a10.csv'), file('a9.csv'), dir('alpha')];
      stub.handlers.ls = (id, path, { limit, offset }) => ({
        collection: id,
        path,
        offset,
        total: all.length,
        entries: all.slice(offset, offset + limit)
      });
      const model = new BrowserModel({ pageSize: 2 });
      await model.open(COLLECTION, '/data');
      assert.equal(stub.calls.length, 3, 'five entries in pages of two');
      assert.deepEqual(
        stub.calls.map(c => c.args[2].offset),
        [0, 2, 4]
      );
      assert.equal(model.path, '/data/');
      assert.deepEqual(
        model.entries.map(e => e.name),
        ['alpha', 'zeta', 'a9.csv', 'a10.csv', 'b.csv']
      );
    });

    it('should open a collection at / by default', async () => {
      stub.handlers.ls = (id, path) => ({ path, total: 0, entries: [] });
      await new BrowserModel().open(COLLECTION);
      assert.equal(stub.calls[0].args[1], '/');
    });

    it('should look a collection id up while asking for the folder', async () => {
      let found;
      const lookup = new Promise(r => (found = r));
      stub.handlers.getCollection = () => lookup;
      stub.handlers.ls = (id, path) => ({ path, total: 1, entries: [file('a.csv')] });
      const model = new BrowserModel();
      const opened = model.open(COLLECTION.id, '/x/');
      await tick();
      assert.deepEqual(
        stub.calls.map(c => c.name).sort(),
        ['getCollection', 'ls'],
        'both under way at once'
      );
      assert.equal(model.collection, null, 'nothing shown before the lookup');
      found({ ...COLLECTION });
      await opened;
      assert.equal(model.collection.display_name, 'Public');
      assert.equal(
        stub.calls.filter(c => c.name === 'ls').length,
        1,
        'the page is not asked twice'
      );
      assert.deepEqual(
        model.entries.map(e => e.name),
        ['a.csv']
      );
    });

    it('should show the lookup error, not the folder, when the collection is not found', async () => {
      const { GlobusKitApiError } = api;
      stub.handlers.getCollection = () => {
        throw new GlobusKitApiError('no such collection', 'NOT_FOUND', 404);
      };
      stub.handlers.ls = () => {
        throw new GlobusKitApiError('no such collection', 'NOT_FOUND', 404);
      };
      const model = new BrowserModel();
      await model.open(COLLECTION.id, '/x/');
      assert.equal(model.collection, null);
      assert.equal(model.error.code, 'NOT_FOUND');
    });

    it('should drop the answer of an older cd when a newer one started', async () => {
      let release;
      const slow = new Promise(r => (release = r));
      stub.handlers.ls = async (id, path) => {
        if (path === '/slow/') await slow;
        return { path, total: 1, entries: [file(path === '/slow/' ? 'old' : 'new')] };
      };
      const model = new BrowserModel();
      model.open(COLLECTION, '/slow/');
      await tick();
      await model.cd('/fast/');
      release();
      await tick();
      await tick();
      assert.equal(model.path, '/fast/');
      assert.deepEqual(
        model.entries.map(e => e.name),
        ['new']
      );
    });

    it('should keep a consent error with its code for the view', async () => {
      const { GlobusKitApiError } = api;
      stub.handlers.ls = () => {
        throw new GlobusKitApiError('needs consent', 'CONSENT_REQUIRED', 403, {
          body: { code: 'CONSENT_REQUIRED', message: 'm', consentUrl: 'https://auth/x' }
        });
      };
      const model = new BrowserModel();
      await model.open(COLLECTION, '/');
      assert.equal(model.error.code, 'CONSENT_REQUIRED');
      assert.equal(model.error.consentUrl, 'https://auth/x');
    });
  });

  describe('#cd of a large folder', () => {
    const names = n => Array.from({ length: n }, (_, i) => `obs-${String(i).padStart(5, '0')}.csv`);
    /** An ls stub over `total` entries whose answers wait until `release(offset)`. */
    const heldLs = (all, { reportTotal = true } = {}) => {
      const held = new Map();
      stub.handlers.ls = (id, path, { limit, offset }) =>
        new Promise(resolve => {
          const answer = () =>
            resolve({
              collection: id,
              path,
              offset,
              total: reportTotal ? all.length : null,
              entries: all.slice(offset, offset + limit).map(n => file(n))
            });
          held.set(offset, answer);
        });
      return {
        release: async offset => {
          const answer = held.get(offset);
          assert.ok(answer, `a request at offset ${offset} is waiting`);
          held.delete(offset);
          answer();
          await tick();
          await tick();
        },
        waiting: () => [...held.keys()].sort((a, b) => a - b)
      };
    };
    const lsCalls = () => stub.calls.filter(c => c.name === 'ls').map(c => c.args[2]);

    it('should show the first page at the full length at once and load the rest behind it', async () => {
      const all = names(10_000);
      const ls = heldLs(all);
      const model = new BrowserModel();
      let done = false;
      const opened = model.open(COLLECTION, '/big/').then(() => (done = true));
      await tick();
      assert.deepEqual(lsCalls(), [{ limit: FIRST_PAGE, offset: 0 }], 'a small first page');
      await ls.release(0);
      assert.equal(model.complete, false);
      assert.equal(model.count, 10_000, 'sized from the total');
      assert.equal(model.loadedCount, FIRST_PAGE);
      assert.equal(model.rows[0].name, all[0]);
      assert.equal(model.rows[FIRST_PAGE], undefined, 'not arrived yet');
      assert.equal(model.entries.length, FIRST_PAGE);
      assert.deepEqual(
        lsCalls().slice(1),
        [{ limit: 10_000 - FIRST_PAGE, offset: FIRST_PAGE }],
        'the rest in one request (the default page size is 10,000)'
      );
      for (let guard = 0; ls.waiting().length > 0 && guard < 20; guard++) {
        await ls.release(ls.waiting()[0]);
      }
      await opened;
      assert.equal(done, true);
      assert.equal(model.complete, true);
      assert.equal(model.busy, false);
      assert.deepEqual(
        model.entries.map(e => e.name),
        all
      );
      const calls = lsCalls();
      assert.ok(calls.every(c => c.limit <= 10_000));
      const covered = calls.flatMap(c => Array.from({ length: c.limit }, (_, i) => c.offset + i));
      assert.equal(new Set(covered).size, 10_000, 'every entry asked for');
      assert.equal(covered.length, 10_000, 'and none twice');
    });

    it('should fetch the rows on screen ahead of the background loading', async () => {
      const all = names(10_000);
      const ls = heldLs(all);
      const model = new BrowserModel();
      const opened = model.open(COLLECTION, '/big/');
      await tick();
      await ls.release(0);
      model.requestRows(9_980, 10_000); // scrolled to the end
      model.requestRows(9_980, 10_000); // the same rows again: no second request
      const screen = lsCalls().filter(c => c.offset >= 9_000);
      assert.deepEqual(screen, [{ limit: SCREEN_BLOCK, offset: 10_000 - SCREEN_BLOCK }]);
      await ls.release(10_000 - SCREEN_BLOCK);
      assert.equal(model.complete, false, 'the background loading goes on');
      assert.equal(model.rows[9_999].name, all[9_999], 'the last row is there');
      for (let guard = 0; ls.waiting().length > 0 && guard < 20; guard++) {
        await ls.release(ls.waiting()[0]);
      }
      await opened;
      assert.deepEqual(
        model.entries.map(e => e.name),
        all
      );
    });

    it('should hold the background loading while rows on screen are fetched', async () => {
      const ls = heldLs(names(10_000));
      const model = new BrowserModel({ pageSize: 2_000 });
      const opened = model.open(COLLECTION, '/big/');
      await tick();
      await ls.release(0);
      const [a, b] = ls.waiting();
      assert.deepEqual([a, b], [FIRST_PAGE, FIRST_PAGE + 2_000], 'two pages of 2,000 at a time');
      model.requestRows(9_990, 10_000);
      const screen = 10_000 - SCREEN_BLOCK;
      await ls.release(a);
      assert.deepEqual(ls.waiting(), [b, screen], 'no next background page yet');
      await ls.release(screen);
      assert.equal(ls.waiting().length, 2, 'the background loading goes on');
      for (let guard = 0; ls.waiting().length > 0 && guard < 20; guard++) {
        await ls.release(ls.waiting()[0]);
      }
      await opened;
      assert.equal(model.count, 10_000);
    });

    it('should page one request after another when Transfer reports no total', async () => {
      const all = names(1_200);
      const ls = heldLs(all, { reportTotal: false });
      const model = new BrowserModel({ pageSize: 1_000 });
      const opened = model.open(COLLECTION, '/big/');
      await tick();
      await ls.release(0);
      assert.equal(model.count, FIRST_PAGE, 'the listing grows as pages arrive');
      assert.deepEqual(ls.waiting(), [FIRST_PAGE]);
      await ls.release(FIRST_PAGE);
      await opened;
      assert.deepEqual(lsCalls(), [
        { limit: FIRST_PAGE, offset: 0 },
        { limit: 1_000, offset: FIRST_PAGE }
      ]);
      assert.equal(model.count, 1_200);
      assert.equal(model.complete, true);
    });

    it('should keep what arrived and report the error when a page fails', async () => {
      const all = names(3_000);
      stub.handlers.ls = (id, path, { limit, offset }) => {
        if (offset > 0) throw new Error('Transfer ls failed (503)');
        return { path, offset, total: all.length, entries: all.slice(0, limit).map(n => file(n)) };
      };
      const model = new BrowserModel();
      await model.open(COLLECTION, '/big/');
      assert.match(model.error.message, /503/);
      assert.equal(model.complete, true, 'not stuck loading');
      assert.equal(model.count, FIRST_PAGE);
      assert.equal(model.busy, false);
    });

    it('should drop the pages of a folder left while it loads', async () => {
      const ls = heldLs(names(5_000));
      const model = new BrowserModel();
      model.open(COLLECTION, '/big/');
      await tick();
      await ls.release(0);
      model.requestRows(4_900, 4_950);
      stub.handlers.ls = (id, path) => ({ path, offset: 0, total: 1, entries: [file('small')] });
      await model.cd('/small/');
      for (const offset of ls.waiting()) {
        await ls.release(offset);
      }
      assert.deepEqual(
        model.entries.map(e => e.name),
        ['small']
      );
      assert.equal(model.complete, true);
      assert.equal(model.path, '/small/');
    });

    it('should stop at MAX_ENTRIES and say so', async () => {
      stub.handlers.ls = (id, path, { limit, offset }) => ({
        path,
        offset,
        total: MAX_ENTRIES + 5,
        entries: Array.from({ length: limit }, (_, i) => file(`f${offset + i}`))
      });
      const model = new BrowserModel();
      await model.open(COLLECTION, '/huge/');
      assert.equal(model.count, MAX_ENTRIES);
      assert.equal(model.truncated, true);
      assert.ok(lsCalls().every(c => c.offset + c.limit <= MAX_ENTRIES));
    });
  });

  describe('#up', () => {
    it('should open the parent folder', async () => {
      stub.handlers.ls = (id, path) => ({ path, total: 0, entries: [] });
      const model = new BrowserModel();
      await model.open(COLLECTION, '/a/b/');
      await model.up();
      assert.equal(model.path, '/a/');
      await model.up();
      await model.up();
      assert.equal(model.path, '/');
    });
  });

  describe('#sortBy', () => {
    it('should sort by size and flip the direction on a second click', () => {
      const entries = [file('a', 30), file('b', 10), dir('d'), file('c', 20)];
      const asc = sortEntries(entries, 'size', true).map(e => e.name);
      const desc = sortEntries(entries, 'size', false).map(e => e.name);
      assert.deepEqual(asc, ['d', 'b', 'c', 'a']);
      assert.deepEqual(desc, ['d', 'a', 'c', 'b'], 'folders stay first');
      const model = new BrowserModel();
      model.sortBy('size');
      assert.equal(model.sortAscending, false, 'size starts largest first');
      model.sortBy('size');
      assert.equal(model.sortAscending, true);
      model.sortBy('name');
      assert.deepEqual([model.sortKey, model.sortAscending], ['name', true]);
    });

    it('should sort by date', () => {
      const entries = [file('new', 1, '2024-05-01'), file('old', 1, '2001-01-01')];
      assert.deepEqual(
        sortEntries(entries, 'last_modified', true).map(e => e.name),
        ['old', 'new']
      );
    });
  });

  describe('#mkdir and #rename', () => {
    it('should create a folder in the open folder, then reload', async () => {
      stub.handlers.ls = (id, path) => ({ path, total: 0, entries: [] });
      stub.handlers.mkdir = () => ({ code: 'DirectoryCreated' });
      const model = new BrowserModel();
      await model.open(COLLECTION, '/a/');
      assert.equal(await model.mkdir('new one'), true);
      const mk = stub.calls.find(c => c.name === 'mkdir');
      assert.deepEqual(mk.args.slice(0, 2), [COLLECTION.id, '/a/new one/']);
      assert.equal(stub.calls.at(-1).name, 'ls', 'reloaded after mkdir');
    });

    it('should refuse names with a slash or .. without calling the server', async () => {
      stub.handlers.ls = (id, path) => ({ path, total: 1, entries: [file('x')] });
      const model = new BrowserModel();
      await model.open(COLLECTION, '/a/');
      const before = stub.calls.length;
      assert.equal(await model.mkdir('../etc'), false);
      assert.equal(await model.rename(model.entries[0], 'a/b'), false);
      assert.equal(await model.rename(model.entries[0], '..'), false);
      assert.equal(stub.calls.length, before);
    });

    it('should rename within the open folder', async () => {
      stub.handlers.ls = (id, path) => ({ path, total: 1, entries: [dir('old')] });
      stub.handlers.rename = () => ({ code: 'FileRenamed' });
      const model = new BrowserModel();
      await model.open(COLLECTION, '/a/');
      await model.rename(model.entries[0], 'new');
      const call = stub.calls.find(c => c.name === 'rename');
      assert.deepEqual(call.args.slice(0, 3), [COLLECTION.id, '/a/old/', '/a/new']);
    });
  });

  describe('paths and links', () => {
    it('should build breadcrumbs', () => {
      assert.deepEqual(breadcrumbsOf('/a/b c/', 'Root'), [
        { label: 'Root', path: '/' },
        { label: 'a', path: '/a/' },
        { label: 'b c', path: '/a/b c/' }
      ]);
    });

    it('should percent-encode each path segment of an HTTPS link', () => {
      assert.equal(
        httpsUrlOf(COLLECTION, '/d/<img src=x>#?.csv'),
        'https://g-1234.data.globus.org/d/%3Cimg%20src%3Dx%3E%23%3F.csv'
      );
      assert.equal(httpsUrlOf({ ...COLLECTION, https_server: null }, '/a'), null);
      assert.equal(httpsUrlOf(COLLECTION, '/~/a'), null);
      assert.equal(httpsUrlOf({ ...COLLECTION, https_server: 'javascript:alert(1)' }, '/a'), null);
    });
  });
});

describe('TasksModel', () => {
  describe('#refresh', () => {
    it('should emit finished once for a task it saw running', async () => {
      const answers = [
        [
          { task_id: 't1', status: 'ACTIVE' },
          { task_id: 't0', status: 'SUCCEEDED' }
        ],
        [
          { task_id: 't1', status: 'SUCCEEDED' },
          { task_id: 't0', status: 'SUCCEEDED' }
        ],
        [{ task_id: 't1', status: 'SUCCEEDED' }]
      ];
      stub.handlers.listTasks = () => ({ total: 2, tasks: answers.shift() });
      const model = new TasksModel();
      const finished = [];
      model.finished.connect((_, task) => finished.push(task.task_id));
      await model.refresh();
      await model.refresh();
      await model.refresh();
      assert.deepEqual(finished, ['t1'], 't0 had ended before the first look');
      model.dispose();
    });

    it('should keep the last tasks when a poll fails', async () => {
      stub.handlers.listTasks = () => ({ tasks: [{ task_id: 't', status: 'ACTIVE' }] });
      const model = new TasksModel();
      await model.refresh();
      stub.handlers.listTasks = () => {
        throw new Error('server restarting');
      };
      await model.refresh();
      assert.equal(model.tasks.length, 1);
      assert.match(model.error.message, /restarting/);
      model.dispose();
    });
  });

  describe('taskProgress', () => {
    it('should count finished subtasks', () => {
      assert.equal(
        taskProgress({
          status: 'ACTIVE',
          subtasks_total: 4,
          subtasks_succeeded: 1,
          subtasks_failed: 1
        }),
        0.5
      );
      assert.equal(taskProgress({ status: 'ACTIVE', subtasks_total: 0 }), null);
      assert.equal(taskProgress({ status: 'SUCCEEDED' }), 1);
    });
    it('regression #17: a failed task shows what was done, not a full bar', () => {
      // Two files of four copied, then a fault failed the rest.
      const failed = {
        status: 'FAILED',
        type: 'TRANSFER',
        files: 4,
        files_transferred: 1,
        files_skipped: 1,
        subtasks_total: 5,
        subtasks_succeeded: 3,
        subtasks_failed: 2
      };
      assert.equal(taskProgress(failed), 0.5);
      // Files unknown (a delete task): the succeeded subtasks only.
      assert.equal(
        taskProgress({
          ...failed,
          type: 'DELETE',
          files: 0,
          subtasks_total: 4,
          subtasks_succeeded: 1
        }),
        0.25
      );
      assert.equal(taskProgress({ status: 'FAILED', subtasks_total: 0 }), 0);
    });
  });
});

describe('ConsentModel', () => {
  describe('#requiredScopes', () => {
    it('should fetch the consent status of the required scopes', async () => {
      stub.handlers.getConsents = scopes => ({
        consents: scopes.map((scope, i) => ({
          scope,
          name: scope,
          status: i === 0 ? 'granted' : 'missing',
          missingDependencies: [],
          consentUrl: i === 0 ? null : 'https://auth/authorize'
        }))
      });
      const model = new ConsentModel();
      const changed = new Promise(r => model.changed.connect(() => r()));
      model.requiredScopes = ['a', ' b ', ''];
      await changed;
      assert.deepEqual(stub.calls[0].args[0], ['a', 'b']);
      assert.deepEqual(
        model.missing.map(e => e.scope),
        ['b']
      );
      model.requiredScopes = ['a', 'b'];
      await tick();
      assert.equal(stub.calls.length, 1, 'the same scopes do not refetch');
    });

    it('should not call the server without required scopes', async () => {
      const model = new ConsentModel();
      await model.refresh();
      assert.equal(stub.calls.length, 0);
      assert.deepEqual(model.entries, []);
    });
  });
});

describe('status problems', () => {
  // regression #15: after a hub logout that revokes the tokens, the sidebar said they "were
  // revoked at hub logout", a cause it cannot know; the server's no-hub-tokens problem now
  // says what is known, under its own heading, and no token list claims a cause.
  const hubGaveNone = {
    serverTime: 0,
    source: 'GLOBUS_DATA',
    available: true,
    tokens: [],
    problem: {
      code: 'no-hub-tokens',
      message:
        'The hub gave this server no Globus tokens. Log out of the hub and log in again, or log in with Globus from the sidebar.'
    }
  };

  it('should title the no-hub-tokens problem with what is known, and no cause', () => {
    assert.equal(NO_HUB_TOKENS, 'no-hub-tokens');
    assert.equal(problemTitle(NO_HUB_TOKENS), 'The hub gave this server no Globus tokens');
    assert.equal(problemTitle('no-globus-data'), 'No Globus login in this server');
    assert.equal(problemTitle('globus-data-malformed'), 'Globus login data could not be read');
    for (const code of [NO_HUB_TOKENS, 'no-globus-data', 'globus-data-malformed']) {
      assert.doesNotMatch(problemTitle(code), /revoked/i);
    }
  });

  it('should leave the token list out when the problem already says there are none', () => {
    assert.equal(tokenSection(hubGaveNone), 'none');
    assert.equal(tokenSection({ ...hubGaveNone, problem: null }), 'empty');
    assert.equal(tokenSection({ ...hubGaveNone, tokens: [{ resourceServer: 'x' }] }), 'list');
    assert.equal(tokenSection({ ...hubGaveNone, available: false }), 'none');
  });
});

describe('token health summary', () => {
  // A translation bundle that substitutes %1… as JupyterLab's does (_n passes n as %1).
  const fill = (text, args) => text.replace(/%(\d)/g, (_, i) => String(args[i - 1]));
  const t = {
    __: (text, ...args) => fill(text, args),
    _n: (one, many, n, ...args) => fill(n === 1 ? one : many, [n, ...args])
  };
  const NOW = 1_700_000_000_000;
  const token = (resourceServer, secondsLeft) => ({
    resourceServer,
    scopes: ['s'],
    expiresAt: secondsLeft === null ? null : NOW / 1000 + secondsLeft,
    expiresAtSource: 'token',
    status: 'active',
    hasRefreshToken: false,
    origin: 'tokens'
  });
  const line = (tokens, warn = 10) => healthLine(tokenHealth(tokens, NOW, warn), t);
  const DAY = 86400;

  it('should say all active and the next expiry when nothing needs action', () => {
    const tokens = [
      token('auth.globus.org', 2 * DAY),
      token('transfer.api.globus.org', DAY + 23 * 3600 + 59 * 60),
      token('groups.api.globus.org', 2 * DAY),
      token(COLLECTION.id, 2 * DAY)
    ];
    assert.equal(line(tokens), '4 tokens · all active · next expiry in 1d 23h');
    assert.equal(tokenHealth(tokens, NOW, 10).state, 'ok');
    assert.equal(
      line([token('auth.globus.org', 3 * 3600 + 5 * 60)]),
      '1 token · all active · next expiry in 3h 05m'
    );
  });

  it('should put an expired or expiring token first', () => {
    const expired = [token('auth.globus.org', -5), token('transfer.api.globus.org', DAY)];
    assert.equal(line(expired), '2 tokens · 1 expired · next expiry in 1d 0h');
    assert.equal(tokenHealth(expired, NOW, 10).state, 'expired');
    const expiring = [token('auth.globus.org', 4 * 60 + 30), token('transfer.api.globus.org', DAY)];
    assert.equal(line(expiring), '2 tokens · expiring in 4 min');
    assert.equal(tokenHealth(expiring, NOW, 10).state, 'expiring');
    // The warning window is the setting's: at 2 minutes the same token is still active.
    assert.equal(tokenHealth(expiring, NOW, 2).state, 'ok');
    const allGone = [token('auth.globus.org', -1), token('transfer.api.globus.org', 0)];
    assert.equal(line(allGone), '2 tokens · all expired');
    assert.equal(line([token('x', null)]), '1 token · 1 with unknown expiry');
    assert.equal(line([]), 'No tokens');
    assert.equal(tokenHealth([], NOW, 10).state, 'empty');
  });

  it('should classify one token and shorten durations', () => {
    assert.equal(tokenState(token('a', 601), NOW, 10), 'active');
    assert.equal(tokenState(token('a', 600), NOW, 10), 'expiring');
    assert.equal(tokenState(token('a', 0), NOW, 10), 'expired');
    assert.equal(tokenState(token('a', null), NOW, 10), 'unknown');
    assert.equal(shortDuration(45_000), '45 s');
    assert.equal(shortDuration(4 * 60_000 + 59_000), '4 min');
    assert.equal(shortDuration(2 * 86_400_000 + 3_600_000), '2d 1h');
  });

  it('should name collections by display name, once, and fall back to the id', async () => {
    const OTHER = '9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2';
    stub.handlers.getCollection = id => {
      if (id === OTHER) throw new Error('403 no access');
      return { ...COLLECTION, display_name: 'Public <b>data</b>' };
    };
    const names = new ResourceNames();
    let changes = 0;
    names.changed.connect(() => changes++);
    assert.equal(names.name('transfer.api.globus.org'), 'Globus Transfer');
    assert.equal(names.name(COLLECTION.id), null, 'not looked up yet');
    await names.resolve(['transfer.api.globus.org', COLLECTION.id, OTHER]);
    assert.equal(names.name(COLLECTION.id), 'Public <b>data</b>');
    assert.equal(names.name(OTHER), null, 'a failed lookup leaves the id as the label');
    assert.equal(changes, 1);
    await names.resolve([COLLECTION.id, OTHER]);
    assert.deepEqual(
      stub.calls.map(c => [c.name, c.args[0]]),
      [
        ['getCollection', COLLECTION.id],
        ['getCollection', OTHER]
      ],
      'each collection is asked for once; Globus services never'
    );
  });
});

describe('GlobusStatusModel', () => {
  describe('#refresh', () => {
    it('should measure the clock offset and keep the last status across a server restart', async () => {
      const status = { serverTime: Date.now() / 1000 + 120, tokens: [], available: true };
      stub.handlers.getStatus = () => status;
      const model = new GlobusStatusModel({ pollInterval: 0 });
      await model.refresh();
      assert.ok(Math.abs(model.clockOffsetMs - 120_000) < 2000, String(model.clockOffsetMs));
      stub.handlers.getStatus = () => {
        throw new Error('The Jupyter server did not answer');
      };
      await model.refresh();
      assert.equal(model.status, status, 'the last good status stays');
      assert.match(model.error.message, /did not answer/);
      stub.handlers.getStatus = () => status;
      await model.refresh();
      assert.equal(model.error, null, 'recovers when the server is back');
      model.dispose();
    });
  });
});

describe('visibleRange', () => {
  it('should render the visible rows plus overscan, within bounds', () => {
    assert.deepEqual(
      visibleRange({ scrollTop: 0, viewportHeight: 240, rowHeight: 24, count: 10_000 }),
      { start: 0, end: 18 }
    );
    assert.deepEqual(
      visibleRange({ scrollTop: 24 * 5000, viewportHeight: 240, rowHeight: 24, count: 10_000 }),
      { start: 4992, end: 5018 }
    );
    assert.deepEqual(
      visibleRange({ scrollTop: 1e9, viewportHeight: 240, rowHeight: 24, count: 10_000 }),
      { start: 10_000, end: 10_000 }
    );
    assert.deepEqual(visibleRange({ scrollTop: 0, viewportHeight: 240, rowHeight: 24, count: 0 }), {
      start: 0,
      end: 0
    });
  });
});

describe('cell snippets', () => {
  const target = { collection: COLLECTION.id, path: '/portal/1948.csv' };

  it('should add the connect lines only when the notebook lacks them', () => {
    const code = snippets.fetchFileCell(target);
    assert.match(snippets.withConnect(code, ['']), /await connect\(\{ display: tslab \}\)/);
    const connected = [snippets.CONNECT_CELL];
    assert.equal(snippets.withConnect(code, connected), code);
  });

  it('should fetch a CSV into a variable named after the file', () => {
    const code = snippets.fetchFileCell(target);
    assert.match(code, /^const data1948 = await globus\.fetchCsv\(\{/);
    assert.match(code, /path: "\/portal\/1948\.csv"/);
  });

  it('should keep a hostile file name inside a string literal', () => {
    const path = '/x/"); process.exit(1); ("\u2028.csv';
    const code = snippets.fetchFileCell({ collection: COLLECTION.id, path });
    const literal = code.match(/path: ("[^\n]*")\n/)[1];
    assert.equal(JSON.parse(literal), path);
    assert.doesNotMatch(code.replace(literal, ''), /process\.exit/);
  });

  it('should list folders, link files and build transfer items', () => {
    assert.equal(
      snippets.listCell({ collection: 'c', path: '/d/' }),
      'await globus.ls("c", "/d/");'
    );
    assert.match(snippets.fetchFileCell({ collection: 'c', path: '/a.png' }), /globus\.link/);
    const transfer = snippets.transferCell(
      { collection: 'src', path: '/data/' },
      { collection: 'dst', path: '/~/' }
    );
    assert.match(transfer, /source: "\/data\/", destination: "\/~\/data\/", recursive: true/);
  });

  it('should make identifiers from file names', () => {
    assert.equal(snippets.identifierFor('my-data_2024.csv'), 'myData2024');
    assert.equal(snippets.identifierFor('globus.csv'), 'globusData');
    assert.equal(snippets.identifierFor('###.csv'), 'table');
  });
});
