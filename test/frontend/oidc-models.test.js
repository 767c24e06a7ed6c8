// Unit tests of the issue #9 frontend models (src/model/provider-model.ts, oidc-model.ts,
// workspace-model.ts) under jest, with src/api.ts replaced through jest.mock
// (./api-mock.js). Offline, no DOM.
import assert from 'node:assert/strict';

import { ProviderModel } from '../../src/model/provider-model';
import { OidcModel, tokenCountdown } from '../../src/model/oidc-model';
import { WorkspaceModel, workspaceCrumbs } from '../../src/model/workspace-model';
import * as oidcSnippets from '../../src/model/oidc-cell-snippets';
import { resetStub, stub } from './api-mock';

jest.mock('../../src/api', () =>
  jest.requireActual('./api-mock').mockApi(jest.requireActual('../../src/api'))
);

const GLOBUS = { id: 'globus', label: 'Globus', configured: true };
const OIDC = {
  id: 'oidc',
  label: '127.0.0.1:4000',
  issuer: 'http://127.0.0.1:4000/realms/platform',
  configured: true
};
const ALICE_WS = {
  name: 'demo-alice-private-workspace',
  storage_type: 's3',
  bucket: 'demo-workspaces',
  prefix: 'alice/',
  endpoint: 'http://127.0.0.1:4001',
  region: 'us-east-1',
  scopes: ['s3:GetObject']
};
const file = (name, size = 1) => ({
  name,
  type: 'file',
  size,
  last_modified: '2024-01-01T00:00:00+00:00'
});
const dir = name => ({ name, type: 'dir', size: 0, last_modified: null });

beforeEach(() => resetStub());

describe('ProviderModel', () => {
  describe('#refresh', () => {
    it('should offer a choice only when the OIDC provider is configured', async () => {
      const model = new ProviderModel({
        fetchProviders: async () => ({ providers: [GLOBUS, { ...OIDC, configured: false }] })
      });
      await model.refresh();
      assert.equal(model.hasChoice, false);
      assert.equal(model.oidc, null);
      model.select('oidc');
      assert.equal(model.current, 'globus', 'an unconfigured provider cannot be selected');
    });

    it('should fall back to Globus when the OIDC provider goes away', async () => {
      let providers = [GLOBUS, OIDC];
      const model = new ProviderModel({ fetchProviders: async () => ({ providers }) });
      await model.refresh();
      model.select('oidc');
      assert.equal(model.current, 'oidc');
      providers = [GLOBUS];
      await model.refresh();
      assert.equal(model.current, 'globus');
    });

    it('should open the OIDC provider when Globus is not configured, until the user picks', async () => {
      const model = new ProviderModel({
        fetchProviders: async () => ({ providers: [{ ...GLOBUS, configured: false }, OIDC] })
      });
      await model.refresh();
      assert.equal(model.current, 'oidc');
      model.select('globus');
      await model.refresh();
      assert.equal(model.current, 'globus', 'the choice sticks');
    });

    it('should keep the providers and record the error when a refresh fails', async () => {
      let fail = false;
      const model = new ProviderModel({
        fetchProviders: async () => {
          if (fail) throw new Error('server restarting');
          return { providers: [GLOBUS, OIDC] };
        }
      });
      await model.refresh();
      fail = true;
      await model.refresh();
      assert.equal(model.error?.message, 'server restarting');
      assert.equal(model.oidc?.label, '127.0.0.1:4000');
    });
  });

  describe('#select', () => {
    it('should emit changed once per real change', async () => {
      const model = new ProviderModel({
        fetchProviders: async () => ({ providers: [GLOBUS, OIDC] })
      });
      await model.refresh();
      let emitted = 0;
      model.changed.connect(() => emitted++);
      model.select('oidc');
      model.select('oidc');
      model.select('globus');
      assert.equal(emitted, 2);
    });
  });
});

