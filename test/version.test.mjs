// One version source: the root package.json. Every manifest, the lockfile's workspace
// entries, the Python package and the kernel helpers' client-info header must agree with
// it (scripts/set-version.mjs writes them all).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { root } from '../scripts/lab-launcher.mjs';

const json = path => JSON.parse(readFileSync(join(root, path), 'utf8'));
const version = json('package.json').version;

describe('the project version', () => {
  it('should be a plain MAJOR.MINOR.PATCH in the root package.json', () => {
    assert.match(version, /^\d+\.\d+\.\d+$/);
  });

  it('should be the same in every npm manifest and the lockfile', () => {
    assert.equal(json('kernel-helpers/package.json').version, version);
    assert.equal(json('emulator/package.json').version, version);
    const lock = json('package-lock.json');
    assert.equal(lock.version, version);
    for (const key of ['', 'kernel-helpers', 'emulator']) {
      assert.equal(lock.packages[key].version, version, `package-lock.json packages["${key}"]`);
    }
  });

  it('should be the Python package version, which pyproject.toml reads', () => {
    const init = readFileSync(join(root, 'jupyterlab_globus_kit/__init__.py'), 'utf8');
    assert.equal(/^__version__ = "([^"]+)"$/m.exec(init)?.[1], version);
    const pyproject = readFileSync(join(root, 'pyproject.toml'), 'utf8');
    assert.match(pyproject, /^dynamic = \["version"\]$/m);
    assert.match(pyproject, /^path = "jupyterlab_globus_kit\/__init__.py"$/m);
    assert.doesNotMatch(pyproject, /^version = /m);
  });

  it("should be in the kernel helpers' X-Globus-Client-Info header", () => {
    const require = createRequire(join(root, 'kernel-helpers/package.json'));
    const { clientInfoHeaders } = require('./dist/http/service-urls.js');
    const header = clientInfoHeaders()['X-Globus-Client-Info'];
    assert.ok(header, 'no client-info header (is @globus/sdk installed?)');
    assert.ok(
      header.endsWith(`;product=jupyterlab-globus-kit-kernel-helpers,version=${version}`),
      header
    );
  });
});
