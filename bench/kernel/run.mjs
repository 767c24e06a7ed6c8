// bench/kernel: the notebook path a person takes — a REAL Jupyter server from the venv and
// a fresh tslab kernel per round: kernel start (session → kernel_info), the first cell
// `connect()` execute → reply (cold: tslab compiles its first cell and loads the helpers;
// target < 1.5 s), the same cell after a trivial first cell (tslab already warm), and in a
// warm kernel the cost of a cell with a verb next to a trivial cell.
import { startBenchEmulator } from '../common/emulator.mjs';
import { median } from '../common/measure.mjs';
import { requireBuilds } from '../common/paths.mjs';
import { progress, runCount, verdict, writeReport } from '../common/report.mjs';
import { openKernel, startJupyterServer } from '../../test/support/notebook-runner.mjs';

const NOTEBOOK = 'notebooks/globus-data-flow.ipynb'; // only names the kernel's folder
const CONNECT = [
  "import * as tslab from 'tslab';",
  "import { connect } from '@jupyterlab-globus-kit/kernel-helpers';",
  'const globus = await connect({ display: tslab });'
].join('\n');

requireBuilds();

function ms(s) {
  return `${Math.round(s * 1000)} ms`;
}

function signedMs(s) {
  const ms = Math.round(s * 1000);
  return `${ms >= 0 ? '+' : '−'}${Math.abs(ms)} ms`;
}
const emu = await startBenchEmulator();
let server;
try {
  server = await startJupyterServer({ env: { ...emu.env, JUPYTERHUB_USER: 'bench' } });
  const run = async (conn, code) => {
    const r = await conn.execute(code, { timeoutMs: 60_000 });
    if (r.timedOut || r.reply?.status !== 'ok') {
      const err = r.messages.find(m => m.msg_type === 'error')?.content;
      throw new Error(
        `cell failed (${r.timedOut ? 'timeout' : r.reply?.status}): ${err?.evalue ?? ''}`
      );
    }
    return r.ms / 1000;
  };
  // A verb cell that also times the verb inside the kernel (printed on stdout as `verb-ms=N`).
  const runTimed = async (conn, code, into) => {
    const r = await conn.execute(
      `{ const t0 = performance.now(); ${code} console.log('verb-ms=' + (performance.now() - t0)); }`,
      { timeoutMs: 60_000 }
    );
    const out = r.messages
      .filter(m => m.msg_type === 'stream')
      .map(m => m.content.text)
      .join('');
    const inside = /verb-ms=([\d.]+)/.exec(out);
    if (r.timedOut || r.reply?.status !== 'ok' || !inside) {
      throw new Error(`verb cell failed: ${r.timedOut ? 'timeout' : r.reply?.status}`);
    }
    into.push(Number(inside[1]) / 1000);
    return r.ms / 1000;
  };
  const rounds = runCount();
  const m = { start: [], coldConnect: [], trivialFirst: [], connectAfter: [] };
  const warm = { trivial: [], whoami: [], fetchCsv: [] };
  const inside = { whoami: [], fetchCsv: [] };
  const smallCsv = `{ collection: '${emu.seed.PUBLIC_COLLECTION_ID}', path: '${emu.seed.WEATHER_DIR}1952.csv' }`;
  for (let i = 1; i <= rounds; i++) {
    progress(`round ${i}/${rounds}: fresh kernel, connect() as the first cell`);
    let t0 = Date.now();
    let conn = await openKernel(server, NOTEBOOK);
    m.start.push((Date.now() - t0) / 1000);
    try {
      m.coldConnect.push(await run(conn, CONNECT));
      if (i === 1) {
        progress('warm kernel: trivial cell, whoami, fetchCsv of a 366-row file (5 each)');
        // In blocks, so no cell pays for what the one before it left behind.
        for (let k = 0; k < 5; k++) warm.trivial.push(await run(conn, 'await Promise.resolve();'));
        for (let k = 0; k < 5; k++) {
          warm.whoami.push(await runTimed(conn, 'await globus.whoami();', inside.whoami));
        }
        for (let k = 0; k < 5; k++) {
          warm.fetchCsv.push(
            await runTimed(conn, `await globus.fetchCsv(${smallCsv});`, inside.fetchCsv)
          );
        }
      }
    } finally {
      await conn.close();
    }
    progress(`round ${i}/${rounds}: fresh kernel, a trivial cell, then connect()`);
    t0 = Date.now();
    conn = await openKernel(server, NOTEBOOK);
    m.start.push((Date.now() - t0) / 1000);
    try {
      m.trivialFirst.push(await run(conn, 'await Promise.resolve();'));
      m.connectAfter.push(await run(conn, CONNECT));
    } finally {
      await conn.close();
    }
  }
  const md = k => median(m[k]);
  const list = xs => xs.map(x => x.toFixed(2)).join(', ');
  const w = k => median(warm[k]);
  const rows = [
    {
      tool: 'tslab kernel start (session → kernel_info)',
      wallS: median(m.start),
      notes: `median of ${m.start.length} (${list(m.start)} s)`
    },
    {
      tool: 'cold connect(): first cell of a fresh kernel',
      wallS: md('coldConnect'),
      notes: `execute → reply; imports + connect(); median of ${rounds} (${list(m.coldConnect)} s)`
    },
    {
      tool: "tslab's own cold cost: `await Promise.resolve();` as the first cell",
      wallS: md('trivialFirst'),
      notes: `median of ${rounds} (${list(m.trivialFirst)} s)`
    },
    {
      tool: 'connect() cell after a trivial first cell',
      wallS: md('connectAfter'),
      notes: `what the helpers add once tslab is warm; median of ${rounds}`
    },
    {
      tool: 'warm: `await Promise.resolve();` cell',
      wallS: w('trivial'),
      notes: 'the floor of a cell in this kernel; median of 5'
    },
    {
      tool: 'warm: `await globus.whoami()`',
      wallS: w('whoami'),
      notes: `the verb itself ${ms(median(inside.whoami))} inside the kernel; ${signedMs(w('whoami') - w('trivial'))} over the floor; median of 5`
    },
    {
      tool: 'warm: `await globus.fetchCsv(1952.csv)` (366 rows)',
      wallS: w('fetchCsv'),
      notes: `the verb itself ${ms(median(inside.fetchCsv))} inside the kernel; ${signedMs(w('fetchCsv') - w('trivial'))} over the floor; median of 5`
    }
  ];
  const ratios = [
    `cold connect() in a fresh tslab kernel: ${md('coldConnect').toFixed(2)} s execute → reply — target < 1.5 s: ${verdict(md('coldConnect') < 1.5)}`,
    `warm verb cells: whoami ${ms(w('whoami'))} (verb ${ms(median(inside.whoami))}), fetchCsv of a small file ${ms(w('fetchCsv'))} (verb ${ms(median(inside.fetchCsv))}); a trivial cell ${ms(w('trivial'))} (no target)`
  ];
  await writeReport({
    title: 'kernel: a real Jupyter server and tslab kernel against the emulator',
    rows,
    ratios
  });
} finally {
  await server?.stop();
  await emu.close();
}
