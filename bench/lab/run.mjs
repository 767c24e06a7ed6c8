// bench/lab: a real JupyterLab from the venv (with the installed extension) against the
// emulator, in Debian's headless Chromium via playwright-core. Measures, per page load, the
// time from navigation to the app being restored (`app.restored`) and from then to the
// Globus sidebar showing the identity (target < 300 ms). The sidebar is activated the moment
// the app is restored. The app object is exposed by setting `exposeAppInBrowser` in the
// page's config as it is served (a response rewrite in the browser, nothing on the server).
// The sidebar has no collection browser any more: a 10,000-entry folder listed and scrolled
// to its end (from restore and by a double-click) is timed in the File Manager by
// `npm run bench -- file-manager` (bench/file-manager/run.mjs).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchEmulator } from '../common/emulator.mjs';
import { median } from '../common/measure.mjs';
import { requireBuilds, ROOT } from '../common/paths.mjs';
import { progress, runCount, verdict, writeReport } from '../common/report.mjs';
import { CHROMIUM_PATH, launchChromium } from '../../scripts/chromium.mjs';
import { freePort, startLab } from '../../scripts/lab-launcher.mjs';

/** Runs in the page before its scripts: timestamps for restored and identity shown. */
function instrument() {
  const marks = (window.__bench = {});
  const identityShown = () => {
    const el = document.querySelector('#jp-GlobusKit-sidebar .jp-GlobusKit-identity-name');
    if (el && el.textContent.trim() && el.getClientRects().length > 0) {
      marks.identity = performance.now();
      marks.name = el.textContent.trim();
      return true;
    }
    return false;
  };
  const waitForApp = () => {
    const app = window.jupyterapp;
    if (!app) {
      setTimeout(waitForApp, 2);
      return;
    }
    app.restored.then(() => {
      marks.restored = performance.now();
      app.shell.activateById('jp-GlobusKit-sidebar');
      if (!identityShown()) {
        const observer = new MutationObserver(() => {
          if (identityShown()) observer.disconnect();
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      }
    });
  };
  waitForApp();
}

requireBuilds();
const notMeasured = reason => ({
  tool: 'JupyterLab load → sidebar identity',
  notes: `not measured: ${reason}`
});
const rows = [];
const ratios = [];
let emu;
let lab;
let browser;
let labRoot;
try {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is not installed`);
  if (!existsSync(join(ROOT, '.venv/bin/jupyter')))
    throw new Error('.venv is missing: run `npm run setup`');
  emu = await startBenchEmulator();
  labRoot = mkdtempSync(join(tmpdir(), 'globus-kit-bench-lab-'));
  progress('starting JupyterLab');
  lab = await startLab({ port: await freePort(), env: emu.env, rootDir: labRoot });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(instrument);
  await context.route(/\/lab(\?|$|\/tree)/, async route => {
    const response = await route.fetch();
    const body = (await response.text()).replace(
      /"exposeAppInBrowser":\s*(false|"false")/,
      '"exposeAppInBrowser": true'
    );
    await route.fulfill({ response, body });
  });
  const measureLoads = async (loads, label) => {
    const samples = [];
    for (let i = 1; i <= loads; i++) {
      progress(`${label}: page load ${i}/${loads}`);
      const page = await context.newPage();
      try {
        page.setDefaultTimeout(60_000);
        await page.goto(lab.labUrl, { waitUntil: 'domcontentloaded' });
        await page.waitForFunction(() => window.__bench?.identity !== undefined, null, {
          timeout: 60_000
        });
        samples.push(await page.evaluate(() => ({ ...window.__bench })));
      } finally {
        await page.close();
      }
    }
    return samples;
  };
  const samples = await measureLoads(runCount(3) + 1, 'first load: cold cache');
  const version = browser.version();
  const [cold, ...warm] = samples;
  const after = s => (s.identity - s.restored) / 1000;
  const warmAfter = median(warm.map(after));
  rows.push(
    {
      tool: 'load → app restored (cold cache)',
      wallS: cold.restored / 1000,
      notes: `first page load in a fresh browser profile; Chromium ${version}`
    },
    {
      tool: 'load → app restored (warm cache)',
      wallS: median(warm.map(s => s.restored / 1000)),
      notes: `median of ${warm.length} reloads`
    },
    {
      tool: 'app restored → sidebar shows identity (cold)',
      wallS: after(cold),
      notes: `sidebar activated at restore; identity "${cold.name}"`
    },
    {
      tool: 'app restored → sidebar shows identity (warm)',
      wallS: warmAfter,
      notes: `median of ${warm.length} (${warm.map(s => after(s).toFixed(3)).join(', ')} s)`
    }
  );
  ratios.push(
    `sidebar identity after restore: ${(warmAfter * 1000).toFixed(0)} ms warm, ${(after(cold) * 1000).toFixed(0)} ms cold — target < 300 ms: ${verdict(Math.max(warmAfter, after(cold)) < 0.3)}`,
    'the 10,000-entry folder (listed and scrolled to its end) is measured in the File Manager: `npm run bench -- file-manager`'
  );
} catch (error) {
  rows.push(notMeasured(String(error.message ?? error).split('\n')[0]));
} finally {
  await browser?.close().catch(() => undefined);
  await lab?.stop();
  await emu?.close();
  if (labRoot) rmSync(labRoot, { recursive: true, force: true });
}
await writeReport({
  title: 'lab: JupyterLab with the extension, headless Chromium, against the emulator',
  rows,
  ratios
});
