import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorHttpError, Router } from '../http/router.js';
import { startService, type IRunningService } from '../http/service.js';
import {
  FaultEngine,
  FaultRuleError,
  loadFaultRules,
  parseFaultRule,
  parseFaultRules,
  type IFaultRule
} from '../faults/index.js';
import { createAdminRouter } from '../routes/admin/index.js';
import { jsonOf, rawRequest } from './faults-raw-http.js';

/** A body large enough that truncation and bandwidth are visible. */
const bigBody = Buffer.alloc(20_000, 'abcdefghij');

function testRouter(): Router {
  return new Router({
    onBadJson: (_ctx, message) => new EmulatorHttpError(400, { code: 'BadRequest', message }),
    onNotFound: ctx => new EmulatorHttpError(404, { code: 'NotFound', message: ctx.path })
  })
    .add('GET', '/v0.10/endpoint/:id', ctx =>
      ctx.send(200, { DATA_TYPE: 'endpoint', id: ctx.params.id })
    )
    .add('GET', '/stream', ctx => {
      // Streamed in 1 KB writes, like a GCS file GET piped into the response.
      ctx.res.writeHead(200, {
        'Content-Type': 'text/plain',
        'Content-Length': String(bigBody.length)
      });
      for (let i = 0; i < bigBody.length; i += 1024) ctx.res.write(bigBody.subarray(i, i + 1024));
      ctx.res.end();
    })
    .add('GET', '/whole', ctx => {
      ctx.res.writeHead(200, {
        'Content-Type': 'text/plain',
        'Content-Length': String(bigBody.length)
      });
      ctx.res.end(bigBody);
    })
    .add('*', '*', ctx => ctx.send(200, { ok: true, method: ctx.req.method, path: ctx.path }));
}

const clock = { now: () => Date.now() };

