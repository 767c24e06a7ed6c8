// Injection in the sidebar, in real Chromium: the emulator is seeded with a hostile identity
// (HTML, a script URL, U+202E, 5,000 characters), a collection with a hostile 5,000+
// character name, files with hostile names and a transfer with a hostile label. Each shows
// in the identity panel, collection search results, breadcrumbs, folder listing and the
// transfers list as text equal to the raw name; no dialog opens, no element is built from a
// name, every link is http(s), and no long name widens the sidebar. (extension-browser's
// single `<img …>.csv` file row is not repeated here.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  openLabInChromium,
  openSidebarSection,
  root,
  showGlobusSidebar
} from '../support/lab-browser.mjs';
import { emulatorModule, helpersModule } from '../reliability/support.mjs';
import {
  COLLECTION_NAME,
  FILE_NAMES,
  IDENTITY,
  IMG,
  RLO,
  seedHostileWorld
} from './injection-support.mjs';

const OUTPUT = join(root, 'test-output');
const LABEL = `${IMG}${RLO}transfer label javascript:alert(1)`;

describe('sidebar with hostile names in Chromium', { timeout: 300_000 }, () => {
  let emu;
  let hostile;
  let session;
  let page;
  let sidebar;
  let labRoot;
  const dialogs = [];

  before(async () => {
    const mod = await emulatorModule();
    const kh = await helpersModule();
    emu = await mod.createEmulator({ seed: 83 });
    hostile = await seedHostileWorld(emu.urls.admin, mod.seed.DEMO_IDENTITY_ID);
    const env = await emu.env();
    // A finished transfer with a hostile label, from the hostile collection.
    const g = await kh.connect({ env });
    const task = await g.transfer({
      from: hostile.id,
      to: mod.seed.GUEST_COLLECTION_ID,
      label: LABEL,
      items: [{ source: `/dir/${IMG}.csv`, destination: `/${IMG}.csv` }],
      pollMs: 50
    });
    assert.equal(task.status, 'SUCCEEDED');

    mkdirSync(OUTPUT, { recursive: true });
    labRoot = mkdtempSync(join(OUTPUT, 'lab-root-injection-'));
    const globusEnv = Object.fromEntries(
      Object.entries(env).filter(([k]) => k.startsWith('GLOBUS_SDK_') || k === 'GLOBUS_DATA')
    );
    session = await openLabInChromium({ env: globusEnv, rootDir: labRoot });
    page = session.page;
    page.on('dialog', dialog => {
      dialogs.push(dialog.message());
      void dialog.dismiss().catch(() => undefined);
    });
    // Load again with the dialog listener in place, so nothing from start-up is missed.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('#jp-main-dock-panel').waitFor({ timeout: 60_000 });
    sidebar = page.locator('#jp-GlobusKit-sidebar');
    await page.getByRole('tab', { name: 'Globus' }).waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await page?.screenshot({ path: join(OUTPUT, 'injection-browser.png') }).catch(() => undefined);
    await session?.close();
    await emu?.close();
    if (labRoot) rmSync(labRoot, { recursive: true, force: true });
  });

  const openSection = title => openSidebarSection(page, title);

  /**
   * A bidi control in a name is inside its own isolating span that shows its code point,
   * and no name element is taller than a few lines.
   */
  async function assertBidiAndHeight(locator, what) {
    const facts = await locator.evaluate(node => {
      const marks = [...node.querySelectorAll('.jp-GlobusKit-bidi')].map(m => ({
        text: m.textContent,
        bidi: getComputedStyle(m).unicodeBidi,
        shown: getComputedStyle(m, '::before').content
      }));
      return { marks, height: node.getBoundingClientRect().height };
    });
    assert.ok(facts.marks.length > 0, `${what}: the RLO has its own span`);
    for (const m of facts.marks) {
      assert.equal(m.text, '\u202E');
      assert.equal(m.bidi, 'isolate', `${what}: the mark is isolated`);
      assert.match(m.shown, /U\+202E/, `${what}: the mark is shown`);
    }
    assert.ok(facts.height < 100, `${what}: ${facts.height}px tall`);
  }

  /**
   * Nothing was built from a name, no handler ran, links are http(s), no overflow, in the
   * sidebar (or in the element `root` selects: the file manager).
   */
  async function assertInert(what, root = '#jp-GlobusKit-sidebar') {
    await page.waitForTimeout(300); // an onerror/onload handler would have run by now
    const found = await page.evaluate(selector => {
      const side = document.querySelector(selector);
      const handlers = [...side.querySelectorAll('*')].filter(e =>
        [...e.attributes].some(a => a.name.startsWith('on'))
      );
      return {
        img: document.querySelectorAll('img[src="x"]').length,
        svgOnload: document.querySelectorAll('svg[onload]').length,
        scripts: [...side.querySelectorAll('script, iframe, object, embed')].length,
        handlers: handlers.map(e => e.tagName),
        hrefs: [...side.querySelectorAll('[href]')].map(e => e.getAttribute('href')),
        srcs: [...side.querySelectorAll('[src]')].map(e => e.getAttribute('src')),
        overflow: side.scrollWidth - side.clientWidth
      };
    }, root);
    assert.equal(found.img, 0, `${what}: an <img src=x> was created`);
    assert.equal(found.svgOnload, 0, `${what}: an <svg onload> was created`);
    assert.equal(found.scripts, 0, `${what}: script-capable elements in the sidebar`);
    assert.deepEqual(found.handlers, [], `${what}: elements with on* attributes`);
    for (const href of found.hrefs) assert.match(href, /^https?:\/\//, `${what}: href ${href}`);
    assert.deepEqual(found.srcs, [], `${what}: src attributes`);
    assert.ok(found.overflow <= 1, `${what}: the sidebar scrolls sideways by ${found.overflow}px`);
    assert.deepEqual(dialogs, [], `${what}: a dialog opened`);
  }

  it('should show the hostile identity name as text', async () => {
    await openSection('Identity and tokens');
    const name = sidebar.locator('.jp-GlobusKit-identity-name');
    await name.waitFor();
    assert.equal(await name.textContent(), IDENTITY.name);
    await assertBidiAndHeight(name, 'identity name');
    await assertInert('identity');
  });

  // Issue #16: collections are browsed in the main-area file manager, opened from the sidebar.
  const MANAGER = '.jp-GlobusKit-FileManager:not(.lm-mod-hidden)';
  const managerPane = () => page.locator(MANAGER).getByRole('region', { name: 'Pane 1' });

  it('should show the hostile collection in search results and breadcrumbs as text', async () => {
    await showGlobusSidebar(page);
    await sidebar.getByRole('button', { name: 'Open file manager' }).click();
    const picker = managerPane().getByRole('group', { name: 'Collection picker' });
    await picker.getByRole('searchbox', { name: 'Search collections' }).fill('hostile');
    await picker.getByRole('combobox', { name: 'Collection scope' }).selectOption('all');
    await picker.getByRole('button', { name: 'Search', exact: true }).click();
    const results = picker.getByRole('list', { name: 'Collections' });
    const open = results.locator(
      `li[data-collection-id="${hostile.id}"] .jp-GlobusKit-collection-open`
    );
    await open.waitFor();
    assert.equal(await open.textContent(), COLLECTION_NAME);
    await assertBidiAndHeight(open, 'search result');
    await assertInert('search results', MANAGER);
    await open.click();
    const crumbs = managerPane().getByRole('navigation', { name: 'Breadcrumbs' });
    await crumbs.locator('.jp-GlobusKit-breadcrumb').first().waitFor();
    const crumbTexts = await crumbs.locator('.jp-GlobusKit-breadcrumb').allTextContents();
    assert.ok(
      crumbTexts.includes(COLLECTION_NAME),
      `breadcrumbs: ${crumbTexts.map(c => c.slice(0, 30))}`
    );
    await assertInert('breadcrumbs', MANAGER);
  });

  it('should list hostile file names as text equal to the raw names', async () => {
    const files = managerPane().getByRole('listbox', { name: 'Files' });
    await files.getByRole('option').filter({ hasText: 'dir' }).first().dblclick();
    const shown = FILE_NAMES.filter(n => !n.startsWith('.'));
    await files
      .locator('.jp-GlobusKit-fileRow-name', { hasText: 'javascript:alert(1).csv' })
      .waitFor();
    const names = await files.locator('.jp-GlobusKit-fileRow-name').allTextContents();
    for (const n of shown) assert.ok(names.includes(n), `row for ${n}: ${names}`);
    const rlo = files.locator('.jp-GlobusKit-fileRow-name', { hasText: 'vsc.exe' });
    await assertBidiAndHeight(rlo, 'file row');
    await assertInert('folder listing', MANAGER);
  });

  it('should show the hostile transfer label and collection name as text', async () => {
    await openSection('Transfers');
    const label = sidebar.locator('.jp-GlobusKit-task-label', { hasText: 'transfer label' });
    await label.first().waitFor({ timeout: 60_000 });
    assert.equal(await label.first().textContent(), LABEL);
    await assertBidiAndHeight(label.first(), 'transfer label');
    const route = sidebar.locator('.jp-GlobusKit-task-route').first();
    assert.ok(((await route.textContent()) ?? '').startsWith(COLLECTION_NAME));
    await assertBidiAndHeight(route, 'transfer route');
    await assertInert('transfers');
  });
});
