// The fault matrix as a reusable runner: every notebook verb (kernel-helpers) and every
// server-extension route, each under every emulator fault. A cell passes when it ends in
// success (after bounded retries) or in a typed error with a stable code (routes: a JSON
// `{code, message}`), within its time bound, with no partial file at a final path and the
// stored tokens still there. Faults are count-limited rules on one emulator.
//
// Used by fault-matrix.test.mjs (which asserts the cells) and by the secret scan
// (test/security/secret-scan.test.mjs), which searches everything the cells produced:
// `texts.errors` (String, inspect and stack of every thrown error), `texts.displays` (every
// display a verb made), the server's route bodies (`server.bodies`) and the logs.
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { bounded, FAST_RETRY, startServer, table } from './support.mjs';

const CELL_MS = 12_000;
const UPLOAD_BYTES = 100_000;
/** How long Auth's token endpoint holds a renewal in the `renewal stuck` column. */
const RENEWAL_STALL_MS = 2500;
/** `/api/status` must answer within this while a renewal is stuck (the loop is free). */
const STATUS_DURING_RENEWAL_MS = 500;
const TRANSFER_RS = 'transfer.api.globus.org';

/**
 * fault name → rules on a target (or null: not applicable to that target); `part` is
 * `verb` or `route`.
 */
const FAULTS = {
  none: () => [],
  latency: t => [{ ...t, kind: 'latency', ms: 250, count: 1 }],
  '5xx': t => [{ ...t, kind: 'status', status: 503, count: 1 }],
  '429+RA': t => [{ ...t, kind: 'status', status: 429, headers: { 'Retry-After': '1' }, count: 1 }],
  reset: t => [{ ...t, kind: 'reset', count: 1 }],
  truncate: t => [{ ...t, kind: 'truncate', bytes: 20, count: 1 }],
  bandwidth: t => [{ ...t, kind: 'bandwidth', bytesPerSecond: 100_000, count: 1 }],
  consent: t =>
    t.service === 'auth'
      ? null // Auth's userinfo has no data_access consent to miss
      : [
          {
            ...(t.consentTarget ?? t),
            kind: 'status',
            status: 403,
            count: 1,
            body: {
              code: 'ConsentRequired',
              message: 'Missing required data_access consent',
              request_id: 'matrix',
              resource: '/matrix',
              authorization_parameters: {
                session_message: 'Missing required data_access consent',
                session_required_identities: [],
                session_required_single_domain: [],
                required_scopes: [
                  'urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/e56c36e4-1063-4a6e-a747-22000bf2d559/data_access]'
                ]
              }
            }
          }
        ],
  // Routes only, on the server with a stored login (`loginServer`) whose Transfer token is
  // put inside the 60 s renewal window before each cell: Auth's token endpoint hangs, so
  // the route waits for the renewal while `/api/status` must still answer at once.
  'renewal stuck': (_t, part) =>
    part === 'route'
      ? [
          {
            id: 'renewal-stuck',
            service: 'auth',
            method: 'POST',
            path: '/v2/oauth2/token',
            kind: 'latency',
            ms: RENEWAL_STALL_MS
          }
        ]
      : null,
  // last: on the server, an expired token stays expired for the rest of the run
  expiry: t => [{ ...(t.consentTarget ?? t), kind: 'expireToken', count: 1 }]
};
/** The matrix's columns, in the order they run (expiry last: see FAULTS). */
export const FAULT_NAMES = Object.keys(FAULTS);

/** Fault rule fields without our own helper keys. */
function rules(fault, target, part) {
  const made = FAULTS[fault](target, part);
  if (made === null) return null;
  return made.map(r => {
    const { consentTarget: _unused, ...rule } = r;
    return rule;
  });
}

/** A route's answer as a cell: `ok`, the typed error's code, or `FAIL …`. */
function routeOutcome(r) {
  if (/Traceback|File "\//.test(r.text)) return `FAIL traceback (${r.status})`;
  if (r.json === undefined) return `FAIL not JSON (${r.status})`;
  if (r.status < 300) return 'ok';
  if (r.status === 500) return `FAIL 500 ${r.json?.code}`;
  if (typeof r.json?.code !== 'string' || typeof r.json?.message !== 'string') {
    return `FAIL untyped ${r.status}`;
  }
  return r.json.code;
}

/** Move the stored Transfer token's expiry 30 s ahead: inside the 60 s renewal window. */
function putInsideRenewalWindow(tokenFile) {
  const doc = JSON.parse(readFileSync(tokenFile, 'utf8'));
  doc.tokens[TRANSFER_RS].expires_at_seconds = Math.floor(Date.now() / 1000) + 30;
  doc.revision += 1;
  const tmp = `${tokenFile}.tmp-matrix`;
  writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, tokenFile);
}

