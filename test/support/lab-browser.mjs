// JupyterLab in Debian's Chromium for the browser tests: start a lab from the project venv,
// open it in a fresh browser context, and record every response the browser received (URL,
// status, headers, body) — the pages a test opens itself and the popups they open. Also
// reads back what the browser kept: the DOM, local and session storage, IndexedDB, Cache
// Storage and cookies. The tests then search all of it for tokens.
//
//   const session = await openLabInChromium({ env, rootDir });
//   await session.page.getByRole('tab', { name: 'Globus' }).click();
//   const responses = await session.responses.settled();
//   const kept = await browserState(session.page);
//   await session.close();
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';

import { CHROMIUM_PATH, launchChromium } from '../../scripts/chromium.mjs';
import { freePort, root, startLab } from '../../scripts/lab-launcher.mjs';

export { root };

/** Where the browser tests write their screenshots, lab roots and emulator data. */
export const TEST_OUTPUT = join(root, 'test-output');

/**
 * A new empty folder under test-output/ (for a lab root or emulator data); the test
 * removes it in its `after`.
 *
 * @param {string} prefix - the folder name's start, e.g. `lab-root-activity-`
 * @returns {string} its path
 */
export function makeOutputDir(prefix) {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return mkdtempSync(join(TEST_OUTPUT, prefix));
}

/**
 * Record and dismiss every browser dialog (alert, confirm, prompt) a page opens, so none
 * blocks the test and the test can assert there were none.
 *
 * @param {import('playwright-core').Page} page
 * @param {string[]} [messages] - the list to push each dialog's message to
 * @returns {string[]} `messages`
 */
export function captureDialogs(page, messages = []) {
  page.on('dialog', dialog => {
    messages.push(dialog.message());
    void dialog.dismiss().catch(() => undefined);
  });
  return messages;
}

/**
 * For `afterEach`: a screenshot of the page after each test, `test-output/<name>-<n>.png`,
 * for diagnosing a failure (a failed screenshot is ignored).
 *
 * @param {string} name - the file's stem, e.g. `activity-browser`
 * @param {() => import('playwright-core').Page | undefined} getPage - the page, once open
 * @returns {() => Promise<void>}
 */
export function screenshotAfterEach(name, getPage) {
  let index = 0;
  return async () => {
    index++;
    await getPage()
      ?.screenshot({ path: join(TEST_OUTPUT, `${name}-${index}.png`) })
      .catch(() => undefined);
  };
}

/**
 * POST (or PATCH…) JSON to an emulator's admin origin (seeding, faults, clock) and assert a
 * 2xx answer, or exactly `status` when given.
 *
 * @param {string} adminUrl - the emulator's admin origin (`emu.urls.admin`)
 * @param {string} path - e.g. `/seed/collections/<id>/files`
 * @param {unknown} body
 * @param {{ method?: string, status?: number }} [options] - `method` defaults to POST
 * @returns {Promise<unknown>} the parsed answer
 */