describe('FaultEngine', () => {
  const expired: string[] = [];
  const engine = new FaultEngine({ seed: 7, clock, expireToken: t => expired.push(t) });
  let transfer: IRunningService;
  let gcs: IRunningService;
  let auth: IRunningService;

  before(async () => {
    transfer = await startService('transfer', testRouter(), { faults: engine });
    gcs = await startService('gcs:abc', testRouter(), { faults: engine });
    auth = await startService('auth', testRouter(), { faults: engine });
  });
  after(async () => {
    await Promise.all([transfer.close(), gcs.close(), auth.close()]);
  });
  beforeEach(() => {
    engine.clear();
    expired.length = 0;
  });

  describe('#add', () => {
    it('should assign ids and report hits and remaining', () => {
      const a = engine.add({ kind: 'reset', count: 2 });
      const b = engine.add({ kind: 'latency', ms: 1, id: 'slow' });
      assert.match(a.id, /^f\d+$/);
      assert.equal(b.id, 'slow');
      assert.deepEqual(
        engine.list().map(r => [r.id, r.hits, r.remaining]),
        [
          [a.id, 0, 2],
          ['slow', 0, null]
        ]
      );
    });

    it('should refuse a duplicate id', () => {
      engine.add({ kind: 'reset', id: 'x' });
      assert.throws(
        () => engine.add({ kind: 'reset', id: 'x' }),
        (e: unknown) => e instanceof FaultRuleError && e.field === 'id'
      );
    });

    it('should refuse an invalid rule naming the field', () => {
      assert.throws(
        () => engine.add({ kind: 'status', status: 99 } as IFaultRule),
        (e: unknown) =>
          e instanceof FaultRuleError && e.field === 'rule.status' && e.code === 'FaultRuleInvalid'
      );
      assert.equal(engine.list().length, 0);
    });
  });

  describe('#clear', () => {
    it('should remove one rule by id or all rules', () => {
      engine.add({ kind: 'reset', id: 'a' });
      engine.add({ kind: 'reset', id: 'b' });
      assert.equal(engine.clear('a'), 1);
      assert.equal(engine.clear('nope'), 0);
      assert.deepEqual(
        engine.list().map(r => r.id),
        ['b']
      );
      assert.equal(engine.clear(), 1);
      assert.equal(engine.list().length, 0);
    });
  });

  describe('#intercept matching', () => {
    it('should match the service exactly or by glob', async () => {
      engine.add({ kind: 'status', status: 418, service: 'gcs:*' });
      assert.equal((await rawRequest(`${gcs.url}/x`)).status, 418);
      assert.equal((await rawRequest(`${transfer.url}/x`)).status, 200);
      engine.clear();
      engine.add({ kind: 'status', status: 418, service: 'transfer' });
      assert.equal((await rawRequest(`${transfer.url}/x`)).status, 418);
      assert.equal((await rawRequest(`${auth.url}/x`)).status, 200);
    });

    it('should match the method case-insensitively', async () => {
      engine.add({ kind: 'status', status: 418, method: 'post' });
      assert.equal((await rawRequest(`${transfer.url}/x`)).status, 200);
      assert.equal(
        (await rawRequest(`${transfer.url}/x`, { method: 'POST', body: '{}' })).status,
        418
      );
    });

    it('should match a path glob: * within a segment, ** across segments', async () => {
      engine.add({ kind: 'status', status: 418, path: '/v0.10/endpoint/*' });
      assert.equal((await rawRequest(`${transfer.url}/v0.10/endpoint/abc`)).status, 418);
      assert.equal((await rawRequest(`${transfer.url}/v0.10/endpoint/abc?fields=id`)).status, 418);
      assert.equal((await rawRequest(`${transfer.url}/v0.10/endpoint/abc/ls`)).status, 200);
      engine.clear();
      engine.add({ kind: 'status', status: 418, path: '/v0.10/**' });
      assert.equal((await rawRequest(`${transfer.url}/v0.10/endpoint/abc/ls`)).status, 418);
      assert.equal((await rawRequest(`${transfer.url}/v2/x`)).status, 200);
    });

    it('should match a path regex', async () => {
      engine.add({ kind: 'status', status: 418, pathRegex: '/ls$' });
      assert.equal((await rawRequest(`${transfer.url}/v0.10/operation/endpoint/e/ls`)).status, 418);
      assert.equal(
        (await rawRequest(`${transfer.url}/v0.10/operation/endpoint/e/mkdir`)).status,
        200
      );
    });

    it('should stop after count requests', async () => {
      engine.add({ kind: 'status', status: 503, count: 2, id: 'two' });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await rawRequest(`${transfer.url}/x`)).status);
      assert.deepEqual(statuses, [503, 503, 200, 200]);
      assert.deepEqual(
        engine.list().map(r => [r.hits, r.remaining]),
        [[2, 0]]
      );
    });

    it('should apply a rule without count to every request', async () => {
      engine.add({ kind: 'status', status: 503 });
      for (let i = 0; i < 5; i++) assert.equal((await rawRequest(`${transfer.url}/x`)).status, 503);
    });

    it('should draw probabilities deterministically from the seed', async () => {
      const pattern = async (seed: number): Promise<string> => {
        const e = new FaultEngine({
          seed,
          clock,
          expireToken: () => undefined,
          rules: [{ kind: 'status', status: 503, probability: 0.5, id: 'p' }]
        });
        const svc = await startService('transfer', testRouter(), { faults: e });
        try {
          let out = '';
          for (let i = 0; i < 32; i++)
            out += (await rawRequest(`${svc.url}/x`)).status === 503 ? '1' : '0';
          return out;
        } finally {
          await svc.close();
        }
      };
      const a = await pattern(42);
      const b = await pattern(42);
      const c = await pattern(43);
      assert.equal(a, b);
      assert.notEqual(a, c);
      const ones = [...a].filter(x => x === '1').length;
      assert.ok(ones > 6 && ones < 26, `about half should fire, got ${ones}/32`);
    });

    it('should count only requests it actually disturbed', async () => {
      engine.add({ kind: 'status', status: 503, probability: 0.5, count: 3, id: 'p' });
      let fired = 0;
      for (let i = 0; i < 40; i++)
        if ((await rawRequest(`${transfer.url}/x`)).status === 503) fired++;
      assert.equal(fired, 3);
      assert.equal(engine.list()[0].remaining, 0);
    });
  });

  describe('#intercept kinds', () => {
    it('latency: should delay the response by at least ms', async () => {
      engine.add({ kind: 'latency', ms: 300 });
      const r = await rawRequest(`${transfer.url}/v0.10/endpoint/e1`);
      assert.equal(r.status, 200);
      assert.ok(r.ms >= 290, `took ${r.ms} ms`);
      assert.equal(jsonOf(r).id, 'e1');
    });

    it('status: should send the given status, headers and JSON body', async () => {
      engine.add({
        kind: 'status',
        status: 429,
        headers: { 'Retry-After': '3' },
        body: { code: 'RateLimited', message: 'slow down' }
      });
      const r = await rawRequest(`${transfer.url}/x`);
      assert.equal(r.status, 429);
      assert.equal(r.headers['retry-after'], '3');
      assert.deepEqual(jsonOf(r), { code: 'RateLimited', message: 'slow down' });
    });

    it('status: should send bodyText verbatim (malformed JSON)', async () => {
      engine.add({
        kind: 'status',
        status: 502,
        bodyText: '{"code": "Ext',
        headers: { 'Content-Type': 'application/json' }
      });
      const r = await rawRequest(`${transfer.url}/x`);
      assert.equal(r.status, 502);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.body.toString(), '{"code": "Ext');
    });

    it("status: should default to the service's error format", async () => {
      engine.add({ kind: 'status', status: 503 });
      const t = jsonOf(await rawRequest(`${transfer.url}/v0.10/endpoint/e1`));
      assert.equal(t.code, 'ServiceUnavailable');
      assert.equal(t.resource, '/endpoint/e1');
      assert.match(String(t.request_id), /^[A-Za-z0-9]{9}$/);
      assert.equal(typeof t.message, 'string');
      const a = jsonOf(await rawRequest(`${auth.url}/v2/api/identities`));
      const errs = a.errors as Record<string, unknown>[];
      assert.equal(errs[0].status, '503');
      assert.equal(errs[0].code, 'SERVICE_UNAVAILABLE');
      assert.equal(a.error, 'service_unavailable');
      const g = jsonOf(await rawRequest(`${gcs.url}/file.csv`));
      assert.equal(g.DATA_TYPE, 'result#1.0.0');
      assert.equal(g.http_response_code, 503);
    });

    it('reset: should drop the connection without a response', async () => {
      engine.add({ kind: 'reset', count: 1 });
      const r = await rawRequest(`${transfer.url}/x`);
      assert.equal(r.status, undefined);
      assert.ok(r.error, 'expected a connection error');
      assert.equal((await rawRequest(`${transfer.url}/x`)).status, 200);
    });

    for (const route of ['/stream', '/whole', '/v0.10/endpoint/e1']) {
      it(`truncate: should send headers and only the first bytes of ${route}`, async () => {
        engine.add({ kind: 'truncate', bytes: 10 });
        const r = await rawRequest(`${transfer.url}${route}`);
        assert.equal(r.status, 200);
        assert.equal(r.complete, false);
        assert.ok(r.error);
        assert.equal(r.body.length, 10);
        assert.ok(Number(r.headers['content-length']) > 10);
      });
    }

    it('truncate: with 0 bytes should send headers only', async () => {
      engine.add({ kind: 'truncate', bytes: 0 });
      const r = await rawRequest(`${transfer.url}/whole`);
      assert.equal(r.status, 200);
      assert.equal(r.body.length, 0);
      assert.equal(r.complete, false);
    });

    for (const route of ['/stream', '/whole']) {
      it(`bandwidth: should cap the body rate of ${route}`, async () => {
        engine.add({ kind: 'bandwidth', bytesPerSecond: 20_000 });
        const r = await rawRequest(`${transfer.url}${route}`);
        assert.equal(r.status, 200);
        assert.equal(r.complete, true);
        assert.deepEqual(r.body, bigBody);
        // 20 000 bytes at 20 000 B/s: about one second (no faster than 0.8 s).
        assert.ok(r.ms >= 800 && r.ms < 4000, `took ${r.ms} ms`);
      });
    }

    it('bandwidth: should not slow a request it does not match', async () => {
      engine.add({ kind: 'bandwidth', bytesPerSecond: 1000, service: 'gcs:*' });
      const r = await rawRequest(`${transfer.url}/whole`);
      assert.equal(r.body.length, bigBody.length);
      assert.ok(r.ms < 5000, `capped at 1000 B/s it would take 20 s; took ${r.ms} ms`);
    });

    it("expireToken: should expire the request's bearer and let it through", async () => {
      engine.add({ kind: 'expireToken', count: 1 });
      const r = await rawRequest(`${transfer.url}/x`, {
        headers: { Authorization: 'Bearer tok-123' }
      });
      assert.equal(r.status, 200);
      assert.deepEqual(expired, ['tok-123']);
      await rawRequest(`${transfer.url}/x`, { headers: { Authorization: 'Bearer tok-456' } });
      assert.deepEqual(expired, ['tok-123']);
    });

    it('should combine latency with a later status rule', async () => {
      engine.add({ kind: 'latency', ms: 200 });
      engine.add({ kind: 'status', status: 500 });
      const r = await rawRequest(`${transfer.url}/x`);
      assert.equal(r.status, 500);
      assert.ok(r.ms >= 190);
    });
  });
});