describe('tokenCountdown', () => {
  const token = (expires_at, status = 'ok') => ({ expires_at, expires_in: 0, scopes: [], status });
  it('should count down with the server clock offset', () => {
    const now = 1_000_000_000_000;
    const c = tokenCountdown(token(now / 1000 + 300), now, 0, 60);
    assert.deepEqual(c, { remainingMs: 300_000, state: 'ok' });
    // the server clock is 250 s ahead: 50 s left
    const skewed = tokenCountdown(token(now / 1000 + 300), now, 250_000, 60);
    assert.deepEqual(skewed, { remainingMs: 50_000, state: 'expiring' });
  });

  it('should say expired at and after expiry, and unknown without one', () => {
    const now = 2_000_000_000_000;
    assert.equal(tokenCountdown(token(now / 1000), now, 0, 60).state, 'expired');
    assert.equal(tokenCountdown(token(now / 1000 - 5), now, 0, 60).remainingMs, 0);
    assert.deepEqual(tokenCountdown(token(null), now, 0, 60), {
      remainingMs: null,
      state: 'unknown'
    });
  });
});

describe('OidcModel', () => {
  const status = (source, extra = {}) => ({
    configured: true,
    issuer: OIDC.issuer,
    label: OIDC.label,
    source,
    identity:
      source === 'none' ? null : { sub: 's', preferred_username: 'alice', name: 'A', email: null },
    token:
      source === 'none'
        ? null
        : {
            expires_in: 300,
            expires_at: Date.now() / 1000 + 300,
            scopes: ['platform'],
            status: 'ok'
          },
    problem: null,
    loginAvailable: true,
    platform: true,
    serverTime: Date.now() / 1000 + 10,
    ...extra
  });

  describe('#refresh', () => {
    it('should keep the status and the clock offset', async () => {
      stub.handlers.getOidcStatus = async () => status('client-credentials');
      const model = new OidcModel({ pollInterval: 0 });
      await model.refresh();
      assert.equal(model.status.source, 'client-credentials');
      assert.ok(Math.abs(model.clockOffsetMs - 10_000) < 1000, String(model.clockOffsetMs));
      model.dispose();
    });
  });

  describe('#start', () => {
    it('should start the status poll and never a login', async () => {
      stub.handlers.getOidcStatus = async () => status('none');
      const model = new OidcModel({ pollInterval: 0 });
      model.start();
      await new Promise(r => setImmediate(r));
      assert.deepEqual(
        stub.calls.map(c => c.name),
        ['getOidcStatus']
      );
      model.dispose();
    });
  });

  describe('#complete', () => {
    it('should send the code with the pending state and announce new credentials', async () => {
      let source = 'none';
      stub.handlers.getOidcStatus = async () => status(source);
      stub.handlers.startOidcLogin = async redirect => ({
        url: 'http://127.0.0.1:4000/auth?x=1',
        state: 'st-1',
        redirectUri: redirect === 'paste' ? 'oob' : 'cb',
        scopes: []
      });
      stub.handlers.completeOidcLogin = async () => {
        source = 'stored-login';
        return { identity: null, source };
      };
      const model = new OidcModel({ pollInterval: 0 });
      let announced = 0;
      model.credentialsChanged.connect(() => announced++);
      const started = await model.login('paste');
      assert.equal(started.redirectUri, 'oob');
      assert.equal(model.pending.state, 'st-1');
      assert.equal(await model.complete('  the-code \n'), true);
      const call = stub.calls.find(c => c.name === 'completeOidcLogin');
      assert.deepEqual(call.args, ['the-code', 'st-1']);
      assert.equal(model.pending, null);
      assert.equal(model.status.source, 'stored-login');
      assert.equal(announced, 1);
      model.dispose();
    });

    it('should keep the error of a refused code and not announce anything', async () => {
      stub.handlers.completeOidcLogin = async () => {
        throw new Error('OIDC_NO_PENDING_LOGIN');
      };
      const model = new OidcModel({ pollInterval: 0 });
      let announced = 0;
      model.credentialsChanged.connect(() => announced++);
      assert.equal(await model.complete('c'), false);
      assert.equal(model.actionError.message, 'OIDC_NO_PENDING_LOGIN');
      assert.equal(model.busy, false);
      assert.equal(announced, 0);
      model.dispose();
    });
  });

  describe('#settle', () => {
    it('should announce a login the server finished through its callback', async () => {
      stub.handlers.startOidcLogin = async () => ({
        url: 'u',
        state: 's',
        redirectUri: 'cb',
        scopes: []
      });
      stub.handlers.getOidcStatus = async () => status('stored-login');
      const model = new OidcModel({ pollInterval: 0 });
      let announced = 0;
      model.credentialsChanged.connect(() => announced++);
      await model.settle();
      assert.equal(announced, 0, 'nothing pending: nothing to settle');
      await model.login();
      await model.settle();
      assert.equal(announced, 1);
      model.dispose();
    });
  });

  describe('#logout', () => {
    it('should log out, re-read the status and announce it', async () => {
      stub.handlers.oidcLogout = async () => ({ removed: true });
      stub.handlers.getOidcStatus = async () => status('none');
      const model = new OidcModel({ pollInterval: 0 });
      let announced = 0;
      model.credentialsChanged.connect(() => announced++);
      assert.equal(await model.logout(), true);
      assert.equal(model.status.source, 'none');
      assert.equal(announced, 1);
      model.dispose();
    });
  });
});

