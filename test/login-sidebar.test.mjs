// The sidebar's Login section in a real JupyterLab (Debian's Chromium through
// playwright-core) against the emulator, no GLOBUS_DATA: "Log in with Globus" opens the
// emulator's consent page in a new tab, Approve returns to the server's callback, the
// section then says the stored login is in use and the identity card shows the user;
// "Log out" revokes and leaves no token file; no token reaches the DOM or any response.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertBrowserPrerequisites, openLabInChromium, root } from './support/lab-browser.mjs';

describe('LoginPanel in JupyterLab', () => {
  let emulator;
  let seed;
  let session;
  let page;
  let dir;
  let tokenFile;

  before(async () => {
    assertBrowserPrerequisites();
    const mod = await import(join(root, 'emulator/dist/index.js'));
    seed = mod.seed;
    emulator = await mod.createEmulator();
    dir = mkdtempSync(join(tmpdir(), 'globus-kit-login-sidebar-'));
    tokenFile = join(dir, 'state', 'tokens.json');
    session = await openLabInChromium({
      env: {
        GLOBUS_SDK_SERVICE_URL_AUTH: emulator.urls.auth,
        GLOBUS_SDK_SERVICE_URL_TRANSFER: emulator.urls.transfer,
        GLOBUS_SDK_SERVICE_URL_GROUPS: emulator.urls.groups,
        GLOBUS_KIT_CLIENT_ID: seed.NATIVE_CLIENT_ID,
        GLOBUS_KIT_SERVER_TOKEN_FILE: tokenFile
      },
      rootDir: dir
    });
    page = session.page;
  });

  after(async () => {
    await session?.close();
    await emulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('should log in through the consent page and the server callback, then log out', async () => {
    await page.getByRole('tab', { name: 'Globus' }).click();
    const section = page.locator('#jp-GlobusKit-sidebar .jp-GlobusKit-Login');
    await section.getByText('Credentials:').waitFor();
    assert.match(await section.locator('.jp-GlobusKit-Login-source').innerText(), /none/);

    const popupPromise = page.waitForEvent('popup');
    await section.getByRole('button', { name: 'Log in with Globus' }).click();
    const popup = await popupPromise;
    await popup.getByRole('button', { name: 'Approve' }).click();
    await popup
      .locator('#message')
      .getByText(/Logged in as/)
      .waitFor();
    assert.ok(popup.url().startsWith(`${session.lab.url}/globus-kit/login/callback`));
    await popup.close();
    await page.bringToFront();
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));

    await section.getByText('Your Globus login (stored on this server)').waitFor();
    await page
      .locator('#jp-GlobusKit-sidebar .jp-GlobusKit-identity-name')
      .getByText('Demo Researcher', { exact: false })
      .waitFor();
    assert.ok(existsSync(tokenFile));
    const doc = JSON.parse(readFileSync(tokenFile, 'utf8'));
    const secrets = Object.values(doc.tokens)
      .flatMap(t => [t.access_token, t.refresh_token])
      .filter(Boolean);
    assert.ok(secrets.length >= 2);

    await page.screenshot({ path: join(root, 'test-output', 'login-sidebar.png') });
    await section.getByRole('button', { name: 'Log out' }).click({ timeout: 10_000 });
    await section.locator('.jp-GlobusKit-Login-source').getByText('none').waitFor();
    assert.ok(!existsSync(tokenFile), 'logout leaves no token file');

    const dom = await page.content();
    const bodies = await session.responses.bodies();
    for (const s of secrets) {
      assert.ok(!dom.includes(s), 'no token in the DOM');
      const leaked = bodies.find(b => b.text.includes(s));
      assert.equal(leaked, undefined, `a response (${leaked?.url.split('?')[0]}) holds a token`);
    }
  });
});
