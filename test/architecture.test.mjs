// The import rules of .dependency-cruiser.cjs over the three TypeScript parts: no cycle
// anywhere, and no lower layer importing a higher one (issue #20). A new cycle or an
// upward import fails here with the rule's comment and the path of modules.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

import { root } from '../scripts/lab-launcher.mjs';

const run = promisify(execFile);

describe('module layers', { timeout: 120_000 }, () => {
  it('should have no import cycle and no upward import in src, kernel-helpers and emulator', async () => {
    const bin = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
    const args = ['--config', '.dependency-cruiser.cjs', '--output-type', 'json'];
    const parts = ['src', 'kernel-helpers/src', 'emulator/src'];
    let out;
    try {
      ({ stdout: out } = await run(process.execPath, [bin, ...args, ...parts], {
        cwd: root,
        maxBuffer: 1 << 28
      }));
    } catch (err) {
      out = err.stdout; // exits non-zero when it finds violations
    }
    const result = JSON.parse(out);
    assert.ok(result.summary.totalCruised > 150, `only ${result.summary.totalCruised} modules`);
    const found = result.summary.violations.map(
      v => `${v.rule.name}: ${[v.from, ...(v.cycle?.map(c => c.name ?? c) ?? [v.to])].join(' → ')}`
    );
    assert.deepEqual(found, []);
  });

  it('should keep display on the error base class: no domain error module, no client (#20)', () => {
    const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs'));
    const rule = config.forbidden.find(r => r.name === 'kernel-display-knows-only-the-error-base');
    assert.ok(rule, 'the rule exists');
    const from = new RegExp(rule.from.path);
    const to = new RegExp(rule.to.path);
    assert.ok(from.test('kernel-helpers/src/display/error-html.ts'));
    for (const domain of [
      'errors/api-error.ts',
      'errors/consent-required-error.ts',
      'errors/network-error.ts',
      'login/login-error.ts',
      'oidc/oidc-error.ts',
      'workspaces/workspace-error.ts',
      'session.ts'
    ]) {
      assert.ok(to.test(`kernel-helpers/src/${domain}`), domain);
    }
    assert.ok(!to.test('kernel-helpers/src/errors/globus-kit-error.ts'), 'the base stays allowed');
    assert.ok(!to.test('kernel-helpers/src/display/html.ts'));
  });
});