describe('workspaceCrumbs', () => {
  it('should start at the workspace and end at the folder', () => {
    assert.deepEqual(workspaceCrumbs('ws', 'a/b/'), [
      { label: 'ws', prefix: '' },
      { label: 'a', prefix: 'a/' },
      { label: 'b', prefix: 'a/b/' }
    ]);
    assert.deepEqual(workspaceCrumbs('ws', ''), [{ label: 'ws', prefix: '' }]);
  });
});

describe('WorkspaceModel', () => {
  describe('#loadWorkspaces', () => {
    it('should keep the workspaces and the error of a failed load', async () => {
      stub.handlers.listWorkspaces = async () => ({ workspaces: [ALICE_WS] });
      const model = new WorkspaceModel();
      await model.loadWorkspaces();
      assert.deepEqual(
        model.workspaces.map(w => w.name),
        ['demo-alice-private-workspace']
      );
      stub.handlers.listWorkspaces = async () => {
        throw new Error('OIDC_LOGIN_REQUIRED');
      };
      await model.loadWorkspaces();
      assert.equal(model.error.message, 'OIDC_LOGIN_REQUIRED');
      assert.equal(model.busy, false);
    });
  });

  describe('#open', () => {
    it('should follow next_marker through every page and sort folders first', async () => {
      const pages = {
        '': { entries: [file('b.csv', 5), dir('weather')], next_marker: 'm1' },
        m1: { entries: [file('a.csv', 9)], next_marker: null }
      };
      stub.handlers.lsWorkspace = async (name, page) => ({
        workspace: name,
        prefix: page.prefix,
        ...pages[page.marker ?? '']
      });
      const model = new WorkspaceModel({ pageSize: 2 });
      await model.open(ALICE_WS);
      const calls = stub.calls.filter(c => c.name === 'lsWorkspace');
      assert.deepEqual(
        calls.map(c => [c.args[0], c.args[1]]),
        [
          [ALICE_WS.name, { prefix: '', marker: null, limit: 2 }],
          [ALICE_WS.name, { prefix: '', marker: 'm1', limit: 2 }]
        ]
      );
      assert.deepEqual(
        model.entries.map(e => e.name),
        ['weather', 'a.csv', 'b.csv']
      );
      model.sortBy('size');
      assert.deepEqual(
        model.entries.map(e => e.name),
        ['weather', 'b.csv', 'a.csv']
      );
      model.sortBy('size');
      assert.deepEqual(
        model.entries.map(e => e.name),
        ['weather', 'a.csv', 'b.csv'],
        'descending size: 9 then 5, the folder still first'
      );
    });

    it('should stop at the entry limit and say it was truncated', async () => {
      let n = 0;
      stub.handlers.lsWorkspace = async () => ({
        workspace: 'w',
        prefix: '',
        entries: [file(`f${n++}`), file(`f${n++}`)],
        next_marker: 'more'
      });
      const model = new WorkspaceModel({ pageSize: 2, maxEntries: 5 });
      await model.open('w');
      assert.equal(model.entries.length, 5);
      assert.equal(model.truncated, true);
      assert.equal(stub.calls.length, 3, 'bounded: no request after the limit');
    });
  });

  describe('#cd', () => {
    it('should drop the answer of a folder left before it arrived', async () => {
      let release;
      stub.handlers.lsWorkspace = (name, page) =>
        page.prefix === 'slow/'
          ? new Promise(r => (release = () => r({ entries: [file('stale')], next_marker: null })))
          : Promise.resolve({ entries: [file('fresh')], next_marker: null });
      const model = new WorkspaceModel();
      await model.open(ALICE_WS);
      const slow = model.cd('slow');
      await model.cd('weather/');
      release();
      await slow;
      assert.equal(model.prefix, 'weather/');
      assert.deepEqual(
        model.entries.map(e => e.name),
        ['fresh']
      );
    });

    it('should go up one folder and give entry keys relative to the workspace', async () => {
      stub.handlers.lsWorkspace = async () => ({
        entries: [dir('x'), file('y.csv')],
        next_marker: null
      });
      const model = new WorkspaceModel();
      await model.open(ALICE_WS, 'a/b/');
      assert.equal(model.keyOf(model.entries[0]), 'a/b/x/');
      assert.equal(model.keyOf(model.entries[1]), 'a/b/y.csv');
      await model.up();
      assert.equal(model.prefix, 'a/');
      await model.up();
      await model.up();
      assert.equal(model.prefix, '');
      assert.deepEqual(
        model.breadcrumbs().map(c => c.label),
        [ALICE_WS.name]
      );
    });
  });

  describe('#reset', () => {
    it('should forget the workspaces and the open folder', async () => {
      stub.handlers.listWorkspaces = async () => ({ workspaces: [ALICE_WS] });
      stub.handlers.lsWorkspace = async () => ({ entries: [file('a')], next_marker: null });
      const model = new WorkspaceModel();
      await model.loadWorkspaces();
      await model.open(ALICE_WS.name);
      assert.equal(model.workspace.bucket, 'demo-workspaces', 'found by name in the list');
      model.reset();
      assert.equal(model.workspace, null);
      assert.equal(model.workspaces.length, 0);
      assert.equal(model.entries.length, 0);
    });
  });
});

