// The Globus file manager (issue #16) in real Chromium against a real JupyterLab from .venv
// (the installed wheel) and the emulator, at 1366×768. One lab start serves the tests; they
// run in order and share the page.
//
// Covers: opening it from the palette (and its launcher card and sidebar button); two panes
// browsed side by side; multi-select with ctrl, shift and the keyboard (a listbox of options
// with aria-selected); a folder made, renamed, bookmarked (the bookmark listed, renamed and
// used in the collection picker, then removed), and deleted with a Transfer delete task to
// SUCCEEDED after a confirmation naming it; the panes restored after a reload; hostile names
// (HTML, U+202E, a 5,000-character collection name) shown as inert text that does not widen
// the pane; light and dark screenshots; no token in the DOM, storage or any response.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { emulatorModule } from './reliability/support.mjs';
import { FILE_NAMES, LONG, seedHostileWorld } from './security/injection-support.mjs';
import {
  fileManagerParts,
  globusDataSecrets,
  labEnvFrom,
  openEmulatorLab,
  root,
  screenshotAfterEach,
  TEST_OUTPUT as OUTPUT,
  typeInCommandPalette
} from './support/lab-browser.mjs';

const SCREENSHOTS = join(root, 'docs/screenshots');
const GUEST = 'Tutorial Guest Collection';
const PUBLIC = 'Globus Tutorials Public Data';

