// Load: 50 concurrent clients on the server extension's status and ls routes for 30 s
// (LOAD_SECONDS overrides), against a real jupyter_server from .venv and the emulator CLI in
// its own process. Each client is one keep-alive connection that alternates
// `GET /globus-kit/status` and `GET /globus-kit/collections/<public>/ls?path=<weather dir>`
// until the deadline. Every response must be a 200 with the JSON the route documents; the
// figures (requests, rps, p50/p95/p99/max latency per route) are printed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { startEmulatorCli, stopProcessGroup } from '../../scripts/lab-launcher.mjs';
import { startServer } from '../reliability/support.mjs';

const CLIENTS = 50;
const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const PUBLIC = 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01';
const WEATHER_DIR = '/portal/catalog/dataset_las/';
/** One request may take this long before it counts as an error (a hang). */
const REQUEST_TIMEOUT_MS = 15_000;
/** Upper bound on requests per client, so a broken clock cannot loop forever. */
const MAX_REQUESTS_PER_CLIENT = 100_000;

const ROUTES = {
  status: {
    path: '/globus-kit/status',
    check: doc =>
      doc?.available === true &&
      typeof doc.identity?.preferred_username === 'string' &&
      doc.tokens.length > 0
  },
  ls: {
    path: `/globus-kit/collections/${PUBLIC}/ls?path=${encodeURIComponent(WEATHER_DIR)}`,
    check: doc =>
      Array.isArray(doc?.entries) &&
      doc.total === doc.entries.length &&
      doc.entries.some(f => f.name === '1948.csv') &&
      doc.entries.every(f => typeof f.name === 'string')
  }
};

/** The q-th quantile (0..1) of sorted numbers, nearest rank. */
function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** One GET over the agent: status, body text and milliseconds, or the error. */
function get(agent, base, path, token) {
  return new Promise(resolve => {
    const started = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
    const req = request(
      `${base}${path}`,
      { agent, headers: { Authorization: `token ${token}` }, timeout: REQUEST_TIMEOUT_MS },
      res => {
        const chunks = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString(), ms: ms() })
        );
        res.on('error', error => resolve({ error, ms: ms() }));
      }
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', error => resolve({ error, ms: ms() }));
    req.end();
  });
}

describe('server extension under load', { timeout: (SECONDS + 180) * 1000 }, () => {
  let emulator;
  let server;
  let adminUrl;

  before(async () => {
    const started = await startEmulatorCli();
    emulator = started.child;
    adminUrl = started.env.GLOBUS_EMULATOR_ADMIN_URL;
    // The route timeout is the server's own bound on each Globus call; the default 20 s.
    server = await startServer(started.env, { GLOBUS_KIT_REQUEST_TIMEOUT: '20' });
  });

  after(async () => {
    await server?.stop();
    await stopProcessGroup(emulator);
  });

  it(`should answer ${CLIENTS} concurrent clients for ${SECONDS} s without one error`, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    const stats = Object.fromEntries(Object.keys(ROUTES).map(r => [r, { ms: [], errors: [] }]));
    const names = Object.keys(ROUTES);
    // Warm-up: one of each, so start-up costs (first Globus call) are not in the figures.
    for (const name of names) {
      const r = await get(agent, server.url, ROUTES[name].path, server.token);
      assert.equal(r.status, 200, `warm-up ${name}: ${r.error ?? r.text?.slice(0, 200)}`);
    }

    const started = Date.now();
    const deadline = started + SECONDS * 1000;
    const client = async i => {
      for (let n = 0; n < MAX_REQUESTS_PER_CLIENT && Date.now() < deadline; n++) {
        const name = names[(i + n) % names.length];
        const r = await get(agent, server.url, ROUTES[name].path, server.token);
        const s = stats[name];
        s.ms.push(r.ms);
        if (r.error) {
          s.errors.push(`${r.error.code ?? ''} ${r.error.message}`);
          continue;
        }
        let doc;
        try {
          doc = JSON.parse(r.text);
        } catch {
          doc = undefined;
        }
        if (r.status !== 200) s.errors.push(`HTTP ${r.status} ${r.text.slice(0, 120)}`);
        else if (!ROUTES[name].check(doc)) s.errors.push(`unexpected body ${r.text.slice(0, 120)}`);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    const elapsed = (Date.now() - started) / 1000;
    agent.destroy();

    console.log(
      `load: ${CLIENTS} clients, ${elapsed.toFixed(1)} s, keep-alive, jupyter_server + emulator on 127.0.0.1`
    );
    console.log('load: route  | requests | rps    | p50 ms | p95 ms | p99 ms | max ms | errors');
    for (const name of names) {
      const s = stats[name];
      const sorted = [...s.ms].sort((a, b) => a - b);
      const f = v => v.toFixed(1).padStart(6);
      console.log(
        `load: ${name.padEnd(6)} | ${String(sorted.length).padStart(8)} | ${(
          sorted.length / elapsed
        )
          .toFixed(1)
          .padStart(6)} | ${f(quantile(sorted, 0.5))} | ${f(quantile(sorted, 0.95))} | ${f(
          quantile(sorted, 0.99)
        )} | ${f(sorted.at(-1) ?? NaN)} | ${s.errors.length}`
      );
    }
    for (const name of names) {
      const s = stats[name];
      const distinct = [...new Set(s.errors)].slice(0, 5);
      assert.equal(s.errors.length, 0, `${name}: ${s.errors.length} errors, e.g. ${distinct}`);
      assert.ok(s.ms.length >= CLIENTS, `${name}: only ${s.ms.length} requests`);
    }
    assert.ok(elapsed >= SECONDS, `the run lasted ${elapsed} s, not ${SECONDS} s`);
  });

  it('regression #8: should answer a burst of 50 ls calls to a slow Globus without 504s', async () => {
    // Tornado's shared client ran 10 Globus calls at once and failed the others after 5 s
    // in its queue (the connect timeout): 30 of these 50 answered 504 TIMEOUT.
    const admin = (method, body) =>
      fetch(`${adminUrl}/faults`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        body: body && JSON.stringify(body)
      });
    const added = await admin('POST', {
      service: 'transfer',
      pathRegex: '/ls$',
      kind: 'latency',
      ms: 2500
    });
    assert.equal(added.status, 201);
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    try {
      const answers = await Promise.all(
        Array.from({ length: CLIENTS }, () => get(agent, server.url, ROUTES.ls.path, server.token))
      );
      const statuses = answers.map(r => r.status ?? String(r.error?.message));
      assert.deepEqual(
        statuses.filter(st => st !== 200),
        [],
        answers.find(r => r.status !== 200)?.text
      );
      assert.ok(answers.every(r => ROUTES.ls.check(JSON.parse(r.text))));
    } finally {
      agent.destroy();
      await admin('DELETE');
    }
  });
});
