// Browser smoke test: a real JupyterLab from .venv (with the installed wheel) against the
// emulator, driven by Debian's chromium through playwright-core. The Globus sidebar shows
// the demo user and token expiry, and no token string reaches the page.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { root, startEmulatorCli, stopProcessGroup } from '../scripts/lab-launcher.mjs';
import {
  assertBrowserPrerequisites,
  globusDataSecrets,
  openLabInChromium,
  showTokenDetails
} from './support/lab-browser.mjs';

const OUTPUT = join(root, 'test-output');

/** Start the emulator: the library when built, else the CLI. */
async function startEmulator() {
  const lib = join(root, 'emulator/dist/index.js');
  if (existsSync(lib)) {
    const { createEmulator } = await import(lib);
    const emulator = await createEmulator();
    const env = await emulator.env();
    return { env, close: () => emulator.close() };
  }
  const { child, env } = await startEmulatorCli();
  return { env, close: () => stopProcessGroup(child) };
}

describe('JupyterLab with jupyterlab-globus-kit', { timeout: 240_000 }, () => {
  let emulator;
  let session;
  let lab;
  let page;
  let labRoot;
  let secrets = [];
  let user = {};

  before(async () => {
    assertBrowserPrerequisites();
    emulator = await startEmulator();
    ({ secrets, user } = globusDataSecrets(emulator.env.GLOBUS_DATA));
    assert.ok(secrets.length >= 2, 'the emulator GLOBUS_DATA should hold tokens');
    labRoot = mkdtempSync(join(tmpdir(), 'globus-kit-smoke-'));
    session = await openLabInChromium({
      env: emulator.env,
      rootDir: labRoot,
      contextOptions: { viewport: { width: 1280, height: 800 }, colorScheme: 'light' }
    });
    ({ lab, page } = session);
  });

  after(async () => {
    await session?.close();
    await emulator?.close();
    if (labRoot) rmSync(labRoot, { recursive: true, force: true });
  });

  it('should show the demo user and token expiry in the Globus sidebar', async () => {
    await page.getByRole('tab', { name: 'Globus' }).click();
    const sidebar = page.locator('#jp-GlobusKit-sidebar');
    await sidebar.waitFor({ state: 'visible' });
    assert.ok(user.name, 'the emulator GLOBUS_DATA names the demo user');
    await sidebar
      .locator('.jp-GlobusKit-identity-name')
      .getByText(user.name, { exact: true })
      .waitFor();
    const username = await sidebar.locator('.jp-GlobusKit-identity-username').textContent();
    assert.equal(username, user.preferred_username);

    await showTokenDetails(page);
    const list = page.getByRole('list', { name: 'Globus tokens' });
    const row = list.locator('li[data-resource-server="transfer.api.globus.org"]');
    await row.waitFor();
    const expires = (await row.locator('.jp-GlobusKit-expires').textContent()) ?? '';
    assert.match(
      expires,
      /^~?(\d+d \d+h \d\dm|\d+h \d\dm \d\ds|\d+m \d\ds)$/,
      `expiry countdown, got "${expires}"`
    );
    assert.equal(await row.locator('.jp-GlobusKit-badge').textContent(), 'active');
    assert.match(
      (await row.textContent()) ?? '',
      /urn:globus:auth:scope:transfer\.api\.globus\.org:all/
    );

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'sidebar-light.png') });
  });

  it('should offer the tslab kernel', async () => {
    const r = await fetch(`${lab.url}/api/kernelspecs`, {
      headers: { Authorization: `token ${lab.token}` }
    });
    assert.equal(r.status, 200);
    const { kernelspecs } = await r.json();
    assert.ok(kernelspecs.tslab, `kernelspecs: ${Object.keys(kernelspecs).join(', ')}`);
    assert.equal(kernelspecs.tslab.spec.language, 'typescript');
  });

  it('should keep every token out of the DOM, storage and every response', async () => {
    await page.getByRole('tab', { name: 'Globus' }).waitFor();
    // The sidebar must have fetched the status (a response we inspect below).
    await page
      .locator('#jp-GlobusKit-sidebar .jp-GlobusKit-tokenRow')
      .first()
      .waitFor({ state: 'attached' });
    const dom = await page.content();
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })
    );
    const bodies = await session.responses.bodies();
    assert.ok(
      bodies.some(b => b.url.includes('/globus-kit/status')),
      'the page should have received /globus-kit/status'
    );
    assert.ok(bodies.length > 10, 'the page should have received its assets');
    for (const secret of secrets) {
      const tag = `${secret.slice(0, 4)}… (${secret.length} chars)`;
      assert.ok(!dom.includes(secret), `the DOM holds token ${tag}`);
      assert.ok(!storage.includes(secret), `browser storage holds token ${tag}`);
      const leaked = bodies.find(b => b.text.includes(secret));
      assert.equal(
        leaked,
        undefined,
        `a response (${leaked?.url.split('?')[0]}) holds token ${tag}`
      );
    }
  });
});
