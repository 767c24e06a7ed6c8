#!/usr/bin/env node
// Sets the project's one version everywhere it is written: the root package.json (the
// source), both workspace manifests and their lockfile entries (through `npm version`),
// and the Python package's __version__ (which pyproject.toml reads). test/version.test.mjs
// checks that they agree, and that the kernel helpers' client-info header carries it.
//
// Usage: npm run set-version -- 1.2.3
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const version = process.argv[2];
// PEP 440 and semver share this plain form; pre-releases would need two spellings.
if (!/^\d+\.\d+\.\d+$/.test(version ?? '')) {
  console.error('usage: npm run set-version -- MAJOR.MINOR.PATCH');
  process.exit(2);
}
execFileSync(
  'npm',
  ['version', version, '--no-git-tag-version', '--workspaces', '--include-workspace-root'],
  { cwd: root, stdio: 'inherit' }
);
const init = join(root, 'jupyterlab_globus_kit/__init__.py');
const text = readFileSync(init, 'utf8');
const next = text.replace(/^__version__ = "[^"]*"$/m, `__version__ = "${version}"`);
if (next === text && !text.includes(`__version__ = "${version}"`)) {
  console.error(`no __version__ line in ${init}`);
  process.exit(1);
}
writeFileSync(init, next);
console.log(
  `version ${version}: package.json, kernel-helpers, emulator, package-lock.json, __init__.py`
);
