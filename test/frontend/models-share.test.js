// Unit tests of the Share dialog's UI-free model (issue #16, Sharing:
// src/model/share-model.ts) under jest, with the ONE HTTP module replaced through
// jest.mock (./api-mock.js): when Share… applies and the reason when it does not,
// principal labels, the identity look-up's bound on requests (debounce, minimum length,
// cache, stale answers dropped), add and revoke with the list reloaded, and typed errors
// kept with their consent URL.
import assert from 'node:assert/strict';

import { GlobusKitApiError } from '../../src/api';
import { ShareModel, shareability, principalLabel } from '../../src/model/share-model';
import { resetStub, stub } from './api-mock';

jest.mock('../../src/api', () =>
  jest.requireActual('./api-mock').mockApi(jest.requireActual('../../src/api'))
);

const GUEST = {
  id: '9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2',
  display_name: 'Guest',
  entity_type: 'GCSv5_guest_collection',
  my_effective_roles: ['administrator']
};
const GRACE = { id: '1f4e8c2d-6b3a-4d9e-8a7f-0c1b2d3e4f33', username: 'grace@globusid.org' };
const dir = name => ({ name, type: 'dir', size: 0 });
const file = name => ({ name, type: 'file', size: 1 });
const pathOf = e => `/top/${e.name}`;
const calls = name => stub.calls.filter(c => c.name === name);

describe('shareability', () => {
  it('should share the open folder, or the one selected folder', () => {
    assert.deepEqual(shareability(GUEST, '/top', [], pathOf), { ok: true, path: '/top/' });
    assert.deepEqual(shareability(GUEST, '/top/', [dir('a')], pathOf), {
      ok: true,
      path: '/top/a/'
    });
  });

  it('should say why not: no collection, not a guest, no role, a file, several', () => {
    const reason = (...a) => shareability(...a).reason;
    assert.match(reason(null, '/', [], pathOf), /Open a guest collection/);
    assert.match(
      reason({ ...GUEST, entity_type: 'GCSv5_mapped_collection' }, '/', [], pathOf),
      /for guest collections; Guest is not one/
    );
    assert.match(
      reason({ ...GUEST, my_effective_roles: [] }, '/', [], pathOf),
      /access_manager role on Guest/
    );
    assert.match(reason(GUEST, '/', [file('x')], pathOf), /apply to folders/);
    assert.match(reason(GUEST, '/', [dir('a'), dir('b')], pathOf), /Select one folder/);
    // acl_editable or the access_manager role is enough
    assert.equal(
      shareability({ ...GUEST, my_effective_roles: ['access_manager'] }, '/', [], pathOf).ok,
      true
    );
    assert.equal(
      shareability({ ...GUEST, my_effective_roles: null, acl_editable: true }, '/', [], pathOf).ok,
      true
    );
  });

  it('should label principals by name, else by id, else by kind', () => {
    const rule = (principal_type, principal, principalName) => ({
      principal_type,
      principal,
      principalName,
      path: '/',
      permissions: 'r'
    });
    assert.equal(principalLabel(rule('identity', GRACE.id, GRACE.username)), GRACE.username);
    assert.equal(principalLabel(rule('group', 'g-id', null)), 'g-id');
    assert.equal(
      principalLabel(rule('all_authenticated_users', '', null)),
      'All authenticated users'
    );
    assert.equal(principalLabel(rule('anonymous', '', null)), 'Anyone (public)');
  });
});

