// bench/activity: "Activity with 1,000 tasks" (issue #17), server side. 1,000 transfer
// tasks are submitted to the emulator over HTTP, then a REAL Jupyter server from the venv
// answers the activity view's first page (`GET /globus-kit/tasks?limit=25`; target
// ≤ 300 ms), a page deep in the list (offset 500), the last page, and a label search.
// Side by side: the same task_list call straight at the emulator (what Transfer's own
// answer costs here), so the route's overhead is the difference.
import { decodeGlobusData } from '../../kernel-helpers/dist/index.js';
import { startBenchEmulator } from '../common/emulator.mjs';
import { median } from '../common/measure.mjs';
import { requireBuilds } from '../common/paths.mjs';
import { progress, runCount, verdict, writeReport } from '../common/report.mjs';
import { startJupyterServer } from '../../test/support/notebook-runner.mjs';

const TASKS = 1000;
const PAGE = 25;
const TARGET_MS = 300;

requireBuilds();

function p95(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

async function timed(url, headers) {
  const t0 = performance.now();
  const r = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  const body = await r.json();
  const ms = performance.now() - t0;
  if (!r.ok) throw new Error(`GET ${new URL(url).pathname}: HTTP ${r.status} ${body.code ?? ''}`);
  return { ms, body };
}

const emu = await startBenchEmulator();
let server;
try {
  const { seed } = emu;
  const transferToken = decodeGlobusData(emu.env.GLOBUS_DATA).tokens.find(
    t => t.resourceServer === 'transfer.api.globus.org'
  ).accessToken;
  const globus = { Authorization: `Bearer ${transferToken}` };
  const transferBase = `${emu.env.GLOBUS_SDK_SERVICE_URL_TRANSFER}/v0.10`;

  progress(`submitting ${TASKS} transfer tasks to the emulator`);
  const seedStarted = performance.now();
  for (let n = 0; n < TASKS; n++) {
    const sub = await (await fetch(`${transferBase}/submission_id`, { headers: globus })).json();
    const r = await fetch(`${transferBase}/transfer`, {
      method: 'POST',
      headers: { ...globus, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        DATA_TYPE: 'transfer',
        submission_id: sub.value,
        label: `bench activity ${String(n).padStart(4, '0')}`,
        source_endpoint: seed.PUBLIC_COLLECTION_ID,
        destination_endpoint: seed.GUEST_COLLECTION_ID,
        DATA: [
          {
            DATA_TYPE: 'transfer_item',
            source_path: '/share/godata/file1.txt',
            destination_path: `/bench-activity/${n}.txt`
          }
        ]
      })
    });
    if (r.status !== 202) throw new Error(`submission ${n}: HTTP ${r.status}`);
    await r.arrayBuffer();
  }
  const seedS = (performance.now() - seedStarted) / 1000;

  server = await startJupyterServer({ env: { ...emu.env, JUPYTERHUB_USER: 'bench' } });
  const jupyter = { Authorization: `token ${server.token}` };
  const route = q => `${server.url}/globus-kit/tasks?${q}`;
  const direct = q => `${transferBase}/task_list?orderby=request_time%20DESC&${q}`;
  const cases = [
    ['first page', `limit=${PAGE}`],
    ['page at offset 500', `limit=${PAGE}&offset=500`],
    ['last page', `limit=${PAGE}&offset=${TASKS - PAGE}`],
    ['label search', `limit=${PAGE}&label=activity%2009`]
  ];
  const directQuery = q => q.replace('label=activity%2009', 'filter=label:~*activity%2009*');

  // Warm both sides once (the first route call also opens the server's HTTP client).
  const check = await timed(route(`limit=${PAGE}`), jupyter);
  if (check.body.total !== TASKS || check.body.tasks.length !== PAGE) {
    throw new Error(`the route listed ${check.body.total} tasks, not ${TASKS}`);
  }
  await timed(direct(`limit=${PAGE}`), globus);

  const rounds = runCount(20);
  const rows = [];
  const facts = {};
  let firstPageMedian;
  for (const [name, q] of cases) {
    progress(`${name}: ${rounds} rounds`);
    const viaRoute = [];
    const viaTransfer = [];
    let listed = 0;
    for (let i = 0; i < rounds; i++) {
      const a = await timed(route(q), jupyter);
      viaRoute.push(a.ms);
      listed = a.body.tasks.length;
      viaTransfer.push((await timed(direct(directQuery(q)), globus)).ms);
    }
    const med = median(viaRoute);
    if (name === 'first page') firstPageMedian = med;
    rows.push({
      tool: `GET /globus-kit/tasks: ${name}`,
      wallS: med / 1000,
      throughput: `${listed} tasks`,
      notes:
        `median ${Math.round(med)} ms of ${rounds}, p95 ${Math.round(p95(viaRoute))} ms` +
        (name === 'first page' ? `; target ≤ ${TARGET_MS} ms: ${verdict(med <= TARGET_MS)}` : '')
    });
    rows.push({
      tool: `  Transfer task_list straight at the emulator: ${name}`,
      wallS: median(viaTransfer) / 1000,
      notes:
        `median ${Math.round(median(viaTransfer))} ms of ${rounds}, ` +
        `p95 ${Math.round(p95(viaTransfer))} ms (the route's Globus call)`
    });
  }
  facts['tasks seeded'] = `${TASKS} (submitted over HTTP in ${seedS.toFixed(1)} s)`;
  facts['page size'] = String(PAGE);
  await writeReport({
    title: `activity: the task list route with ${TASKS} tasks`,
    rows,
    ratios: [
      `first page through the route: ${Math.round(firstPageMedian)} ms median ` +
        `(target ≤ ${TARGET_MS} ms: ${verdict(firstPageMedian <= TARGET_MS)}); ` +
        'the browser side (rendering, scrolling) is measured with the activity view'
    ],
    facts
  });
} finally {
  await server?.stop();
  await emu.close();
}
