#!/usr/bin/env node
// One-command set-up: npm packages, the Python venv (.venv) with JupyterLab, every build,
// tslab's kernelspec, the wheel installed into the venv, and (for tests) Debian's chromium.
//
// Runs before `npm install` on a fresh clone, so it uses Node builtins only. Every step is
// skipped when a stamp file (a hash of the step's inputs) says its output is current, so a
// second run takes a few seconds.
//
// Usage: node scripts/setup.mjs [--for-tests] [--build-only] [--quiet]
//   --for-tests   also make sure /usr/bin/chromium and Debian's JupyterHub (/usr/bin/jupyterhub,
//                 for the hub tests) exist (apt-get install when missing)
//   --build-only  build (npm packages, venv, TypeScript, labextension, wheel) but do not
//                 install the wheel or the tslab kernelspec into the venv
//   SETUP_VERBOSE=1 streams the output of every command instead of showing it on failure.
//   SETUP_SKIP=emulator,… skips the named steps (for working on one part while another
//   does not compile yet).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const forTests = args.has('--for-tests');
const buildOnly = args.has('--build-only');
const verbose = process.env.SETUP_VERBOSE === '1';

const venv = join(root, '.venv');
const venvBin = join(venv, 'bin');
const venvPython = join(venvBin, 'python');
const STAMP_VERSION = '1'; // bump to invalidate every stamp after changing this script

// pip otherwise retries an unreachable public index for minutes before using the mirror.
process.env.PIP_RETRIES = '0';
process.env.PIP_DISABLE_PIP_VERSION_CHECK = '1';

class SetupError extends Error {}

/** Run a command; resolves with its output, rejects with the tail of it on failure. */
function run(
  cmd,
  argv,
  { cwd = root, env = process.env, label = `${cmd} ${argv.join(' ')}` } = {}
) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd,
      env,
      stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe']
    });
    let out = '';
    const keep = chunk => {
      out += chunk.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', err => reject(new SetupError(`could not start ${label}: ${err.message}`)));
    child.on('close', code => {
      if (code === 0) resolve(out);
      else {
        const tail = out.trim().split('\n').slice(-40).join('\n');
        const err = new SetupError(`${label} failed (exit ${code})${tail ? `:\n${tail}` : ''}`);
        err.output = out;
        reject(err);
      }
    });
  });
}

function fmt(ms) {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Run one step: `work` returns a short note, or false when it found nothing to do. */
const skipSteps = new Set(
  (process.env.SETUP_SKIP ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)
);

async function step(name, work) {
  if ([...skipSteps].some(s => name.includes(s))) {
    console.log(`  - ${name}: skipped (SETUP_SKIP)`);
    return;
  }
  const started = Date.now();
  const result = await work();
  const took = Date.now() - started;
  if (result === false) console.log(`  · ${name}: up to date (${fmt(took)})`);
  else
    console.log(
      `  ✓ ${name}${typeof result === 'string' && result ? ` — ${result}` : ''} (${fmt(took)})`
    );
}

/** Hash file paths and contents under `paths` (files or directories), skipping `skip` names. */
function hashInputs(paths, { skip = [] } = {}) {
  const h = createHash('sha256').update(STAMP_VERSION);
  const visit = p => {
    if (!existsSync(p)) {
      h.update(`missing:${relative(root, p)}\n`);
      return;
    }
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (
          skip.includes(name) ||
          name === 'node_modules' ||
          name === '__pycache__' ||
          name.endsWith('.stamp')
        )
          continue;
        visit(join(p, name));
      }
    } else {
      h.update(`file:${relative(root, p)}\n`);
      h.update(readFileSync(p));
    }
  };
  for (const p of paths) visit(join(root, p));
  return h.digest('hex');
}

