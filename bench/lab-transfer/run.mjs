// bench/lab-transfer: "Upload and download of 100 MB through the server ≥ 0.8× curl's
// throughput against the emulator, in the same run, with flat memory" (issue #16). A REAL
// Jupyter server from the venv copies a file from its contents root to the guest
// collection (`POST /globus-kit/lab-transfers/upload`: a streamed PUT to the collection's
// HTTPS server, then Transfer's rename) and back (`…/download`: a streamed GET into a
// temporary file, renamed on success). Side by side, in the same run and alternating with
// it: curl PUT (`-T`) and GET (`-o`, onto the same disk) of the same bytes straight at the
// emulator's GCS HTTPS origin.
//
// A copy is timed by the job itself: its start (the POST's handler) to its end, as the
// progress document reports them (`startedAt`, `endedAt`); the job is polled every 50 ms
// (polling faster costs the server enough CPU to slow the copy it measures), and the time
// from sending the POST to reading `succeeded` is in the notes. Beside each time, the CPU
// seconds of the server process during the copy (/proc/<pid>/stat) and of curl (`time -v`):
// on a shared host the CPU is steadier than the wall time. Memory: the server process's
// resident set (/proc/<pid>/status, VmRSS sampled every 10 ms during each copy) and its
// high-water mark VmHWM after 10 MB and then after 100 MB each way, in a fresh server,
// before the timed rounds. The curl token is read from stdin (a config), so it is in no argv and no output.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchEmulator } from '../common/emulator.mjs';
import { measure, median } from '../common/measure.mjs';
import { requireBuilds } from '../common/paths.mjs';
import { progress, runCount, times, verdict, writeReport } from '../common/report.mjs';
import { startJupyterServer } from '../../test/support/notebook-runner.mjs';

const MB = 1e6;
/** USER_HZ: /proc's CPU times are in these ticks per second (100 on Linux). */
const CLOCK_TICKS = 100;
const SIZES = [10, 100];
const TARGET_RATIO = 0.8;
/** Growth allowed from the 10 MB to the 100 MB copy: 10 % of the 90 MB added body. */
const FLAT_MB = 9;
/** How often the job's progress is read. */
const POLL_MS = 50;
/** How often the server's VmRSS is sampled during a copy. */
const SAMPLE_MS = 10;

requireBuilds();