export async function emulatorAdmin(adminUrl, path, body, { method = 'POST', status } = {}) {
  const r = await fetch(`${adminUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000)
  });
  const text = await r.text();
  if (status === undefined) assert.ok(r.ok, `${path}: ${r.status} ${text}`);
  else assert.equal(r.status, status, `${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * Save the extension's user settings on a running lab (before the page loads, from
 * `openLabInChromium`'s `beforeOpen`) and assert the server took them.
 *
 * @param {{ url: string, token: string }} lab
 * @param {Record<string, unknown>} settings - e.g. `{ requiredScopes: [...] }`
 * @param {string} [plugin] - another plugin's settings, e.g.
 *   `@jupyterlab/application-extension:context-menu`
 */
export async function putExtensionSettings(lab, settings, plugin = 'jupyterlab-globus-kit:plugin') {
  const put = await fetch(`${lab.url}/lab/api/settings/${plugin}`, {
    method: 'PUT',
    headers: { Authorization: `token ${lab.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ raw: JSON.stringify(settings) }),
    signal: AbortSignal.timeout(30_000)
  });
  assert.equal(put.status, 204, `settings PUT answered ${put.status}`);
}

/** Fails early, with the remedy, when Chromium or the project venv is missing. */
export function assertBrowserPrerequisites({ lab = true } = {}) {
  assert.ok(
    existsSync(CHROMIUM_PATH),
    `${CHROMIUM_PATH} is missing: run \`npm test\` (it installs chromium) or apt-get install chromium`
  );
  if (lab) {
    assert.ok(
      existsSync(join(root, '.venv/bin/jupyter')),
      '.venv is missing: run `npm run setup` first'
    );
  }
}

/**
 * Records every response a Playwright page or browser context receives. A response without
 * a body (a redirect, an aborted request) is recorded with `text: undefined`.
 */
export class ResponseRecorder {
  constructor() {
    /** @type {Array<{ url: string, status: number, headers: Record<string, string>, text: string | undefined }>} */
    this.responses = [];
    this._pending = [];
  }

  /**
   * Starts recording the responses of a page or a context (a context also sees its popups).
   * @param {import('playwright-core').Page | import('playwright-core').BrowserContext} target
   * @returns {this}
   */
  attach(target) {
    target.on('response', response => this._pending.push(this._record(response)));
    return this;
  }

  async _record(response) {
    const entry = {
      url: response.url(),
      status: response.status(),
      headers: await response.allHeaders().catch(() => response.headers()),
      text: undefined
    };
    try {
      entry.text = (await response.body()).toString('latin1');
    } catch {
      // redirects and aborted requests have no body
    }
    this.responses.push(entry);
  }

  /** Every response so far, once their bodies have been read. */
  async settled() {
    for (let done = 0; done < this._pending.length;) {
      const batch = this._pending.slice(done);
      await Promise.all(batch);
      done += batch.length;
    }
    return this.responses;
  }

  /** The responses that had a body, as `{ url, text }`. */
  async bodies() {
    return (await this.settled()).filter(r => r.text !== undefined);
  }
}

/**
 * The part of an emulator's environment a lab server gets: its service URLs
 * (`GLOBUS_SDK_*`) and `GLOBUS_DATA`, nothing else of the emulator's.
 *
 * @param {Record<string, string>} env - what the emulator's `env()` resolved to
 * @returns {Record<string, string>}
 */
export function labEnvFrom(env) {
  return Object.fromEntries(
    Object.entries(env).filter(([k]) => k.startsWith('GLOBUS_SDK_') || k === 'GLOBUS_DATA')
  );
}

/**
 * Starts a JupyterLab and opens it in Chromium.
 *
 * @param {object} options
 * @param {Record<string, string>} options.env - GLOBUS_* for the server (and its kernels)
 * @param {string} options.rootDir - the folder the lab serves
 * @param {string[]} [options.labArgs] - more `jupyter lab` arguments (e.g. `--debug`)
 * @param {(chunk: Buffer) => void} [options.onServerOutput] - every chunk the server prints
 * @param {object} [options.contextOptions] - Playwright context options (viewport, colorScheme)
 * @param {number} [options.defaultTimeout] - Playwright's default timeout in ms
 * @param {(lab: object) => Promise<void>} [options.beforeOpen] - runs once the server answers,
 *   before the page loads (e.g. to PUT settings)
 * @returns {Promise<{ lab, browser, context, page, responses: ResponseRecorder,
 *   console: string[], websocketFrames: Array<{ url: string, payload: string }>,
 *   close: () => Promise<void> }>} the page shows the lab (its main dock panel is there);
 *   `console` fills with every console message and uncaught page error of the context's
 *   pages, `websocketFrames` with every WebSocket frame they received (kernel messages)
 */
export async function openLabInChromium({
  env,
  rootDir,
  labArgs = [],
  onServerOutput,
  contextOptions = { viewport: { width: 1280, height: 900 } },
  defaultTimeout = 60_000,
  beforeOpen
}) {
  assertBrowserPrerequisites();
  const [lab, browser] = await Promise.all([
    startLab({ port: await freePort(), env, rootDir, args: labArgs, onOutput: onServerOutput }),
    launchChromium()
  ]);
  const close = async () => {
    await browser.close().catch(() => undefined);
    await lab.stop();
  };
  try {
    await beforeOpen?.(lab);
    const context = await browser.newContext(contextOptions);
    context.setDefaultTimeout(defaultTimeout);
    const responses = new ResponseRecorder().attach(context);
    const consoleLines = [];
    context.on('console', m => consoleLines.push(`${m.type()}: ${m.text()}`));
    context.on('weberror', e => consoleLines.push(`uncaught: ${e.error().stack ?? e.error()}`));
    const frames = [];
    context.on('page', p =>
      p.on('websocket', ws =>
        ws.on('framereceived', f =>
          frames.push({
            url: ws.url(),
            payload: typeof f.payload === 'string' ? f.payload : f.payload.toString('latin1')
          })
        )
      )
    );
    const page = await context.newPage();
    await page.goto(lab.labUrl, { waitUntil: 'domcontentloaded' });
    await page.locator('#jp-main-dock-panel').waitFor({ timeout: 60_000 });
    return {
      lab,
      browser,
      context,
      page,
      responses,
      console: consoleLines,
      websocketFrames: frames,
      close
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * What a page's browser kept: the DOM, local and session storage, every IndexedDB record,
 * Cache Storage bodies, and the context's cookies.
 *
 * @param {import('playwright-core').Page} page
 * @returns {Promise<{ dom: string, localStorage: Record<string, string>,
 *   sessionStorage: Record<string, string>, indexedDB: Array<{ store: string, text: string }>,
 *   caches: Array<{ url: string, text: string }>, cookies: object[] }>}
 */
export async function browserState(page) {
  const kept = await page.evaluate(async () => {
    const asPromise = request =>
      new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const text = value => {
      try {
        return JSON.stringify(value) ?? String(value);
      } catch {
        return String(value);
      }
    };
    const indexed = [];
    const databases = indexedDB.databases ? await indexedDB.databases() : [];
    for (const { name } of databases) {
      const db = await asPromise(indexedDB.open(name));
      for (const storeName of db.objectStoreNames) {
        const store = db.transaction(storeName, 'readonly').objectStore(storeName);
        // Both requests in one transaction, issued before awaiting (it commits when idle).
        const [keys, values] = await Promise.all([
          asPromise(store.getAllKeys()),
          asPromise(store.getAll())
        ]);
        indexed.push({ store: `${name}/${storeName}`, text: text({ keys, values }) });
      }
      db.close();
    }
    const cached = [];
    if (globalThis.caches) {
      for (const cacheName of await caches.keys()) {
        const cache = await caches.open(cacheName);
        for (const request of await cache.keys()) {
          const response = await cache.match(request);
          cached.push({ url: request.url, text: response ? await response.text() : '' });
        }
      }
    }
    return {
      dom: document.documentElement.outerHTML,
      localStorage: { ...localStorage },
      sessionStorage: { ...sessionStorage },
      indexedDB: indexed,
      caches: cached
    };
  });
  return { ...kept, cookies: await page.context().cookies() };
}

/**
 * Every token string (access, refresh, id) in a GLOBUS_DATA value, and its `globus_user`,
 * decoded by the server extension's restricted decoder in the project venv.
 *
 * @param {string} globusData
 * @returns {{ secrets: string[], user: Record<string, string> }}
 */
export function globusDataSecrets(globusData) {
  const script = `
import json, sys
from jupyterlab_globus_kit.globus_data import decode
found = []
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("access_token", "refresh_token", "id_token") and isinstance(x, str) and x:
                found.append(x)
            walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
data = decode(sys.stdin.read())
walk(data)
print(json.dumps({"secrets": sorted(set(found)), "user": data.get("globus_user") or {}}))
`;
  const python = existsSync(join(root, '.venv/bin/python'))
    ? join(root, '.venv/bin/python')
    : 'python3';
  return JSON.parse(
    execFileSync(python, ['-c', script], {
      input: globusData,
      env: { ...process.env, PYTHONPATH: root },
      encoding: 'utf8'
    })
  );
}

/** The Globus sidebar of a lab page. */
export function globusSidebar(page) {
  return page.locator('#jp-GlobusKit-sidebar');
}

/** Show the Globus sidebar (clicking its tab when it is open would close it). */
export async function showGlobusSidebar(page) {
  const sidebar = globusSidebar(page);
  if (!(await sidebar.isVisible())) await page.getByRole('tab', { name: 'Globus' }).click();
  await sidebar.waitFor({ state: 'visible' });
}

/** Open the identity section's token Details (the cards), unless they are open. */
export async function showTokenDetails(page) {
  const details = globusSidebar(page).getByRole('button', { name: 'Details', exact: true });
  await details.waitFor();
  if ((await details.getAttribute('aria-expanded')) !== 'true') await details.click();
  await globusSidebar(page).getByRole('list', { name: 'Globus tokens' }).waitFor();
}

/** Expand one accordion section of the sidebar (by title) and collapse the others. */
export async function openSidebarSection(page, title) {
  await showGlobusSidebar(page);
  const headers = globusSidebar(page).locator('.jp-AccordionPanel-title');
  for (let i = 0; i < (await headers.count()); i++) {
    const header = headers.nth(i);
    const mine = ((await header.textContent()) ?? '').includes(title);
    const expanded = (await header.getAttribute('aria-expanded')) === 'true';
    if (mine !== expanded) await header.click();
  }
}

/** The file manager widget id of each listing {@link openWeatherFolder} returned. */
const managerIds = new WeakMap();

/**
 * Open a new Globus file manager with the sidebar's **Open file manager** button, pick the
 * emulator's public tutorial collection in its first pane and open
 * `portal/catalog/dataset_las` (the weather CSVs), one double-click per folder.
 *
 * @returns the first pane's `Files` listbox (its rows are `option`s)
 */
export async function openWeatherFolder(page) {
  await showGlobusSidebar(page);
  const ids = () =>
    page.locator('.jp-GlobusKit-FileManager').evaluateAll(nodes => nodes.map(n => n.id));
  const before = await ids();
  await globusSidebar(page).getByRole('button', { name: 'Open file manager' }).click();
  await page.waitForFunction(
    known =>
      [...document.querySelectorAll('.jp-GlobusKit-FileManager')].some(n => !known.includes(n.id)),
    before,
    { timeout: 30_000 }
  );
  const id = (await ids()).find(i => !before.includes(i));
  const pane = page.locator(`[id="${id}"]`).getByRole('region', { name: 'Pane 1' });
  const picker = pane.getByRole('group', { name: 'Collection picker' });
  await picker.getByRole('searchbox', { name: 'Search collections' }).fill('Tutorials Public');
  await picker.getByRole('combobox', { name: 'Collection scope' }).selectOption('all');
  await picker.getByRole('button', { name: 'Search', exact: true }).click();
  await picker
    .getByRole('list', { name: 'Collections' })
    .getByRole('button', { name: 'Globus Tutorials Public Data', exact: true })
    .click();
  await picker.waitFor({ state: 'detached' });
  const files = pane.getByRole('listbox', { name: 'Files' });
  for (const folder of ['portal', 'catalog', 'dataset_las']) {
    await files.getByRole('option').filter({ hasText: folder }).first().dblclick();
    await pane
      .getByRole('navigation', { name: 'Breadcrumbs' })
      .getByRole('button', { name: folder, exact: true })
      .waitFor();
  }
  managerIds.set(files, id);
  return files;
}

/**
 * The file manager pane that holds a `Files` listbox (its breadcrumbs, sort headers).
 *
 * @param {import('playwright-core').Locator} files - from {@link openWeatherFolder}
 */
export function paneOf(files) {
  return files.locator('xpath=ancestor::*[@role="region"][1]');
}

/**
 * Bring the file manager that holds `files` to the front (click its tab in the main area).
 *
 * @param {import('playwright-core').Page} page
 * @param {import('playwright-core').Locator} files - from {@link openWeatherFolder}
 */
export async function showFileManagerOf(page, files) {
  // Role locators skip hidden elements: the id was kept when the manager was opened.
  const id = managerIds.get(files);
  assert.ok(id, 'a listing from openWeatherFolder');
  await page.locator(`.lm-TabBar-tab[data-id="${id}"]`).click();
  await files.waitFor({ state: 'visible' });
}

/**
 * The set-up most browser tests share: a lab at 1366×768 (30 s default timeout) over the
 * emulator's services, opened in Chromium, its dialogs recorded, the launcher shown and,
 * with `command`, the extension's commands registered.
 *
 * @param {object} emu - from the emulator's `createEmulator()`
 * @param {object} options
 * @param {string} [options.rootPrefix] - a new lab root under test-output/ (see
 *   {@link makeOutputDir}); the test removes it in its `after`
 * @param {string} [options.rootDir] - or the folder the lab serves
 * @param {Record<string, string>} [options.env] - the server's environment; default
 *   {@link labEnvFrom} the emulator's
 * @param {Record<string, string>} [options.extraEnv] - added to `env`, e.g. GLOBUS_LOCAL_ENDPOINT
 * @param {boolean} [options.exposeApp] - `--LabApp.expose_app_in_browser=True`
 *   (`window.jupyterapp`)
 * @param {Record<string, unknown>} [options.settings] - the extension's user settings, saved
 *   before the page loads
 * @param {string} [options.command] - wait until `window.jupyterapp` has this command
 * @param {string[]} [options.dialogs] - where the page's browser dialogs are recorded
 * @returns {Promise<{ session: Awaited<ReturnType<typeof openLabInChromium>>,
 *   page: import('playwright-core').Page, labRoot: string }>}
 */
export async function openEmulatorLab(
  emu,
  { rootPrefix, rootDir, env, extraEnv, exposeApp = false, settings, command, dialogs = [] }
) {
  const labRoot = rootDir ?? makeOutputDir(rootPrefix);
  const session = await openLabInChromium({
    env: { ...(env ?? labEnvFrom(await emu.env())), ...extraEnv },
    rootDir: labRoot,
    labArgs: exposeApp ? ['--LabApp.expose_app_in_browser=True'] : [],
    contextOptions: { viewport: { width: 1366, height: 768 } },
    defaultTimeout: 30_000,
    beforeOpen: settings ? lab => putExtensionSettings(lab, settings) : undefined
  });
  const { page } = session;
  try {
    captureDialogs(page, dialogs);
    await page.locator('.jp-Launcher').waitFor({ timeout: 60_000 });
    if (command) {
      await page.waitForFunction(id => window.jupyterapp?.commands.hasCommand(id), command);
    }
  } catch (error) {
    await session.close();
    throw error;
  }
  return { session, page, labRoot };
}

/**
 * Open the command palette (the View menu, or its shortcut when a menu-bar click is lost;
 * bounded attempts) and type `text` into it. The caller clicks the item it wants.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} text
 */
export async function typeInCommandPalette(page, text) {
  const input = page.locator('.lm-CommandPalette-input:visible').first();
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt % 2 === 0) {
      await page.getByRole('menuitem', { name: 'View' }).click();
      await page.getByRole('menuitem', { name: /Command Palette/ }).click();
    } else {
      await page.keyboard.press('Control+Shift+C');
    }
    try {
      await input.waitFor({ timeout: 5000 });
      break;
    } catch {
      await page.keyboard.press('Escape');
    }
  }
  await input.fill(text);
}

/**
 * Locators and steps for the Globus file manager on screen (several may be open, the
 * others in hidden tabs), its transfer dialog and the Activity view.
 *
 * @param {() => import('playwright-core').Page} getPage - the page, once open
 */
export function fileManagerParts(getPage) {
  const manager = () => getPage().locator('.jp-GlobusKit-FileManager:visible').first();
  const pane = n => manager().getByRole('region', { name: `Pane ${n}` });
  const files = n => pane(n).getByRole('listbox', { name: 'Files' });
  const row = (n, name) => files(n).getByRole('option').filter({ hasText: name }).first();
  const crumb = (n, name) =>
    pane(n)
      .getByRole('navigation', { name: 'Breadcrumbs' })
      .getByRole('button', { name, exact: true });
  return {
    manager,
    pane,
    files,
    row,
    crumb,
    transferDialog: () => getPage().locator('.jp-Dialog').filter({ hasText: 'Options' }),
    activity: () => getPage().locator('.jp-GlobusKit-Activity:visible').first(),
    /** In pane `n`'s picker, open the collection `name` of the user's own endpoints. */
    async pickMine(n, name) {
      const picker = pane(n).getByRole('group', { name: 'Collection picker' });
      await picker.waitFor();
      await picker.getByRole('combobox', { name: 'Collection scope' }).selectOption('my-endpoints');
      await picker.getByRole('button', { name: 'Search', exact: true }).click();
      await picker
        .getByRole('list', { name: 'Collections' })
        .getByRole('button', { name, exact: true })
        .first()
        .click();
      await picker.waitFor({ state: 'detached' });
    },
    /** Open `folders` one inside the other in pane `n`. */
    async into(n, folders) {
      for (const folder of folders) {
        await row(n, folder).dblclick();
        await crumb(n, folder).waitFor();
      }
    }
  };
}

/**
 * A call to the extension's routes (`/globus-kit/<path>`) with the lab's token, as a
 * notebook cell or another tab makes it.
 *
 * @param {{ url: string, token: string }} lab - `session.lab`
 * @param {string} method
 * @param {string} path - e.g. `tasks/transfer`
 * @param {unknown} [body] - sent as JSON
 * @returns {Promise<{ status: number, text: string, body: any }>} `body` is the parsed
 *   answer (undefined when it is not JSON)
 */
export async function labRoute(lab, method, path, body) {
  const r = await fetch(`${lab.url.replace(/\/$/, '')}/globus-kit/${path}`, {
    method,
    headers: { Authorization: `token ${lab.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000)
  });
  const text = await r.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: r.status, text, body: parsed };
}