describe('ShareModel', () => {
  beforeEach(() => resetStub());

  it('should send one look-up for a burst of keys, none under 3 characters, none twice', async () => {
    stub.handlers.lookupIdentities = async q => ({
      q,
      identities: q.startsWith('grace') ? [GRACE] : []
    });
    const model = new ShareModel({ collection: GUEST, path: '/top', debounceMs: 20 });
    assert.equal(model.path, '/top/');
    const typed = 'grace.colleague';
    const pending = [];
    for (let i = 1; i <= typed.length; i++) pending.push(model.lookup(typed.slice(0, i)));
    let bound;
    await Promise.race([
      Promise.all(pending.slice(-1)),
      new Promise(r => {
        bound = setTimeout(r, 2000);
      })
    ]);
    clearTimeout(bound); // a pending 2 s timer would keep jest's worker alive
    assert.equal(calls('lookupIdentities').length, 1);
    assert.equal(calls('lookupIdentities')[0].args[0], typed);
    assert.deepEqual(model.candidates, [GRACE]);
    assert.equal(model.lookupState, 'done');
    await model.lookup('gr');
    assert.equal(model.lookupState, 'idle');
    await model.lookup('a b');
    await model.lookup('a,b,c');
    await model.lookup(typed); // answered before: from the cache
    assert.equal(calls('lookupIdentities').length, 1);
    assert.deepEqual(model.candidates, [GRACE]);
    assert.equal(model.lookupRequests, 1);
  });

  it('should drop the answer of a look-up the user typed past', async () => {
    let release;
    stub.handlers.lookupIdentities = (q, init) =>
      q === 'slow'
        ? new Promise((resolve, reject) => {
            release = () => resolve({ q, identities: [GRACE] });
            init.signal.addEventListener('abort', () => reject(new Error('aborted')));
          })
        : { q, identities: [] };
    const model = new ShareModel({ collection: GUEST, path: '/', debounceMs: 0 });
    const first = model.lookup('slow');
    const deadline = Date.now() + 2000;
    while (!release && Date.now() < deadline) await new Promise(r => setTimeout(r, 5));
    await model.lookup('other');
    release();
    await first;
    assert.equal(model.query, 'other');
    assert.deepEqual(model.candidates, []);
    assert.equal(model.lookupState, 'done');
  });

  it('should keep a typed error with its consent URL', async () => {
    const error = new GlobusKitApiError(
      'No Groups token; grant the scope.',
      'NO_CREDENTIALS',
      401,
      {
        body: { code: 'NO_CREDENTIALS', message: 'x', consentUrl: 'https://auth.example/authorize' }
      }
    );
    stub.handlers.listMyGroups = async () => {
      throw error;
    };
    const model = new ShareModel({ collection: GUEST, path: '/' });
    await model.loadGroups();
    assert.deepEqual(model.groupsError, {
      message: 'No Groups token; grant the scope.',
      code: 'NO_CREDENTIALS',
      consentUrl: 'https://auth.example/authorize'
    });
    assert.equal(model.groups, null);
  });

  it('should add and revoke, reloading the folder rules after each', async () => {
    let rules = [];
    stub.handlers.listAccessRules = async (id, path) => ({
      collection: id,
      path,
      rules,
      notes: []
    });
    stub.handlers.addAccessRule = async (id, rule) => {
      rules = [
        {
          id: 'r1',
          principal_type: rule.principalType,
          principal: rule.principal,
          path: rule.path,
          permissions: rule.permissions,
          principalName: GRACE.username
        }
      ];
      return { code: 'Created', message: '', accessId: 'r1' };
    };
    stub.handlers.revokeAccessRule = async () => {
      rules = [];
      return { code: 'Deleted', message: '' };
    };
    const model = new ShareModel({ collection: GUEST, path: '/top/' });
    await model.refresh();
    assert.deepEqual(model.rules, []);
    assert.equal(
      await model.add(
        { principalType: 'identity', principal: GRACE.id, permissions: 'rw' },
        GRACE.username
      ),
      true
    );
    assert.deepEqual(calls('addAccessRule')[0].args.slice(0, 2), [
      GUEST.id,
      { principalType: 'identity', principal: GRACE.id, permissions: 'rw', path: '/top/' }
    ]);
    assert.equal(model.status, 'grace@globusid.org can now read and write /top/');
    assert.equal(model.rules.length, 1);
    assert.equal(await model.revoke(model.rules[0]), true);
    assert.deepEqual(calls('revokeAccessRule')[0].args.slice(0, 2), [GUEST.id, 'r1']);
    assert.deepEqual(model.rules, []);
    assert.equal(model.status, 'Revoked the access of grace@globusid.org.');
    assert.equal(
      await model.revoke({
        principal_type: 'identity',
        principal: 'x',
        principalName: null,
        path: '/',
        permissions: 'rw'
      }),
      false
    );
  });

  it('should keep a failed add as an error, the rules unchanged', async () => {
    stub.handlers.listAccessRules = async () => ({ rules: [], notes: [] });
    stub.handlers.addAccessRule = async () => {
      throw new GlobusKitApiError(
        'Transfer create access rule failed (409 Exists)',
        'CONFLICT',
        409
      );
    };
    const model = new ShareModel({ collection: GUEST, path: '/' });
    await model.refresh();
    assert.equal(
      await model.add({ principalType: 'anonymous', permissions: 'r' }, 'Anyone'),
      false
    );
    assert.equal(model.error.code, 'CONFLICT');
    assert.equal(model.busy, false);
    assert.equal(calls('listAccessRules').length, 1);
  });
});