/**
 * A jupyter_server with no GLOBUS_DATA and a stored login (the standalone login of
 * docs/login.md, completed through its own routes against the emulator), for the
 * `renewal stuck` column.
 *
 * @param {object} emu - a running emulator from `createEmulator`
 * @param {object} mod - the emulator module (for the seeded native client id)
 * @returns {Promise<object>} the server of support.mjs `startServer`, plus `tokenFile`
 */
export async function startStoredLoginServer(emu, mod) {
  const env = await emu.env();
  const { GLOBUS_DATA: _unused, ...services } = env;
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'globus-kit-matrix-')), 'tokens.json');
  const server = await startServer(services, {
    GLOBUS_KIT_CLIENT_ID: mod.seed.NATIVE_CLIENT_ID,
    GLOBUS_KIT_SERVER_TOKEN_FILE: tokenFile
  });
  const wasAutoApprove = emu.autoApprove;
  emu.autoApprove = true;
  try {
    const start = await server.request('POST', '/globus-kit/login', { redirect: 'paste' });
    const auth = await fetch(start.json.url, { redirect: 'manual' });
    const code = new URL(auth.headers.get('location')).searchParams.get('code');
    const done = await server.request('POST', '/globus-kit/login/complete', { code });
    if (done.status !== 200) throw new Error(`stored login failed: ${done.status}`);
  } finally {
    emu.autoApprove = wasAutoApprove;
  }
  return { ...server, tokenFile };
}

/** Files under a folder (hidden ones too), relative, with sizes. */
function filesUnder(dir) {
  const out = [];
  const walk = d => {
    let names = [];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out.push({ path: p.slice(dir.length), size: s.size });
    }
  };
  walk(dir);
  return out;
}

/**
 * A fault matrix on a running emulator (library) and a server from `startServer`.
 *
 * @param {object} options
 * @param {object} options.mod - the emulator module (for its seed ids)
 * @param {object} options.kh - the kernel-helpers module
 * @param {object} options.emu - a running emulator from `createEmulator`
 * @param {object} options.server - from support.mjs `startServer(await emu.env())`
 * @param {string[]} [options.faults] - columns to run (default every one, in FAULT_NAMES order)
 * @returns {{ runVerbs: () => Promise<void>, runRoutes: () => Promise<void>, matrix: Map,
 *   problems: string[], texts: { errors: string[], displays: string[] },
 *   globusDataSeen: string[], print: () => string }}
 */
