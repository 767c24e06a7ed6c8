#!/usr/bin/env node
// `npm run bench [-- NAME…]`: runs every benchmark under bench/ (one runner per folder,
// bench/<name>/run.mjs, each in its own process), prints one table per benchmark and the
// ratio lines, and writes the same as Markdown with the machine's facts to
// bench/results/latest.md (or latest-<names>.md when only some ran).
//
// Figures, not tests: nothing here fails on a missed target; the tables say so.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rssMethod } from './common/measure.mjs';
import { VENV_PYTHON } from './common/paths.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
/** Every benchmark, in the order they run (the data-heavy ones first, the browser ones last). */
const ALL = [
  'csv',
  'upload',
  'lab-transfer',
  'decode',
  'plot',
  'activity',
  'lab',
  'file-manager',
  'activity-view',
  'kernel'
];

const wanted = process.argv.slice(2).filter(a => !a.startsWith('-'));
for (const name of wanted) {
  if (!ALL.includes(name)) {
    console.error(`bench: unknown benchmark '${name}' (have: ${ALL.join(', ')})`);
    process.exit(2);
  }
}
const names = (wanted.length ? ALL.filter(n => wanted.includes(n)) : ALL).filter(n =>
  existsSync(join(here, n, 'run.mjs'))
);

const work = await mkdtemp(join(os.tmpdir(), 'globus-kit-bench-run-'));
let child;
const cleanUp = async () => {
  await rm(work, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    child?.kill('SIGTERM');
    void cleanUp().finally(() => process.exit(130));
  });
}

const facts = machineFacts();
console.log(`# Benchmarks (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)\n`);
console.log(factsMarkdown(facts));

const sections = [];
try {
  for (const name of names) {
    console.error(`\n▶ bench/${name}`);
    const out = join(work, `${name}.json`);
    const started = Date.now();
    const code = await new Promise(resolve => {
      child = spawn(process.execPath, [join(here, name, 'run.mjs')], {
        env: { ...process.env, BENCH_OUT: out, BENCH_DATA_DIR: join(work, 'data') },
        stdio: ['ignore', 'inherit', 'pipe']
      });
      let tail = '';
      child.stderr.on('data', c => {
        process.stderr.write(c);
        tail = (tail + c).slice(-4000);
      });
      child.on('close', c => resolve({ code: c, tail }));
    });
    child = undefined;
    let report;
    if (code.code === 0 && existsSync(out)) {
      report = JSON.parse(await readFile(out, 'utf8'));
    } else {
      const why = code.tail.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
      report = {
        title: name,
        rows: [{ tool: 'runner failed', notes: `exit ${code.code}: ${why}` }],
        ratios: []
      };
    }
    report.seconds = (Date.now() - started) / 1000;
    const md = sectionMarkdown(name, report);
    sections.push(md);
    console.log(md);
  }
} finally {
  await cleanUp();
}

facts['load average at end (1/5/15 min)'] = os
  .loadavg()
  .map(x => x.toFixed(2))
  .join(' / ');
console.log(`- load average at end (1/5/15 min): ${facts['load average at end (1/5/15 min)']}\n`);

const resultsDir = join(here, 'results');
await mkdir(resultsDir, { recursive: true });
const file = join(
  resultsDir,
  wanted.length && names.length < ALL.length ? `latest-${names.join('-')}.md` : 'latest.md'
);
await writeFile(
  file,
  [
    `# Benchmark results`,
    '',
    `Run with \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Figures, not tests: ` +
      'targets that were missed say MISSED.',
    '',
    factsMarkdown(facts),
    ...(busy()
      ? [
          '_The load average was above the number of cores during this run: other work shared ' +
            'the machine, so wall times are inflated; the CPU seconds in the notes are less ' +
            'affected._',
          ''
        ]
      : []),
    ...sections
  ].join('\n')
);
console.log(`Written to ${file.slice(here.length - 'bench/'.length)}`);

function busy() {
  const cores = os.cpus().length;
  return [facts['load average at start (1/5/15 min)'], facts['load average at end (1/5/15 min)']]
    .map(v => Number(String(v).split(' / ')[0]))
    .some(load => load > cores);
}

function sectionMarkdown(name, report) {
  const header = ['tool', 'wall s', 'peak RSS MB', 'throughput', 'notes'];
  const body = report.rows.map(r => [
    r.tool,
    r.wallS === undefined ? '—' : fmt(r.wallS),
    r.peakRssMb === undefined ? '—' : r.peakRssMb.toFixed(0),
    r.throughput ?? '—',
    r.notes ?? ''
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map(b => b[i].length)));
  const line = cells => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i >= 1 && i <= 3 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`;
  const lines = [
    `## ${name}: ${report.title.replace(new RegExp(`^${name}: `), '')}`,
    '',
    line(header),
    rule,
    ...body.map(line),
    ''
  ];
  for (const ratio of report.ratios) lines.push(`- ${ratio}`);
  if (report.ratios.length) lines.push('');
  for (const [k, v] of Object.entries(report.facts ?? {})) lines.push(`_${k}: ${v}_  `);
  lines.push(`_runner time: ${report.seconds.toFixed(0)} s_`, '');
  return lines.join('\n');
}

function fmt(s) {
  return s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s >= 0.01 ? s.toFixed(2) : s.toFixed(4);
}

function machineFacts() {
  const cpus = os.cpus();
  const version = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
    return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0] : 'not found';
  };
  let osName = `${os.type()} ${os.release()}`;
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) osName = `${m[1]} (${os.type()} ${os.release()})`;
  } catch {
    // no os-release: keep the kernel name
  }
  return {
    cores: `${cpus.length} × ${cpus[0]?.model?.trim() ?? 'unknown CPU'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    'load average at start (1/5/15 min)': os
      .loadavg()
      .map(x => x.toFixed(2))
      .join(' / '),
    os: osName,
    node: process.version,
    python: version(VENV_PYTHON, ['--version']),
    pandas: version(VENV_PYTHON, ['-c', 'import pandas; print(pandas.__version__)']),
    curl: version('curl', ['--version']).split(' ').slice(0, 2).join(' '),
    chromium: existsSync('/usr/bin/chromium')
      ? version('/usr/bin/chromium', ['--version'])
      : 'not found',
    'peak RSS': rssMethod
  };
}

function factsMarkdown(f) {
  return (
    Object.entries(f)
      .map(([k, v]) => `- ${k}: ${v}`)
      .join('\n') + '\n'
  );
}
