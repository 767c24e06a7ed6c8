// Malformed API responses: documents served by the emulator's `status` fault with
// `bodyText` (truncated JSON, wrong types, huge numbers, deep nesting, missing fields, HTML
// error pages, with 200 and error statuses) against the kernel-helpers clients (ls, search,
// task get, userinfo) → a value or a GlobusKitError, nothing else; and a smaller set against
// the server-extension routes → a JSON answer, never a 500 or a traceback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emulatorModule, helpersModule, startServer } from './support.mjs';

const SEED = 8;
const KERNEL_CASES = 1200;
const ROUTE_CASES = 120;

/** A small seeded PRNG (mulberry32), so a failing case can be replayed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEMPLATES = {
  ls: {
    DATA_TYPE: 'file_list',
    path: '/~/',
    endpoint: 'x',
    length: 1,
    total: 1,
    DATA: [
      {
        DATA_TYPE: 'file',
        name: 'a.csv',
        type: 'file',
        size: 10,
        last_modified: '2024-01-01 00:00:00+00:00',
        permissions: '0644'
      }
    ]
  },
  search: {
    DATA_TYPE: 'endpoint_list',
    length: 1,
    limit: 25,
    offset: 0,
    has_next_page: false,
    DATA: [
      {
        DATA_TYPE: 'endpoint',
        id: 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01',
        display_name: 'X',
        entity_type: 'GCSv5_guest_collection'
      }
    ]
  },
  task: {
    DATA_TYPE: 'task',
    task_id: 'x',
    status: 'ACTIVE',
    type: 'TRANSFER',
    files: 1,
    bytes_transferred: 0
  },
  userinfo: {
    sub: 'x',
    preferred_username: 'u',
    name: 'n',
    identity_set: [{ sub: 'x', username: 'u' }]
  }
};

/** Make one malformed document from a template. */
function malformed(rand, template) {
  const pick = arr => arr[Math.floor(rand() * arr.length)];
  const text = JSON.stringify(template);
  const wrong = [null, 1e308, -1, '', 'x', [], {}, true, 1.2345678901234568e29, '<script>'];
  const mutateKeys = (obj, f) => {
    const copy = JSON.parse(text);
    const walk = o => {
      if (o && typeof o === 'object')
        for (const k of Object.keys(o)) {
          if (rand() < 0.4) f(o, k);
          else walk(o[k]);
        }
    };
    walk(copy);
    return JSON.stringify(copy);
  };
  switch (Math.floor(rand() * 9)) {
    case 0:
      return text.slice(0, Math.floor(rand() * text.length)); // truncated JSON
    case 1:
      return mutateKeys(template, (o, k) => (o[k] = pick(wrong))); // wrong types
    case 2:
      return mutateKeys(template, (o, k) => delete o[k]); // missing fields
    case 3:
      return text.replace(/\d+/g, () => '9'.repeat(1 + Math.floor(rand() * 400))); // huge numbers
    case 4: {
      const depth = 100 + Math.floor(rand() * 20_000); // deep nesting
      return '['.repeat(depth) + ']'.repeat(rand() < 0.5 ? depth : Math.floor(depth / 2));
    }
    case 5:
      return pick([
        '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
        '<!DOCTYPE html><h1>Service Unavailable</h1>',
        ''
      ]); // HTML error pages, empty body
    case 6:
      return JSON.stringify(pick([null, 0, 'text', [], [template], true])); // wrong top level
    case 7: {
      const i = Math.floor(rand() * text.length); // a stray byte
      return text.slice(0, i) + pick(['\u0000', '"', '}', '\\', '\uFFFF', ',,']) + text.slice(i);
    }
    default:
      return mutateKeys(template, (o, k) => (o[k] = { nested: [pick(wrong)] }));
  }
}

