// Injection through the server extension's routes (real jupyter_server + the emulator):
// hostile collection, file and identity names travel as JSON data, unchanged; paths that
// would escape (`..` segments, relative paths, NUL and control bytes, over-long paths, bad
// ids in the URL) are refused with a typed 400 before any Globus call; nothing is written
// outside the collection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorModule, startServer } from '../reliability/support.mjs';
import {
  COLLECTION_NAME,
  FILE_NAMES,
  IDENTITY,
  IMG,
  RLO,
  seedHostileWorld
} from './injection-support.mjs';

describe('server routes with hostile names', { timeout: 180_000 }, () => {
  let mod;
  let emu;
  let server;
  let hostile;

  before(async () => {
    mod = await emulatorModule();
    emu = await mod.createEmulator({ seed: 82 });
    hostile = await seedHostileWorld(emu.urls.admin, mod.seed.DEMO_IDENTITY_ID);
    server = await startServer(await emu.env(), { GLOBUS_KIT_REQUEST_TIMEOUT: '10' });
  });
  after(async () => {
    await server?.stop();
    await emu?.close();
  });

  const base = () => `/globus-kit/collections/${hostile.id}`;
  const q = path => encodeURIComponent(path);

  describe('GET /globus-kit/status', () => {
    it('should carry the hostile identity as JSON data, unchanged', async () => {
      const r = await fetch(`${server.url}/globus-kit/status`, {
        headers: { Authorization: `token ${server.token}` }
      });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      const doc = await r.json();
      assert.equal(doc.identity.name, IDENTITY.name);
      assert.equal(doc.identity.organization, IDENTITY.organization);
    });
  });

  describe('GET /globus-kit/collections', () => {
    it('should return the hostile display name as data', async () => {
      const r = await server.request('GET', '/globus-kit/collections?q=hostile&filter_scope=all');
      assert.equal(r.status, 200, r.text.slice(0, 300));
      const found = JSON.stringify(r.json).includes(JSON.stringify(COLLECTION_NAME).slice(1, -1));
      assert.ok(found, 'the whole name, 5,000+ characters, unchanged');
    });
  });

  describe('GET /globus-kit/collections/<id>/ls', () => {
    it('should list hostile file names unchanged', async () => {
      const r = await server.request('GET', `${base()}/ls?path=${q('/dir/')}&show_hidden=true`);
      assert.equal(r.status, 200, r.text.slice(0, 300));
      const names = r.json.entries.map(e => e.name);
      for (const n of FILE_NAMES) assert.ok(names.includes(n), n);
    });

    const refused = {
      'a .. segment': '/dir/../../../../etc/',
      'a trailing ..': '/dir/..',
      'a relative path': '../dir/',
      'a NUL byte': '/dir/\u0000/',
      'a control character': '/dir/\u001b[2J/',
      'a 5,000-character path': `/${'p'.repeat(5000)}/`
    };
    for (const [what, path] of Object.entries(refused)) {
      it(`should refuse ${what} with a typed 400`, async () => {
        const r = await server.request('GET', `${base()}/ls?path=${q(path)}`);
        assert.equal(r.status, 400, r.text.slice(0, 300));
        assert.match(r.json.code, /^(BAD_PATH|BAD_INPUT)$/);
        assert.equal(typeof r.json.message, 'string');
      });
    }

    it('should keep an absolute path inside the collection (no host /etc)', async () => {
      const r = await server.request('GET', `${base()}/ls?path=${q('/etc/')}`);
      assert.equal(r.status, 404, r.text.slice(0, 300));
      assert.equal(r.json.entries, undefined, 'no listing');
    });

    it('should refuse ids in the URL that are not UUIDs', async () => {
      for (const id of ['..', '..%2F..%2Fapi', '%3Cimg%20src%3Dx%3E', 'x'.repeat(300)]) {
        const r = await server.request('GET', `/globus-kit/collections/${id}/ls?path=%2F`);
        assert.ok([400, 404].includes(r.status), `${id}: ${r.status}`);
        if (r.status === 400) assert.equal(typeof r.json?.code, 'string');
        assert.ok(!r.text.includes('<img src=x'), 'the id is not echoed as markup');
      }
    });
  });

  describe('POST /globus-kit/collections/<id>/mkdir and rename', () => {
    it('should create and rename to hostile names inside the collection', async () => {
      const dir = `/made/${IMG}${RLO}/`;
      await server.request('POST', `${base()}/mkdir`, { path: '/made/' });
      const made = await server.request('POST', `${base()}/mkdir`, { path: dir });
      assert.equal(made.status, 200, made.text.slice(0, 300));
      const renamed = await server.request('POST', `${base()}/rename`, {
        old_path: dir,
        new_path: `/made/javascript:alert(1)${RLO}/`
      });
      assert.equal(renamed.status, 200, renamed.text.slice(0, 300));
      const root = emu.collections.rootOf(hostile.id);
      assert.ok(existsSync(join(root, 'made', `javascript:alert(1)${RLO}`)));
    });

    it('should refuse mkdir and rename paths that would escape with a typed 400', async () => {
      const outside = () => readdirSync(join(emu.dataDir, 'collections')).sort();
      const before = outside();
      const bodies = [
        ['mkdir', { path: '/../../escaped/' }],
        ['mkdir', { path: 'escaped/' }],
        ['mkdir', { path: '/made/\u0000/' }],
        ['mkdir', { path: `/${'m'.repeat(5000)}/` }],
        ['rename', { old_path: '/dir/', new_path: '/../../escaped/' }],
        ['rename', { old_path: '/../../../../etc/', new_path: '/stolen/' }],
        ['rename', { old_path: '/dir/', new_path: '/made/..' }]
      ];
      for (const [op, body] of bodies) {
        const r = await server.request('POST', `${base()}/${op}`, body);
        assert.equal(
          r.status,
          400,
          `${op} ${JSON.stringify(body).slice(0, 80)}: ${r.text.slice(0, 200)}`
        );
        assert.match(r.json.code, /^(BAD_PATH|BAD_INPUT)$/);
      }
      assert.deepEqual(outside(), before, 'no new folder next to the collections');
      assert.ok(existsSync(join(emu.collections.rootOf(hostile.id), 'dir')), 'the source stayed');
    });
  });
});
