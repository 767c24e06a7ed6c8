/**
 * Issue #15: the admin origin (faults, clock, seeding, issued secrets) took a `text/plain`
 * POST from any web page — a form on `http://evil.example` could add fault rules or move the
 * clock — and answered any `Host`, so a DNS-rebound page could also read it. Now only a
 * loopback `Host` (and `Origin`, when sent) gets an answer, and a state-changing request
 * needs `Content-Type: application/json`; the rest is 403 and changes nothing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createEmulator, type IEmulator } from '../index.js';
import { jsonOf, rawRequest, type IRawOptions } from './faults-raw-http.js';

const json = { 'Content-Type': 'application/json' };
const rule = JSON.stringify({ kind: 'status', status: 503, id: 'from-a-page' });

describe('regression #15: the admin origin answers local programs only', () => {
  let emu: IEmulator;
  let port: string;
  const call = (path: string, options: IRawOptions = {}) =>
    rawRequest(`${emu.urls.admin}${path}`, options);

  /** Asserts a 403 in the admin error format. */
  const refused = (r: Awaited<ReturnType<typeof rawRequest>>, why: RegExp): void => {
    assert.equal(r.status, 403, r.body.toString());
    assert.match(String(r.headers['content-type']), /application\/json/);
    const body = jsonOf(r);
    assert.equal(body.code, 'Forbidden');
    assert.match(body.message as string, why);
  };

  before(async () => {
    emu = await createEmulator({ seed: 15 });
    port = new URL(emu.urls.admin).port;
  });
  after(() => emu.close());

  it('should refuse a text/plain POST from http://evil.example and add no rule', async () => {
    const r = await call('/faults', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: 'http://evil.example' },
      body: rule
    });
    refused(r, /another host|application\/json/);
    assert.deepEqual(emu.faults.list(), []);
  });

  it('should refuse a text/plain POST even without an Origin (clock, seeding)', async () => {
    const before = emu.clock.now();
    refused(
      await call('/clock', {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify({ advanceMs: 3_600_000 })
      }),
      /Content-Type: application\/json/
    );
    assert.ok(emu.clock.now() - before < 60_000, 'the clock did not move an hour');
    const ids = emu.collections.ids().length;
    refused(
      await call('/seed/collections', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: JSON.stringify({ display_name: 'planted' })
      }),
      /application\/json/
    );
    assert.equal(emu.collections.ids().length, ids);
  });

  it('should refuse a JSON POST from a page on another origin', async () => {
    refused(
      await call('/faults', {
        method: 'POST',
        headers: { ...json, Origin: 'http://evil.example' },
        body: rule
      }),
      /another host/
    );
    refused(
      await call('/faults', { method: 'POST', headers: { ...json, Origin: 'null' }, body: rule }),
      /another host/
    );
    assert.deepEqual(emu.faults.list(), []);
  });

  it('should refuse a non-loopback Host (DNS rebinding), for reads too', async () => {
    refused(
      await call('/faults', {
        method: 'POST',
        headers: { ...json, Host: `evil.example:${port}` },
        body: rule
      }),
      /loopback host/
    );
    refused(
      await call('/issued-secrets', { headers: { Host: `evil.example:${port}` } }),
      /loopback host/
    );
    refused(
      await call('/faults', { headers: { Host: `127.0.0.1.evil.example:${port}` } }),
      /loopback/
    );
    refused(await call('/faults', { headers: { Host: `127.0.0.1:1` } }), /loopback host/);
    assert.deepEqual(emu.faults.list(), []);
  });

  it('should refuse a DELETE without a JSON content type and keep the rules', async () => {
    const added = await call('/faults', { method: 'POST', headers: json, body: rule });
    assert.equal(added.status, 201, added.body.toString());
    refused(await call('/faults', { method: 'DELETE' }), /application\/json/);
    assert.equal(emu.faults.list().length, 1);
    const cleared = await call('/faults', { method: 'DELETE', headers: json });
    assert.deepEqual(jsonOf(cleared), { removed: 1 });
  });

  it('should still answer local programs: 127.0.0.1, localhost, [::1], loopback Origin', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const r = await call('/clock', { headers: { Host: host } });
      assert.equal(r.status, 200, `${host}: ${r.body.toString()}`);
    }
    const r = await call('/faults', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        Origin: 'http://127.0.0.1:8888'
      },
      body: rule
    });
    assert.equal(r.status, 201, r.body.toString());
    assert.equal(emu.faults.list().length, 1);
    const gone = await call('/faults/from-a-page', {
      method: 'DELETE',
      headers: { ...json, Origin: 'http://localhost:8888' }
    });
    assert.deepEqual(jsonOf(gone), { removed: 1 });
  });
});