function readStamp(file) {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function writeStamp(file, value) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${value}\n`);
}

// ---------------------------------------------------------------- npm packages

/** True when node_modules matches package-lock.json (npm's own hidden lockfile agrees). */
function nodeModulesInSync() {
  const hidden = join(root, 'node_modules/.package-lock.json');
  if (!existsSync(hidden)) return false;
  try {
    const want = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages ?? {};
    const have = JSON.parse(readFileSync(hidden, 'utf8')).packages ?? {};
    for (const [key, meta] of Object.entries(want)) {
      if (key === '') continue;
      const got = have[key];
      if (!got) {
        if (meta.optional || meta.devOptional) continue; // another platform's binary
        return false;
      }
      if (got.version !== meta.version || got.resolved !== meta.resolved) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function npmPackages() {
  const stamp = join(root, 'node_modules/.globus-kit-setup.stamp');
  const want = hashInputs(['package-lock.json']);
  if (existsSync(join(root, 'node_modules')) && readStamp(stamp) === want) return false;
  if (existsSync(join(root, 'node_modules')) && nodeModulesInSync()) {
    writeStamp(stamp, want);
    return 'node_modules already matches package-lock.json';
  }
  // npm 11 does not run dependencies' install scripts unless approved; none is needed
  // (zeromq, used by tslab, ships prebuilt binaries). The lockfile lists every platform's
  // optional binaries (e.g. @rspack/binding-darwin-*), so `npm ci` takes it as it is.
  await run('npm', ['ci', '--no-audit', '--no-fund']);
  writeStamp(stamp, want);
  return 'npm ci';
}

// ---------------------------------------------------------------- Python venv

async function pythonVenv() {
  const requirements = join(root, 'requirements-dev.txt');
  const stamp = join(venv, '.globus-kit-requirements.stamp');
  const want = hashInputs(['requirements-dev.txt']);
  const fresh = !existsSync(venvPython);
  if (!fresh && readStamp(stamp) === want) return false;
  if (fresh) {
    try {
      await run('python3', ['-m', 'venv', venv]);
    } catch (err) {
      throw new SetupError(
        `${err.message}\nCreating the venv needs Python 3 with the venv module (Debian: apt-get install python3-venv).`
      );
    }
  }
  try {
    await run(venvPython, ['-m', 'pip', 'install', '--quiet', '-r', requirements]);
  } catch (err) {
    throw new SetupError(
      `${err.message}\npip could not install requirements-dev.txt; check the package index.`
    );
  }
  writeStamp(stamp, want);
  return fresh
    ? 'created .venv and installed requirements-dev.txt'
    : 'updated requirements-dev.txt';
}

// ---------------------------------------------------------------- builds

const tscBin = join(root, 'node_modules/typescript/bin/tsc');

/** Compile one TypeScript project when its inputs changed since the last good build. */
async function buildTs(dir, outDir, extraInputs = []) {
  const srcDir = join(root, dir, 'src');
  if (!existsSync(srcDir) || !hasTs(srcDir)) return 'no sources yet, skipped';
  const stamp = join(root, dir, outDir, '.globus-kit-build.stamp');
  const want = hashInputs([
    ...extraInputs,
    join(dir, 'src'),
    join(dir, 'tsconfig.json'),
    join(dir, 'package.json'),
    'tsconfig.base.json'
  ]);
  if (readStamp(stamp) === want) return false;
  await run(process.execPath, [tscBin, '-p', join(dir, 'tsconfig.json')], {
    label: `tsc -p ${dir || '.'}`
  });
  writeStamp(stamp, want);
  return `tsc -p ${dir || '.'}`;
}

function hasTs(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory() ? hasTs(p) : name.endsWith('.ts')) return true;
  }
  return false;
}

const labextensionDir = join(root, 'jupyterlab_globus_kit/labextension');

async function buildLabextension() {
  // The stamp lives outside the output dir, which the wheel ships as is.
  const stamp = join(root, 'lib/.globus-kit-labextension.stamp');
  const want = hashInputs(['lib', 'style', 'schema', 'package.json']);
  if (existsSync(join(labextensionDir, 'package.json')) && readStamp(stamp) === want) return false;
  await run(join(venvBin, 'jupyter-builder'), ['build', '.'], { label: 'jupyter-builder build .' });
  writeStamp(stamp, want);
  return 'jupyter-builder build .';
}

// ---------------------------------------------------------------- wheel

const wheelInputs = [
  'pyproject.toml',
  'install.json',
  'README.md',
  'LICENSE',
  'jupyter-config',
  'jupyterlab_globus_kit'
];
const wheelDir = join(root, 'dist');

async function buildWheel() {
  const stamp = join(wheelDir, '.globus-kit-wheel.stamp');
  const want = hashInputs(wheelInputs, { skip: ['tests'] });
  const wheel = findWheel();
  if (wheel && readStamp(stamp) === want) return false;
  for (const name of existsSync(wheelDir) ? readdirSync(wheelDir) : []) {
    if (name.endsWith('.whl')) rmSync(join(wheelDir, name));
  }
  await run(venvPython, ['-m', 'build', '--wheel', '--no-isolation', '--outdir', wheelDir], {
    label: 'python -m build --wheel'
  });
  if (!findWheel()) throw new SetupError('python -m build finished but left no wheel in dist/');
  writeStamp(stamp, want);
  return relative(root, findWheel());
}

function findWheel() {
  if (!existsSync(wheelDir)) return undefined;
  const name = readdirSync(wheelDir).find(n => /^jupyterlab_globus_kit-.*\.whl$/.test(n));
  return name ? join(wheelDir, name) : undefined;
}

async function installWheel() {
  const wheel = findWheel();
  const stamp = join(venv, '.globus-kit-wheel.stamp');
  const want = hashInputs([relative(root, wheel)]);
  if (readStamp(stamp) === want) return false;
  await run(venvPython, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--force-reinstall',
    '--no-deps',
    wheel
  ]);
  writeStamp(stamp, want);
  return `installed ${relative(root, wheel)} into .venv`;
}

// ---------------------------------------------------------------- tslab kernelspec

async function tslabKernel() {
  const binary = join(root, 'node_modules/.bin/tslab');
  const kernelJson = join(venv, 'share/jupyter/kernels/tslab/kernel.json');
  try {
    const spec = JSON.parse(readFileSync(kernelJson, 'utf8'));
    if (Array.isArray(spec.argv) && spec.argv.includes(binary)) return false;
  } catch {
    // not installed yet
  }
  await run(binary, ['install', '--prefix', venv, '--python', venvPython, '--binary', binary], {
    label: 'tslab install'
  });
  const list = await run(join(venvBin, 'jupyter'), ['kernelspec', 'list'], {
    label: 'jupyter kernelspec list'
  });
  if (!/^\s*tslab\s/m.test(list)) {
    throw new SetupError(
      `tslab install ran but \`jupyter kernelspec list\` in .venv does not show tslab:\n${list}`
    );
  }
  return 'tslab kernelspec installed into .venv';
}

