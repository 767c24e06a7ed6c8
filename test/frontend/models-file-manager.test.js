// Unit tests of the file manager's UI-free models (issue #16: src/model/file-manager-model.ts)
// under jest, with the ONE HTTP module replaced through jest.mock (./api-mock.js):
// multi-selection (click, ctrl, shift, arrows, shift+arrows), the hidden-files switch, the
// delete task followed to its end, bookmarks, two panes and the state a reload restores.
import assert from 'node:assert/strict';

import {
  FileManagerModel,
  PaneModel,
  webAppUrlOf,
  DELETE_POLL_FIRST
} from '../../src/model/file-manager-model';
import { resetStub, stub } from './api-mock';

jest.mock('../../src/api', () =>
  jest.requireActual('./api-mock').mockApi(jest.requireActual('../../src/api'))
);

const COLLECTION = {
  id: 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01',
  display_name: 'Public',
  https_server: 'https://g-1234.data.globus.org'
};
const OTHER = { id: '9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2', display_name: 'Guest' };
const file = name => ({ name, type: 'file', size: 1, last_modified: '2024-01-01 00:00:00+00:00' });
const dir = name => ({ name, type: 'dir', size: 0, last_modified: '2020-01-01 00:00:00+00:00' });

/** An ls handler answering `entries` for every folder (and recording the folders). */
function serve(entries) {
  stub.handlers.ls = (id, path, { limit, offset }) => ({
    collection: id,
    path: path.endsWith('/') ? path : `${path}/`,
    offset,
    total: entries.length,
    entries: entries.slice(offset, offset + limit)
  });
  stub.handlers.getCollection = id => (id === OTHER.id ? OTHER : COLLECTION);
}

/** A pane open on a folder of a, b, c, d, e (files) and sub (a folder, sorted first). */
async function openPane() {
  serve([file('a'), file('b'), file('c'), file('d'), file('e'), dir('sub')]);
  const pane = new PaneModel();
  await pane.browser.open(COLLECTION, '/data/');
  return pane;
}

const names = pane => [...pane.selectedNames].sort();

beforeEach(() => resetStub());