describe('oidc-cell-snippets', () => {
  describe('#withOidcConnect', () => {
    it('should add the connectOidc lines once per notebook', () => {
      const { withOidcConnect, workspacesCell, OIDC_CONNECT_CELL } = oidcSnippets;
      const first = withOidcConnect(workspacesCell(), []);
      assert.ok(first.startsWith(OIDC_CONNECT_CELL));
      assert.ok(first.endsWith('await oidc.workspaces();'));
      assert.equal(withOidcConnect(workspacesCell(), [first]), 'await oidc.workspaces();');
      // A Globus `connect(` does not count as an OIDC session.
      const globus =
        "import { connect } from '@jupyterlab-globus-kit/kernel-helpers';\nconst globus = await connect();";
      assert.ok(withOidcConnect(workspacesCell(), [globus]).includes('connectOidc({'));
    });
  });

  describe('#workspaceFetchCsvCell', () => {
    it('should keep hostile names as string literals and avoid the session name', () => {
      const { workspaceFetchCsvCell, workspaceLsCell } = oidcSnippets;
      const evil = "x'); process.exit(1); ('.csv";
      const cell = workspaceFetchCsvCell('ws"1', `weather/${evil}`);
      assert.ok(cell.includes(JSON.stringify(`weather/${evil}`)));
      assert.ok(cell.includes(JSON.stringify('ws"1')));
      assert.doesNotThrow(() => new Function(`return async () => { ${cell} }`));
      assert.match(workspaceFetchCsvCell('w', 'a/oidc.csv'), /^const oidcData = /);
      assert.equal(
        workspaceLsCell('w', "a'b/"),
        `await (await oidc.workspace("w")).ls(${JSON.stringify("a'b/")});`
      );
    });
  });
});
