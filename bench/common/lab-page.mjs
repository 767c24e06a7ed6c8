// What the browser benchmarks do to the JupyterLab pages they measure, all in the browser
// (nothing changes on the server): expose the app object (`exposeAppInBrowser` in the
// page's config, rewritten as the page is served), optionally turn off JupyterLab's
// start-up build check, and keep the saved workspace as it is.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labEnvFrom, openLabInChromium } from '../../test/support/lab-browser.mjs';

/**
 * Rewrite every lab page a browser context loads so `window.jupyterapp` is set.
 *
 * @param {import('playwright-core').BrowserContext} context
 * @returns {Promise<{ setBuildCheck(on: boolean): void }>} turns JupyterLab's build check
 *   (a request at start-up that keeps the server busy) off or back on for later loads
 */
export async function exposeLabApp(context) {
  let buildCheck = true;
  await context.route(/\/lab(\?|$|\/tree)/, async route => {
    const response = await route.fetch();
    let body = (await response.text()).replace(
      /"exposeAppInBrowser":\s*(false|"false")/,
      '"exposeAppInBrowser": true'
    );
    if (!buildCheck) {
      const re = /"buildCheck":\s*(true|"true")/;
      if (!re.test(body)) throw new Error('the page config has no buildCheck to turn off');
      body = body.replace(re, '"buildCheck": false');
    }
    await route.fulfill({ response, body });
  });
  return {
    setBuildCheck(on) {
      buildCheck = on;
    }
  };
}

/**
 * From now on, JupyterLab's workspace saves are answered without saving (204, as the
 * server answers), so what a measured page does is not restored by the next one.
 *
 * @param {import('playwright-core').BrowserContext} context
 */
export async function freezeWorkspace(context) {
  await context.route(
    url => url.pathname.includes('/lab/api/workspaces'),
    async route => {
      if (route.request().method() === 'PUT') await route.fulfill({ status: 204, body: '' });
      else await route.fallback();
    }
  );
}

/**
 * Runs in every page before its scripts: `window.__benchWaitFor(test, root, timeoutMs)`
 * resolves with `performance.now()` when `test()` first holds (checked now and at every
 * DOM change under `root`, default the body), or with null after `timeoutMs` (30 s); and
 * `window.__bench.restored` is set to `performance.now()` when the app is restored.
 */
export function pageHelpers() {
  const waitForApp = () => {
    const app = window.jupyterapp;
    if (!app) {
      setTimeout(waitForApp, 2);
      return;
    }
    app.restored.then(() => {
      window.__bench = window.__bench ?? {};
      window.__bench.restored = performance.now();
    });
  };
  waitForApp();
  window.__benchWaitFor = (test, root = document.body, timeoutMs = 30_000) =>
    new Promise(resolve => {
      if (test()) {
        resolve(performance.now());
        return;
      }
      const observer = new MutationObserver(() => {
        if (test()) {
          observer.disconnect();
          clearTimeout(timer);
          resolve(performance.now());
        }
      });
      const timer = setTimeout(() => {
        observer.disconnect();
        resolve(null);
      }, timeoutMs);
      observer.observe(root, { subtree: true, childList: true, characterData: true });
    });
}

/**
 * A JupyterLab from the venv against an emulator, open in Chromium, whose later pages
 * run `pageHelpers` and `instrument` before their scripts and expose the app.
 *
 * @param {{ env: Record<string, string> }} emu - a bench emulator (`startBenchEmulator`)
 * @param {() => void} instrument - runs in every page before its scripts
 * @returns {Promise<{ session: Awaited<ReturnType<typeof openLabInChromium>>,
 *   setBuildCheck(on: boolean): void, close(): Promise<void> }>} the session's first page
 *   was loaded before the scripts were added: reload it or open a new one
 */
export async function openBenchLab(emu, instrument) {
  const rootDir = mkdtempSync(join(tmpdir(), 'globus-kit-bench-lab-'));
  let session;
  try {
    session = await openLabInChromium({
      env: labEnvFrom(emu.env),
      rootDir,
      contextOptions: { viewport: { width: 1366, height: 768 } }
    });
    await session.context.addInitScript(pageHelpers);
    await session.context.addInitScript(instrument);
    const { setBuildCheck } = await exposeLabApp(session.context);
    return {
      session,
      setBuildCheck,
      async close() {
        await session.close();
        rmSync(rootDir, { recursive: true, force: true });
      }
    };
  } catch (error) {
    await session?.close();
    rmSync(rootDir, { recursive: true, force: true });
    throw error;
  }
}
