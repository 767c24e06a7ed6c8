// Standalone login driven in real Chromium (Debian's, through playwright-core) against the
// emulator's authorize and consent pages, with no auto-approve:
//  1. from a cell: kernel-helpers' login() link → consent page → Approve → the native-app
//     code page → login.complete(code) → connect() uses the stored login;
//  2. from the sidebar's server: POST /globus-kit/login (redirect to the server callback)
//     → consent page → Approve → the server's callback stores the tokens → /status says
//     "stored-login"; no page the browser saw holds a token.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { launchChromium } from '../scripts/chromium.mjs';
import { freePort, root, startLab } from '../scripts/lab-launcher.mjs';
import { assertBrowserPrerequisites, ResponseRecorder } from './support/lab-browser.mjs';

const require = createRequire(import.meta.url);

describe('standalone login in Chromium', () => {
  let emulator;
  let seed;
  let browser;
  let dir;
  let env;
  const recorders = [];

  before(async () => {
    assertBrowserPrerequisites({ lab: false });
    const mod = await import(join(root, 'emulator/dist/index.js'));
    seed = mod.seed;
    emulator = await mod.createEmulator();
    dir = mkdtempSync(join(tmpdir(), 'globus-kit-login-browser-'));
    env = {
      GLOBUS_SDK_SERVICE_URL_AUTH: emulator.urls.auth,
      GLOBUS_SDK_SERVICE_URL_TRANSFER: emulator.urls.transfer,
      GLOBUS_SDK_SERVICE_URL_GROUPS: emulator.urls.groups,
      GLOBUS_KIT_CLIENT_ID: seed.NATIVE_CLIENT_ID,
      GLOBUS_KIT_TOKEN_FILE: join(dir, 'cell', 'tokens.json')
    };
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await emulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function approveInChromium(url, { before } = {}) {
    // No CSP bypass: the consent page allows form posts to redirect to the client's
    // redirect URI (regression: Chromium blocked the return to the server callback).
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    if (before) await before(page);
    recorders.push(new ResponseRecorder().attach(page));
    await page.goto(url);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForLoadState('load');
    return page;
  }

  it('should log in from a cell via the consent page and the pasted code', async () => {
    const kh = require(join(root, 'kernel-helpers/dist/index.js'));
    const start = await kh.login({ env });
    const page = await approveInChromium(start.url);
    const code = await page.getByRole('textbox', { name: 'Authorization code' }).inputValue();
    await page.close();
    assert.match(code, /^[A-Za-z0-9._~-]+$/);
    const result = await kh.login.complete(code, { env });
    assert.equal(result.identity.sub, seed.DEMO_IDENTITY_ID);
    const globus = await kh.connect({ env });
    assert.equal(globus.source, 'stored-login');
    const doc = await globus.transfer.collections.get(seed.PUBLIC_COLLECTION_ID);
    assert.equal(doc.id, seed.PUBLIC_COLLECTION_ID);
  });

  it('should log in from the sidebar through the server callback', async () => {
    const lab = await startLab({
      port: await freePort(),
      env: { ...env, GLOBUS_KIT_SERVER_TOKEN_FILE: join(dir, 'server', 'tokens.json') },
      rootDir: dir
    });
    try {
      const headers = { Authorization: `token ${lab.token}`, 'Content-Type': 'application/json' };
      const r = await fetch(`${lab.url}/globus-kit/login`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ redirect: 'callback' })
      });
      assert.equal(r.status, 200, await r.clone().text());
      const start = await r.json();
      assert.equal(start.redirectUri, `${lab.url}/globus-kit/login/callback`);
      const done = await approveInChromium(start.url, {
        // Log the browser in to Jupyter first (the callback route needs the user's cookie).
        before: page => page.goto(`${lab.url}/login?token=${lab.token}`, { waitUntil: 'commit' })
      });
      assert.match(await done.locator('#message').innerText(), /Logged in as/);
      assert.ok(done.url().startsWith(`${lab.url}/globus-kit/login/callback`));
      await done.close();
      const status = await (await fetch(`${lab.url}/globus-kit/status`, { headers })).json();
      assert.equal(status.source, 'stored-login');
      assert.equal(status.identity.sub, seed.DEMO_IDENTITY_ID);
      const kh = require(join(root, 'kernel-helpers/dist/index.js'));
      const file = await new kh.TokenFile(join(dir, 'server', 'tokens.json')).read();
      const secrets = Object.values(file.tokens).flatMap(t => [t.access_token, t.refresh_token]);
      const bodies = (await Promise.all(recorders.map(r => r.bodies()))).flat();
      assert.ok(bodies.length >= 2, 'the consent and callback pages were recorded');
      for (const { text } of bodies) {
        for (const s of secrets.filter(Boolean))
          assert.ok(!text.includes(s), 'no token in any page');
      }
    } finally {
      await lab.stop();
    }
  });
});