export function createFaultMatrix({ mod, kh, emu, server, loginServer, faults = FAULT_NAMES }) {
  const seedIds = {
    PUBLIC: mod.seed.PUBLIC_COLLECTION_ID,
    GUEST: mod.seed.GUEST_COLLECTION_ID,
    COLLEAGUE: mod.seed.COLLEAGUE_IDENTITY_ID
  };
  const faultNames = FAULT_NAMES.filter(f => faults.includes(f));
  const matrix = new Map(); // row → { fault → cell }
  const problems = [];
  const texts = { errors: [], displays: [] };
  const globusDataSeen = [];

  function record(row, fault, cell) {
    if (!matrix.has(row)) matrix.set(row, {});
    matrix.get(row)[fault] = cell;
    if (cell.startsWith('FAIL')) problems.push(`${row} × ${fault}: ${cell}`);
  }

  // ---------------------------------------------------------------- notebook verbs
  const verbs = () => {
    const { PUBLIC, GUEST, COLLEAGUE } = seedIds;
    const transferGet = { service: 'transfer', method: 'GET', path: '/v0.10/endpoint/*' };
    return [
      {
        name: 'whoami',
        target: { service: 'auth', path: '/v2/oauth2/userinfo' },
        run: g => g.whoami()
      },
      {
        name: 'fetchCsv',
        target: { service: `gcs:${PUBLIC}`, method: 'GET', consentTarget: transferGet },
        run: g => g.fetchCsv({ collection: PUBLIC, path: '/portal/catalog/dataset_las/1952.csv' })
      },
      {
        name: 'upload',
        target: { service: `gcs:${GUEST}`, method: 'PUT', consentTarget: transferGet },
        run: (g, fault) =>
          g.upload(new Uint8Array(UPLOAD_BYTES).fill(65), {
            collection: GUEST,
            path: `/matrix/upload-${fault.replace(/\W/g, '_')}.bin`
          }),
        check: () => {
          const root = join(emu.collections.rootOf(GUEST), 'matrix');
          for (const f of filesUnder(root)) {
            if (!/^\/upload-\w+\.bin$/.test(f.path) || f.size !== UPLOAD_BYTES) {
              return `partial or stray file ${f.path} (${f.size} bytes)`;
            }
          }
          return undefined;
        }
      },
      {
        name: 'ls',
        target: { service: 'transfer', method: 'GET', path: '/v0.10/operation/endpoint/*/ls' },
        run: g => g.ls(PUBLIC, '/portal/catalog/dataset_las/')
      },
      { name: 'link', target: transferGet, run: g => g.link(GUEST, '/results/summary.csv') },
      {
        name: 'share',
        target: { service: 'transfer', method: 'POST', path: '/v0.10/endpoint/*/access' },
        run: (g, fault) =>
          g.share(GUEST, `/shared-${fault.replace(/\W/g, '_')}/`, { identity: COLLEAGUE })
      },
      {
        name: 'transfer',
        target: { service: 'transfer', method: 'POST', path: '/v0.10/transfer' },
        run: (g, fault) =>
          g.transfer({
            from: PUBLIC,
            to: GUEST,
            items: [
              {
                source: '/portal/catalog/dataset_las/1950.csv',
                destination: `/matrix-transfer/${fault.replace(/\W/g, '_')}.csv`
              }
            ],
            pollMs: 50
          })
      }
    ];
  };

  function sinkFor() {
    const push = (_mime, data) =>
      texts.displays.push(typeof data === 'string' ? data : JSON.stringify(data));
    const display = {
      html: h => push('text/html', h),
      text: t => push('text/plain', t),
      raw: push
    };
    return { display, newDisplay: () => display };
  }

  async function verbCell(verb, fault) {
    const made = rules(fault, verb.target, 'verb');
    if (made === null) return '—';
    emu.faults.clear();
    const env = await emu.env();
    globusDataSeen.push(env.GLOBUS_DATA);
    const g = await kh.connect({
      env,
      display: sinkFor(),
      requestDefaults: { retry: FAST_RETRY, timeoutMs: 4000 }
    });
    const tokensBefore = g.toJSON().tokens.length;
    for (const r of made) emu.faults.add(r);
    let cell;
    try {
      await bounded(verb.run(g, fault), CELL_MS, `${verb.name} × ${fault}`);
      cell = 'ok';
    } catch (e) {
      texts.errors.push(String(e), inspect(e), e?.stack ?? '');
      if (String(e?.message).startsWith('HANG')) cell = `FAIL hang`;
      else if (!kh.isGlobusKitError(e))
        cell = `FAIL untyped ${e?.name}: ${String(e?.message).slice(0, 80)}`;
      else if (!/^[A-Z][A-Z0-9_]+$/.test(e.code) || !e.message) cell = `FAIL no code: ${e.code}`;
      else cell = e.code;
    } finally {
      emu.faults.clear();
    }
    if (g.toJSON().tokens.length !== tokensBefore) cell = 'FAIL token lost';
    const bad = verb.check?.();
    if (bad) cell = `FAIL ${bad}`;
    return cell;
  }

  // ---------------------------------------------------------------- server routes
  async function submitTask(label) {
    const env = await emu.env();
    globusDataSeen.push(env.GLOBUS_DATA);
    const g = await kh.connect({ env, requestDefaults: { retry: FAST_RETRY } });
    const doc = await g.transfer.tasks.submitTransfer({
      source: seedIds.PUBLIC,
      destination: seedIds.GUEST,
      label,
      items: [
        {
          source: '/portal/catalog/dataset_las/1951.csv',
          destination: `/matrix-tasks/${label}.csv`
        }
      ]
    });
    return doc.task_id;
  }

  const routes = () => {
    const { PUBLIC, GUEST } = seedIds;
    const T = path => ({ service: 'transfer', path });
    return [
      { name: 'status', target: T('*'), call: () => ['GET', '/globus-kit/status'] },
      {
        name: 'search',
        target: T('/v0.10/endpoint_search'),
        call: () => ['GET', '/globus-kit/collections?q=Tutorial&filter_scope=all&limit=5']
      },
      {
        name: 'collection get',
        target: T('/v0.10/endpoint/*'),
        call: () => ['GET', `/globus-kit/collections/${PUBLIC}`]
      },
      {
        name: 'ls',
        target: T('/v0.10/operation/endpoint/*/ls'),
        call: () => ['GET', `/globus-kit/collections/${GUEST}/ls?path=%2F`]
      },
      {
        name: 'mkdir',
        target: T('/v0.10/operation/endpoint/*/mkdir'),
        call: fault => [
          'POST',
          `/globus-kit/collections/${GUEST}/mkdir`,
          { path: `/matrix-mkdir-${fault}` }
        ]
      },
      {
        name: 'rename',
        target: T('/v0.10/operation/endpoint/*/rename'),
        prepare: fault => {
          const dir = join(emu.collections.rootOf(GUEST), 'matrix-rename');
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, `${fault}.txt`), 'x');
        },
        call: fault => [
          'POST',
          `/globus-kit/collections/${GUEST}/rename`,
          {
            old_path: `/matrix-rename/${fault}.txt`,
            new_path: `/matrix-rename/${fault}-renamed.txt`
          }
        ]
      },
      {
        name: 'task list',
        target: T('/v0.10/task_list'),
        call: () => ['GET', '/globus-kit/tasks']
      },
      {
        name: 'task get',
        target: T('/v0.10/task/*'),
        prepare: async () => ({ task: await submitTask(`get${Date.now()}`) }),
        call: (_f, p) => ['GET', `/globus-kit/tasks/${p.task}`]
      },
      {
        name: 'task cancel',
        target: T('/v0.10/task/*/cancel'),
        prepare: async () => ({ task: await submitTask(`cancel${Date.now()}`) }),
        call: (_f, p) => ['POST', `/globus-kit/tasks/${p.task}/cancel`, {}]
      }
    ];
  };

  async function routeCell(route, fault) {
    const made = rules(fault, route.target, 'route');
    if (made === null) return '—';
    if (fault === 'renewal stuck') return renewalCell(route, made);
    emu.faults.clear();
    const safe = fault.replace(/\W/g, '_');
    const prepared = (await route.prepare?.(safe)) ?? {};
    for (const r of made) emu.faults.add(r);
    let cell;
    try {
      const [method, path, body] = route.call(safe, prepared);
      const r = await bounded(server.request(method, path, body, CELL_MS), CELL_MS, route.name);
      cell = routeOutcome(r);
    } catch (e) {
      texts.errors.push(String(e), inspect(e));
      cell = `FAIL ${String(e?.message ?? e).slice(0, 80)}`;
    } finally {
      emu.faults.clear();
    }
    const status = await server.request('GET', '/globus-kit/status');
    if (!Array.isArray(status.json?.tokens) || status.json.tokens.length === 0) {
      cell = 'FAIL token lost';
    }
    return cell;
  }

  /**
   * A route on `loginServer` while the renewal of its stored Transfer token is stuck at
   * Auth. A second route that needs the token runs at the same time (so `status`, which
   * needs none, also meets a renewal in flight); both must share ONE token request, and
   * `/api/status` must answer within STATUS_DURING_RENEWAL_MS meanwhile.
   */
  async function renewalCell(route, made) {
    if (!loginServer) return '—';
    emu.faults.clear();
    const prepared = (await route.prepare?.('renewal_stuck')) ?? {};
    putInsideRenewalWindow(loginServer.tokenFile);
    for (const r of made) emu.faults.add(r);
    let cell;
    try {
      const [method, path, body] = route.call('renewal_stuck', prepared);
      const routeCall = loginServer.request(method, path, body, CELL_MS);
      const other = loginServer.request('GET', '/globus-kit/tasks?limit=1', undefined, CELL_MS);
      await new Promise(resolve => setTimeout(resolve, 300));
      const started = Date.now();
      const probe = await loginServer.request('GET', '/api/status', undefined, CELL_MS);
      const probeMs = Date.now() - started;
      const [r, o] = await bounded(Promise.all([routeCall, other]), CELL_MS, route.name);
      const hits = emu.faults.list().find(x => x.id === 'renewal-stuck')?.hits;
      if (probe.status !== 200 || probeMs > STATUS_DURING_RENEWAL_MS) {
        cell = `FAIL /api/status took ${probeMs} ms (${probe.status})`;
      } else if (hits !== 1) cell = `FAIL ${hits} token requests`;
      else if (o.status !== 200) cell = `FAIL the second route answered ${o.status}`;
      else cell = routeOutcome(r);
    } catch (e) {
      texts.errors.push(String(e), inspect(e));
      cell = `FAIL ${String(e?.message ?? e).slice(0, 80)}`;
    } finally {
      emu.faults.clear();
    }
    const status = await loginServer.request('GET', '/globus-kit/status');
    if (!Array.isArray(status.json?.tokens) || status.json.tokens.length === 0) {
      cell = 'FAIL token lost';
    }
    return cell;
  }

  return {
    matrix,
    problems,
    texts,
    globusDataSeen,
    faultNames,
    /** Every verb under every fault column. */
    async runVerbs() {
      for (const verb of verbs()) {
        for (const fault of faultNames) {
          record(`verb ${verb.name}`, fault, await verbCell(verb, fault));
        }
      }
    },
    /** Every route under every fault column (column by column: expiry stays last). */
    async runRoutes() {
      for (const fault of faultNames) {
        for (const route of routes()) {
          record(`route ${route.name}`, fault, await routeCell(route, fault));
        }
      }
    },
    /** The matrix as a Markdown table. */
    print() {
      const rows = [...matrix.entries()].map(([row, cells]) => [
        row,
        ...faultNames.map(f => cells[f] ?? '?')
      ]);
      return table(['verb / route', ...faultNames], rows);
    }
  };
}