async function writeRandom(file, mb) {
  const out = createWriteStream(file);
  for (let i = 0; i < mb; i++) {
    if (!out.write(randomBytes(MB))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** VmRSS and VmHWM of a process, MB (undefined when /proc has no such process). */
async function memoryOf(pid) {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = key => {
    const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(text);
    return m ? Number(m[1]) / 1024 : undefined;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** User + system CPU seconds a process has used so far (from /proc/<pid>/stat). */
async function cpuSecondsOf(pid) {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state (field 3).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

const work = await mkdtemp(join(tmpdir(), 'bench-lab-transfer-'));
const labRoot = join(work, 'lab-root');
const curlDir = join(work, 'curl');
await mkdir(join(labRoot, 'downloads'), { recursive: true });
await mkdir(curlDir, { recursive: true });
const emu = await startBenchEmulator();
let server;
try {
  const guest = emu.seed.GUEST_COLLECTION_ID;
  const remoteRoot = emu.emu.collections.rootOf(guest);
  progress('writing 10 MB and 100 MB of random bytes');
  for (const mb of [1, ...SIZES]) {
    await writeRandom(join(labRoot, `body-${mb}MB.bin`), mb);
    // The download's source: the same bytes on the collection.
    await emu.place(guest, `/bench-source/body-${mb}MB.bin`, join(labRoot, `body-${mb}MB.bin`));
  }
  await mkdir(join(remoteRoot, 'bench-upload'), { recursive: true });

  server = await startJupyterServer({
    env: { ...emu.env, JUPYTERHUB_USER: 'bench' },
    rootDir: labRoot
  });
  const pid = server.child.pid;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('jupyter')) throw new Error(`pid ${pid} is not the Jupyter server`);
  const jupyter = { Authorization: `token ${server.token}`, 'Content-Type': 'application/json' };

  const call = async (method, path, body) => {
    const r = await fetch(`${server.url}${path}`, {
      method,
      headers: jupyter,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000)
    });
    const doc = await r.json();
    if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${doc.code ?? ''}`);
    return doc;
  };

  /** One copy through the server; resolves with its times and the RSS peak seen during it. */
  const viaServer = async (kind, mb) => {
    const route = `/globus-kit/lab-transfers/${kind}`;
    const body =
      kind === 'upload'
        ? { paths: [`body-${mb}MB.bin`], collection: guest, path: '/bench-upload/' }
        : { collection: guest, paths: [`/bench-source/body-${mb}MB.bin`], localDir: 'downloads' };
    let peakRss = 0;
    const sampler = setInterval(() => {
      void memoryOf(pid).then(m => (peakRss = Math.max(peakRss, m.rss ?? 0)));
    }, SAMPLE_MS);
    const cpu0 = await cpuSecondsOf(pid);
    const t0 = performance.now();
    let job;
    try {
      job = await call('POST', route, body);
      const deadline = Date.now() + 120_000;
      while (job.status === 'running') {
        if (Date.now() > deadline) throw new Error(`${kind} ${mb} MB: no end within 120 s`);
        await new Promise(r => setTimeout(r, POLL_MS));
        job = await call('GET', `/globus-kit/lab-transfers/${job.id}`);
      }
    } finally {
      clearInterval(sampler);
    }
    const wallS = (performance.now() - t0) / 1000;
    const cpuS = (await cpuSecondsOf(pid)) - cpu0;
    if (job.status !== 'succeeded' || job.bytesDone !== mb * MB) {
      throw new Error(
        `${kind} ${mb} MB ended ${job.status} with ${job.bytesDone} bytes: ${JSON.stringify(job.errors).slice(0, 300)}`
      );
    }
    // Check the bytes landed whole, then clear the target for the next round.
    const landed =
      kind === 'upload'
        ? join(remoteRoot, 'bench-upload', `body-${mb}MB.bin`)
        : join(labRoot, 'downloads', `body-${mb}MB.bin`);
    const size = (await stat(landed)).size;
    if (size !== mb * MB) throw new Error(`${kind} ${mb} MB stored ${size} bytes`);
    await unlink(landed);
    return { opS: job.endedAt - job.startedAt, wallS, cpuS, peakRss };
  };

  const curlConfig = `header = "Authorization: Bearer ${emu.bearerFor(guest)}"\n`;
  const viaCurl = async (kind, mb) => {
    const target =
      kind === 'upload' ? `/bench-upload/curl-${mb}MB.bin` : `/bench-source/body-${mb}MB.bin`;
    const local = kind === 'upload' ? join(labRoot, `body-${mb}MB.bin`) : join(curlDir, 'got.bin');
    const m = await measure(
      'curl',
      [
        '-sS',
        '-K',
        '-',
        ...(kind === 'upload' ? ['-T', local, '-o', '/dev/null'] : ['-o', local]),
        '-w',
        '{"opS":%{time_total},"status":%{http_code}}\\n',
        emu.url(guest, target)
      ],
      { stdin: curlConfig }
    );
    const r = JSON.parse(m.stdout.trim().split('\n').pop() || '{}');
    if (m.code !== 0 || r.status !== 200) {
      throw new Error(`curl ${kind} ${mb} MB: exit ${m.code}, HTTP ${r.status}: ${m.stderr}`);
    }
    const landed = kind === 'upload' ? join(remoteRoot, 'bench-upload', `curl-${mb}MB.bin`) : local;
    const size = (await stat(landed)).size;
    if (size !== mb * MB) throw new Error(`curl ${kind} ${mb} MB stored ${size} bytes`);
    await unlink(landed);
    return { opS: r.opS, cpuS: m.cpuS };
  };

  // Memory first, in the fresh server: a 1 MB copy each way (the first call opens the
  // HTTP clients and imports), then 10 MB, then 100 MB; VmHWM after each size.
  progress('memory: 1 MB, 10 MB, 100 MB each way through the server');
  await viaServer('upload', 1);
  await viaServer('download', 1);
  const hwm = { start: (await memoryOf(pid)).hwm };
  for (const mb of SIZES) {
    await viaServer('upload', mb);
    await viaServer('download', mb);
    hwm[mb] = (await memoryOf(pid)).hwm;
  }

  const runs = runCount(5);
  const cases = [];
  for (const mb of [...SIZES].reverse()) {
    for (const kind of ['upload', 'download']) {
      cases.push({ name: `server ${kind} ${mb} MB`, kind, mb, run: () => viaServer(kind, mb) });
      cases.push({
        name: `curl ${kind === 'upload' ? 'PUT -T' : 'GET -o'} ${mb} MB`,
        kind,
        mb,
        curl: true,
        run: () => viaCurl(kind, mb)
      });
    }
  }
  const results = Object.fromEntries(cases.map(c => [c.name, []]));
  for (let i = 1; i <= runs; i++) {
    // Alternate which side goes first, so neither always runs on a warmer page cache.
    const order = i % 2 ? cases : cases.map((_, k) => cases[k ^ 1]);
    for (const c of order) {
      progress(`run ${i}/${runs}: ${c.name}`);
      results[c.name].push(await c.run());
    }
  }
  const med = name => ({
    opS: median(results[name].map(r => r.opS)),
    bestS: Math.min(...results[name].map(r => r.opS)),
    wallS: median(results[name].map(r => r.wallS)),
    cpuS: median(results[name].map(r => r.cpuS)),
    peakRss: median(results[name].map(r => r.peakRss))
  });
  const cpuNote = s => (s.cpuS === undefined ? '' : `; CPU ${s.cpuS.toFixed(2)} s`);
  const rows = cases.map(c => {
    const s = med(c.name);
    return {
      tool: c.curl ? `  ${c.name} (straight at the emulator)` : c.name,
      wallS: s.opS,
      peakRssMb: c.curl ? undefined : s.peakRss,
      throughput: `${(c.mb / s.opS).toFixed(0)} MB/s`,
      notes: c.curl
        ? `median of ${runs} (fastest ${s.bestS.toFixed(3)} s); curl's time_total${cpuNote(s)} (curl)`
        : `median of ${runs} (fastest ${s.bestS.toFixed(3)} s), the job's start → end; POST → "succeeded" read ${s.wallS.toFixed(3)} s${cpuNote(s)} (server); peak RSS = server VmRSS during the copy`
    };
  });
  const ratios = [];
  for (const kind of ['upload', 'download']) {
    const ours = med(`server ${kind} 100 MB`);
    const theirs = med(`curl ${kind === 'upload' ? 'PUT -T' : 'GET -o'} 100 MB`);
    const ratio = theirs.opS / ours.opS;
    ratios.push(
      `${kind} through the server vs curl (100 MB): ${times(ratio)} curl's throughput ` +
        `(${(100 / ours.opS).toFixed(0)} vs ${(100 / theirs.opS).toFixed(0)} MB/s, medians) — ` +
        `target ≥ ${TARGET_RATIO}×: ${verdict(ratio >= TARGET_RATIO)}; fastest runs ` +
        `${times(theirs.bestS / ours.bestS)}; CPU ${ours.cpuS.toFixed(2)} s (server) vs ` +
        `${theirs.cpuS?.toFixed(2) ?? '?'} s (curl)`
    );
  }
  const growth = hwm[100] - hwm[10];
  ratios.push(
    `server memory: VmHWM ${hwm.start.toFixed(0)} MB after 1 MB each way, ${hwm[10].toFixed(0)} MB after 10 MB, ` +
      `${hwm[100].toFixed(0)} MB after 100 MB (+${growth.toFixed(1)} MB for +90 MB of body) — ` +
      `target flat (growth < 10 % of the added body, ${FLAT_MB} MB): ${verdict(growth < FLAT_MB)}`
  );
  await writeReport({
    title: `lab-transfer: 100 MB through the Jupyter server's copy routes vs curl (median of ${runs})`,
    rows,
    ratios,
    facts: {
      'server memory method': `/proc/<pid>/status of the jupyter server: VmRSS every ${SAMPLE_MS} ms during each copy, VmHWM after each size`,
      'curl GET target': 'a file on the same disk as the server writes to (not /dev/null)'
    }
  });
} finally {
  await server?.stop();
  await emu.close();
  await rm(work, { recursive: true, force: true });
}