describe('PaneModel', () => {
  describe('#select', () => {
    it('should select one row on a plain click and replace it on the next', async () => {
      const pane = await openPane();
      pane.select(1);
      assert.deepEqual(names(pane), ['a']);
      pane.select(3);
      assert.deepEqual(names(pane), ['c']);
      assert.equal(pane.focus, 3);
      assert.equal(pane.browser.selected.name, 'c', 'the browser model follows the focus');
    });

    it('should add and remove rows with ctrl and select ranges with shift', async () => {
      const pane = await openPane();
      pane.select(1);
      pane.select(3, { toggle: true });
      assert.deepEqual(names(pane), ['a', 'c']);
      pane.select(1, { toggle: true });
      assert.deepEqual(names(pane), ['c']);
      // The anchor is the last ctrl-clicked row (1): shift-click on 4 selects 1..4.
      pane.select(4, { shift: true });
      assert.deepEqual(names(pane), ['a', 'b', 'c', 'd']);
      // Shift-click upwards from the same anchor replaces the range.
      pane.select(0, { shift: true });
      assert.deepEqual(names(pane), ['a', 'sub']);
      // Ctrl+shift adds a range to the selection.
      pane.select(4);
      pane.select(5, { shift: true, toggle: true });
      assert.deepEqual(names(pane), ['d', 'e']);
      // A row past the end is ignored.
      pane.select(6);
      assert.deepEqual(names(pane), ['d', 'e']);
    });

    it('should not emit when a click changes nothing (the second click of a double-click)', async () => {
      const pane = await openPane();
      pane.select(2);
      let emitted = 0;
      pane.changed.connect(() => emitted++);
      pane.select(2);
      assert.equal(emitted, 0);
      pane.select(3);
      assert.ok(emitted > 0);
    });

    it('should give the selection in row order with absolute paths', async () => {
      const pane = await openPane();
      pane.select(5);
      pane.select(0, { toggle: true });
      assert.deepEqual(pane.selectedPaths(), ['/data/sub/', '/data/e']);
    });
  });

  describe('#move', () => {
    it('should move with arrows and extend with shift+arrows, clamped at both ends', async () => {
      const pane = await openPane();
      assert.equal(pane.move(1), 0, 'the first arrow down focuses the first row');
      assert.deepEqual(names(pane), ['sub']);
      pane.move(1);
      pane.move(1, true);
      pane.move(1, true);
      assert.deepEqual(names(pane), ['a', 'b', 'c']);
      pane.move(-1, true);
      assert.deepEqual(names(pane), ['a', 'b']);
      assert.equal(pane.move(100), 5);
      assert.deepEqual(names(pane), ['e']);
      assert.equal(pane.move(-100), 0);
      assert.equal(pane.move(-1), 0);
    });

    it('should start from the last row when the first key is arrow up', async () => {
      const pane = await openPane();
      assert.equal(pane.move(-1), 5);
    });

    it('should open the focused folder and not a focused file', async () => {
      const pane = await openPane();
      pane.select(1);
      assert.equal(pane.openFocused(), false);
      pane.select(0);
      assert.equal(pane.openFocused(), true);
      await new Promise(r => setImmediate(r));
      assert.equal(stub.calls.at(-1).args[1], '/data/sub/');
    });
  });

  it('should clear the selection when the folder changes', async () => {
    const pane = await openPane();
    pane.selectAll();
    assert.equal(pane.selectedNames.size, 6);
    await pane.browser.cd('/data/sub/');
    assert.equal(pane.selectedNames.size, 0);
    assert.equal(pane.focus, -1);
  });

  it('should list hidden files on request and remember it in its state', async () => {
    const pane = await openPane();
    const before = stub.calls.length;
    await pane.setShowHidden(true);
    const call = stub.calls.slice(before).find(c => c.name === 'ls');
    assert.equal(call.args[2].showHidden, true);
    assert.deepEqual(pane.toJSON(), {
      collection: COLLECTION.id,
      path: '/data/',
      showHidden: true
    });
    await pane.setShowHidden(false);
    assert.equal('showHidden' in stub.calls.at(-1).args[2], false);
  });

  describe('#deleteSelected', () => {
    it('should submit a delete task, follow it to SUCCEEDED and reload', async () => {
      const pane = await openPane();
      pane.select(0);
      pane.select(2, { toggle: true });
      stub.handlers.deleteItems = () => ({ code: 'Accepted', taskId: 't-1', submissionId: 's' });
      const statuses = ['ACTIVE', 'SUCCEEDED'];
      stub.handlers.getTask = id => ({ task_id: id, type: 'DELETE', status: statuses.shift() });
      const seen = [];
      pane.changed.connect(() => seen.push(pane.deleting?.status));
      const lsBefore = stub.calls.filter(c => c.name === 'ls').length;
      const started = Date.now();
      const task = await pane.deleteSelected();
      assert.equal(task.status, 'SUCCEEDED');
      const del = stub.calls.find(c => c.name === 'deleteItems');
      assert.deepEqual(del.args.slice(0, 2), [COLLECTION.id, ['/data/sub/', '/data/b']]);
      assert.ok(seen.includes('SUBMITTED') && seen.includes('ACTIVE'), seen.join());
      assert.equal(pane.deleting.status, 'SUCCEEDED');
      assert.ok(stub.calls.filter(c => c.name === 'ls').length > lsBefore, 'reloaded');
      assert.ok(Date.now() - started >= DELETE_POLL_FIRST, 'polls are spaced');
      assert.equal(pane.error, null);
    });

    it('should report a task that FAILED with its reason', async () => {
      const pane = await openPane();
      pane.select(1);
      stub.handlers.deleteItems = () => ({ code: 'Accepted', taskId: 't-2', submissionId: 's' });
      stub.handlers.getTask = id => ({
        task_id: id,
        status: 'FAILED',
        fatal_error: { code: 'PERMISSION_DENIED', description: 'permission denied' }
      });
      const task = await pane.deleteSelected();
      assert.equal(task.status, 'FAILED');
      assert.match(pane.error.message, /delete task failed: permission denied/);
    });

    it('should refuse a collection root without asking the server', async () => {
      const pane = await openPane();
      assert.equal(await pane.deleteSelected(['/']), null);
      assert.equal(await pane.deleteSelected(['/a', '/~/']), null);
      assert.equal(stub.calls.filter(c => c.name === 'deleteItems').length, 0);
      assert.match(pane.error.message, /root of the collection/);
    });

    it('should keep the route error of a refused submission', async () => {
      const pane = await openPane();
      pane.select(1);
      stub.handlers.deleteItems = () => {
        throw new Error('Transfer delete failed (403 PermissionDenied)');
      };
      assert.equal(await pane.deleteSelected(), null);
      assert.match(pane.error.message, /PermissionDenied/);
      assert.equal(pane.deleting, null);
    });
  });
});

