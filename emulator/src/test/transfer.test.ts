/**
 * Transfer v0.10 routes over real HTTP against `createEmulator`, with tokens minted by its
 * Auth: search and paging, endpoint documents, ls, mkdir, rename, bookmarks, access rules,
 * and the error shapes (401, ConsentRequired, path traversal). Documents are compared key by
 * key with the recorded Globus responses (keys hand-copied from globus-cli's fixtures).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  COLLEAGUE_IDENTITY_ID,
  DEMO_IDENTITY_ID,
  GUEST_COLLECTION_ID,
  MAPPED_COLLECTION_ID,
  PUBLIC_COLLECTION_ID,
  TUTORIAL_ENDPOINT_ID,
  WEATHER_DIR
} from '../state/seed.js';
import { startWorld, type IWorld } from './transfer-fixture.js';

/** Keys of a recorded `endpoint_search` item (endpoint_operations.yaml). */
const recordedSearchItemKeys = [
  'DATA_TYPE',
  '_rank',
  'acl_available',
  'acl_editable',
  'activated',
  'authentication_assurance_timeout',
  'authentication_timeout_mins',
  'canonical_name',
  'contact_email',
  'contact_info',
  'default_directory',
  'department',
  'description',
  'disable_verify',
  'display_name',
  'entity_type',
  'expire_time',
  'expires_in',
  'force_encryption',
  'force_verify',
  'gcp_connected',
  'gcp_paused',
  'gcs_version',
  'globus_connect_setup_key',
  'high_assurance',
  'host_endpoint',
  'host_endpoint_display_name',
  'host_endpoint_id',
  'host_path',
  'https_server',
  'id',
  'in_use',
  'info_link',
  'is_globus_connect',
  'is_go_storage',
  'keywords',
  'local_user_info_available',
  'location',
  'max_concurrency',
  'max_parallelism',
  'mfa_required',
  'my_effective_roles',
  'myproxy_dn',
  'myproxy_server',
  'name',
  'network_use',
  'non_functional',
  'oauth_server',
  'organization',
  'owner_id',
  'owner_string',
  'preferred_concurrency',
  'preferred_parallelism',
  'public',
  's3_owner_activated',
  's3_url',
  'shareable',
  'sharing_target_endpoint',
  'sharing_target_root_path',
  'storage_type',
  'subscription_id',
  'tlsftp_server',
  'user_message',
  'user_message_link',
  'username'
];

/** Keys of a recorded GCSv5 collection document (collection_operations.yaml). */
const recordedCollectionKeys = [
  'DATA',
  'DATA_TYPE',
  'activated',
  'canonical_name',
  'contact_email',
  'contact_info',
  'default_directory',
  'department',
  'description',
  'display_name',
  'entity_type',
  'force_encryption',
  'gcs_manager_url',
  'gcs_version',
  'high_assurance',
  'host_endpoint_id',
  'id',
  'info_link',
  'is_globus_connect',
  'keywords',
  'local_user_info_available',
  'non_functional',
  'organization',
  'owner_id',
  'owner_string',
  'public',
  'shareable',
  'subscription_id'
];

/** Keys of a recorded `ls` entry and listing (ls_results.yaml). */
const recordedFileKeys = [
  'DATA_TYPE',
  'group',
  'last_modified',
  'link_group',
  'link_last_modified',
  'link_size',
  'link_target',
  'link_user',
  'name',
  'permissions',
  'size',
  'type',
  'user'
];
const recordedFileListKeys = [
  'DATA',
  'DATA_TYPE',
  'absolute_path',
  'endpoint',
  'length',
  'path',
  'rename_supported',
  'symlink_supported',
  'total'
];

function assertHasKeys(doc: Record<string, unknown>, keys: string[], what: string): void {
  const missing = keys.filter(k => !(k in doc));
  assert.deepEqual(missing, [], `${what} lacks recorded keys`);
}

function assertTransferError(
  res: { status: number; body: Record<string, unknown> },
  status: number,
  code: string
): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code);
  assert.equal(typeof res.body.message, 'string');
  assert.match(String(res.body.request_id), /^[A-Za-z0-9]{9}$/);
  assert.equal(typeof res.body.resource, 'string');
  assert.ok(!String(res.body.resource).startsWith('/v0.10'), 'resource has no /v0.10 prefix');
}

