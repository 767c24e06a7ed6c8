// The extension in a real browser: Debian's chromium (playwright-core) against a real
// JupyterLab from .venv with the installed wheel, and the emulator. One lab start serves
// every test in this file; they run in order and share the page.
//
// Covers: palette commands disabled without a notebook; the sidebar (demo user, expiry);
// the consent button for the mapped collection's data_access and its URL; browsing the
// public collection (search, breadcrumbs, sorting); a hostile file name shown as text; a
// 10,000-entry folder rendered as a few dozen rows; inserting a fetch cell from the
// browser's context menu and running it in tslab; light and dark screenshots; and no token
// in the DOM, browser storage or any response.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { root, startEmulatorCli, stopProcessGroup } from '../scripts/lab-launcher.mjs';
import {
  assertBrowserPrerequisites,
  captureDialogs,
  globusDataSecrets,
  labEnvFrom,
  makeOutputDir,
  openLabInChromium,
  openSidebarSection,
  openWeatherFolder,
  putExtensionSettings,
  screenshotAfterEach,
  paneOf,
  showFileManagerOf,
  showGlobusSidebar,
  showTokenDetails,
  TEST_OUTPUT as OUTPUT
} from './support/lab-browser.mjs';
import { openKernel } from './support/notebook-runner.mjs';

const SCREENSHOTS = join(root, 'docs/screenshots');
const PUBLIC = 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01';
const MAPPED = 'e56c36e4-1063-4a6e-a747-22000bf2d559';
const HUB_CLIENT = 'c0a8e2f4-1b3d-4e5f-8a9b-0c1d2e3f4a55';
const TRANSFER_ALL = 'urn:globus:auth:scope:transfer.api.globus.org:all';
const DATA_ACCESS = `${TRANSFER_ALL}[*https://auth.globus.org/scopes/${MAPPED}/data_access]`;
const HOSTILE = '<img src=x onerror=alert(1)>.csv';
const BIG_FOLDER = 'ten-thousand';
const BIG_COUNT = 10_000;

const TSLAB_SPEC = { display_name: 'TypeScript', language: 'typescript', name: 'tslab' };

