// The issue #9 sidebar in a real JupyterLab (Debian's Chromium through playwright-core)
// against the emulator with its research platform (OIDC realm, workspace API, S3): the
// provider switcher, logging in at the realm through the server callback, identity and
// token countdown, the workspace list, browsing a workspace down to the seeded CSV, a
// hostile object name shown as text, switching back to Globus, logging out; no token,
// secret key or session token in the DOM, web storage or any response.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHROMIUM_PATH, launchChromium } from '../scripts/chromium.mjs';
import { freePort, root, startLab } from '../scripts/lab-launcher.mjs';

const HOSTILE = '<img src=x onerror=alert(1)>.csv';

describe('ProviderSwitcher in JupyterLab', () => {
  let emulator;
  let mod;
  let lab;
  let browser;
  let context;
  let page;
  let dir;
  let tokenFile;
  const bodies = [];
  const dialogs = [];
  const secrets = [];

  /** S3 access to alice's workspace with STS keys fetched as the kernel would (to seed it). */
  async function aliceS3(accessToken) {
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const res = await fetch(
      `${emulator.urls.platform}/v2/storage/workspaces/${mod.ALICE_WORKSPACE}/sts`,
      { headers: { Authorization: `Bearer ${accessToken}` } }
    );
    assert.equal(res.status, 200);
    const sts = await res.json();
    secrets.push(sts.credentials.secret_key, sts.credentials.token);
    return {
      client: new S3Client({
        endpoint: emulator.urls.s3,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: {
          accessKeyId: sts.credentials.access_key,
          secretAccessKey: sts.credentials.secret_key,
          sessionToken: sts.credentials.token
        }
      }),
      PutObjectCommand,
      bucket: sts.storage.properties.bucket[0],
      prefix: sts.storage.properties.key[0]
    };
  }

  before(async () => {
    assert.ok(existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} is missing (apt-get install chromium)`);
    assert.ok(existsSync(join(root, '.venv/bin/jupyter')), 'run `npm run setup` first');
    mod = await import(join(root, 'emulator/dist/index.js'));
    emulator = await mod.createEmulator({ platform: true });
    dir = mkdtempSync(join(tmpdir(), 'globus-kit-oidc-sidebar-'));
    tokenFile = join(dir, 'state', 'oidc.json');
    const platform = emulator.platformEnv();
    lab = await startLab({
      port: await freePort(),
      env: {
        GLOBUS_SDK_SERVICE_URL_AUTH: emulator.urls.auth,
        GLOBUS_SDK_SERVICE_URL_TRANSFER: emulator.urls.transfer,
        GLOBUS_SDK_SERVICE_URL_GROUPS: emulator.urls.groups,
        GLOBUS_DATA: await emulator.globusData(),
        GLOBUS_KIT_OIDC_ISSUER: platform.GLOBUS_KIT_OIDC_ISSUER,
        GLOBUS_KIT_OIDC_CLIENT_ID: platform.GLOBUS_KIT_OIDC_CLIENT_ID,
        GLOBUS_KIT_PLATFORM_URL: platform.GLOBUS_KIT_PLATFORM_URL,
        GLOBUS_KIT_OIDC_TOKEN_FILE: tokenFile
      },
      rootDir: dir
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(60_000);
    context.on('response', r =>
      r.body().then(
        b => bodies.push({ url: r.url(), text: b.toString('latin1') }),
        () => undefined
      )
    );
    page = await context.newPage();
    page.on('dialog', d => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(lab.labUrl, { waitUntil: 'domcontentloaded' });
    await page.locator('#jp-main-dock-panel').waitFor();
    await page.getByRole('tab', { name: 'Globus' }).click();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await lab?.stop();
    await emulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sidebar = () => page.locator('#jp-GlobusKit-sidebar');
  const switcher = () => sidebar().getByRole('group', { name: 'Provider' });

  it('should offer Globus and the realm host in the switcher', async () => {
    await switcher().getByRole('button', { name: 'Globus' }).waitFor();
    const host = new URL(emulator.urls.oidc).host;
    const oidc = switcher().getByRole('button', { name: host });
    await oidc.waitFor();
    assert.equal(await oidc.getAttribute('aria-pressed'), 'false');
    await oidc.click();
    assert.equal(await oidc.getAttribute('aria-pressed'), 'true');
    // The Globus sections left the accordion; the OIDC ones came in.
    await sidebar().locator('.jp-GlobusKit-OidcPanel').getByText('Credentials:').waitFor();
    assert.equal(await sidebar().locator('.jp-GlobusKit-Login').count(), 0);
    assert.match(
      await sidebar().locator('.jp-GlobusKit-OidcPanel .jp-GlobusKit-Login-source').innerText(),
      /none/
    );
  });

  it('should log in at the realm and show the identity and token countdown', async () => {
    const panel = sidebar().locator('.jp-GlobusKit-OidcPanel');
    const popupPromise = page.waitForEvent('popup');
    await panel.getByRole('button', { name: 'Log in', exact: true }).click();
    const popup = await popupPromise;
    await popup.getByRole('button', { name: 'Approve' }).click();
    await popup
      .locator('#message')
      .getByText(/Logged in as alice/)
      .waitFor();
    assert.ok(popup.url().startsWith(`${lab.url}/globus-kit/oidc/login/callback`));
    await popup.close();
    await page.bringToFront();
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));

    await panel.getByText('Your login (stored on this server)').waitFor();
    await panel.locator('.jp-GlobusKit-identity-name').getByText('Alice Researcher').waitFor();
    const badge = panel.locator('.jp-GlobusKit-badge');
    assert.equal(await badge.innerText(), 'active');
    // The stored tokens first: the tests after this one use them.
    const doc = JSON.parse(readFileSync(tokenFile, 'utf8'));
    secrets.push(doc.tokens.oidc.access_token, doc.tokens.oidc.refresh_token, doc.id_token);
    const first = await panel.locator('.jp-GlobusKit-expires').innerText();
    assert.match(first, /^[45]m \d\ds$/);
    // It ticks every second; a loaded machine may delay a tick, so allow up to 5 s.
    let later = first;
    for (let i = 0; i < 25 && later === first; i++) {
      await page.waitForTimeout(200);
      later = await panel.locator('.jp-GlobusKit-expires').innerText();
    }
    assert.notEqual(later, first, 'counts down');
    assert.ok(
      (await panel.locator('.jp-GlobusKit-scopes li').allInnerTexts()).includes('platform')
    );
  });

  it('should list the workspaces and browse to the seeded CSV', async () => {
    const browserSection = sidebar().locator('.jp-GlobusKit-WorkspaceBrowser');
    const list = browserSection.getByRole('list', { name: 'Workspaces' });
    await list.getByRole('button', { name: mod.ALICE_WORKSPACE }).waitFor();
    await list.getByRole('button', { name: mod.SERVICE_WORKSPACE }).waitFor();
    assert.equal(await list.getByRole('button', { name: mod.BOB_WORKSPACE }).count(), 0);

    const s3 = await aliceS3(secrets[0]);
    await s3.client.send(
      new s3.PutObjectCommand({
        Bucket: s3.bucket,
        Key: `${s3.prefix}weather/${HOSTILE}`,
        Body: 'DATE,TMAX\n'
      })
    );

    await list.getByRole('button', { name: mod.ALICE_WORKSPACE }).click();
    const files = browserSection.getByRole('list', { name: 'Workspace files' });
    await files.getByText('weather', { exact: true }).dblclick();
    await files.getByText('station-1.csv', { exact: true }).waitFor();
    await files.getByText(HOSTILE, { exact: true }).waitFor();
    assert.equal(await browserSection.locator('img[src="x"]').count(), 0);
    assert.deepEqual(dialogs, [], 'nothing ran');
    const crumbs = await browserSection
      .getByRole('navigation', { name: 'Workspace breadcrumbs' })
      .getByRole('button')
      .allInnerTexts();
    assert.deepEqual(crumbs, [mod.ALICE_WORKSPACE, 'weather']);
    // The keyboard: the arrows move the selection (two files here: the CSV and the hostile one).
    const names = await files.locator('.jp-GlobusKit-fileRow-name').allTextContents();
    assert.ok(names.length >= 2, `weather/ lists ${names.length} entries`);
    const selected = () =>
      files.locator('.jp-GlobusKit-fileRow[aria-selected="true"] .jp-GlobusKit-fileRow-name');
    await files.getByRole('listitem').first().click();
    assert.equal(await selected().textContent(), names[0]);
    await page.keyboard.press('ArrowDown');
    await selected().filter({ hasText: names[1] }).waitFor();
    await page.keyboard.press('ArrowUp');
    await selected().filter({ hasText: names[0] }).waitFor();
    // A right-click selects its row first: the context menu's commands act on the selection.
    await files.getByRole('listitem').filter({ hasText: names[1] }).click({ button: 'right' });
    await page.getByRole('menuitem', { name: /^Insert cell to fetch this file/ }).waitFor();
    assert.equal(await selected().textContent(), names[1]);
    await page.keyboard.press('Escape');
    await page.screenshot({ path: join(root, 'test-output', 'oidc-sidebar.png') });
  });

  it('should switch back to Globus with its sections as they were', async () => {
    await switcher().getByRole('button', { name: 'Globus' }).click();
    await sidebar().locator('.jp-GlobusKit-identity-name').getByText('Demo Researcher').waitFor();
    assert.equal(await sidebar().locator('.jp-GlobusKit-OidcPanel').count(), 0);
    assert.equal(await sidebar().locator('.jp-GlobusKit-WorkspaceBrowser').count(), 0);
    assert.equal(await sidebar().locator('.jp-GlobusKit-Consents').count(), 1);
    await switcher()
      .getByRole('button', { name: new URL(emulator.urls.oidc).host })
      .click();
    await sidebar()
      .locator('.jp-GlobusKit-WorkspaceBrowser')
      .getByText('station-1.csv', { exact: true })
      .waitFor();
  });

  it('should log out and leave no secret anywhere', async () => {
    const panel = sidebar().locator('.jp-GlobusKit-OidcPanel');
    await panel.getByRole('button', { name: 'Log out' }).click();
    await panel.locator('.jp-GlobusKit-Login-source').getByText('none').waitFor();
    assert.ok(!existsSync(tokenFile), 'logout leaves no token file');

    const found = secrets.filter(Boolean);
    assert.ok(found.length >= 5, String(found.length));
    const dom = await page.content();
    const storage = await page.evaluate(() =>
      JSON.stringify([{ ...localStorage }, { ...sessionStorage }])
    );
    for (const s of found) {
      assert.ok(!dom.includes(s), 'no secret in the DOM');
      assert.ok(!storage.includes(s), 'no secret in web storage');
      const leaked = bodies.find(b => b.url.startsWith(lab.url) && b.text.includes(s));
      assert.equal(leaked, undefined, `a response (${leaked?.url.split('?')[0]}) holds a secret`);
    }
    for (const b of bodies.filter(x => x.url.includes('/globus-kit/'))) {
      assert.ok(!/access_token|refresh_token|secret_key|session_token/.test(b.text), b.url);
    }
  });
});