describe('Transfer router', () => {
  let world: IWorld;
  before(async () => {
    world = await startWorld();
  });
  after(async () => {
    await world.close();
  });

  describe('#authentication', () => {
    it('should answer 401 AuthenticationFailed without a token, with a bad token and a wrong audience', async () => {
      const path = `/endpoint/${PUBLIC_COLLECTION_ID}`;
      for (const token of [null, 'not-a-token']) {
        const res = await world.api('GET', path, { token });
        assertTransferError(res, 401, 'AuthenticationFailed');
        assert.equal(res.body.resource, path);
      }
      const groups = await world.token('urn:globus:auth:scope:groups.api.globus.org:all');
      assertTransferError(
        await world.api('GET', path, { token: groups }),
        401,
        'AuthenticationFailed'
      );
    });

    it('should answer 401 once a token expired or was revoked', async () => {
      const token = await world.token('urn:globus:auth:scope:transfer.api.globus.org:all');
      assert.equal((await world.api('GET', '/bookmark_list', { token })).status, 200);
      world.emu.auth.expireNow(token);
      assertTransferError(
        await world.api('GET', '/bookmark_list', { token }),
        401,
        'AuthenticationFailed'
      );
    });
  });

  describe('#endpoint_search', () => {
    it('should find the tutorial collection by full text with every recorded key', async () => {
      const res = await world.api('GET', '/endpoint_search', {
        query: { filter_fulltext: 'tutorials public', limit: '5' }
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.DATA_TYPE, 'endpoint_list');
      const hit = res.body.DATA?.[0] as Record<string, unknown>;
      assert.equal(hit.id, PUBLIC_COLLECTION_ID);
      assert.equal(hit.display_name, 'Globus Tutorials Public Data');
      assertHasKeys(hit, recordedSearchItemKeys, 'search item');
      assert.equal(hit.https_server, world.emu.urls.collections[PUBLIC_COLLECTION_ID]);
    });

    it('should page with limit/offset and has_next_page without repeating items', async () => {
      const seen: string[] = [];
      let offset = 0;
      let pages = 0;
      for (;;) {
        const res = await world.api('GET', '/endpoint_search', {
          query: { filter_fulltext: 'weather', limit: '2', offset: String(offset) }
        });
        assert.equal(res.status, 200);
        assert.equal(res.body.limit, 2);
        assert.equal(res.body.offset, offset);
        seen.push(...(res.body.DATA ?? []).map(d => d.id as string));
        pages++;
        if (!res.body.has_next_page) break;
        offset += 2;
        assert.ok(pages < 20, 'paging ends');
      }
      assert.ok(seen.length >= 5, `weather matches several collections (${seen.length})`);
      assert.equal(new Set(seen).size, seen.length);
      assert.ok(pages >= 3);
    });

    it('should honour filter_scope', async () => {
      const ids = async (scope: string) =>
        (
          (await world.api('GET', '/endpoint_search', { query: { filter_scope: scope } })).body
            .DATA ?? []
        ).map(d => d.id);
      const mine = await ids('my-endpoints');
      assert.ok(mine.includes(GUEST_COLLECTION_ID));
      assert.ok(!mine.includes(PUBLIC_COLLECTION_ID));
      const shared = await ids('shared-with-me');
      assert.ok(shared.length >= 2, 'a colleague share and a group share');
      assert.ok(!shared.includes(GUEST_COLLECTION_ID), 'own collections are not shared with me');
      assert.deepEqual(await ids('shared-by-me'), [GUEST_COLLECTION_ID]);
      await world.api('GET', `/operation/endpoint/${PUBLIC_COLLECTION_ID}/ls`, {
        query: { path: '/' }
      });
      assert.equal((await ids('recently-used'))[0], PUBLIC_COLLECTION_ID);
    });

    it('should reject scope all without fulltext, bad scopes and limits past the caps', async () => {
      assertTransferError(
        await world.api('GET', '/endpoint_search'),
        400,
        'ClientError.BadRequest'
      );
      assertTransferError(
        await world.api('GET', '/endpoint_search', { query: { filter_scope: 'everything' } }),
        400,
        'ClientError.BadRequest'
      );
      assertTransferError(
        await world.api('GET', '/endpoint_search', {
          query: { filter_fulltext: 'x', limit: '101' }
        }),
        400,
        'ClientError.BadRequest'
      );
      assertTransferError(
        await world.api('GET', '/endpoint_search', {
          query: { filter_fulltext: 'x', limit: '100', offset: '950' }
        }),
        400,
        'ClientError.BadRequest'
      );
    });

    it('should filter by entity type and non_functional', async () => {
      const res = await world.api('GET', '/endpoint_search', {
        query: { filter_fulltext: 'tutorial', filter_entity_type: 'GCSv5_endpoint' }
      });
      assert.deepEqual(
        (res.body.DATA ?? []).map(d => d.id),
        [TUTORIAL_ENDPOINT_ID]
      );
    });
  });

  describe('#endpoint', () => {
    it('should return collection documents with the recorded keys', async () => {
      for (const id of [PUBLIC_COLLECTION_ID, MAPPED_COLLECTION_ID, GUEST_COLLECTION_ID]) {
        const res = await world.api('GET', `/endpoint/${id}`);
        assert.equal(res.status, 200);
        assertHasKeys(res.body, recordedCollectionKeys, id);
        assert.equal(res.body.https_server, world.emu.urls.collections[id]);
      }
      const mapped = (await world.api('GET', `/endpoint/${MAPPED_COLLECTION_ID}`)).body;
      assert.equal(mapped.entity_type, 'GCSv5_mapped_collection');
      assert.equal(mapped.high_assurance, false);
      const guest = (await world.api('GET', `/endpoint/${GUEST_COLLECTION_ID}`)).body;
      assert.equal(guest.host_endpoint_id, MAPPED_COLLECTION_ID);
      assert.deepEqual(guest.my_effective_roles, ['administrator']);
      const ep = (await world.api('GET', `/endpoint/${TUTORIAL_ENDPOINT_ID}`)).body;
      assert.equal(ep.non_functional, true);
      assert.equal(ep.entity_type, 'GCSv5_endpoint');
    });

    it('should answer 404 EndpointNotFound for an unknown id', async () => {
      const res = await world.api('GET', '/endpoint/00000000-0000-4000-8000-000000000000');
      assertTransferError(res, 404, 'EndpointNotFound');
    });
  });

  describe('#ls', () => {
    const ls = (id: string, query: Record<string, string | string[]>, token?: string) =>
      world.api('GET', `/operation/endpoint/${id}/ls`, { query, token });

    it('should list the weather CSVs with the recorded keys and space-separated times', async () => {
      const res = await ls(PUBLIC_COLLECTION_ID, { path: WEATHER_DIR.slice(0, -1) });
      assert.equal(res.status, 200);
      assertHasKeys(res.body, recordedFileListKeys, 'file_list');
      assert.equal(res.body.path, WEATHER_DIR, 'path echoed with a trailing slash');
      const names = (res.body.DATA ?? []).map(d => d.name);
      assert.ok(names.includes('1948.csv') && names.includes('1960.csv'));
      const entry = res.body.DATA?.[0] as Record<string, unknown>;
      assertHasKeys(entry, recordedFileKeys, 'file entry');
      assert.match(String(entry.last_modified), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$/);
      assert.match(String(entry.permissions), /^0[0-7]{3}$/);
      assert.equal(res.body.total, names.length);
    });

    it('should page with limit and offset, reporting length and total', async () => {
      const all = (await ls(PUBLIC_COLLECTION_ID, { path: WEATHER_DIR })).body;
      const page = (await ls(PUBLIC_COLLECTION_ID, { path: WEATHER_DIR, limit: '3', offset: '2' }))
        .body;
      assert.equal(page.length, 3);
      assert.equal(page.total, all.total);
      assert.deepEqual(
        (page.DATA ?? []).map(d => d.name),
        (all.DATA ?? []).slice(2, 5).map(d => d.name)
      );
    });

    it('should filter and order', async () => {
      const res = await ls(PUBLIC_COLLECTION_ID, {
        path: WEATHER_DIR,
        filter: 'name:~195*.csv/type:file',
        orderby: 'name DESC'
      });
      const names = (res.body.DATA ?? []).map(d => d.name);
      assert.equal(names.length, 10);
      assert.equal(names[0], '1959.csv');
      assert.equal(names[9], '1950.csv');
      const bad = await ls(PUBLIC_COLLECTION_ID, { path: WEATHER_DIR, orderby: 'owner ASC' });
      assertTransferError(bad, 400, 'ClientError.BadRequest');
    });

    it('should hide dot files when show_hidden is 0 or false', async () => {
      await writeFile(
        join(world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string, '.hidden'),
        'x'
      );
      for (const [value, shown] of [
        ['1', true],
        ['true', true],
        ['0', false],
        ['false', false]
      ] as const) {
        const names = (
          (await ls(GUEST_COLLECTION_ID, { path: '/', show_hidden: value })).body.DATA ?? []
        ).map(d => d.name);
        assert.equal(names.includes('.hidden'), shown, `show_hidden=${value}`);
      }
      const def = ((await ls(GUEST_COLLECTION_ID, { path: '/' })).body.DATA ?? []).map(d => d.name);
      assert.ok(def.includes('.hidden'), 'show_hidden defaults to true');
    });

    it('should answer the documented errors', async () => {
      assertTransferError(
        await ls(PUBLIC_COLLECTION_ID, { path: '/nope/' }),
        404,
        'ClientError.NotFound'
      );
      assertTransferError(
        await ls(PUBLIC_COLLECTION_ID, { path: `${WEATHER_DIR}1952.csv` }),
        502,
        'ExternalError.DirListingFailed.NotDirectory'
      );
      assertTransferError(await ls(TUTORIAL_ENDPOINT_ID, { path: '/' }), 400, 'NotSupported');
    });

    it('should refuse path traversal and symlinks out of the collection', async () => {
      assertTransferError(
        await ls(PUBLIC_COLLECTION_ID, { path: '/../../' }),
        400,
        'ClientError.BadRequest'
      );
      assertTransferError(
        await ls(PUBLIC_COLLECTION_ID, { path: '/portal/../../etc/' }),
        400,
        'ClientError.BadRequest'
      );
      const root = world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string;
      await symlink(world.emu.dataDir, join(root, 'escape'));
      const res = await ls(GUEST_COLLECTION_ID, { path: '/escape/' });
      assertTransferError(res, 403, 'EndpointPermissionDenied');
      const listing = await ls(GUEST_COLLECTION_ID, { path: '/' });
      const entry = (listing.body.DATA ?? []).find(d => d.name === 'escape');
      assert.equal(entry?.type, 'invalid_symlink');
    });
  });

  describe('#ConsentRequired', () => {
    it('should require data_access on the non-HA mapped collection in both formats', async () => {
      const res = await world.api('GET', `/operation/endpoint/${MAPPED_COLLECTION_ID}/ls`, {
        query: { path: '/~/' }
      });
      assertTransferError(res, 403, 'ConsentRequired');
      const scope = `urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/${MAPPED_COLLECTION_ID}/data_access]`;
      assert.deepEqual(res.body.required_scopes, [scope]);
      assert.deepEqual(res.body.authorization_parameters, {
        session_message: 'Missing required data_access consent',
        required_scopes: [scope]
      });
      assert.equal(res.body.resource, `/operation/endpoint/${MAPPED_COLLECTION_ID}/ls`);
    });

    it('should list the home directory once the consent is in the token', async () => {
      const res = await world.api('GET', `/operation/endpoint/${MAPPED_COLLECTION_ID}/ls`, {
        token: world.transferConsented,
        query: { path: '/~/' }
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.path, '/~/');
    });

    it('should not require it for guest collections', async () => {
      const res = await world.api('GET', `/operation/endpoint/${GUEST_COLLECTION_ID}/ls`, {
        query: { path: '/' }
      });
      assert.equal(res.status, 200);
    });
  });

  describe('#mkdir', () => {
    it('should create a directory and fail with 502 ExternalError.MkdirFailed.Exists the second time', async () => {
      const body = { DATA_TYPE: 'mkdir', path: '/made/' };
      const first = await world.api('POST', `/operation/endpoint/${GUEST_COLLECTION_ID}/mkdir`, {
        body
      });
      assert.equal(first.status, 200);
      assert.deepEqual(Object.keys(first.body).sort(), [
        'DATA_TYPE',
        'code',
        'message',
        'request_id',
        'resource'
      ]);
      assert.equal(first.body.code, 'DirectoryCreated');
      const again = await world.api('POST', `/operation/endpoint/${GUEST_COLLECTION_ID}/mkdir`, {
        body
      });
      assertTransferError(again, 502, 'ExternalError.MkdirFailed.Exists');
    });

    it('should refuse writes the access rules do not grant', async () => {
      const res = await world.api('POST', `/operation/endpoint/${PUBLIC_COLLECTION_ID}/mkdir`, {
        body: { DATA_TYPE: 'mkdir', path: '/mine/' }
      });
      assertTransferError(res, 403, 'ExternalError.MkdirFailed.PermissionDenied');
    });

    it('should not create missing parents', async () => {
      const res = await world.api('POST', `/operation/endpoint/${GUEST_COLLECTION_ID}/mkdir`, {
        body: { DATA_TYPE: 'mkdir', path: '/no/such/parent/' }
      });
      assert.equal(res.status, 502);
      assert.match(String(res.body.message), /No such file or directory/);
    });
  });

  describe('#rename', () => {
    it('should rename a file with the recorded result', async () => {
      const root = world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string;
      await writeFile(join(root, 'old.txt'), 'hello');
      const res = await world.api('POST', `/operation/endpoint/${GUEST_COLLECTION_ID}/rename`, {
        body: { DATA_TYPE: 'rename', old_path: '/old.txt', new_path: '/new.txt' }
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        DATA_TYPE: 'result',
        code: 'FileRenamed',
        message: 'File or directory renamed successfully',
        request_id: res.body.request_id,
        resource: `/operation/endpoint/${GUEST_COLLECTION_ID}/rename`
      });
      const names = (
        await world.api('GET', `/operation/endpoint/${GUEST_COLLECTION_ID}/ls`, {
          query: { path: '/' }
        })
      ).body.DATA?.map(d => d.name);
      assert.ok(names?.includes('new.txt') && !names.includes('old.txt'));
      const missing = await world.api('POST', `/operation/endpoint/${GUEST_COLLECTION_ID}/rename`, {
        body: { DATA_TYPE: 'rename', old_path: '/old.txt', new_path: '/x.txt' }
      });
      assertTransferError(missing, 404, 'ClientError.NotFound');
    });
  });

  describe('#bookmarks', () => {
    it('should create, list, get, update and delete a bookmark', async () => {
      const created = await world.api('POST', '/bookmark', {
        body: {
          DATA_TYPE: 'bookmark',
          name: 'weather',
          endpoint_id: PUBLIC_COLLECTION_ID,
          path: WEATHER_DIR
        }
      });
      assert.equal(created.status, 200);
      assert.deepEqual(Object.keys(created.body).sort(), [
        'DATA_TYPE',
        'endpoint_id',
        'id',
        'name',
        'path',
        'pinned'
      ]);
      const id = created.body.id as string;
      const list = await world.api('GET', '/bookmark_list');
      assert.equal(list.body.DATA_TYPE, 'bookmark_list');
      assert.deepEqual(
        list.body.DATA?.map(b => b.id),
        [id]
      );
      assert.equal((await world.api('GET', `/bookmark/${id}`)).body.name, 'weather');
      const updated = await world.api('PUT', `/bookmark/${id}`, { body: { name: 'las vegas' } });
      assert.equal(updated.body.name, 'las vegas');
      const dup = await world.api('POST', '/bookmark', {
        body: { name: 'las vegas', endpoint_id: PUBLIC_COLLECTION_ID, path: '/' }
      });
      assertTransferError(dup, 409, 'Conflict');
      const del = await world.api('DELETE', `/bookmark/${id}`);
      assert.equal(del.body.code, 'Deleted');
      assert.equal(del.body.message, `Bookmark '${id}' deleted successfully`);
      assertTransferError(await world.api('GET', `/bookmark/${id}`), 404, 'BookmarkNotFound');
      const other = await world.token(
        'urn:globus:auth:scope:transfer.api.globus.org:all',
        COLLEAGUE_IDENTITY_ID
      );
      assert.deepEqual((await world.api('GET', '/bookmark_list', { token: other })).body.DATA, []);
    });
  });

  describe('#access rules', () => {
    const base = `/endpoint/${GUEST_COLLECTION_ID}`;

    it('should list the seeded rule with the recorded keys', async () => {
      const res = await world.api('GET', `${base}/access_list`);
      assert.equal(res.status, 200);
      assert.equal(res.body.DATA_TYPE, 'access_list');
      assert.equal(res.body.endpoint, GUEST_COLLECTION_ID);
      const rule = res.body.DATA?.[0] as Record<string, unknown>;
      assert.deepEqual(Object.keys(rule).sort(), [
        'DATA_TYPE',
        'create_time',
        'expiration_date',
        'id',
        'path',
        'permissions',
        'principal',
        'principal_type',
        'role_id',
        'role_type'
      ]);
      assert.equal(rule.principal, DEMO_IDENTITY_ID);
    });

    it('should share with a colleague, who can then read but not write', async () => {
      const colleague = await world.token(
        'urn:globus:auth:scope:transfer.api.globus.org:all',
        COLLEAGUE_IDENTITY_ID
      );
      const before = await world.api('GET', `/operation/endpoint/${GUEST_COLLECTION_ID}/ls`, {
        token: colleague,
        query: { path: '/' }
      });
      assertTransferError(before, 403, 'EndpointPermissionDenied');
      const created = await world.api('POST', `${base}/access`, {
        body: {
          DATA_TYPE: 'access',
          principal_type: 'identity',
          principal: COLLEAGUE_IDENTITY_ID,
          path: '/',
          permissions: 'r'
        }
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.DATA_TYPE, 'access_create_result');
      assert.equal(created.body.code, 'Created');
      assert.equal(created.body.resource, `${base}/access`);
      const ruleId = created.body.access_id as string;
      assert.match(ruleId, /^[0-9a-f-]{36}$/);
      const after = await world.api('GET', `/operation/endpoint/${GUEST_COLLECTION_ID}/ls`, {
        token: colleague,
        query: { path: '/' }
      });
      assert.equal(after.status, 200);
      const write = await world.api('POST', `/operation/endpoint/${GUEST_COLLECTION_ID}/mkdir`, {
        token: colleague,
        body: { path: '/colleague/' }
      });
      assert.equal(write.status, 403);
      const dup = await world.api('POST', `${base}/access`, {
        body: {
          principal_type: 'identity',
          principal: COLLEAGUE_IDENTITY_ID,
          path: '/',
          permissions: 'rw'
        }
      });
      assertTransferError(dup, 409, 'Exists');
      const upd = await world.api('PUT', `${base}/access/${ruleId}`, {
        body: { DATA_TYPE: 'access', permissions: 'rw' }
      });
      assert.equal(upd.body.code, 'Updated');
      assert.equal(upd.body.message, `Access rule '${ruleId}' updated successfully`);
      assert.equal((await world.api('GET', `${base}/access/${ruleId}`)).body.permissions, 'rw');
      const denied = await world.api('GET', `${base}/access_list`, { token: colleague });
      assertTransferError(denied, 403, 'PermissionDenied');
      assert.equal((await world.api('DELETE', `${base}/access/${ruleId}`)).body.code, 'Deleted');
      assertTransferError(
        await world.api('GET', `${base}/access/${ruleId}`),
        404,
        'AccessRuleNotFound'
      );
    });

    it('should refuse rules on mapped collections and bad principals', async () => {
      assertTransferError(
        await world.api('GET', `/endpoint/${MAPPED_COLLECTION_ID}/access_list`, {
          token: world.transferConsented
        }),
        400,
        'NotSupported'
      );
      assertTransferError(
        await world.api('POST', `${base}/access`, {
          body: { principal_type: 'identity', principal: 'nobody', path: '/', permissions: 'r' }
        }),
        400,
        'InvalidPrincipal'
      );
      assertTransferError(
        await world.api('POST', `${base}/access`, {
          body: { principal_type: 'anonymous', principal: '', path: '/', permissions: 'rw' }
        }),
        400,
        'ClientError.BadRequest'
      );
    });
  });

  describe('#unknown routes', () => {
    it('should answer 404 in the Transfer error format', async () => {
      assertTransferError(await world.api('GET', '/no_such_thing'), 404, 'ClientError.NotFound');
    });
  });
});