/** A notebook for the tslab kernel (or another `kernelspec`) with one empty code cell. */
function emptyTslabNotebook(kernelspec = TSLAB_SPEC) {
  return JSON.stringify({
    cells: [
      { cell_type: 'code', execution_count: null, id: 'c1', metadata: {}, outputs: [], source: '' }
    ],
    metadata: {
      kernelspec,
      language_info: { name: kernelspec.language }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

describe('jupyterlab-globus-kit in JupyterLab', { timeout: 420_000 }, () => {
  let emulator;
  let dataDir;
  let session;
  let lab;
  let labRoot;
  let page;
  let sidebar;
  let secrets = [];
  let user = {};
  let authUrl = '';
  const dialogs = [];

  before(async () => {
    assertBrowserPrerequisites();
    dataDir = makeOutputDir('emulator-data-');
    const started = await startEmulatorCli({ args: ['--data', dataDir] });
    emulator = started.child;
    const env = labEnvFrom(started.env);
    authUrl = env.GLOBUS_SDK_SERVICE_URL_AUTH;
    ({ secrets, user } = globusDataSecrets(env.GLOBUS_DATA));
    assert.ok(secrets.length >= 2, 'the emulator GLOBUS_DATA should hold tokens');

    // Files the tests need, written straight into the public collection's folder.
    const pub = join(dataDir, 'collections', PUBLIC);
    assert.ok(existsSync(join(pub, 'share/godata')), 'seeded public collection on disk');
    writeFileSync(join(pub, 'share/godata', HOSTILE), 'a,b\n1,2\n');
    const big = join(pub, BIG_FOLDER);
    mkdirSync(big, { recursive: true });
    for (let i = 0; i < BIG_COUNT; i++) {
      writeFileSync(join(big, `f${String(i).padStart(5, '0')}.txt`), '');
    }

    // The lab serves a folder inside the repository, so tslab resolves kernel-helpers
    // from the repository's node_modules.
    labRoot = makeOutputDir('lab-root-');
    writeFileSync(join(labRoot, 'fetch.ipynb'), emptyTslabNotebook());
    const python = { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' };
    writeFileSync(join(labRoot, 'python.ipynb'), emptyTslabNotebook(python));
    const js = { display_name: 'JavaScript', language: 'javascript', name: 'jslab' };
    writeFileSync(join(labRoot, 'jslab.ipynb'), emptyTslabNotebook(js));
    session = await openLabInChromium({
      env,
      rootDir: labRoot,
      contextOptions: { viewport: { width: 1400, height: 900 } },
      defaultTimeout: 30_000,
      // Required scopes with the mapped collection's data_access, which GLOBUS_DATA lacks.
      beforeOpen: started =>
        putExtensionSettings(started, {
          requiredScopes: [TRANSFER_ALL, DATA_ACCESS],
          pollInterval: 30
        })
    });
    ({ lab, page } = session);
    captureDialogs(page, dialogs);
    sidebar = page.locator('#jp-GlobusKit-sidebar');
    await page.getByRole('tab', { name: 'Globus' }).waitFor({ timeout: 60_000 });
    await page.locator('.jp-Launcher').waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await session?.close();
    await stopProcessGroup(emulator);
    for (const dir of [labRoot, dataDir]) {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  // What the page looked like after each test, for diagnosing a failure.
  afterEach(screenshotAfterEach('extension-browser', () => page));

  const showSidebar = () => showGlobusSidebar(page);
  const openSection = title => openSidebarSection(page, title);

  /** Open the palette (View menu) and type into it. */
  async function palette(text) {
    const input = page.locator('.lm-CommandPalette-input:visible').first();
    // Right after start-up the first menu click can be lost: try a few times.
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.getByRole('menuitem', { name: 'View' }).click();
      await page.getByRole('menuitem', { name: /Command Palette/ }).click();
      try {
        await input.waitFor({ timeout: 5000 });
        break;
      } catch {
        await page.keyboard.press('Escape');
      }
    }
    await input.waitFor();
    await input.fill(text);
  }

  it('should list the Globus commands in the palette', async () => {
    await palette('Globus');
    await page
      .locator('.lm-CommandPalette-item:visible', { hasText: 'Open Globus Sidebar' })
      .first()
      .waitFor();
    await page
      .locator('.lm-CommandPalette-item:visible', { hasText: 'Refresh Globus Status' })
      .first()
      .waitFor();
    await page.keyboard.press('Escape');
  });

  it('should show the demo user and a token expiry countdown', async () => {
    await showSidebar();
    await sidebar
      .locator('.jp-GlobusKit-identity-name')
      .getByText(user.name, { exact: true })
      .waitFor();
    // One line of token health; the cards behind Details, named by display name.
    assert.match(
      (await sidebar.locator('.jp-GlobusKit-health-text').textContent()) ?? '',
      /^\d+ tokens · all active · next expiry in /
    );
    await showTokenDetails(page);
    const row = sidebar.locator('li[data-resource-server="transfer.api.globus.org"]');
    assert.equal(
      await row.locator('.jp-GlobusKit-resourceServer').textContent(),
      'Globus Transfer'
    );
    const expires = (await row.locator('.jp-GlobusKit-expires').textContent()) ?? '';
    assert.match(expires, /^~?(\d+d \d+h \d\dm|\d+h \d\dm \d\ds|\d+m \d\ds)$/, expires);
    assert.equal(await row.locator('.jp-GlobusKit-badge').textContent(), 'active');
  });

  it('should offer a consent button with the right URL for the missing data_access', async () => {
    await openSection('Consents');
    const list = page.getByRole('list', { name: 'Required scopes' });
    const missing = list.locator('li[data-status="missing"]');
    await missing.waitFor();
    assert.equal(await missing.locator('.jp-GlobusKit-consent-scope').textContent(), DATA_ACCESS);
    assert.equal(await list.locator('li[data-status="granted"]').count(), 1);
    const link = missing.getByRole('link', { name: `Grant consent for ${DATA_ACCESS}` });
    const href = new URL(await link.getAttribute('href'));
    const auth = new URL(authUrl);
    assert.equal(href.origin, auth.origin);
    assert.equal(href.pathname, '/v2/oauth2/authorize');
    assert.equal(href.searchParams.get('client_id'), HUB_CLIENT);
    assert.equal(href.searchParams.get('scope'), DATA_ACCESS);
    assert.equal(href.searchParams.get('response_type'), 'code');
    assert.equal(href.searchParams.get('redirect_uri'), `${href.origin}/v2/web/auth-code`);
    assert.equal(await link.getAttribute('target'), '_blank');
    // The emulator's authorize page knows this client and scope: the URL really works.
    const authorize = await fetch(href, { redirect: 'manual' });
    assert.equal(authorize.status, 200, 'the consent URL should show the consent screen');
  });

  it('should search the public collection and browse it with breadcrumbs', async () => {
    // In a file manager opened from the sidebar: search, pick the collection, then one
    // double-click per folder, each shown in the breadcrumbs.
    const files = await openWeatherFolder(page);
    const pane = paneOf(files);
    await files.getByRole('option').filter({ hasText: '1948.csv' }).waitFor();
    // No notebook is open: the insert command is disabled and says so.
    await files.getByRole('option').filter({ hasText: '1948.csv' }).click({ button: 'right' });
    const disabled = page.getByRole('menuitem', {
      name: 'Insert cell to fetch this file (no notebook open)'
    });
    await disabled.waitFor();
    assert.equal(await disabled.getAttribute('aria-disabled'), 'true');
    await page.keyboard.press('Escape');
    const names = () => files.locator('.jp-GlobusKit-fileRow-name').allTextContents();
    const ascending = await names();
    assert.equal(ascending[0], '1948.csv');
    assert.ok(ascending.includes('1960.csv'));
    const nameColumn = pane.getByRole('button', { name: /^Name/ });
    await nameColumn.click(); // the same column again: descending
    await files
      .locator('.jp-GlobusKit-fileRow-name')
      .first()
      .filter({ hasText: ascending.at(-1) })
      .waitFor();
    assert.deepEqual(await names(), [...ascending].reverse());
    await pane.getByRole('button', { name: /^Size/ }).click(); // largest last
    const sizes = await files
      .locator('.jp-GlobusKit-fileRow')
      .evaluateAll(rows =>
        rows.map(r => r.querySelector('.jp-GlobusKit-fileRow-size').textContent)
      );
    assert.equal(sizes.length, ascending.length);
    await nameColumn.click(); // back to name, ascending
    await files
      .locator('.jp-GlobusKit-fileRow-name')
      .first()
      .filter({ hasText: '1948.csv' })
      .waitFor();
    // Breadcrumb back to the collection root.
    await pane
      .getByRole('navigation', { name: 'Breadcrumbs' })
      .getByRole('button', { name: 'catalog', exact: true })
      .click();
    await files.getByRole('option').filter({ hasText: 'dataset_las' }).waitFor();
    // The keyboard: Enter opens a selected folder, arrows move the selection.
    await files.getByRole('option').filter({ hasText: 'dataset_las' }).first().click();
    await page.keyboard.press('Enter');
    const crumbs = pane.getByRole('navigation', { name: 'Breadcrumbs' });
    await crumbs.getByRole('button', { name: 'dataset_las', exact: true }).waitFor();
    await files.getByRole('option').filter({ hasText: '1948.csv' }).waitFor();
    const selectedName = () =>
      files.locator('.jp-GlobusKit-fileRow[aria-selected="true"] .jp-GlobusKit-fileRow-name');
    const rowNames = await names();
    assert.ok(rowNames.length > 2, `dataset_las lists ${rowNames.length} entries`);
    await files.getByRole('option').first().click();
    assert.equal(await selectedName().textContent(), rowNames[0]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await selectedName().filter({ hasText: rowNames[2] }).waitFor();
    await page.keyboard.press('ArrowUp');
    await selectedName().filter({ hasText: rowNames[1] }).waitFor();
    await crumbs.getByRole('button', { name: 'catalog', exact: true }).click();
    await files.getByRole('option').filter({ hasText: 'dataset_las' }).waitFor();
  });

  // The file manager the browse test opened (in front until a notebook is opened).
  const managerPane = () =>
    page
      .locator('.jp-GlobusKit-FileManager:not(.lm-mod-hidden)')
      .getByRole('region', { name: 'Pane 1' });

  it('should show a hostile file name as text and run nothing', async () => {
    const crumbs = managerPane().getByRole('navigation', { name: 'Breadcrumbs' });
    await crumbs.getByRole('button', { name: 'Globus Tutorials Public Data' }).click();
    const files = managerPane().getByRole('listbox', { name: 'Files' });
    await files.getByRole('option').filter({ hasText: 'share' }).first().dblclick();
    await files.getByRole('option').filter({ hasText: 'godata' }).first().dblclick();
    const row = files.getByRole('option').filter({ hasText: HOSTILE });
    await row.waitFor();
    assert.equal(await row.locator('.jp-GlobusKit-fileRow-name').textContent(), HOSTILE);
    assert.equal(await files.locator('img').count(), 0, 'no <img> element inside the listing');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await page.waitForTimeout(300); // an onerror handler would have fired by now
    assert.deepEqual(dialogs, []);
  });

  it('should render a 10,000-entry folder as a few dozen rows and scroll to its end', async () => {
    const crumbs = managerPane().getByRole('navigation', { name: 'Breadcrumbs' });
    await crumbs.getByRole('button', { name: 'Globus Tutorials Public Data' }).click();
    const files = managerPane().getByRole('listbox', { name: 'Files' });
    const started = Date.now();
    await files.getByRole('option').filter({ hasText: BIG_FOLDER }).first().dblclick();
    await managerPane()
      .getByText(`${BIG_COUNT.toLocaleString('en-US')} items`)
      .or(managerPane().getByText(`${BIG_COUNT} items`))
      .waitFor({ timeout: 60_000 });
    const loadMs = Date.now() - started;
    const rendered = await files.getByRole('option').count();
    assert.ok(rendered > 5 && rendered < 200, `rendered ${rendered} rows of ${BIG_COUNT}`);
    assert.equal(
      await files.getByRole('option').first().getAttribute('aria-setsize'),
      String(BIG_COUNT)
    );
    // Scroll to the end in steps, timing frames: the listing must stay responsive.
    const frames = await files.evaluate(async node => {
      const times = [];
      for (let i = 1; i <= 20; i++) {
        node.scrollTop = (node.scrollHeight * i) / 20;
        const t0 = performance.now();
        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        times.push(performance.now() - t0);
      }
      return times;
    });
    await files.getByRole('option').filter({ hasText: 'f09999.txt' }).waitFor();
    const worst = Math.max(...frames);
    console.log(
      `# 10k folder: loaded in ${loadMs} ms, ${rendered} rows, worst scroll step ${worst.toFixed(0)} ms`
    );
    assert.ok(worst < 500, `a scroll step took ${worst} ms`);
    assert.ok((await files.getByRole('option').count()) < 200);
  });

  it('should insert a fetch cell from the context menu and run it in tslab', async () => {
    await page.goto(`${lab.url}/lab/tree/fetch.ipynb?token=${lab.token}`, {
      waitUntil: 'domcontentloaded'
    });
    const notebook = page.locator('.jp-NotebookPanel');
    await notebook.waitFor({ timeout: 60_000 });
    // Work in the notebook: it is the cells' target from now on.
    await notebook.locator('.jp-Cell').first().click();
    await palette('Globus whoami');
    await page
      .locator('.lm-CommandPalette-item:visible', {
        hasText: 'Insert Globus whoami Cell into fetch.ipynb'
      })
      .first()
      .waitFor();
    await page.keyboard.press('Escape');
    // A file manager in the main area hides the notebook; its context menu still inserts
    // into the notebook last worked in, and says which.
    const files = await openWeatherFolder(page);
    assert.equal(await notebook.isVisible(), false, 'the manager is in front of the notebook');
    await files.getByRole('option').filter({ hasText: '1950.csv' }).click({ button: 'right' });
    await page
      .getByRole('menuitem', { name: 'Insert cell to fetch this file into fetch.ipynb' })
      .click();
    await notebook.waitFor({ state: 'visible' }); // the insert brings the notebook back
    const editor = notebook.locator('.jp-Cell .jp-InputArea-editor').first();
    await editor.filter({ hasText: 'fetchCsv' }).waitFor();
    const source = (await editor.textContent()) ?? '';
    assert.match(source, /connect\(\{ display: tslab \}\)/, 'the connect line is included');
    assert.match(source, new RegExp(`collection: "${PUBLIC}"`));
    assert.match(source, /path: "\/portal\/catalog\/dataset_las\/1950\.csv"/);
    // Run it: wait for the kernel, then Shift+Enter in the cell.
    await page
      .locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
      .waitFor({
        timeout: 90_000
      })
      .catch(() => undefined);
    await editor.click();
    await page.keyboard.press('Shift+Enter');
    const output = notebook.locator('.jp-Cell').first().locator('.jp-OutputArea-output');
    await output.locator('table').filter({ hasText: 'TMAX' }).first().waitFor({ timeout: 120_000 });
    const text = (await output.allTextContents()).join('\n');
    assert.match(text, /STATION/);
    assert.doesNotMatch(text, /Error/);
    // A second insert in the same notebook does not repeat the connect line.
    await showFileManagerOf(page, files);
    await files.getByRole('option').filter({ hasText: '1951.csv' }).click({ button: 'right' });
    await page
      .getByRole('menuitem', { name: 'Insert cell to fetch this file into fetch.ipynb' })
      .click();
    const second = notebook
      .locator('.jp-Cell .jp-InputArea-editor')
      .filter({ hasText: '1951.csv' });
    await second.waitFor();
    assert.doesNotMatch((await second.textContent()) ?? '', /connect\(/);
  });

  /** Save the open notebook (a dirty one makes the page ask before leaving), open another. */
  async function openNotebook(name) {
    const current = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if ((await current.count()) > 0) {
      await current.locator('.jp-Cell').first().click();
      await page.keyboard.press('Control+s');
      await page.locator('.lm-TabBar-tab.jp-mod-dirty').waitFor({ state: 'detached' });
    }
    await page.goto(`${lab.url}/lab/tree/${name}?token=${lab.token}`, {
      waitUntil: 'domcontentloaded'
    });
    // The restored layout may show another notebook first: wait for this one's tab.
    await page
      .locator('.jp-mod-current.lm-TabBar-tab', { hasText: name })
      .waitFor({ timeout: 60_000 });
  }

  /** The notebook on screen, by its id (it stays found while a file manager hides it). */
  async function shownNotebook() {
    const shown = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await shown.locator('.jp-Cell').first().waitFor({ timeout: 60_000 });
    return page.locator(`[id="${await shown.getAttribute('id')}"]`);
  }

  it('issue #18: should insert a Python cell in a Python notebook and run it', async () => {
    await openNotebook('python.ipynb');
    const notebook = await shownNotebook();
    await notebook.locator('.jp-Cell').first().click();
    const files = await openWeatherFolder(page);
    await files.getByRole('option').filter({ hasText: '1950.csv' }).click({ button: 'right' });
    await page
      .getByRole('menuitem', { name: 'Insert cell to fetch this file into python.ipynb' })
      .click();
    await notebook.waitFor({ state: 'visible' });
    const editor = notebook.locator('.jp-Cell .jp-InputArea-editor').first();
    await editor.filter({ hasText: 'read_csv' }).waitFor();
    const source = (await editor.textContent()) ?? '';
    assert.match(source, /from jupyterlab_globus_kit\.kernel import access_token, https_url/);
    assert.match(source, new RegExp(`collection = "${PUBLIC}"`));
    assert.doesNotMatch(source, /connect\(|await /, 'no TypeScript in a Python notebook');
    await page
      .locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
      .waitFor({ timeout: 90_000 })
      .catch(() => undefined);
    await editor.click();
    await page.keyboard.press('Shift+Enter');
    const output = notebook.locator('.jp-Cell').first().locator('.jp-OutputArea-output');
    await output.locator('table').filter({ hasText: 'TMAX' }).first().waitFor({ timeout: 120_000 });
    assert.doesNotMatch((await output.allTextContents()).join('\n'), /Error|Traceback/);
  });

  it('issue #18: should disable the insert commands for another kernel', async () => {
    await openNotebook('jslab.ipynb');
    const notebook = await shownNotebook();
    await notebook.locator('.jp-Cell').first().click();
    const files = await openWeatherFolder(page);
    await files.getByRole('option').filter({ hasText: '1950.csv' }).click({ button: 'right' });
    const item = page.locator('.lm-Menu-item', {
      hasText: 'Insert cell to fetch this file (unavailable)'
    });
    await item.waitFor();
    assert.equal(await item.getAttribute('aria-disabled'), 'true');
    await page.keyboard.press('Escape');
    const source = await notebook.locator('.jp-Cell .jp-InputArea-editor').first().textContent();
    assert.equal((source ?? '').trim(), '', 'nothing was inserted');
  });

  it('should save screenshots of the sidebar in the light and dark themes', async () => {
    // Screenshots go to test-output/; the copies README links in docs/screenshots/ are
    // refreshed only on request (UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean.
    const updateDocs = process.env.UPDATE_SCREENSHOTS === '1';
    if (updateDocs) mkdirSync(SCREENSHOTS, { recursive: true });
    await openSection('Identity and tokens');
    const shot = async theme => {
      const file = join(OUTPUT, `globus-sidebar-${theme}.png`);
      await page.screenshot({ path: file });
      assert.ok(statSync(file).size > 10_000, `${file} holds a real screenshot`);
      if (updateDocs) copyFileSync(file, join(SCREENSHOTS, `sidebar-${theme}.png`));
    };
    await shot('light');
    await palette('Use Theme: JupyterLab Dark');
    await page
      .locator('.lm-CommandPalette-item:visible', { hasText: 'JupyterLab Dark' })
      .first()
      .click();
    await page.locator('body[data-jp-theme-light="false"]').waitFor({ state: 'attached' });
    await page.waitForTimeout(500); // let the theme's stylesheet apply
    // The sidebar's text follows the theme: light text on a dark background.
    const colors = await sidebar.evaluate(node => {
      const s = getComputedStyle(node);
      return { color: s.color, background: s.backgroundColor };
    });
    const lum = c => {
      const [r, g, b] = c.match(/\d+/g).map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    assert.ok(lum(colors.color) > lum(colors.background) + 80, JSON.stringify(colors));
    await shot('dark');
  });

  it('should keep every token out of the DOM, storage and every response', async () => {
    const dom = await page.content();
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })
    );
    const bodies = await session.responses.bodies();
    for (const route of ['/globus-kit/status', '/globus-kit/consents', '/globus-kit/collections']) {
      assert.ok(
        bodies.some(b => b.url.includes(route)),
        `the page should have received ${route}`
      );
    }
    // Issue #18: the token broker's secret, read the way a kernel gets it (a kernel started
    // through the server's REST API, its output on this test's own websocket, never the
    // page), is in no response, the DOM or storage; the page never calls the broker.
    const probe = await openKernel(lab, 'secret-probe.ipynb', { kernelName: 'python3' });
    let brokerSecret = '';
    try {
      const r = await probe.execute(
        "import os; print(os.environ['GLOBUS_KIT_TOKEN_BROKER_SECRET'], end='')"
      );
      brokerSecret = r.messages.find(m => m.msg_type === 'stream')?.content.text ?? '';
    } finally {
      await probe.close();
    }
    assert.ok(brokerSecret.length >= 40, 'the kernel inherited the broker secret');
    assert.ok(
      !bodies.some(b => b.url.includes('/globus-kit/broker')),
      'the page called the broker'
    );
    for (const secret of [...secrets, brokerSecret]) {
      const tag = `${secret.slice(0, 4)}… (${secret.length} chars)`;
      assert.ok(!dom.includes(secret), `the DOM holds token ${tag}`);
      assert.ok(!storage.includes(secret), `browser storage holds token ${tag}`);
      const leaked = bodies.find(b => b.text.includes(secret));
      assert.equal(leaked, undefined, `a response (${leaked?.url.split('?')[0]}) holds ${tag}`);
    }
  });
});
