// Transfers and activity (issue #17) in real Chromium against a real JupyterLab from .venv
// (the installed wheel) and the emulator, at 1366×768. One lab start serves the tests; they
// run in order and share the page.
//
// Covers: two files selected in a two-pane file manager and sent with Transfer → and
// options, watched to SUCCEEDED in the Activity view (its detail lists the files and the
// options Transfer reports back); the options remembered by the next dialog; a running task
// cancelled from its detail; a file made unreadable by the emulator failing its task with a
// highlighted PERMISSION_DENIED event; Resubmit making a second task with a new submission
// id; a task submitted outside the view (the route, as a cell's would) appearing by itself
// within the 5 s poll; light and dark screenshots; a task's detail opened from the sidebar.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { emulatorModule } from './reliability/support.mjs';
import {
  emulatorAdmin,
  fileManagerParts,
  globusSidebar,
  labRoute,
  openEmulatorLab,
  openSidebarSection,
  root,
  screenshotAfterEach,
  TEST_OUTPUT as OUTPUT,
  typeInCommandPalette
} from './support/lab-browser.mjs';

const SCREENSHOTS = join(root, 'docs/screenshots');
const GUEST = 'Tutorial Guest Collection';

describe('transfers and the Activity view in JupyterLab', { timeout: 420_000 }, () => {
  let emu;
  let mod;
  let session;
  let page;
  let labRoot;
  const dialogs = [];

  /** A POST to the emulator's admin origin. */
  const admin = (path, body) => emulatorAdmin(emu.urls.admin, path, body);

  before(async () => {
    mod = await emulatorModule();
    // 200 kB/s: the small files copy at once, the 3 MB one runs long enough to cancel.
    emu = await mod.createEmulator({ seed: 17, transferRate: 200_000 });
    const guest = mod.seed.GUEST_COLLECTION_ID;
    await admin(`/seed/collections/${guest}/files`, {
      files: {
        '/act/src/alpha.txt': 'alpha\n'.repeat(100),
        '/act/src/beta.txt': 'beta\n'.repeat(100),
        '/act/src/big.txt': 'x'.repeat(3_000_000),
        '/act/src/locked.txt': 'secret\n',
        '/act/dest/keep.txt': 'kept\n'
      }
    });
    await admin(`/seed/collections/${guest}/unreadable`, { paths: ['/act/src/locked.txt'] });
    ({ session, page, labRoot } = await openEmulatorLab(emu, {
      rootPrefix: 'lab-root-activity-',
      dialogs
    }));
  });

  after(async () => {
    await session?.close();
    await emu?.close();
    if (labRoot) rmSync(labRoot, { recursive: true, force: true });
  });

  afterEach(screenshotAfterEach('activity-browser', () => page));

  /** A screenshot into test-output/ (and docs/screenshots/ with UPDATE_SCREENSHOTS=1). */
  async function shot(name) {
    // Documentation screenshots without the notification toasts over the view.
    await page.addStyleTag({ content: '.Toastify { display: none !important; }' });
    await page.evaluate(() => {
      for (const node of document.querySelectorAll('.jp-GlobusKit-TransferDialog')) {
        node.scrollTop = 0;
      }
    });
    const file = join(OUTPUT, `${name}.png`);
    await page.screenshot({ path: file });
    assert.ok(statSync(file).size > 10_000, `${file} holds a real screenshot`);
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(SCREENSHOTS, { recursive: true });
      copyFileSync(file, join(SCREENSHOTS, `${name}.png`));
    }
  }

  const { manager, row, transferDialog, activity, pickMine, into } = fileManagerParts(() => page);
  const taskRows = () => activity().getByRole('table', { name: 'Tasks' }).locator('tbody tr');
  const taskRow = label => taskRows().filter({ hasText: label }).first();
  const detail = () => activity().getByRole('region', { name: 'Task detail' });
  const palette = text => typeInCommandPalette(page, text);

  /** Select `names` in pane 1 and open the dialog with the toolbar's Transfer →. */
  async function transferFromPane(names) {
    await manager().getByRole('button', { name: 'Transfer →', exact: true }).first().waitFor();
    await row(1, names[0]).click();
    for (const name of names.slice(1)) {
      await row(1, name).click({ modifiers: ['Control'] });
    }
    await manager().getByRole('button', { name: 'Transfer →', exact: true }).first().click();
    await transferDialog().waitFor();
  }

  /** Wait (bounded) until the task row `label` shows `status`, refreshed by the poll. */
  async function waitForStatus(label, status, timeout = 40_000) {
    await taskRow(label)
      .and(page.locator(`[data-status="${status}"]`))
      .waitFor({ timeout });
  }

  it('should transfer two selected files with options and watch them to SUCCEEDED', async () => {
    await palette('Globus File Manager (two panes)');
    await page
      .locator('.lm-CommandPalette-item:visible', { hasText: 'Globus File Manager (two panes)' })
      .first()
      .click();
    await manager().waitFor();
    await pickMine(1, GUEST);
    await into(1, ['act', 'src']);
    await pickMine(2, GUEST);
    await into(2, ['act', 'dest']);
    await transferFromPane(['alpha.txt', 'beta.txt']);
    const dialog = transferDialog();
    const items = dialog.getByRole('list', { name: 'Items to transfer' });
    assert.deepEqual(await items.locator('li').allTextContents(), [
      '/act/src/alpha.txt',
      '/act/src/beta.txt'
    ]);
    assert.equal(
      await dialog.getByRole('textbox', { name: 'Destination folder' }).inputValue(),
      '/act/dest/'
    );
    // The web app's defaults: verify on, the rest off, notifications on.
    assert.equal(
      await dialog
        .getByRole('checkbox', { name: 'Verify file integrity after transfer' })
        .isChecked(),
      true
    );
    assert.equal(
      await dialog.getByRole('checkbox', { name: 'Encrypt transfer' }).isChecked(),
      false
    );
    // The delete-extra warning shows only while that option is on.
    const warning = dialog.getByRole('note');
    assert.equal(await warning.isVisible(), false);
    const deleteExtra = dialog.getByRole('checkbox', {
      name: 'Delete files on destination that do not exist on source'
    });
    await deleteExtra.check();
    await warning.waitFor();
    await deleteExtra.uncheck();
    await dialog.getByRole('textbox', { name: 'Label' }).fill('activity run one');
    await dialog.getByRole('combobox', { name: 'Sync level' }).selectOption('checksum');
    await dialog.getByRole('checkbox', { name: 'Preserve source file modification times' }).check();
    await dialog
      .getByRole('checkbox', { name: 'Email me when the transfer is inactive' })
      .uncheck();
    await shot('activity-transfer-dialog-light');
    await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    await palette('Globus Activity');
    await page
      .locator('.lm-CommandPalette-item:visible', { hasText: 'Globus Activity' })
      .first()
      .click();
    await activity().waitFor();
    await waitForStatus('activity run one', 'SUCCEEDED');
    await taskRow('activity run one').getByRole('button', { name: 'activity run one' }).click();
    const copied = detail().getByRole('list', { name: 'Files transferred' });
    await copied.locator('li').nth(1).waitFor();
    const lines = await copied.locator('li').allTextContents();
    assert.equal(lines.length, 2);
    assert.ok(
      lines.some(l => l.startsWith('/act/src/alpha.txt → /act/dest/alpha.txt')),
      lines[0]
    );
    const facts = (await detail().locator('.jp-GlobusKit-Activity-facts').innerText()) ?? '';
    assert.match(facts, /sync: checksum/);
    assert.match(facts, /preserve times/);
    assert.match(facts, /verify checksum/);
    assert.doesNotMatch(facts, /encrypt/);
    await detail().getByRole('link', { name: 'Open in the Globus web app' }).waitFor();
  });

  it('should remember the options and cancel a running task from its detail', async () => {
    await page
      .getByRole('tab', { name: /Globus: / })
      .first()
      .click();
    await transferFromPane(['big.txt']);
    const dialog = transferDialog();
    // Remembered: the switches and the sync level; the label is not.
    assert.equal(
      await dialog
        .getByRole('checkbox', { name: 'Preserve source file modification times' })
        .isChecked(),
      true
    );
    assert.equal(
      await dialog.getByRole('combobox', { name: 'Sync level' }).inputValue(),
      'checksum'
    );
    assert.equal(await dialog.getByRole('textbox', { name: 'Label' }).inputValue(), '');
    await dialog.getByRole('combobox', { name: 'Sync level' }).selectOption('off');
    await dialog.getByRole('textbox', { name: 'Label' }).fill('big one');
    await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: 'Globus Activity' }).click();
    await waitForStatus('big one', 'ACTIVE');
    await taskRow('big one').getByRole('button', { name: 'big one' }).click();
    await detail().getByRole('heading', { name: 'big one' }).waitFor();
    await page.screenshot({ path: join(OUTPUT, 'activity-running.png') });
    await detail().getByRole('button', { name: 'Cancel task' }).click();
    await waitForStatus('big one', 'FAILED');
    await detail().getByRole('button', { name: 'Cancel task' }).waitFor({ state: 'detached' });
    assert.match(await detail().locator('.jp-GlobusKit-Activity-facts').innerText(), /FAILED/);
  });

  it('should show the fault event of a task whose source file is unreadable', async () => {
    await page
      .getByRole('tab', { name: /Globus: / })
      .first()
      .click();
    await transferFromPane(['locked.txt']);
    const dialog = transferDialog();
    await dialog.getByRole('textbox', { name: 'Label' }).fill('locked one');
    await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: 'Globus Activity' }).click();
    await waitForStatus('locked one', 'FAILED');
    await taskRow('locked one').getByRole('button', { name: 'locked one' }).click();
    await detail().getByRole('heading', { name: 'locked one' }).waitFor();
    const fault = detail()
      .getByRole('list', { name: 'Events' })
      .locator('li[data-fault="true"]')
      .first();
    await fault.waitFor();
    assert.match(await fault.innerText(), /PERMISSION_DENIED/);
    const border = await fault.evaluate(e => getComputedStyle(e).borderLeftStyle);
    assert.equal(border, 'solid', 'the fault is highlighted');
    await shot('activity-light');
  });

  it('should resubmit a task with its options as a second task', async () => {
    await activity().getByRole('searchbox', { name: 'Search labels' }).fill('activity run');
    await taskRows().nth(0).waitFor();
    await page.waitForFunction(
      () => document.querySelectorAll('.jp-GlobusKit-Activity tbody tr').length === 1
    );
    await taskRow('activity run one').getByRole('button', { name: 'activity run one' }).click();
    await detail().getByRole('heading', { name: 'activity run one' }).waitFor();
    await detail().getByRole('button', { name: 'Resubmit' }).click();
    const dialog = transferDialog();
    await dialog.waitFor();
    assert.equal(
      await dialog.getByRole('textbox', { name: 'Label' }).inputValue(),
      'activity run one'
    );
    assert.equal(
      await dialog.getByRole('combobox', { name: 'Sync level' }).inputValue(),
      'checksum'
    );
    await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForFunction(
      () => document.querySelectorAll('.jp-GlobusKit-Activity tbody tr').length === 2,
      null,
      { timeout: 15_000 }
    );
    const ids = await taskRows().evaluateAll(rows => rows.map(r => r.dataset.taskId));
    assert.equal(new Set(ids).size, 2, 'a second task, not a duplicate');
    await activity().getByRole('searchbox', { name: 'Search labels' }).fill('');
  });

  it('should refuse an overlap and offer the consent fix, resubmitting with the same id', async () => {
    const bodies = [];
    const record = request => {
      if (request.method() === 'POST' && request.url().includes('/globus-kit/tasks/transfer')) {
        bodies.push(JSON.parse(request.postData() ?? '{}'));
      }
    };
    page.on('request', record);
    try {
      await page
        .getByRole('tab', { name: /Globus: / })
        .first()
        .click();
      // This time from the row's context menu.
      await row(1, 'alpha.txt').click();
      await row(1, 'alpha.txt').click({ button: 'right' });
      await page
        .locator('.lm-Menu:visible')
        .last()
        .getByRole('menuitem', { name: 'Transfer →', exact: true })
        .click();
      const dialog = transferDialog();
      await dialog.waitFor();
      assert.deepEqual(
        await dialog
          .getByRole('list', { name: 'Items to transfer' })
          .locator('li')
          .allTextContents(),
        ['/act/src/alpha.txt']
      );
      // Onto itself: refused before any request, the dialog stays open with the reason.
      await dialog.getByRole('textbox', { name: 'Destination folder' }).fill('/act/src/');
      await dialog
        .getByRole('textbox', { name: 'Destination collection id' })
        .fill(mod.seed.GUEST_COLLECTION_ID);
      await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
      const alert = transferDialog().getByRole('alert');
      await alert.waitFor();
      assert.equal(await alert.getAttribute('data-code'), 'OVERLAPPING_PATHS');
      assert.match(await alert.innerText(), /overlap on the same collection/);
      assert.equal(bodies.length, 0, 'no request for an overlap');
      // A collection that needs a data_access consent: the route's CONSENT_REQUIRED with
      // the one-click fix, then Resubmit with the same submission id.
      await transferDialog()
        .getByRole('textbox', { name: 'Destination collection id' })
        .fill(mod.seed.MAPPED_COLLECTION_ID);
      await transferDialog()
        .getByRole('textbox', { name: 'Destination folder' })
        .fill('/home/demo/');
      // After an error the primary button says Resubmit.
      await transferDialog().getByRole('button', { name: 'Resubmit', exact: true }).click();
      const consent = transferDialog().getByRole('link', { name: 'Grant consent (opens Globus)' });
      await consent.waitFor();
      assert.equal(
        await transferDialog().getByRole('alert').getAttribute('data-code'),
        'CONSENT_REQUIRED'
      );
      const href = new URL((await consent.getAttribute('href')) ?? '');
      assert.match(href.searchParams.get('scope') ?? '', /data_access/);
      assert.equal(await consent.getAttribute('target'), '_blank');
      await transferDialog().getByRole('button', { name: 'Resubmit', exact: true }).click();
      await transferDialog().getByRole('link', { name: 'Grant consent (opens Globus)' }).waitFor();
      assert.equal(bodies.length, 2);
      assert.match(bodies[0].submission_id, /^[0-9a-f-]{36}$/);
      assert.equal(bodies[1].submission_id, bodies[0].submission_id, 'the same submission id');
      await transferDialog().getByRole('button', { name: 'Cancel', exact: true }).click();
      await transferDialog().waitFor({ state: 'detached' });
    } finally {
      page.off('request', record);
    }
    await page.getByRole('tab', { name: 'Globus Activity' }).click();
  });

  it('should show a task submitted elsewhere within the 5 s poll', async () => {
    await page.waitForFunction(
      () => document.querySelectorAll('.jp-GlobusKit-Activity tbody tr').length >= 4
    );
    const guest = mod.seed.GUEST_COLLECTION_ID;
    const r = await labRoute(session.lab, 'POST', 'tasks/transfer', {
      source: { collection: guest, path: '/act/src/' },
      destination: { collection: guest, path: '/act/elsewhere/' },
      items: ['/act/src/alpha.txt'],
      options: { label: 'from a cell' }
    });
    assert.equal(r.status, 200, r.text);
    const started = Date.now();
    await taskRow('from a cell').waitFor({ timeout: 8_000 });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds <= 7, `appeared after ${seconds} s`);

    // Dark theme screenshot of the list with a detail open.
    await palette('Use Theme: JupyterLab Dark');
    await page
      .locator('.lm-CommandPalette-item.lm-mod-active:visible', {
        hasText: 'Use Theme: JupyterLab Dark'
      })
      .waitFor();
    await page.keyboard.press('Enter');
    await page.locator('body[data-jp-theme-light="false"]').waitFor({ state: 'attached' });
    await taskRow('locked one').getByRole('button', { name: 'locked one' }).click();
    await detail().getByRole('heading', { name: 'locked one' }).waitFor();
    await page.waitForTimeout(300);
    await shot('activity-dark');
    // Nothing in the view scrolls sideways.
    const wide = await activity().evaluate(root =>
      [...root.querySelectorAll('*')]
        .filter(e => getComputedStyle(e).overflowX !== 'visible')
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => e.className)
    );
    assert.deepEqual(wide, []);
    assert.deepEqual(dialogs, [], 'no browser dialog opened');
  });

  it("should open a task's detail from the sidebar's transfer list", async () => {
    await activity().getByRole('button', { name: 'Close task detail' }).click();
    await detail().getByRole('heading').waitFor({ state: 'detached' });
    // The shared helper's tab name is not exact, and two main-area tabs start with Globus.
    await page.getByRole('tab', { name: 'Globus', exact: true }).click();
    await globusSidebar(page).waitFor();
    await openSidebarSection(page, 'Transfers');
    await globusSidebar(page)
      .getByRole('button', { name: 'Details of big one', exact: true })
      .click();
    await detail().getByRole('heading', { name: 'big one' }).waitFor();
    assert.match(await detail().locator('.jp-GlobusKit-Activity-facts').innerText(), /FAILED/);
  });
});
