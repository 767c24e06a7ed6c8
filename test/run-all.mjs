#!/usr/bin/env node
// Runs every test suite of the project and ends with one line: `N passed, N failed`.
//
// Suites (each found by file name, so a new test file is picked up without editing this):
//   jest   — unit tests: kernel-helpers/src/test/*.test.ts that do not import 'node:test'
//            and the frontend models' test/frontend/*.test.js (jest.config.mjs), two
//            workers, counts read from jest's --json report.
//   node   — integration tests on node's built-in test runner: emulator/dist/test/**/*.test.js,
//            the kernel-helpers files that import 'node:test' (their compiled copies in
//            kernel-helpers/dist/test), test/**/*.test.mjs (cross-part and browser tests);
//            two files at a time and the files that drive Chromium one at a time, TAP
//            parsed for counts.
//   python — pytest over jupyterlab_globus_kit/tests in the project venv.
// Options: --only jest|node|python (node takes jest too: both are the JavaScript suites),
// and any further arguments filter test files by substring.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args.splice(onlyIdx, 2)[1] : undefined;
const filters = args;

function walk(dir, pred, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, pred, out);
    else if (pred(p)) out.push(p);
  }
  return out;
}

function run(cmd, argv, opts, onLine) {
  return new Promise(resolve => {
    const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let buf = '';
    const feed = chunk => {
      process.stdout.write(chunk);
      buf += chunk.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', c => process.stderr.write(c));
    child.on('close', code => {
      if (buf) onLine(buf);
      resolve(code ?? 1);
    });
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const suites = [];

/** Whether a test file drives Chromium (it uses the browser helpers or playwright). */
function drivesABrowser(file) {
  const text = readFileSync(join(root, file), 'utf8');
  return /lab-browser\.mjs|playwright-core|hub-launcher\.mjs/.test(text);
}

/** Whether a kernel-helpers test source imports node:test: then it is on node's runner. */
function importsNodeTest(source) {
  return /from 'node:test'/.test(readFileSync(source, 'utf8'));
}

/**
 * Whether a compiled kernel-helpers test file is on node's runner (the others are jest's).
 * Decided by its source, as jest.config.mjs does, so a stale dist/ cannot run a file twice.
 */
function usesNodeTest(file) {
  const source = join(
    root,
    'kernel-helpers/src',
    relative(join(root, 'kernel-helpers/dist'), file).replace(/\.js$/, '.ts')
  );
  return existsSync(source) && importsNodeTest(source);
}

/** The files jest runs (jest.config.mjs): the same rule, to skip jest when none is selected. */
function jestFiles() {
  return [
    ...walk(
      join(root, 'kernel-helpers/src/test'),
      p => p.endsWith('.test.ts') && !importsNodeTest(p)
    ),
    ...walk(join(root, 'test/frontend'), p => p.endsWith('.test.js'))
  ]
    .map(p => relative(root, p))
    .filter(p => filters.length === 0 || filters.some(f => p.includes(f)));
}

async function jestSuite() {
  if (jestFiles().length === 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'run-all-jest-'));
  const report = join(dir, 'report.json');
  // A filter is a substring of the file's path; jest takes regular expressions.
  const patterns = filters.map(f => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const code = await run(
    process.execPath,
    [
      // The kernel helpers `import()` ESM-only packages (openid-client, vega): jest loads
      // them through Node's VM modules, still flagged on Node 20.
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
      join(root, 'node_modules/jest/bin/jest.js'),
      '--config',
      join(root, 'jest.config.mjs'),
      '--passWithNoTests',
      '--json',
      `--outputFile=${report}`,
      ...patterns
    ],
    { env: { ...process.env, NODE_ENV: 'test' } },
    () => {}
  );
  let result;
  try {
    result = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    result = undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const counts = {
    passed: result?.numPassedTests ?? 0,
    // A file that failed to run (syntax error, a throw at load) counts as one failure.
    failed: (result?.numFailedTests ?? 0) + (result?.numRuntimeErrorTestSuites ?? 0),
    skipped: (result?.numPendingTests ?? 0) + (result?.numTodoTests ?? 0)
  };
  if (code !== 0 && counts.failed === 0) counts.failed = 1; // jest itself failed
  if (counts.passed + counts.failed + counts.skipped === 0) return; // every file filtered out
  suites.push(`jest: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
}

async function nodeSuite() {
  const files = [
    ...walk(join(root, 'emulator/dist/test'), p => p.endsWith('.test.js')),
    ...walk(join(root, 'kernel-helpers/dist/test'), p => p.endsWith('.test.js') && usesNodeTest(p)),
    ...walk(join(root, 'test'), p => p.endsWith('.test.mjs'))
  ]
    .map(p => relative(root, p))
    .filter(p => filters.length === 0 || filters.some(f => p.includes(f)))
    .sort();
  if (files.length === 0) return;
  // Two at a time, except the files that drive Chromium against a real JupyterLab: those
  // run one after another, since two browsers and two labs on a 2-core machine made their
  // waits time out at random in full runs.
  const browser = files.filter(drivesABrowser);
  const others = files.filter(f => !browser.includes(f));
  const counts = { pass: 0, fail: 0, skipped: 0, todo: 0 };
  for (const [batch, concurrency] of [
    [others, 2],
    [browser, 1]
  ]) {
    if (batch.length === 0) continue;
    const got = { pass: 0, fail: 0, skipped: 0, todo: 0 };
    const code = await run(
      process.execPath,
      ['--test', '--test-reporter=tap', `--test-concurrency=${concurrency}`, ...batch],
      { env: { ...process.env, NODE_ENV: 'test' } },
      line => {
        const m = /^# (pass|fail|skipped|todo) (\d+)$/.exec(line.trim());
        if (m) got[m[1]] = Number(m[2]);
      }
    );
    if (code !== 0 && got.fail === 0) got.fail = 1; // a crash outside any test
    for (const k of Object.keys(counts)) counts[k] += got[k];
  }
  suites.push(`node: ${counts.pass} passed, ${counts.fail} failed, ${counts.skipped} skipped`);
  totals.passed += counts.pass;
  totals.failed += counts.fail;
  totals.skipped += counts.skipped + counts.todo;
}

async function pythonSuite() {
  const testsDir = join(root, 'jupyterlab_globus_kit/tests');
  const python = join(root, '.venv/bin/python');
  if (!existsSync(testsDir) || !existsSync(python)) return;
  const counts = { passed: 0, failed: 0, skipped: 0, error: 0 };
  const pyFilters = filters.length ? ['-k', filters.join(' or ')] : [];
  const code = await run(
    python,
    ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', testsDir, ...pyFilters],
    { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
    line => {
      if (!/ in [\d.]+s/.test(line)) return;
      for (const m of line.matchAll(/(\d+) (passed|failed|skipped|errors?|deselected)/g)) {
        const key = m[2].startsWith('error') ? 'error' : m[2];
        if (key in counts) counts[key] = Number(m[1]);
      }
    }
  );
  const failed = counts.failed + counts.error;
  // pytest exits 5 when nothing was collected (e.g. every test filtered out): not a failure.
  const crashed = code !== 0 && code !== 5 && failed === 0 ? 1 : 0;
  suites.push(
    `python: ${counts.passed} passed, ${failed + crashed} failed, ${counts.skipped} skipped`
  );
  totals.passed += counts.passed;
  totals.failed += failed + crashed;
  totals.skipped += counts.skipped;
}

const started = Date.now();
if (!only || only === 'node' || only === 'jest') await jestSuite();
if (!only || only === 'node') await nodeSuite();
if (!only || only === 'python') await pythonSuite();
console.log('');
for (const s of suites) console.log(s);
console.log(`took ${((Date.now() - started) / 1000).toFixed(0)} s`);
const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
console.log(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exitCode = totals.failed === 0 && totals.passed > 0 ? 0 : 1;