describe('parseFaultRules', () => {
  it('should accept an array or an object with rules', () => {
    const rules = [{ kind: 'latency', ms: 5 }];
    assert.deepEqual(parseFaultRules(rules), rules);
    assert.deepEqual(parseFaultRules({ rules }), rules);
  });

  it('should name the bad field', () => {
    const cases: [unknown, string][] = [
      [{ rules: [{ kind: 'latency', ms: 5 }, { kind: 'nap' }] }, 'rules[1].kind'],
      [[{ kind: 'latency', ms: -1 }], 'rules[0].ms'],
      [[{ kind: 'latency', ms: 5, cout: 1 }], 'rules[0].cout'],
      [[{ kind: 'reset', count: 0 }], 'rules[0].count'],
      [[{ kind: 'reset', probability: 1.5 }], 'rules[0].probability'],
      [[{ kind: 'reset', pathRegex: '(' }], 'rules[0].pathRegex'],
      [[{ kind: 'reset', path: 'no-slash' }], 'rules[0].path'],
      [
        [{ kind: 'status', status: 429, headers: { 'Retry-After': 3 } }],
        'rules[0].headers.Retry-After'
      ],
      [[{ kind: 'truncate' }], 'rules[0].bytes'],
      [[{ kind: 'bandwidth', bytesPerSecond: 0 }], 'rules[0].bytesPerSecond'],
      [{ rule: [] }, 'rule'],
      ['x', 'rules']
    ];
    for (const [doc, field] of cases) {
      assert.throws(
        () => parseFaultRules(doc),
        (e: unknown) => e instanceof FaultRuleError && e.field === field,
        `expected field ${field} for ${JSON.stringify(doc)}`
      );
    }
  });

  it('should refuse a rule with both path and pathRegex', () => {
    assert.throws(
      () => parseFaultRule({ kind: 'reset', path: '/a', pathRegex: 'a' }),
      FaultRuleError
    );
  });
});