// ---------------------------------------------------------------- chromium

async function chromium() {
  if (existsSync('/usr/bin/chromium')) return false;
  try {
    await run('apt-get', ['update', '-q']);
    await run('apt-get', ['install', '-y', '-q', 'chromium'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    });
  } catch (err) {
    throw new SetupError(
      `${err.message}\nThe browser tests need Debian's chromium at /usr/bin/chromium. Install it with ` +
        '`apt-get install chromium` (as root) and run again.'
    );
  }
  if (!existsSync('/usr/bin/chromium'))
    throw new SetupError('apt-get installed chromium but /usr/bin/chromium is missing');
  return 'apt-get install chromium';
}

// ---------------------------------------------------------------- jupyterhub

/**
 * Debian's JupyterHub (3.x, with its configurable-http-proxy) for test/hub-globus.test.mjs.
 * No recommends: they would pull in a second Node.
 */
async function jupyterhub() {
  if (existsSync('/usr/bin/jupyterhub')) return false;
  try {
    await run('apt-get', ['update', '-q']);
    await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'jupyterhub'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    });
  } catch (err) {
    throw new SetupError(
      `${err.message}\nThe hub tests need Debian's jupyterhub at /usr/bin/jupyterhub. Install it with ` +
        '`apt-get install --no-install-recommends jupyterhub` (as root) and run again.'
    );
  }
  if (!existsSync('/usr/bin/jupyterhub'))
    throw new SetupError('apt-get installed jupyterhub but /usr/bin/jupyterhub is missing');
  return 'apt-get install --no-install-recommends jupyterhub';
}

// ---------------------------------------------------------------- main

const started = Date.now();
console.log(`setup${forTests ? ' (for tests)' : ''}${buildOnly ? ' (build only)' : ''}:`);
try {
  await step('npm packages', npmPackages);
  await step('python venv', pythonVenv);
  await step('build emulator', () => buildTs('emulator', 'dist'));
  // kernel-helpers' integration tests import the emulator's build, so it comes second
  // and rebuilds when the emulator's sources change.
  await step('build kernel-helpers', () => buildTs('kernel-helpers', 'dist', ['emulator/src']));
  await step('build frontend', () => buildTs('', 'lib'));
  await step('build labextension', buildLabextension);
  await step('build wheel', buildWheel);
  if (!buildOnly) {
    await step('install wheel', installWheel);
    await step('tslab kernelspec', tslabKernel);
  }
  if (forTests) {
    await step('chromium', chromium);
    await step('jupyterhub', jupyterhub);
  }
  console.log(`setup done in ${fmt(Date.now() - started)}`);
} catch (err) {
  const message = err instanceof SetupError ? err.message : err?.stack || String(err);
  console.error(`\nsetup failed: ${message}`);
  process.exitCode = 1;
}
