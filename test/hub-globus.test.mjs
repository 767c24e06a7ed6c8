// Issue 19: the hub path end to end with a REAL JupyterHub (Debian's 3.x), its proxy, the
// test Globus authenticator (test/hub/globus_test_authenticator.py: GlobusOAuthenticator's
// behaviour, a real OAuth code flow against the emulator, which auto-approves), a
// single-user JupyterLab from the project venv and Debian's Chromium through the proxy.
//
// One hub, one login, one server for the whole file; the tests run in order:
// log in and spawn → the sidebar shows the identity and live tokens from the hub's current
// auth_state → a tslab kernel's connect() uses them → the emulator's clock passes the
// tokens' expiry, the hub renews them (refresh_user) and the sidebar and the running kernel
// use the renewed ones without a server restart → hub logout revokes them and the sidebar
// and the kernel say the hub gave no tokens (no 500). A Python kernel on the same server
// gets the hub's tokens from the server's token broker (issue #18).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { launchChromium } from '../scripts/chromium.mjs';
import { assertHubPrerequisites, startHub } from './support/hub-launcher.mjs';
import {
  assertBrowserPrerequisites,
  browserState,
  globusSidebar,
  openSidebarSection,
  openWeatherFolder,
  showFileManagerOf,
  ResponseRecorder,
  root,
  showGlobusSidebar,
  showTokenDetails
} from './support/lab-browser.mjs';
import { openKernel } from './support/notebook-runner.mjs';

const OUTPUT = join(root, 'test-output');
const USER = 'demo.researcher'; // preferred_username demo.researcher@globusid.org up to '@'
const WEATHER = '/portal/catalog/dataset_las/';
const HUB_API_SOURCE = 'JupyterHub (current auth state from the hub API)';
const NO_HUB_TOKENS = 'The hub gave this server no Globus tokens';

/** One tslab cell whose last line prints `RESULT <json>`; its parsed JSON. */
async function cellResult(kernel, code) {
  const run = await kernel.execute(code, { timeoutMs: 45_000 });
  const text = run.messages
    .filter(m => m.msg_type === 'stream')
    .map(m => m.content.text)
    .join('');
  const errors = run.messages.filter(m => m.msg_type === 'error').map(m => m.content);
  if (run.reply?.status === 'error') errors.push(run.reply);
  assert.ok(!run.timedOut, 'the cell timed out');
  assert.equal(
    run.reply?.status,
    'ok',
    `the cell failed: ${errors.map(e => `${e.ename}: ${e.evalue}`).join('\n')}\n${text.slice(0, 2000)}`
  );
  const line = text.split('\n').find(l => l.startsWith('RESULT '));
  assert.ok(line, `no RESULT line in the cell output:\n${text.slice(0, 2000)}`);
  return { result: JSON.parse(line.slice('RESULT '.length)), text };
}

