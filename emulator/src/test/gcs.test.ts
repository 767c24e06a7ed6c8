/**
 * GCS HTTPS origins over real HTTP against `createEmulator`: anonymous GET on the public
 * collection, GET/Range/HEAD/`?download`, PUT (and that an aborted PUT stores nothing),
 * DELETE, CORS, the 302-to-login versus 401+GARE split, ConsentRequired on the mapped
 * collection, and refusal of path traversal and symlinks out of the collection.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFile, readdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GUEST_COLLECTION_ID,
  MAPPED_COLLECTION_ID,
  PUBLIC_COLLECTION_ID,
  WEATHER_DIR
} from '../state/seed.js';
import { startWorld, type IWorld } from './transfer-fixture.js';

const httpsScope = (id: string) => `https://auth.globus.org/scopes/${id}/https`;
const dataAccessScope = (id: string) => `https://auth.globus.org/scopes/${id}/data_access`;

/** Sends a request with a raw (unnormalised) path. */
function rawRequest(
  base: string,
  path: string,
  headers: Record<string, string> = {}
): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: 'GET', headers },
      res => {
        let body = '';
        res.on('data', c => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }
    );
    req.on('error', reject);
    req.end();
  });
}

describe('GCS HTTPS router', () => {
  let world: IWorld;
  let publicUrl: string;
  let guestUrl: string;
  let mappedUrl: string;
  let guestToken: string;
  let guestRoot: string;
  let csv: Buffer;
  before(async () => {
    world = await startWorld();
    publicUrl = world.emu.urls.collections[PUBLIC_COLLECTION_ID];
    guestUrl = world.emu.urls.collections[GUEST_COLLECTION_ID];
    mappedUrl = world.emu.urls.collections[MAPPED_COLLECTION_ID];
    guestToken = await world.token(httpsScope(GUEST_COLLECTION_ID));
    guestRoot = world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string;
    csv = await readFile(
      join(
        world.emu.collections.rootOf(PUBLIC_COLLECTION_ID) as string,
        'portal/catalog/dataset_las/1952.csv'
      )
    );
  });
  after(async () => {
    await world.close();
  });

  describe('#GET', () => {
    it('should serve a public file anonymously with type, length and CORS headers', async () => {
      const res = await fetch(`${publicUrl}${WEATHER_DIR}1952.csv`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/csv');
      assert.equal(res.headers.get('content-length'), String(csv.length));
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), csv);
      const text = csv.toString('utf8');
      assert.match(
        text.split('\n')[0],
        /^"STATION","NAME","DATE","PRCP","SNOW","SNWD","TMAX","TMIN"$/
      );
    });

    it('should answer a Range with 206 and Content-Range, and 416 past the end', async () => {
      const res = await fetch(`${publicUrl}${WEATHER_DIR}1952.csv`, {
        headers: { Range: 'bytes=10-19' }
      });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 10-19/${csv.length}`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), csv.subarray(10, 20));
      const tail = await fetch(`${publicUrl}${WEATHER_DIR}1952.csv`, {
        headers: { Range: 'bytes=-5' }
      });
      assert.equal(tail.status, 206);
      assert.deepEqual(Buffer.from(await tail.arrayBuffer()), csv.subarray(csv.length - 5));
      const past = await fetch(`${publicUrl}${WEATHER_DIR}1952.csv`, {
        headers: { Range: `bytes=${csv.length + 10}-` }
      });
      assert.equal(past.status, 416);
      assert.equal(past.headers.get('content-range'), `bytes */${csv.length}`);
      await past.arrayBuffer();
    });

    it('should answer HEAD with headers only, also for directories', async () => {
      const res = await fetch(`${publicUrl}${WEATHER_DIR}1952.csv`, { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(csv.length));
      assert.equal((await res.arrayBuffer()).byteLength, 0);
      const dir = await fetch(`${publicUrl}${WEATHER_DIR}`, { method: 'HEAD' });
      assert.equal(dir.status, 200);
      assert.equal(dir.headers.get('content-type'), 'httpd/unix-directory');
    });

    it('should not list directories and should 404 missing files', async () => {
      const dir = await fetch(`${publicUrl}${WEATHER_DIR}`);
      assert.equal(dir.status, 403);
      await dir.arrayBuffer();
      const missing = await fetch(`${publicUrl}/nope.csv`);
      assert.equal(missing.status, 404);
      await missing.arrayBuffer();
    });

    it('should mark ?download as an attachment', async () => {
      const res = await fetch(`${publicUrl}${WEATHER_DIR}1952.csv?download`);
      assert.equal(res.status, 200);
      assert.match(
        String(res.headers.get('content-disposition')),
        /^attachment; filename="1952.csv"/
      );
      await res.arrayBuffer();
    });
  });

  describe('#authentication', () => {
    it('should redirect a browser-style request to Auth with the collection client_id', async () => {
      const res = await fetch(`${guestUrl}/README.txt`, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const location = new URL(String(res.headers.get('location')));
      assert.equal(location.origin, world.emu.urls.auth);
      assert.equal(location.pathname, '/v2/oauth2/authorize');
      assert.deepEqual(location.searchParams.getAll('client_id'), [GUEST_COLLECTION_ID]);
      await res.arrayBuffer();
    });

    it('should answer an XHR-style request with 401 and a GARE naming the https scope', async () => {
      const res = await fetch(`${guestUrl}/README.txt`, {
        headers: { 'X-Requested-With': 'XMLHttpRequest' }
      });
      assert.equal(res.status, 401);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.code, 'AuthenticationRequired');
      assert.deepEqual((body.authorization_parameters as Record<string, unknown>).required_scopes, [
        httpsScope(GUEST_COLLECTION_ID)
      ]);
    });

    it('should treat a token for another collection or an expired token as none', async () => {
      const other = await world.token(httpsScope(PUBLIC_COLLECTION_ID));
      const res = await fetch(`${guestUrl}/README.txt`, {
        headers: { Authorization: `Bearer ${other}`, 'X-Requested-With': 'XMLHttpRequest' }
      });
      assert.equal(res.status, 401);
      await res.arrayBuffer();
      const expiring = await world.token(httpsScope(GUEST_COLLECTION_ID));
      world.emu.auth.expireNow(expiring);
      const expired = await fetch(`${guestUrl}/README.txt`, {
        headers: { Authorization: `Bearer ${expiring}`, 'X-Requested-With': 'XMLHttpRequest' }
      });
      assert.equal(expired.status, 401);
      await expired.arrayBuffer();
    });

    it('should serve a private file with a valid https token', async () => {
      const res = await fetch(`${guestUrl}/README.txt`, {
        headers: { Authorization: `Bearer ${guestToken}` }
      });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'Write your results here.\n');
    });

    it('should require data_access on the non-HA mapped collection', async () => {
      const xhr = await fetch(`${mappedUrl}/share/godata/file1.txt`, {
        headers: { 'X-Requested-With': 'XMLHttpRequest' }
      });
      assert.equal(xhr.status, 401);
      const gare = (await xhr.json()) as {
        authorization_parameters: { required_scopes: string[] };
      };
      assert.deepEqual(gare.authorization_parameters.required_scopes, [
        httpsScope(MAPPED_COLLECTION_ID),
        dataAccessScope(MAPPED_COLLECTION_ID)
      ]);
      const httpsOnly = await world.token(httpsScope(MAPPED_COLLECTION_ID));
      const denied = await fetch(`${mappedUrl}/share/godata/file1.txt`, {
        headers: { Authorization: `Bearer ${httpsOnly}` }
      });
      assert.equal(denied.status, 403);
      const body = (await denied.json()) as Record<string, unknown>;
      assert.equal(body.code, 'ConsentRequired');
      assert.deepEqual((body.authorization_parameters as Record<string, unknown>).required_scopes, [
        httpsScope(MAPPED_COLLECTION_ID),
        dataAccessScope(MAPPED_COLLECTION_ID)
      ]);
      const full = await world.token(
        `${httpsScope(MAPPED_COLLECTION_ID)} ${dataAccessScope(MAPPED_COLLECTION_ID)}`
      );
      const ok = await fetch(`${mappedUrl}/share/godata/file1.txt`, {
        headers: { Authorization: `Bearer ${full}` }
      });
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), 'abc\n');
    });
  });

  describe('#PUT and #DELETE', () => {
    it('should store an upload, overwrite it, and delete it', async () => {
      const auth = { Authorization: `Bearer ${guestToken}` };
      const put = await fetch(`${guestUrl}/plot.svg`, {
        method: 'PUT',
        headers: auth,
        body: '<svg>1</svg>'
      });
      assert.equal(put.status, 200);
      await put.arrayBuffer();
      const again = await fetch(`${guestUrl}/plot.svg`, {
        method: 'PUT',
        headers: auth,
        body: '<svg>22</svg>'
      });
      assert.equal(again.status, 200);
      await again.arrayBuffer();
      assert.equal(await readFile(join(guestRoot, 'plot.svg'), 'utf8'), '<svg>22</svg>');
      const got = await fetch(`${guestUrl}/plot.svg`, { headers: auth });
      assert.equal(got.headers.get('content-type'), 'image/svg+xml');
      assert.equal(await got.text(), '<svg>22</svg>');
      const del = await fetch(`${guestUrl}/plot.svg`, { method: 'DELETE', headers: auth });
      assert.equal(del.status, 204);
      await assert.rejects(stat(join(guestRoot, 'plot.svg')));
      const gone = await fetch(`${guestUrl}/plot.svg`, { method: 'DELETE', headers: auth });
      assert.equal(gone.status, 404);
      await gone.arrayBuffer();
    });

    it('should not create parent directories and should refuse writes without rights', async () => {
      const auth = { Authorization: `Bearer ${guestToken}` };
      const orphan = await fetch(`${guestUrl}/no/such/dir/x.txt`, {
        method: 'PUT',
        headers: auth,
        body: 'x'
      });
      assert.equal(orphan.status, 404);
      await orphan.arrayBuffer();
      await assert.rejects(stat(join(guestRoot, 'no')));
      const publicToken = await world.token(httpsScope(PUBLIC_COLLECTION_ID));
      const denied = await fetch(`${publicUrl}/mine.txt`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${publicToken}` },
        body: 'x'
      });
      assert.equal(denied.status, 403);
      await denied.arrayBuffer();
      const anonymous = await fetch(`${publicUrl}/mine.txt`, {
        method: 'PUT',
        headers: { 'X-Requested-With': 'XMLHttpRequest' },
        body: 'x'
      });
      assert.equal(anonymous.status, 401);
      await anonymous.arrayBuffer();
    });

    it('should leave no file behind when a PUT is aborted mid-body', async () => {
      const url = new URL(`${guestUrl}/partial.bin`);
      await new Promise<void>(resolve => {
        const req = request({
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'PUT',
          headers: { Authorization: `Bearer ${guestToken}`, 'Content-Length': '100000' }
        });
        req.on('error', () => resolve());
        req.on('response', () => resolve());
        req.write(Buffer.alloc(5000, 1), () => {
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 100);
        });
      });
      const deadline = Date.now() + 3000;
      let names = await readdir(guestRoot);
      while (names.some(n => n.includes('partial')) && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 50));
        names = await readdir(guestRoot);
      }
      assert.ok(
        !names.some(n => n.includes('partial')),
        `no partial or temp file: ${names.join(',')}`
      );
    });
  });

  describe('#paths', () => {
    it('should refuse .. traversal, encoded or not', async () => {
      for (const path of [
        '/../../etc/passwd',
        '/portal/%2e%2e/%2e%2e/etc/passwd',
        '/a/..%2F..%2Fx'
      ]) {
        const res = await rawRequest(publicUrl, path);
        assert.equal(res.status, 400, path);
      }
    });

    it('should refuse a symlink out of the collection', async () => {
      await symlink(
        join(world.emu.dataDir, 'collections', PUBLIC_COLLECTION_ID),
        join(guestRoot, 'sneaky')
      );
      const res = await fetch(`${guestUrl}/sneaky/portal/catalog/dataset_las/1952.csv`, {
        headers: { Authorization: `Bearer ${guestToken}` }
      });
      assert.equal(res.status, 403);
      await res.arrayBuffer();
    });
  });

  describe('#OPTIONS', () => {
    it('should answer CORS preflight without a token', async () => {
      const res = await fetch(`${guestUrl}/README.txt`, { method: 'OPTIONS' });
      assert.equal(res.status, 200);
      assert.equal(
        res.headers.get('access-control-allow-methods'),
        'HEAD, GET, PUT, DELETE, OPTIONS'
      );
      assert.match(String(res.headers.get('access-control-allow-headers')), /X-Requested-With/);
      await res.arrayBuffer();
    });
  });
});
