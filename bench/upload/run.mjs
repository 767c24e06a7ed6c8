// bench/upload: a 100 MB upload with the kernel helpers vs `curl -T` to the same GCS HTTPS
// route of the guest collection, plus a 10 MB upload to show whether memory grows with
// the body (it should not: the body is streamed). The token comes from the emulator's
// GLOBUS_DATA; curl reads its header from stdin, so it is in no argv and no output.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchEmulator } from '../common/emulator.mjs';
import { lastJson, measure, median, rssMethod } from '../common/measure.mjs';
import { requireBuilds } from '../common/paths.mjs';
import { progress, runCount, times, verdict, writeReport } from '../common/report.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const MB = 1e6;

requireBuilds();
const work = await mkdtemp(join(tmpdir(), 'bench-upload-'));
const emu = await startBenchEmulator();
try {
  const files = {};
  for (const mb of [100, 10]) {
    files[mb] = join(work, `body-${mb}MB.bin`);
    const out = createWriteStream(files[mb]);
    for (let i = 0; i < mb; i++) {
      if (!out.write(randomBytes(MB))) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
  const collection = emu.seed.GUEST_COLLECTION_ID;
  const root = emu.emu.collections.rootOf(collection);
  const nodeEnv = { ...process.env, ...emu.env };
  const curlConfig = `header = "Authorization: Bearer ${emu.bearerFor(collection)}"\n`;
  const remote = (tool, mb) => `/bench-${tool}-${mb}MB.bin`;

  const upload =
    (mb, mode = 'verb') =>
    () =>
      measure(
        process.execPath,
        [join(here, 'upload.mjs'), mode, collection, remote(`upload-${mode}`, mb), files[mb]],
        { env: nodeEnv }
      );
  const curl = mb => () =>
    measure(
      'curl',
      [
        '-sS',
        '-K',
        '-',
        '-T',
        files[mb],
        '-o',
        '/dev/null',
        '-w',
        '{"opS":%{time_total},"bytes":%{size_upload},"status":%{http_code}}\\n',
        emu.url(collection, remote('curl', mb))
      ],
      { stdin: curlConfig }
    );
  const tools = {
    'upload 100 MB': { run: upload(100), mb: 100, remote: remote('upload-verb', 100) },
    'curl -T 100 MB': { run: curl(100), mb: 100, remote: remote('curl', 100) },
    'diagnostic: https.upload 100 MB (the PUT alone)': {
      run: upload(100, 'put'),
      mb: 100,
      remote: remote('upload-put', 100)
    },
    'upload 10 MB': { run: upload(10), mb: 10, remote: remote('upload-verb', 10) },
    'curl -T 10 MB': { run: curl(10), mb: 10, remote: remote('curl', 10) }
  };
  // 7, not 3: on a shared 2-core host a median of 3 moved this ratio across its target
  // from one run to the next.
  const runs = runCount(7);
  const results = Object.fromEntries(Object.keys(tools).map(k => [k, []]));
  for (let i = 1; i <= runs; i++) {
    for (const [name, tool] of Object.entries(tools)) {
      progress(`run ${i}/${runs}: ${name}`);
      const m = await tool.run();
      const r = m.code === 0 ? lastJson(m.stdout, name) : undefined;
      if (!r || (r.status !== undefined && r.status !== 200)) {
        const tail = m.stderr.trim().split('\n').slice(-30).join(' / ');
        throw new Error(`${name} failed (exit ${m.code}, HTTP ${r?.status ?? '?'}): ${tail}`);
      }
      const stored = join(root, tool.remote);
      const size = (await stat(stored)).size;
      if (size !== tool.mb * MB) throw new Error(`${name} stored ${size} bytes`);
      await unlink(stored);
      results[name].push({ ...r, wallS: m.wallS, peakRssMb: m.peakRssMb, cpuS: m.cpuS });
    }
  }
  const s = Object.fromEntries(
    Object.entries(results).map(([name, list]) => [
      name,
      {
        opS: median(list.map(r => r.opS)),
        peakRssMb: median(list.map(r => r.peakRssMb)),
        baseRssMb: median(list.map(r => r.baseRssMb)),
        processS: median(list.map(r => r.wallS)),
        cpuS: median(list.map(r => r.cpuS)),
        via: list[0].via
      }
    ])
  );
  const rows = Object.entries(s).map(([tool, x]) => ({
    tool,
    wallS: x.opS,
    peakRssMb: x.peakRssMb,
    throughput: `${(tools[tool].mb / x.opS).toFixed(0)} MB/s`,
    notes: [
      `process ${x.processS.toFixed(2)} s${x.cpuS === undefined ? '' : `, CPU ${x.cpuS.toFixed(2)} s`}`,
      x.baseRssMb !== undefined && `RSS ${x.baseRssMb.toFixed(0)} MB before the upload`,
      x.via
    ]
      .filter(Boolean)
      .join('; ')
  }));
  const tp = name => tools[name].mb / s[name].opS;
  const ratio = tp('upload 100 MB') / tp('curl -T 100 MB');
  const growth = s['upload 100 MB'].peakRssMb - s['upload 10 MB'].peakRssMb;
  const ratios = [
    `upload vs curl -T (100 MB): ${times(ratio)} curl's throughput — target ≥0.8×: ${verdict(ratio >= 0.8)}`,
    `upload memory: peak RSS ${s['upload 100 MB'].peakRssMb.toFixed(0)} MB for 100 MB vs ${s['upload 10 MB'].peakRssMb.toFixed(0)} MB for 10 MB (+${growth.toFixed(0)} MB for +90 MB of body) — target flat (growth < 10% of the added body): ${verdict(growth < 9)}`
  ];
  await writeReport({
    title: `upload: PUT to the guest collection over loopback (median of ${runs}; wall = after connect(), inside the process)`,
    rows,
    ratios,
    facts: { 'peak RSS method': rssMethod }
  });
} finally {
  await emu.close();
  await rm(work, { recursive: true, force: true });
}