describe('FileManagerModel', () => {
  it('should show one pane, then two, and act on the active one', async () => {
    const model = new FileManagerModel();
    assert.equal(model.visiblePanes.length, 1);
    model.activeIndex = 1;
    assert.equal(model.activeIndex, 0, 'no second pane to activate');
    model.twoPane = true;
    model.activeIndex = 1;
    assert.equal(model.visiblePanes.length, 2);
    assert.equal(model.active, model.panes[1]);
    model.twoPane = false;
    assert.equal(model.active, model.panes[0]);
  });

  it('should save each pane and restore them after a reload', async () => {
    serve([file('a')]);
    const model = new FileManagerModel();
    let saves = 0;
    model.stateChanged.connect(() => saves++);
    model.twoPane = true;
    await model.panes[0].browser.open(COLLECTION, '/one/');
    await model.panes[1].browser.open(OTHER, '/two/');
    model.activeIndex = 1;
    const state = model.toJSON();
    assert.deepEqual(state, {
      twoPane: true,
      active: 1,
      panes: [
        { collection: COLLECTION.id, path: '/one/' },
        { collection: OTHER.id, path: '/two/' }
      ]
    });
    assert.ok(saves >= 3, `state saved on each change (${saves})`);
    // A JSON round trip, as the restorer stores it.
    const restored = new FileManagerModel();
    await restored.restore(JSON.parse(JSON.stringify(state)));
    assert.deepEqual(restored.toJSON(), state);
    assert.deepEqual(
      restored.recent.map(c => c.id).sort(),
      [COLLECTION.id, OTHER.id].sort(),
      'opened collections are recent'
    );
  });

  it('should ignore saved state of the wrong shape', async () => {
    serve([file('a')]);
    const model = new FileManagerModel();
    await model.restore({
      twoPane: 'yes',
      panes: [{ collection: { id: 'x' }, path: 7 }, null, 'junk'],
      active: 5
    });
    assert.equal(stub.calls.length, 0, 'nothing requested');
    assert.deepEqual(model.toJSON(), {
      twoPane: false,
      active: 0,
      panes: [
        { collection: null, path: '/~/' },
        { collection: null, path: '/~/' }
      ]
    });
    await model.restore({ panes: [{ collection: COLLECTION.id, path: 'relative/' }] });
    assert.equal(stub.calls.find(c => c.name === 'ls').args[1], '/', 'a bad path: the default');
  });

  it('should add, rename and remove bookmarks of the active folder', async () => {
    serve([]);
    const model = new FileManagerModel();
    await model.panes[0].browser.open(COLLECTION, '/data/');
    stub.handlers.listBookmarks = () => ({ bookmarks: [] });
    await model.loadBookmarks();
    stub.handlers.createBookmark = (name, collection, path) => ({
      id: 'b-1',
      name,
      endpoint_id: collection,
      path
    });
    const made = await model.addBookmark('Data');
    assert.deepEqual(stub.calls.at(-1).args, ['Data', COLLECTION.id, '/data/']);
    assert.deepEqual(model.bookmarks, [made]);
    stub.handlers.renameBookmark = (id, name) => ({ ...made, name });
    assert.equal(await model.renameBookmark('b-1', 'Data 2'), true);
    assert.equal(model.bookmarks[0].name, 'Data 2');
    stub.handlers.deleteBookmark = () => ({ code: 'Deleted' });
    assert.equal(await model.removeBookmark('b-1'), true);
    assert.deepEqual(model.bookmarks, []);
  });

  it('should keep a bookmark error and the list as it was', async () => {
    const model = new FileManagerModel();
    stub.handlers.listBookmarks = () => ({
      bookmarks: [{ id: 'x', name: 'n', endpoint_id: 'c', path: '/' }]
    });
    await model.loadBookmarks();
    stub.handlers.deleteBookmark = () => {
      throw new Error('Transfer delete bookmark failed (404 BookmarkNotFound)');
    };
    assert.equal(await model.removeBookmark('x'), false);
    assert.match(model.bookmarkError.message, /BookmarkNotFound/);
    assert.equal(model.bookmarks.length, 1);
  });
});

describe('webAppUrlOf', () => {
  it('should link the Globus web app at a folder, encoded', () => {
    const url = new URL(webAppUrlOf(COLLECTION.id, '/a b/#x/'));
    assert.equal(url.origin + url.pathname, 'https://app.globus.org/file-manager');
    assert.equal(url.searchParams.get('origin_id'), COLLECTION.id);
    assert.equal(url.searchParams.get('origin_path'), '/a b/#x/');
  });
});
