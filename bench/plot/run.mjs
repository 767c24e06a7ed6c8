// bench/plot: the `plot` verb on the 1.25 M-row table — spec size (target < 1 MB) and the
// time headless Chromium takes to render it with vega-embed (target < 1 s), next to the
// same chart without downsampling. Chromium is Debian's, driven by playwright-core; the
// page and the vega bundles are served from node_modules on 127.0.0.1.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchEmulator } from '../common/emulator.mjs';
import { lastJson, measure, median, rssMethod } from '../common/measure.mjs';
import { requireBuilds, ROOT } from '../common/paths.mjs';
import { progress, runCount, verdict, writeReport } from '../common/report.mjs';
import { ensureWeatherCsv } from '../common/weather-data.mjs';
import { CHROMIUM_PATH, launchChromium } from '../../scripts/chromium.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const FULL_RENDER_LIMIT_MS = 120_000;

requireBuilds();
const ownData = process.env.BENCH_DATA_DIR
  ? undefined
  : await mkdtemp(join(tmpdir(), 'bench-data-'));
const data = await ensureWeatherCsv(process.env.BENCH_DATA_DIR ?? ownData);
const work = await mkdtemp(join(tmpdir(), 'bench-plot-'));
const emu = await startBenchEmulator();
let server;
let browser;
try {
  const specFile = join(work, 'spec.json');
  const fullFile = join(work, 'spec-full.json');
  progress('building the chart (parse the CSV, then the plot verb)');
  const m = await measure(
    process.execPath,
    [join(here, 'plot-spec.mjs'), data.path, specFile, fullFile],
    { env: { ...process.env, ...emu.env } }
  );
  if (m.code !== 0)
    throw new Error(`plot-spec failed: ${m.stderr.trim().split('\n').slice(-4).join(' / ')}`);
  const spec = lastJson(m.stdout, 'plot-spec');
  await emu.close();

  const rows = [
    {
      tool: 'plot verb: downsample + vega-lite spec',
      wallS: spec.buildS,
      throughput: `${(spec.specBytes / 1e6).toFixed(2)} MB spec`,
      notes: `${spec.fromRows.toLocaleString('en-US')} → ${spec.toRows.toLocaleString('en-US')} rows (${spec.rule}); peak RSS of that process (parse, plot and the no-downsampling spec): ${m.peakRssMb?.toFixed(0)} MB`
    }
  ];
  const ratios = [
    `plot spec size: ${(spec.specBytes / 1e6).toFixed(2)} MB (${spec.toRows.toLocaleString('en-US')} rows inlined) — target < 1 MB: ${verdict(spec.specBytes < 1e6)}`
  ];

  if (!existsSync(CHROMIUM_PATH)) {
    rows.push({
      tool: 'render in Chromium',
      notes: `not measured: ${CHROMIUM_PATH} is not installed`
    });
  } else {
    const files = {
      '/': [join(here, 'page.html'), 'text/html'],
      '/vega.js': [join(ROOT, 'node_modules/vega/build/vega.min.js'), 'text/javascript'],
      '/vega-lite.js': [
        join(ROOT, 'node_modules/vega-lite/build/vega-lite.min.js'),
        'text/javascript'
      ],
      '/vega-embed.js': [
        join(ROOT, 'node_modules/vega-embed/build/vega-embed.min.js'),
        'text/javascript'
      ],
      '/spec.json': [specFile, 'application/json'],
      '/spec-full.json': [fullFile, 'application/json']
    };
    server = createServer(async (req, res) => {
      const entry = files[new URL(req.url, 'http://x').pathname];
      if (!entry) {
        res.writeHead(404).end();
        return;
      }
      const body = await readFile(entry[0]).catch(() => undefined);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': entry[1], 'Content-Length': body.length });
      res.end(body);
    });
    await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${server.address().port}`;
    browser = await launchChromium();
    const version = browser.version();
    const renderOnce = async (url, timeout) => {
      const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
      try {
        page.setDefaultTimeout(timeout);
        await page.goto(`${origin}/`, { waitUntil: 'load' });
        const result = await page.evaluate(u => globalThis.renderSpec(u), url);
        if (process.env.BENCH_PLOT_SCREENSHOT) {
          await page.screenshot({ path: process.env.BENCH_PLOT_SCREENSHOT });
        }
        return result;
      } finally {
        await page.close();
      }
    };
    const runs = runCount();
    const times = [];
    for (let i = 1; i <= runs; i++) {
      progress(`render ${i}/${runs} (fresh page)`);
      const r = await renderOnce('/spec.json', 30_000);
      if (r.marks < 1) throw new Error('vega-embed drew nothing');
      times.push(r.ms / 1000);
    }
    const renderS = median(times);
    rows.push({
      tool: 'render the plot spec (vega-embed, canvas)',
      wallS: renderS,
      notes: `Chromium ${version}, headless; fresh page each run, median of ${runs} (${times.map(t => t.toFixed(2)).join(', ')} s)`
    });
    ratios.push(
      `plot render in Chromium: ${renderS.toFixed(2)} s — target < 1 s: ${verdict(renderS < 1)}`
    );

    progress(
      `render without downsampling (${(spec.fullBytes / 1e6).toFixed(0)} MB spec, limit ${FULL_RENDER_LIMIT_MS / 1000} s)`
    );
    const full = await renderOnce('/spec-full.json', FULL_RENDER_LIMIT_MS).then(
      r => ({ s: r.ms / 1000 }),
      err => ({ error: String(err.message ?? err).split('\n')[0] })
    );
    rows.push({
      tool: 'alternative: every row inlined, no downsampling',
      wallS: full.s,
      throughput: `${(spec.fullBytes / 1e6).toFixed(1)} MB spec`,
      notes:
        full.s !== undefined
          ? `${spec.fromRows.toLocaleString('en-US')} rows; render time in the same Chromium, one run`
          : `render did not finish: ${full.error.slice(0, 120)}`
    });
  }
  await writeReport({
    title: `plot: ${spec.fromRows.toLocaleString('en-US')}-row table, x DATE, y TMAX and TMIN`,
    rows,
    ratios,
    facts: { 'peak RSS method': rssMethod }
  });
} finally {
  await browser?.close().catch(() => undefined);
  server?.close();
  await emu.close();
  await rm(work, { recursive: true, force: true });
  if (ownData) await rm(ownData, { recursive: true, force: true });
}