describe('the Globus file manager in JupyterLab', { timeout: 420_000 }, () => {
  let emu;
  let hostile;
  let session;
  let page;
  let labRoot;
  let secrets = [];
  const dialogs = [];

  before(async () => {
    const mod = await emulatorModule();
    emu = await mod.createEmulator({ seed: 16 });
    hostile = await seedHostileWorld(emu.urls.admin, mod.seed.DEMO_IDENTITY_ID);
    const env = labEnvFrom(await emu.env());
    ({ secrets } = globusDataSecrets(env.GLOBUS_DATA));
    assert.ok(secrets.length >= 2, 'the emulator GLOBUS_DATA should hold tokens');
    ({ session, page, labRoot } = await openEmulatorLab(emu, {
      env,
      rootPrefix: 'lab-root-file-manager-',
      dialogs
    }));
  });

  after(async () => {
    await session?.close();
    await emu?.close();
    if (labRoot) rmSync(labRoot, { recursive: true, force: true });
  });

  afterEach(screenshotAfterEach('file-manager-browser', () => page));

  // The manager on screen (several may be open, the others in hidden tabs).
  const { manager, pane, files, row, crumb, into } = fileManagerParts(() => page);
  const rowNames = n => files(n).locator('.jp-GlobusKit-fileRow-name').allTextContents();
  const selectedNames = n =>
    files(n)
      .locator('[role="option"][aria-selected="true"] .jp-GlobusKit-fileRow-name')
      .allTextContents();
  const tool = name => manager().getByRole('button', { name, exact: true });
  /** Open the palette (View menu) and type into it. */
  const palette = text => typeInCommandPalette(page, text);

  /** Answer a JupyterLab text dialog. */
  async function answerDialog(value) {
    const dialog = page.locator('.jp-Dialog');
    const input = dialog.locator('input');
    await input.waitFor();
    await input.fill(value);
    await dialog.getByRole('button', { name: 'Ok' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  /** In pane `n`'s picker, search `text` in `scope` and open the collection named `name`. */
  async function pick(n, { text = '', scope, name }) {
    const picker = pane(n).getByRole('group', { name: 'Collection picker' });
    await picker.waitFor();
    await picker.getByRole('searchbox', { name: 'Search collections' }).fill(text);
    await picker.getByRole('combobox', { name: 'Collection scope' }).selectOption(scope);
    await picker.getByRole('button', { name: 'Search', exact: true }).click();
    await picker
      .getByRole('list', { name: 'Collections' })
      .getByRole('button', { name, exact: true })
      .click();
    await picker.waitFor({ state: 'detached' });
  }

  it('should be offered in the palette, the launcher and the sidebar, and open from the palette', async () => {
    await page.locator('.jp-LauncherCard', { hasText: 'Globus File Manager' }).first().waitFor();
    await page.getByRole('tab', { name: 'Globus' }).click();
    await page
      .locator('#jp-GlobusKit-sidebar')
      .getByRole('button', { name: 'Open file manager' })
      .waitFor();
    await palette('Globus File Manager');
    await page
      .locator('.lm-CommandPalette-item:visible', { hasText: 'Globus File Manager' })
      .filter({ hasNotText: '(two panes)' })
      .first()
      .click();
    await manager().waitFor();
    await pane(1).getByRole('group', { name: 'Collection picker' }).waitFor();
    assert.equal(await pane(2).isVisible(), false, 'one pane to start with');
    // Every toolbar button has an accessible name.
    for (const name of ['Two panes', 'Hidden files', 'New folder', 'Delete', 'Bookmark']) {
      await tool(name).waitFor();
    }
  });

  it('should browse two collections side by side', async () => {
    await pick(1, { text: 'Tutorials Public', scope: 'all', name: PUBLIC });
    await into(1, ['portal', 'catalog', 'dataset_las']);
    await row(1, '1948.csv').waitFor();
    await tool('Two panes').click();
    assert.equal(await tool('Two panes').getAttribute('aria-pressed'), 'true');
    await pick(2, { scope: 'my-endpoints', name: GUEST });
    await row(2, 'README.txt').waitFor();
    // Size and date columns are readable: the date shows day and time, the size its unit.
    const first = row(1, '1948.csv');
    assert.match(
      (await first.locator('.jp-GlobusKit-fileRow-date').textContent()) ?? '',
      /^\d{4}-\d\d-\d\d \d\d:\d\d$/
    );
    assert.match((await first.locator('.jp-GlobusKit-fileRow-size').textContent()) ?? '', /kB$/);
    const clipped = await files(1)
      .locator('.jp-GlobusKit-fileRow-date, .jp-GlobusKit-fileRow-size')
      .evaluateAll(cells => cells.filter(c => c.scrollWidth > c.clientWidth + 1).length);
    assert.equal(clipped, 0, 'no size or date cell is cut off');

    // A narrow window (the sidebar open beside two panes of about 220 px): sizes and
    // dates stay whole, the date drops its time of day, the name keeps some room.
    await page.setViewportSize({ width: 760, height: 768 });
    const time = files(1).locator('.jp-GlobusKit-fileRow-time').first();
    await time.waitFor({ state: 'hidden' });
    await page.screenshot({ path: join(OUTPUT, 'file-manager-narrow.png') });
    const narrow = await files(1)
      .locator('.jp-GlobusKit-fileRow')
      .first()
      .evaluate(row => {
        const cell = c => row.querySelector(`.jp-GlobusKit-fileRow-${c}`);
        const cut = c => cell(c).scrollWidth > cell(c).clientWidth + 1;
        return {
          date: cell('date').innerText,
          cut: ['size', 'date'].filter(cut),
          name: cell('name').getBoundingClientRect().width
        };
      });
    assert.match(narrow.date, /^\d{4}-\d\d-\d\d$/);
    assert.deepEqual(narrow.cut, []);
    assert.ok(narrow.name >= 60, `the name column is ${narrow.name}px wide`);
    await page.setViewportSize({ width: 1366, height: 768 });
    await time.waitFor({ state: 'visible' });
  });

  it('should select with ctrl, shift and the keyboard', async () => {
    const names = await rowNames(1);
    await row(1, names[0]).click();
    await row(1, names[2]).click({ modifiers: ['Shift'] });
    assert.deepEqual(await selectedNames(1), names.slice(0, 3));
    await row(1, names[1]).click({ modifiers: ['Control'] });
    assert.deepEqual(await selectedNames(1), [names[0], names[2]]);
    await row(1, names[4]).click();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Shift+ArrowDown');
    assert.deepEqual(await selectedNames(1), names.slice(5, 7));
    await page.keyboard.press('Shift+ArrowUp');
    await page.keyboard.press('Shift+ArrowUp');
    assert.deepEqual(await selectedNames(1), names.slice(4, 6));
    assert.match(
      (await pane(1).locator('.jp-GlobusKit-FilePane-footer').textContent()) ?? '',
      /2 selected/
    );
    // The context menu has the manager's operations and the insert-cell item, disabled
    // and naming why (no notebook is open), and a right-click inside the selection keeps it.
    await row(1, names[5]).click({ button: 'right' });
    const menu = page.locator('.lm-Menu:visible').last();
    for (const item of ['Rename', 'Delete', 'Copy path', 'Copy HTTPS link', 'Open in Globus']) {
      await menu.getByRole('menuitem', { name: item, exact: true }).waitFor();
    }
    const insertItem = menu.getByRole('menuitem', {
      name: /^Insert cell to (fetch this file|list) \(no notebook open\)$/
    });
    assert.equal(await insertItem.count(), 1);
    assert.equal(await insertItem.getAttribute('aria-disabled'), 'true');
    assert.deepEqual(await selectedNames(1), names.slice(4, 6));
    // Open in Globus: the web app's file manager at this folder, in a new tab.
    await session.context.route('https://app.globus.org/**', route =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: 'web app' })
    );
    const popup = session.context.waitForEvent('page');
    await menu.getByRole('menuitem', { name: 'Open in Globus', exact: true }).click();
    const opened = await popup;
    await opened.waitForLoadState('domcontentloaded').catch(() => undefined);
    const url = new URL(opened.url());
    assert.equal(url.origin + url.pathname, 'https://app.globus.org/file-manager');
    assert.equal(url.searchParams.get('origin_path'), '/portal/catalog/dataset_las/');
    assert.match(url.searchParams.get('origin_id') ?? '', /^[0-9a-f-]{36}$/);
    await opened.close();
    await files(1).focus();
    // Backspace goes up, Enter opens the focused folder.
    await page.keyboard.press('Backspace');
    await row(1, 'dataset_las').waitFor();
    await row(1, 'dataset_las').click();
    await page.keyboard.press('Enter');
    await row(1, '1948.csv').waitFor();
  });

  it('should make a folder, rename it, bookmark it and delete it with a task', async () => {
    await files(2).click({ position: { x: 5, y: 200 } }); // the second pane is active
    await tool('New folder').click();
    await answerDialog('fm-made');
    await row(2, 'fm-made').waitFor();
    await row(2, 'fm-made').click();
    await page.keyboard.press('F2');
    await answerDialog('fm-renamed');
    await row(2, 'fm-renamed').waitFor();
    assert.equal(await row(2, 'fm-made').count(), 0);

    // Bookmark it from inside, then find, rename and use the bookmark in the picker.
    await into(2, ['fm-renamed']);
    await tool('Bookmark').click();
    await answerDialog('FM mark');
    await pane(2).getByRole('button', { name: 'Change collection' }).click();
    const marks = pane(2).getByRole('list', { name: 'Bookmarks' });
    await marks.getByRole('button', { name: 'FM mark', exact: true }).waitFor();
    await marks.getByRole('button', { name: 'Rename bookmark FM mark' }).click();
    await answerDialog('FM mark 2');
    await marks.getByRole('button', { name: 'FM mark 2', exact: true }).click();
    await crumb(2, 'fm-renamed').waitFor();
    await pane(2).getByRole('button', { name: 'Change collection' }).click();
    await marks.getByRole('button', { name: 'Remove bookmark FM mark 2' }).click();
    await marks.getByText('No bookmarks yet.').waitFor();
    await pane(2).getByRole('button', { name: 'Back to the folder' }).click();

    // Delete: the confirmation names what goes; the task runs to SUCCEEDED.
    await files(2).focus();
    await page.keyboard.press('Backspace');
    await row(2, 'fm-renamed').click();
    await page.keyboard.press('Delete');
    const dialog = page.locator('.jp-Dialog');
    await dialog.getByText('/fm-renamed/').waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await pane(2)
      .locator('.jp-GlobusKit-FilePane-footer', { hasText: 'deleted 1 item' })
      .waitFor({ timeout: 30_000 });
    await row(2, 'fm-renamed').waitFor({ state: 'detached' });
    assert.ok((await rowNames(2)).includes('README.txt'));
  });

  it('should restore every manager and its panes after a reload', async () => {
    // A second manager, from the sidebar's button, on another collection.
    const sidebar = page.locator('#jp-GlobusKit-sidebar');
    const globusTab = page.getByRole('tab', { name: 'Globus', exact: true });
    if (!(await sidebar.isVisible())) await globusTab.click();
    await sidebar.getByRole('button', { name: 'Open file manager' }).click();
    await globusTab.click(); // fold it again
    await sidebar.waitFor({ state: 'hidden' });
    assert.equal(await page.locator('.jp-GlobusKit-FileManager').count(), 2);
    await pick(1, { scope: 'my-endpoints', name: "Demo User's Laptop" });
    // JupyterLab writes the workspace (where the restorer keeps each manager's panes)
    // 750 ms after its last change: wait for that write before reloading.
    const saved = page.waitForResponse(
      r => r.url().includes('/lab/api/workspaces') && r.request().method() === 'PUT'
    );
    await into(1, ['Documents']);
    await row(1, 'notes.txt').waitFor();
    await saved;

    await page.reload({ waitUntil: 'domcontentloaded' });
    await page
      .locator('.jp-GlobusKit-FileManager')
      .nth(1)
      .waitFor({ state: 'attached', timeout: 60_000 });
    // The second manager was current: it is shown, one pane, in its folder.
    await page.getByRole('tab', { name: "Globus: Demo User's Laptop" }).click();
    await crumb(1, 'Documents').waitFor({ timeout: 30_000 });
    await row(1, 'notes.txt').waitFor();
    assert.equal(await tool('Two panes').getAttribute('aria-pressed'), 'false');
    // The first one, behind its own tab (named after its active pane's collection).
    await page.getByRole('tab', { name: `Globus: ${GUEST}` }).click();
    await manager().waitFor({ timeout: 60_000 });
    await crumb(1, 'dataset_las').waitFor({ timeout: 30_000 });
    await row(1, '1948.csv').waitFor();
    await pane(2).locator('.jp-GlobusKit-collection-name', { hasText: GUEST }).waitFor();
    await row(2, 'README.txt').waitFor();
    assert.equal(await tool('Two panes').getAttribute('aria-pressed'), 'true');
  });

  it('should save screenshots in the light and dark themes', async () => {
    const updateDocs = process.env.UPDATE_SCREENSHOTS === '1';
    if (updateDocs) mkdirSync(SCREENSHOTS, { recursive: true });
    // The manager alone in the main area: the left sidebar collapsed.
    const sidebar = page.locator('#jp-GlobusKit-sidebar');
    if (await sidebar.isVisible()) {
      await page.getByRole('tab', { name: 'Globus', exact: true }).click();
    }
    await sidebar.waitFor({ state: 'hidden' });
    await row(1, '1950.csv').click();
    await row(1, '1952.csv').click({ modifiers: ['Shift'] });
    const shot = async theme => {
      const file = join(OUTPUT, `file-manager-${theme}.png`);
      await page.screenshot({ path: file });
      assert.ok(statSync(file).size > 10_000, `${file} holds a real screenshot`);
      if (updateDocs) copyFileSync(file, join(SCREENSHOTS, `file-manager-${theme}.png`));
    };
    await shot('light');
    await palette('Use Theme: JupyterLab Dark');
    // Click the item (as extension-browser does): waiting for it to become the active
    // one timed out on a loaded host while the palette was still filtering.
    await page
      .locator('.lm-CommandPalette-item:visible', { hasText: 'JupyterLab Dark' })
      .first()
      .click({ timeout: 60_000 });
    await page.locator('body[data-jp-theme-light="false"]').waitFor({ state: 'attached' });
    await page.waitForTimeout(500);
    const colors = await pane(1).evaluate(node => {
      const s = getComputedStyle(node.closest('.jp-GlobusKit-FileManager-panes'));
      return { color: s.color, background: s.backgroundColor };
    });
    const lum = c => {
      const [r, g, b] = c.match(/\d+/g).map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    assert.ok(lum(colors.color) > lum(colors.background) + 80, JSON.stringify(colors));
    // Selected rows stay readable in the dark theme (they were light text on light blue).
    const selected = await files(1)
      .locator('[aria-selected="true"] .jp-GlobusKit-fileRow-name')
      .first()
      .evaluate(node => {
        const rowStyle = getComputedStyle(node.closest('.jp-GlobusKit-fileRow'));
        return { color: getComputedStyle(node).color, background: rowStyle.backgroundColor };
      });
    assert.ok(
      Math.abs(lum(selected.color) - lum(selected.background)) > 80,
      `selected row contrast: ${JSON.stringify(selected)}`
    );
    await shot('dark');
  });

  it('should show hostile names as inert text that does not widen the pane', async () => {
    await pane(1).click({ position: { x: 5, y: 5 } });
    await pane(1).getByRole('button', { name: 'Change collection' }).click();
    const picker = pane(1).getByRole('group', { name: 'Collection picker' });
    await picker.getByRole('searchbox', { name: 'Search collections' }).fill('hostile');
    await picker.getByRole('combobox', { name: 'Collection scope' }).selectOption('all');
    await picker.getByRole('button', { name: 'Search', exact: true }).click();
    const item = picker.locator(`li[data-collection-id="${hostile.id}"] button`);
    await item.waitFor();
    assert.ok(((await item.textContent()) ?? '').includes(LONG));
    await item.click();
    await into(1, ['dir']);
    // A name starting with a dot is hidden until the "Hidden files" toggle is pressed.
    const dotted = FILE_NAMES.filter(n => n.startsWith('.'));
    assert.ok(dotted.length >= 1);
    await row(1, FILE_NAMES[0]).waitFor();
    for (const name of dotted) assert.ok(!(await rowNames(1)).includes(name));
    await tool('Hidden files').click();
    assert.equal(await tool('Hidden files').getAttribute('aria-pressed'), 'true');
    await row(1, dotted[0]).waitFor();
    const shown = await rowNames(1);
    for (const name of FILE_NAMES) {
      assert.ok(shown.includes(name), `${JSON.stringify(name.slice(0, 40))} is shown as sent`);
    }
    // U+202E sits in its own isolating span that shows its code point.
    const rlo = files(1).locator('.jp-GlobusKit-bidi[data-codepoint="U+202E"]');
    assert.ok((await rlo.count()) >= 1);
    assert.equal(await manager().locator('img, svg[onload], script').count(), 0);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    // The 5,000-character collection name wraps or clips inside the pane.
    const widths = await pane(1).evaluate(node => ({
      pane: node.getBoundingClientRect().width,
      scroll: node.scrollWidth,
      client: node.clientWidth
    }));
    assert.ok(widths.pane < 1366 / 2 + 2, `pane 1 is ${widths.pane}px wide`);
    assert.ok(widths.scroll <= widths.client + 1, JSON.stringify(widths));
    const nameBox = await pane(1).locator('.jp-GlobusKit-collection-name').boundingBox();
    assert.ok(nameBox.height < 200, `the collection name takes ${nameBox.height}px`);
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, []);
  });

  it('should keep every token out of the DOM, storage and every response', async () => {
    const dom = await page.content();
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })
    );
    const bodies = await session.responses.bodies();
    for (const route of ['/globus-kit/bookmarks', '/globus-kit/collections']) {
      assert.ok(
        bodies.some(b => b.url.includes(route)),
        `the page received ${route}`
      );
    }
    for (const secret of secrets) {
      const tag = `${secret.slice(0, 4)}… (${secret.length} chars)`;
      assert.ok(!dom.includes(secret), `the DOM holds token ${tag}`);
      assert.ok(!storage.includes(secret), `browser storage holds token ${tag}`);
      const leaked = bodies.find(b => b.text.includes(secret));
      assert.equal(leaked, undefined, `a response (${leaked?.url.split('?')[0]}) holds ${tag}`);
    }
  });
});