describe('a real JupyterHub with the Globus authenticator (issue 19)', { timeout: 300_000 }, () => {
  let emu;
  let seed;
  let hub;
  let browser;
  let context;
  let page;
  let kernel;
  let responses;
  /** The weather folder's listing in a file manager (the first test opens it). */
  let weatherFiles;
  const secrets = new Set(); // every token the hub held, to search the browser for
  const started = Date.now();

  /** The hub's current auth_state of the user (the test service holds admin:auth_state). */
  async function hubAuthState() {
    const answer = await hub.api('GET', `/users/${encodeURIComponent(USER)}`);
    assert.equal(answer.status, 200, `GET /users/${USER}: HTTP ${answer.status}`);
    const state = answer.body.auth_state;
    for (const t of Object.values(state?.tokens ?? {})) {
      if (t.access_token) secrets.add(t.access_token);
      if (t.refresh_token) secrets.add(t.refresh_token);
    }
    const response = state?.token_response;
    for (const t of [response, ...(response?.other_tokens ?? [])].filter(Boolean)) {
      for (const key of ['access_token', 'refresh_token', 'id_token']) {
        if (t[key]) secrets.add(t[key]);
      }
    }
    return state;
  }

  /** Refresh the sidebar's status (its toolbar button). */
  async function refreshSidebar() {
    await showGlobusSidebar(page);
    await globusSidebar(page).getByRole('button', { name: 'Refresh Globus status' }).click();
  }

  before(async () => {
    assertBrowserPrerequisites();
    assertHubPrerequisites();
    mkdirSync(OUTPUT, { recursive: true });
    const mod = await import(join(root, 'emulator/dist/index.js'));
    seed = mod.seed;
    emu = await mod.createEmulator({ autoApprove: true });
    // Both at once; whichever started is kept (and stopped in after()) if the other fails.
    const [hubStart, browserStart] = await Promise.allSettled([
      startHub({
        emulator: emu,
        clientId: seed.HUB_CLIENT_ID,
        clientSecret: seed.HUB_CLIENT_SECRET
      }),
      launchChromium()
    ]);
    hub = hubStart.value;
    browser = browserStart.value;
    for (const start of [hubStart, browserStart]) {
      if (start.status === 'rejected') throw start.reason;
    }
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    context.setDefaultTimeout(30_000);
    responses = new ResponseRecorder().attach(context);
    page = await context.newPage();
  });

  after(async () => {
    // The hub's log (queries cut: they may hold OAuth codes), for diagnosing a failure.
    if (hub) writeFileSync(join(OUTPUT, 'hub-globus-hub.log'), hub.log().replace(/\?\S*/g, '?…'));
    await kernel?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await hub?.stop();
    await emu?.close();
    console.log(`# hub suite: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });

  let shot = 0;
  afterEach(async () => {
    shot++;
    await page?.screenshot({ path: join(OUTPUT, `hub-globus-${shot}.png`) }).catch(() => {});
  });

  /** The single-user server as notebook-runner's kernel API sees it (through the proxy). */
  const server = () => ({ url: `${hub.url}/user/${USER}`, token: hub.serviceToken });

  it('should log in through Globus, spawn, and show the identity and live tokens from the hub API', async () => {
    const t0 = Date.now();
    // auto_login: /hub/login → /hub/oauth_login → the emulator's authorize (auto-approve) →
    // /hub/oauth_callback → spawn → the server's own OAuth with the hub → /user/<name>/lab.
    await page.goto(`${hub.url}/hub/login?next=${encodeURIComponent('/hub/spawn')}`);
    await page.locator('#jp-main-dock-panel').waitFor({ timeout: 60_000 });
    const loginAndSpawnMs = Date.now() - t0;
    assert.ok(
      page.url().startsWith(`${hub.url}/user/${USER}/lab`),
      `the lab is served by the user's server through the proxy: ${page.url()}`
    );

    // What the authenticator stored: oauthenticator 16+'s auth_state shape.
    const state = await hubAuthState();
    assert.deepEqual(Object.keys(state).sort(), [
      'client_id',
      'globus_groups',
      'globus_user',
      'token_response',
      'tokens'
    ]);
    assert.equal(state.client_id, seed.HUB_CLIENT_ID);
    assert.equal(state.globus_user.sub, seed.DEMO_IDENTITY_ID);
    assert.deepEqual(Object.keys(state.tokens), ['transfer.api.globus.org']);
    assert.equal(state.token_response.resource_server, 'auth.globus.org');
    assert.ok(state.token_response.id_token, 'openid was asked: the response has an id_token');
    assert.ok(state.tokens['transfer.api.globus.org'].refresh_token, 'access_type=offline');

    await openSidebarSection(page, 'Identity and tokens');
    const sidebar = globusSidebar(page);
    await sidebar
      .locator('.jp-GlobusKit-identity-name')
      .getByText('Demo Researcher', { exact: true })
      .waitFor();
    await showTokenDetails(page);
    const row = sidebar.locator('li[data-resource-server="transfer.api.globus.org"]');
    await row.waitFor();
    assert.equal(await row.locator('.jp-GlobusKit-badge').textContent(), 'active');
    await page.locator('.jp-LauncherCard').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(OUTPUT, 'hub-sidebar.png') });
    await openSidebarSection(page, 'Login');
    await sidebar.locator('.jp-GlobusKit-Login-source').getByText(HUB_API_SOURCE).waitFor();
    // Live tokens: a file manager opened from the sidebar lists the public collection's
    // weather folder with them.
    weatherFiles = await openWeatherFolder(page);
    await weatherFiles.getByRole('option').filter({ hasText: '1948.csv' }).waitFor();
    console.log(`# hub: login and spawn ${loginAndSpawnMs} ms`);
  });

  it("should give a tslab kernel's connect() the hub's current auth_state", async () => {
    kernel = await openKernel(server(), 'hub-check.ipynb', { timeoutMs: 60_000 });
    const { result, text } = await cellResult(
      kernel,
      [
        "import { connect } from '@jupyterlab-globus-kit/kernel-helpers';",
        'const first = await connect();',
        `const firstListing = await first.ls('${seed.PUBLIC_COLLECTION_ID}', '${WEATHER}');`,
        "console.log('RESULT ' + JSON.stringify({ source: first.source, " +
          'sub: first.identity?.sub ?? null, rows: firstListing.numRows, ' +
          'globusData: Boolean(process.env.GLOBUS_DATA), ' +
          "localEndpoint: process.env.GLOBUS_LOCAL_ENDPOINT ?? 'unset' }));"
      ].join('\n')
    );
    // Under JupyterLab the kernel asks the server's token broker (issue #18); the server's
    // source is the hub's current auth_state (the sidebar test above checks its label).
    assert.equal(result.source, 'server', "connect() takes the server's tokens");
    assert.equal(result.sub, seed.DEMO_IDENTITY_ID);
    assert.ok(result.rows >= 13, `the weather folder lists ${result.rows} entries`);
    assert.equal(result.globusData, true, 'pre_spawn_start set GLOBUS_DATA');
    assert.equal(result.localEndpoint, '', 'GLOBUS_LOCAL_ENDPOINT is always set (16+)');
    for (const s of secrets) assert.ok(!text.includes(s), 'no token in the cell output');
  });

  it("should give a Python kernel the hub's tokens through the server's broker", async () => {
    const py = await openKernel(server(), 'hub-python.ipynb', {
      kernelName: 'python3',
      timeoutMs: 60_000
    });
    try {
      const { result, text } = await cellResult(
        py,
        [
          'import json, os, urllib.parse, urllib.request',
          'from jupyterlab_globus_kit.kernel import access_token, tokens',
          "base = os.environ['GLOBUS_SDK_SERVICE_URL_TRANSFER'] + '/v0.10'",
          `url = base + '/operation/endpoint/${seed.PUBLIC_COLLECTION_ID}/ls?path=' + urllib.parse.quote('${WEATHER}')`,
          "req = urllib.request.Request(url, headers={'Authorization': 'Bearer ' + access_token('transfer.api.globus.org')})",
          'doc = json.load(urllib.request.urlopen(req, timeout=30))',
          "print('RESULT ' + json.dumps({'rows': len(doc['DATA']), 'source': tokens().source, 'shown': repr(tokens())}))"
        ].join('\n')
      );
      assert.ok(result.rows >= 13, `the weather folder lists ${result.rows} entries`);
      assert.equal(result.source, 'hub-api', "the server's tokens come from the hub");
      for (const s of secrets) assert.ok(!text.includes(s), 'no token in the cell output');
    } finally {
      await py.close();
    }
  });

  it("should renew expired tokens in the hub and give them to a running kernel's session", async () => {
    assert.ok(kernel, 'the kernel of the previous test is running');
    const before = await hubAuthState();
    const oldTransfer = before.tokens['transfer.api.globus.org'].access_token;
    emu.clock.advance(49 * 3600 * 1000); // past the 48 h lifetime of every issued token
    await new Promise(r => setTimeout(r, 1100)); // past the hub's auth_refresh_age (1 s)

    // The kernel's session of before the clock moved keeps working, without connect()
    // again: its token is refused (401), the kernel asks the server's broker again, the
    // server asks the hub, whose refresh_user renews the tokens (issue #18).
    const { result } = await cellResult(
      kernel,
      [
        'let oldError = null;',
        'let rows = 0;',
        `try { rows = (await first.ls('${seed.PUBLIC_COLLECTION_ID}', '${WEATHER}')).numRows; }`,
        'catch (error) { oldError = error.code ?? error.name; }',
        "console.log('RESULT ' + JSON.stringify({ oldError, source: first.source, rows }));"
      ].join('\n')
    );
    assert.equal(result.oldError, null, 'the running session took the renewed token');
    assert.equal(result.source, 'server');
    assert.ok(result.rows >= 13, 'the renewed tokens list the folder');
    const renewed = await hubAuthState();
    const newTransfer = renewed.tokens['transfer.api.globus.org'].access_token;
    assert.ok(newTransfer !== oldTransfer, 'the hub renewed the Transfer token');
    assert.deepEqual(Object.keys(renewed).sort(), Object.keys(before).sort());
  });

  it("should use the hub's renewed tokens in the sidebar's server without a restart", async () => {
    // The server was never restarted: its status still comes from the hub's current
    // auth_state, and listing the weather folder again works with the renewed token.
    await refreshSidebar();
    const sidebar = globusSidebar(page);
    await openSidebarSection(page, 'Login');
    await sidebar.locator('.jp-GlobusKit-Login-source').getByText(HUB_API_SOURCE).waitFor();
    assert.ok(weatherFiles, 'the first test opened the weather folder in a file manager');
    await showFileManagerOf(page, weatherFiles);
    const listed = page.waitForResponse(r =>
      r.url().includes(`/globus-kit/collections/${seed.PUBLIC_COLLECTION_ID}/ls`)
    );
    await page
      .locator('.jp-GlobusKit-FileManager:visible')
      .getByRole('button', { name: 'Refresh', exact: true })
      .click();
    const listing = await listed;
    assert.equal(
      listing.status(),
      200,
      `the server lists the folder with the renewed token: ${(await listing.text()).slice(0, 200)}`
    );
  });

  it('should revoke the Globus tokens at a hub logout and leave tokens = {}', async () => {
    // A second browser session of the same user (another machine, say) logs in, which
    // gives the hub fresh tokens, and logs out of the hub: the authenticator revokes them
    // and leaves tokens = {}. The first session (the lab page) stays logged in.
    const other = await browser.newContext();
    try {
      const otherPage = await other.newPage();
      await otherPage.goto(`${hub.url}/hub/login?next=${encodeURIComponent('/hub/home')}`);
      await otherPage.waitForURL(`${hub.url}/hub/home`);
      const before = await hubAuthState();
      const transfer = before.tokens['transfer.api.globus.org'];
      // Without following the redirect to the login page (auto_login: it would log in again).
      const logout = await other.request.get(`${hub.url}/hub/logout`, { maxRedirects: 0 });
      assert.ok([200, 302].includes(logout.status()), `/hub/logout: HTTP ${logout.status()}`);
      const after = await hubAuthState();
      // Keys only in messages: an assertion never prints a token.
      assert.deepEqual(Object.keys(after.tokens), [], 'revoke_tokens_on_logout: tokens = {}');
      const probe = await fetch(`${emu.urls.auth}/v2/oauth2/token/introspect`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${seed.HUB_CLIENT_ID}:${seed.HUB_CLIENT_SECRET}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded'
        },
        body: new URLSearchParams({ token: transfer.access_token })
      });
      assert.equal((await probe.json()).active, false, 'the Transfer token was revoked');
    } finally {
      await other.close();
    }
  });

  it('should say in the sidebar that the hub gave no tokens after that logout, not 500', async () => {
    // The status route re-asks the hub once its last answer is 5 s old: refresh every
    // 2 s, 15 times at most.
    await openSidebarSection(page, 'Identity and tokens');
    const message = globusSidebar(page)
      .locator('.jp-GlobusKit-problem-message')
      .getByText(NO_HUB_TOKENS, { exact: false });
    for (let i = 0; i < 15 && !(await message.isVisible()); i++) {
      await refreshSidebar();
      await message.waitFor({ timeout: 2000 }).catch(() => undefined);
    }
    await message.waitFor({ timeout: 1000 });
    await page.screenshot({ path: join(OUTPUT, 'hub-sidebar-after-logout.png') });
  });

  it("should make a running kernel's verbs say that the hub gave no tokens after that logout", async () => {
    assert.ok(kernel, 'the kernel of the earlier tests is running');
    const { result } = await cellResult(
      kernel,
      [
        'let afterLogout = null;',
        // connect() itself may already say it (the server holds no tokens), or the first verb.
        'try { const third = await connect();',
        `  await third.ls('${seed.PUBLIC_COLLECTION_ID}', '${WEATHER}'); }`,
        'catch (error) { afterLogout = { code: error.code, message: error.message }; }',
        "console.log('RESULT ' + JSON.stringify({ afterLogout }));"
      ].join('\n')
    );
    assert.equal(result.afterLogout?.code, 'NO_CREDENTIALS', JSON.stringify(result.afterLogout));
    assert.ok(result.afterLogout.message.includes(NO_HUB_TOKENS), result.afterLogout.message);
  });

  it('should answer every sidebar request of the hub session without a 5xx', async () => {
    const kitResponses = (await responses.settled()).filter(r => r.url.includes('/globus-kit/'));
    assert.ok(kitResponses.length > 0, 'the sidebar asked the server');
    const failed = kitResponses.filter(r => r.status >= 500);
    assert.deepEqual(
      failed.map(r => `${r.status} ${r.url.split('?')[0]}`),
      [],
      'no Globus route answered 5xx'
    );
  });

  it('should show no token in the DOM, browser storage, any response or the logs', async () => {
    assert.ok(secrets.size >= 4, `the hub held ${secrets.size} token strings`);
    const kept = JSON.stringify(await browserState(page));
    const bodies = await responses.bodies();
    // The hub's output holds the proxy's, the authenticator's, the single-user server's
    // (the server extension's) and its kernels' logs.
    const log = hub.log();
    for (const s of secrets) {
      assert.ok(!kept.includes(s), 'no token in what the browser kept');
      assert.ok(!log.includes(s), 'no token in the hub, server or kernel log');
      const leaked = bodies.find(b => b.text.includes(s));
      assert.equal(leaked, undefined, `a response (${leaked?.url.split('?')[0]}) holds a token`);
    }
  });
});
