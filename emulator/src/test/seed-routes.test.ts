import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEmulator, type IEmulator } from '../index.js';
import { DEMO_IDENTITY_ID, NATIVE_CLIENT_ID, PUBLIC_COLLECTION_ID } from '../state/seed.js';

const TRANSFER_ALL = 'urn:globus:auth:scope:transfer.api.globus.org:all';
const HOSTILE = '<img src=x onerror=alert(1)>\u202Egpj.exe';

describe('admin seed routes', () => {
  let emu: IEmulator;
  let token: string;
  before(async () => {
    emu = await createEmulator({ seed: 3 });
    token = (
      await emu.auth.issueTokens({
        clientId: NATIVE_CLIENT_ID,
        identityId: DEMO_IDENTITY_ID,
        scope: TRANSFER_ALL
      })
    ).access_token;
  });
  after(() => emu.close());

  const admin = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${emu.urls.admin}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  const transfer = async (path: string): Promise<Record<string, unknown>> => {
    const r = await fetch(`${emu.urls.transfer}/v0.10${path}`, {
      headers: { Authorization: `Bearer ${token}` }
    });
    assert.equal(r.status, 200, path);
    return (await r.json()) as Record<string, unknown>;
  };

  describe('POST /seed/collections', () => {
    it('should add a searchable, listable collection with a hostile name, served over HTTPS', async () => {
      const long = 'L'.repeat(5000);
      const r = await admin('POST', '/seed/collections', {
        display_name: `${HOSTILE} javascript:alert(1) ../../etc ${long}`,
        organization: '<b>org</b>',
        keywords: 'injectionseed',
        files: { [`/dir/${HOSTILE}.csv`]: 'a,b\n1,2\n' }
      });
      assert.equal(r.status, 201);
      const made = (await r.json()) as { id: string; display_name: string; https_server: string };
      assert.ok(made.display_name.startsWith(HOSTILE));
      assert.equal(made.https_server, emu.urls.collections[made.id]);

      const search = await transfer(
        '/endpoint_search?filter_fulltext=injectionseed&filter_scope=all'
      );
      const found = (search.DATA as Array<{ id: string; display_name: string }>).find(
        d => d.id === made.id
      );
      assert.equal(found?.display_name, made.display_name);
      const ls = await transfer(`/operation/endpoint/${made.id}/ls?path=%2Fdir%2F`);
      assert.deepEqual(
        (ls.DATA as Array<{ name: string }>).map(d => d.name),
        [`${HOSTILE}.csv`]
      );
      // anonymous read rule: the file is readable over HTTPS without a token
      const file = await fetch(`${made.https_server}/dir/${encodeURIComponent(`${HOSTILE}.csv`)}`);
      assert.equal(file.status, 200);
      assert.equal(await file.text(), 'a,b\n1,2\n');
    });

    it('should refuse a missing display_name and a file path with ..', async () => {
      const noName = await admin('POST', '/seed/collections', { organization: 'x' });
      assert.equal(noName.status, 400);
      assert.equal(((await noName.json()) as { field: string }).field, 'display_name');
      const escape = await admin('POST', `/seed/collections/${PUBLIC_COLLECTION_ID}/files`, {
        files: { '/share/../../../escape.txt': 'x' }
      });
      assert.equal(escape.status, 400);
      assert.equal(existsSync(join(emu.dataDir, 'escape.txt')), false);
      assert.equal(existsSync(join(emu.dataDir, 'collections', 'escape.txt')), false);
    });
  });

  describe('PATCH /seed/collections/<id>', () => {
    it('should rename a seeded collection in its Transfer document', async () => {
      const r = await admin('PATCH', `/seed/collections/${PUBLIC_COLLECTION_ID}`, {
        display_name: HOSTILE,
        description: '<script>alert(1)</script>'
      });
      assert.equal(r.status, 200);
      const doc = await transfer(`/endpoint/${PUBLIC_COLLECTION_ID}`);
      assert.equal(doc.display_name, HOSTILE);
      assert.equal(doc.description, '<script>alert(1)</script>');
      assert.equal(
        (await admin('PATCH', '/seed/collections/nope', { display_name: 'x' })).status,
        404
      );
    });
  });

  describe('POST /seed/collections/<id>/files', () => {
    it('should write files with hostile names inside the collection', async () => {
      const r = await admin('POST', `/seed/collections/${PUBLIC_COLLECTION_ID}/files`, {
        files: { [`/hostile/${HOSTILE}`]: 'x' }
      });
      assert.equal(r.status, 201);
      assert.deepEqual(await r.json(), { written: [`/hostile/${HOSTILE}`] });
      const root = emu.collections.rootOf(PUBLIC_COLLECTION_ID) as string;
      assert.equal(readFileSync(join(root, 'hostile', HOSTILE), 'utf8'), 'x');
    });
  });

  describe('POST /seed/tasks', () => {
    it('should record 1,000 finished tasks that task_list pages newest first', async () => {
      const before = (await transfer('/task_list?limit=1')).total as number;
      const r = await admin('POST', '/seed/tasks', { count: 1000, label: 'history' });
      assert.equal(r.status, 201);
      const ids = ((await r.json()) as { task_ids: string[] }).task_ids;
      assert.equal(ids.length, 1000);
      assert.equal(new Set(ids).size, 1000);
      const page = await transfer('/task_list?limit=25&offset=0&orderby=request_time%20DESC');
      assert.equal(page.total, before + 1000);
      const tasks = page.DATA as Array<Record<string, unknown>>;
      assert.equal(tasks.length, 25);
      assert.equal(tasks[0].task_id, ids[999]);
      assert.equal(tasks[0].label, 'history 1000');
      assert.equal(tasks[0].status, 'SUCCEEDED');
      assert.equal(tasks[0].source_endpoint_id, PUBLIC_COLLECTION_ID);
      assert.equal(tasks[0].files_transferred, 1);
      assert.equal(tasks[0].bytes_transferred, 1000);
      const last = await transfer('/task_list?limit=25&offset=975&orderby=request_time%20DESC');
      assert.equal((last.DATA as Array<{ label: string }>).at(-1)?.label, 'history 0001');
      // The detail routes answer for a seeded task as for a run one.
      const events = await transfer(`/task/${ids[0]}/event_list`);
      assert.equal((events.DATA as Array<{ code: string }>)[0].code, 'SUCCEEDED');
      const copied = await transfer(`/task/${ids[0]}/successful_transfers`);
      assert.equal((copied.DATA as unknown[]).length, 1);
    });

    it('should record FAILED tasks with their fault', async () => {
      const r = await admin('POST', '/seed/tasks', { count: 2, status: 'FAILED', label: 'broken' });
      assert.equal(r.status, 201);
      const [id] = ((await r.json()) as { task_ids: string[] }).task_ids;
      const task = await transfer(`/task/${id}`);
      assert.equal(task.status, 'FAILED');
      assert.equal((task.fatal_error as { code: string }).code, 'PERMISSION_DENIED');
      assert.equal(task.faults, 1);
      const events = await transfer(`/task/${id}/event_list`);
      assert.equal((events.DATA as Array<{ is_error: boolean }>)[0].is_error, true);
    });

    it('should refuse a bad count, status or collection', async () => {
      for (const [body, field] of [
        [{ count: 0 }, 'count'],
        [{ count: 10_001 }, 'count'],
        [{ count: 1.5 }, 'count'],
        [{ count: 1, status: 'ACTIVE' }, 'status'],
        [{ count: 1, label: 7 }, 'label']
      ] as const) {
        const r = await admin('POST', '/seed/tasks', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(((await r.json()) as { field: string }).field, field);
      }
      const none = await admin('POST', '/seed/tasks', {
        count: 1,
        destination: '00000000-0000-4000-8000-000000000000'
      });
      assert.equal(none.status, 404);
    });
  });

  describe('PATCH /seed/identities/<id>', () => {
    it('should change the name userinfo and GLOBUS_DATA report', async () => {
      const r = await admin('PATCH', `/seed/identities/${DEMO_IDENTITY_ID}`, {
        name: HOSTILE,
        organization: 'javascript:alert(1)'
      });
      assert.equal(r.status, 200);
      const info = await fetch(`${emu.urls.auth}/v2/oauth2/userinfo`, {
        headers: {
          Authorization: `Bearer ${
            (
              await emu.auth.issueTokens({
                clientId: NATIVE_CLIENT_ID,
                identityId: DEMO_IDENTITY_ID,
                scope: 'openid profile email'
              })
            ).access_token
          }`
        }
      });
      const claims = (await info.json()) as { name: string; organization: string };
      assert.equal(claims.name, HOSTILE);
      assert.equal(claims.organization, 'javascript:alert(1)');
      const state = JSON.stringify(await emu.authState());
      assert.ok(state.includes('\\u202e') || state.includes('\u202E'));
    });

    it('should refuse a bad field and an unknown identity', async () => {
      const bad = await admin('PATCH', `/seed/identities/${DEMO_IDENTITY_ID}`, { username: 5 });
      assert.equal(bad.status, 400);
      const none = await admin('PATCH', '/seed/identities/00000000-0000-4000-8000-000000000000', {
        name: 'x'
      });
      assert.equal(none.status, 404);
    });
  });
});