describe('malformed API responses', () => {
  let mod;
  let kh;
  let emu;
  let g;
  let taskId;

  before(async () => {
    mod = await emulatorModule();
    kh = await helpersModule();
    emu = await mod.createEmulator({ seed: SEED });
    g = await kh.connect({
      env: await emu.env(),
      requestDefaults: { retry: false, timeoutMs: 5000 }
    });
    const sub = await g.transfer.tasks.submitTransfer({
      source: mod.seed.PUBLIC_COLLECTION_ID,
      destination: mod.seed.GUEST_COLLECTION_ID,
      items: [{ source: '/portal/catalog/dataset_las/1950.csv', destination: '/fuzz/1950.csv' }]
    });
    taskId = sub.task_id;
  });
  after(async () => {
    await emu?.close();
  });

  const clients = () => [
    {
      name: 'ls',
      template: TEMPLATES.ls,
      target: { service: 'transfer', method: 'GET', path: '/v0.10/operation/endpoint/*/ls' },
      call: () => g.transfer.files.ls(mod.seed.PUBLIC_COLLECTION_ID, '/portal/')
    },
    {
      name: 'search',
      template: TEMPLATES.search,
      target: { service: 'transfer', method: 'GET', path: '/v0.10/endpoint_search' },
      call: () => g.transfer.collections.search({ fulltext: 'Tutorial' })
    },
    {
      name: 'task get',
      template: TEMPLATES.task,
      target: { service: 'transfer', method: 'GET', path: '/v0.10/task/*' },
      call: () => g.transfer.tasks.get(taskId)
    },
    {
      name: 'userinfo',
      template: TEMPLATES.userinfo,
      target: { service: 'auth', path: '/v2/oauth2/userinfo' },
      call: () => g.auth.userinfo.get()
    }
  ];

  it('should answer every malformed document with a value or a GlobusKitError', async () => {
    const rand = prng(SEED);
    const tally = {};
    const untyped = [];
    const list = clients();
    for (let n = 0; n < KERNEL_CASES; n++) {
      const c = list[n % list.length];
      const status = [200, 200, 200, 400, 401, 403, 404, 500, 502, 503][Math.floor(rand() * 10)];
      const bodyText = malformed(rand, c.template);
      emu.faults.clear();
      emu.faults.add({ ...c.target, kind: 'status', status, bodyText, count: 1 });
      let outcome;
      try {
        await c.call();
        outcome = 'value';
      } catch (e) {
        if (kh.isGlobusKitError(e) && typeof e.code === 'string') outcome = e.code;
        else
          untyped.push(
            `case ${n} (${c.name}, ${status}): ${e?.name}: ${String(e?.message).slice(0, 120)}`
          );
      }
      if (outcome) tally[`${c.name} → ${outcome}`] = (tally[`${c.name} → ${outcome}`] ?? 0) + 1;
    }
    emu.faults.clear();
    console.log(`API response fuzz (kernel-helpers): ${KERNEL_CASES} documents, seed ${SEED}`);
    console.log(JSON.stringify(tally, null, 1));
    assert.deepEqual(untyped.slice(0, 20), []);
  });

  it('should answer malformed documents on the routes with JSON, never a 500 or a traceback', async () => {
    const server = await startServer(await emu.env());
    try {
      const rand = prng(SEED + 1);
      const { PUBLIC_COLLECTION_ID: PUBLIC } = mod.seed;
      const routes = [
        [
          'ls',
          `/globus-kit/collections/${PUBLIC}/ls?path=%2Fportal%2F`,
          TEMPLATES.ls,
          '/v0.10/operation/endpoint/*/ls'
        ],
        [
          'search',
          '/globus-kit/collections?q=Tutorial&filter_scope=all',
          TEMPLATES.search,
          '/v0.10/endpoint_search'
        ],
        [
          'collection get',
          `/globus-kit/collections/${PUBLIC}`,
          TEMPLATES.search.DATA[0],
          '/v0.10/endpoint/*'
        ],
        ['task get', `/globus-kit/tasks/${taskId}`, TEMPLATES.task, '/v0.10/task/*'],
        ['task list', '/globus-kit/tasks', TEMPLATES.search, '/v0.10/task_list']
      ];
      const bad = [];
      const tally = {};
      for (let n = 0; n < ROUTE_CASES; n++) {
        const [name, url, template, path] = routes[n % routes.length];
        const status = [200, 200, 400, 403, 502][Math.floor(rand() * 5)];
        emu.faults.clear();
        emu.faults.add({
          service: 'transfer',
          path,
          kind: 'status',
          status,
          bodyText: malformed(rand, template),
          count: 1
        });
        const r = await server.request('GET', url);
        const key = r.status < 300 ? `${name} → ok` : `${name} → ${r.json?.code ?? r.status}`;
        tally[key] = (tally[key] ?? 0) + 1;
        if (r.status === 500 || /Traceback|File "\//.test(r.text) || r.json === undefined) {
          bad.push(`case ${n} (${name}, ${status}): HTTP ${r.status} ${r.text.slice(0, 120)}`);
        } else if (
          r.status >= 300 &&
          (typeof r.json.code !== 'string' || typeof r.json.message !== 'string')
        ) {
          bad.push(`case ${n} (${name}): untyped ${r.status} ${r.text.slice(0, 120)}`);
        }
      }
      emu.faults.clear();
      console.log(`API response fuzz (server routes): ${ROUTE_CASES} documents`);
      console.log(JSON.stringify(tally, null, 1));
      const log = server.output();
      assert.ok(
        !/Traceback/.test(log),
        log.slice(log.indexOf('Traceback') - 300, log.indexOf('Traceback') + 1500)
      );
      assert.deepEqual(bad.slice(0, 20), []);
    } finally {
      await server.stop();
    }
  });
});