describe('loadFaultRules', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faults-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should load a valid file', async () => {
    const file = join(dir, 'ok.json');
    await writeFile(
      file,
      JSON.stringify({ rules: [{ kind: 'status', status: 503, service: 'transfer', count: 1 }] })
    );
    const rules = await loadFaultRules(file);
    assert.equal(rules.length, 1);
    assert.equal(rules[0].kind, 'status');
  });

  it('should report bad JSON and a missing file as the file field', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, '{"rules": [');
    await assert.rejects(
      loadFaultRules(file),
      (e: unknown) => e instanceof FaultRuleError && e.field === 'file' && /JSON/.test(e.message)
    );
    await assert.rejects(
      loadFaultRules(join(dir, 'missing.json')),
      (e: unknown) => e instanceof FaultRuleError && e.field === 'file'
    );
  });
});

describe('createAdminRouter', () => {
  let now = 1_000_000;
  const adminClock = { now: () => now, advance: (ms: number) => (now += ms) };
  const engine = new FaultEngine({ clock: adminClock, expireToken: () => undefined });
  let admin: IRunningService;
  let svc: IRunningService;
  before(async () => {
    admin = await startService('admin', createAdminRouter({ faults: engine, clock: adminClock }));
    svc = await startService('transfer', testRouter(), { faults: engine });
  });
  after(async () => {
    await Promise.all([admin.close(), svc.close()]);
  });

  // The admin origin needs a JSON content type on every state-changing request.
  const adminDelete = { method: 'DELETE', headers: { 'Content-Type': 'application/json' } };
  const post = (path: string, body: unknown): ReturnType<typeof rawRequest> =>
    rawRequest(`${admin.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    });

  describe('POST /faults', () => {
    it('should add one rule, which then disturbs the service', async () => {
      const r = await post('/faults', {
        kind: 'status',
        status: 429,
        count: 1,
        headers: { 'Retry-After': '1' }
      });
      assert.equal(r.status, 201);
      const added = jsonOf(r).rules as { id: string }[];
      assert.equal(added.length, 1);
      const hit = await rawRequest(`${svc.url}/x`);
      assert.equal(hit.status, 429);
      assert.equal(hit.headers['retry-after'], '1');
      assert.equal((await rawRequest(`${svc.url}/x`)).status, 200);
    });

    it('should add a batch, all or nothing', async () => {
      await rawRequest(`${admin.url}/faults`, adminDelete);
      const bad = await post('/faults', {
        rules: [
          { kind: 'reset', id: 'r1' },
          { kind: 'reset', id: 'r1' }
        ]
      });
      assert.equal(bad.status, 400);
      assert.equal(jsonOf(bad).field, 'id');
      assert.equal(engine.list().length, 0);
      const ok = await post('/faults', [
        { kind: 'reset', id: 'r1', path: '/none' },
        { kind: 'latency', ms: 1 }
      ]);
      assert.equal(ok.status, 201);
      assert.equal(engine.list().length, 2);
    });

    it('should answer 400 with the field for an invalid rule or bad JSON', async () => {
      const r = await post('/faults', { kind: 'latency', ms: 'soon' });
      assert.equal(r.status, 400);
      const body = jsonOf(r);
      assert.equal(body.code, 'FaultRuleInvalid');
      assert.equal(body.field, 'rule.ms');
      const j = await rawRequest(`${admin.url}/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{'
      });
      assert.equal(j.status, 400);
    });
  });

  describe('GET /faults', () => {
    it('should list rules with hits', async () => {
      await rawRequest(`${admin.url}/faults`, adminDelete);
      await post('/faults', { kind: 'latency', ms: 1, id: 'l', count: 5 });
      await rawRequest(`${svc.url}/x`);
      const rules = jsonOf(await rawRequest(`${admin.url}/faults`)).rules as Record<
        string,
        unknown
      >[];
      assert.deepEqual(rules, [
        { kind: 'latency', ms: 1, id: 'l', count: 5, hits: 1, remaining: 4, addedAt: now }
      ]);
    });
  });

  describe('DELETE /faults', () => {
    it('should clear one rule or all', async () => {
      await rawRequest(`${admin.url}/faults`, adminDelete);
      await post('/faults', [
        { kind: 'reset', id: 'a' },
        { kind: 'reset', id: 'b' }
      ]);
      assert.deepEqual(jsonOf(await rawRequest(`${admin.url}/faults/a`, adminDelete)), {
        removed: 1
      });
      assert.equal((await rawRequest(`${admin.url}/faults/a`, adminDelete)).status, 404);
      assert.deepEqual(jsonOf(await rawRequest(`${admin.url}/faults`, adminDelete)), {
        removed: 1
      });
      assert.equal((await rawRequest(`${svc.url}/x`)).status, 200);
    });
  });

  describe('/clock', () => {
    it('should report and advance the clock', async () => {
      const before = jsonOf(await rawRequest(`${admin.url}/clock`)).now as number;
      const r = await post('/clock', { advanceMs: 5000 });
      assert.equal(r.status, 200);
      assert.equal(jsonOf(r).now, before + 5000);
      assert.equal((await post('/clock', { advanceMs: 'x' })).status, 400);
    });
  });
});
