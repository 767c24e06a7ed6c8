// Drag-transfer between file manager panes (issue #17) in real Chromium against a real
// JupyterLab from .venv (the installed wheel) and the emulator. One lab start serves the
// tests; they run in order and share the page.
//
// Covers: a file and a folder selected in pane 1 and dragged onto pane 2 open the transfer
// dialog filled in (source, items, destination = pane 2's folder); with options chosen the
// task is watched to SUCCEEDED in the Activity view and the bytes land in the destination;
// a drop on a folder row of pane 2 makes that folder the destination; a destination folder
// that does not exist is found before the submit, created on request (its missing parent
// too) and the transfer goes there; a drop on the pane it came from opens nothing.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { emulatorModule } from './reliability/support.mjs';
import {
  emulatorAdmin,
  fileManagerParts,
  labRoute,
  openEmulatorLab,
  screenshotAfterEach,
  typeInCommandPalette
} from './support/lab-browser.mjs';

const GUEST = 'Tutorial Guest Collection';

describe('drag-transfer between file manager panes', { timeout: 420_000 }, () => {
  let emu;
  let mod;
  let session;
  let page;
  let labRoot;
  let guestDir;
  const dialogs = [];
  const transferPosts = [];

  /** A POST to the emulator's admin origin. */
  const admin = (path, body) => emulatorAdmin(emu.urls.admin, path, body);

  before(async () => {
    mod = await emulatorModule();
    emu = await mod.createEmulator({ seed: 1717 });
    const guest = mod.seed.GUEST_COLLECTION_ID;
    guestDir = join(emu.dataDir, 'collections', guest);
    await admin(`/seed/collections/${guest}/files`, {
      files: {
        '/drag/src/one.txt': 'one\n'.repeat(50),
        '/drag/src/two.txt': 'two\n'.repeat(50),
        '/drag/src/sub/inner.txt': 'inner\n',
        '/drag/src/zz-locked.txt': 'secret\n',
        '/drag/dest/keep.txt': 'kept\n',
        '/drag/dest/inbox/old.txt': 'old\n'
      }
    });
    await admin(`/seed/collections/${guest}/unreadable`, { paths: ['/drag/src/zz-locked.txt'] });
    ({ session, page, labRoot } = await openEmulatorLab(emu, {
      rootPrefix: 'lab-root-transfer-drag-',
      dialogs
    }));
    page.on('request', request => {
      if (request.method() === 'POST' && request.url().includes('/globus-kit/tasks/transfer')) {
        transferPosts.push(JSON.parse(request.postData() ?? '{}'));
      }
    });
  });

  after(async () => {
    await session?.close();
    await emu?.close();
    if (labRoot) rmSync(labRoot, { recursive: true, force: true });
  });

  afterEach(screenshotAfterEach('transfer-drag-browser', () => page));

  const { manager, files, row, transferDialog, activity, pickMine, into } = fileManagerParts(
    () => page
  );
  const taskRow = label =>
    activity()
      .getByRole('table', { name: 'Tasks' })
      .locator('tbody tr')
      .filter({ hasText: label })
      .first();

  /** Run the command palette's item `text`. */
  async function palette(text) {
    await typeInCommandPalette(page, text);
    await page.locator('.lm-CommandPalette-item:visible', { hasText: text }).first().click();
  }

  async function select(n, names) {
    await row(n, names[0]).click();
    for (const name of names.slice(1)) {
      await row(n, name).click({ modifiers: ['Control'] });
    }
  }

  /** A promise of the next transfer POST's body (the submit follows the dialog closing). */
  function nextTransferPost() {
    return page
      .waitForRequest(
        r => r.method() === 'POST' && r.url().includes('/globus-kit/tasks/transfer'),
        { timeout: 30_000 }
      )
      .then(r => JSON.parse(r.postData() ?? '{}'));
  }

  /** Label the dialog's transfer and press Transfer; resolves to the POSTed body. */
  async function submit(label) {
    const dialog = transferDialog();
    await dialog.getByRole('textbox', { name: 'Label' }).fill(label);
    const posted = nextTransferPost();
    await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    return posted;
  }

  async function waitForStatus(label, status, timeout = 40_000) {
    await taskRow(label)
      .and(page.locator(`[data-status="${status}"]`))
      .waitFor({ timeout });
  }

  it('should open the dialog filled in when rows are dragged onto the other pane, and watch the task to SUCCEEDED', async () => {
    await palette('Globus File Manager (two panes)');
    await manager().waitFor();
    await pickMine(1, GUEST);
    await into(1, ['drag', 'src']);
    await pickMine(2, GUEST);
    await into(2, ['drag', 'dest']);
    await select(1, ['one.txt', 'sub']);
    // A native HTML5 drag: dragstart on the row, drop on the other pane's empty space.
    // The items come in the listing's order (folders first).
    await row(1, 'one.txt').dragTo(files(2), { targetPosition: { x: 40, y: 120 } });
    const dialog = transferDialog();
    await dialog.waitFor();
    assert.deepEqual(
      await dialog.getByRole('list', { name: 'Items to transfer' }).locator('li').allTextContents(),
      ['/drag/src/sub/', '/drag/src/one.txt']
    );
    assert.match(
      await dialog.locator('.jp-GlobusKit-TransferDialog-route').innerText(),
      /\/drag\/src\//
    );
    assert.equal(
      await dialog.getByRole('textbox', { name: 'Destination folder' }).inputValue(),
      '/drag/dest/'
    );
    assert.equal(
      await dialog.getByRole('textbox', { name: 'Destination collection id' }).inputValue(),
      mod.seed.GUEST_COLLECTION_ID
    );
    // Options: checksum sync, encryption, preserved times.
    await dialog.getByRole('combobox', { name: 'Sync level' }).selectOption('checksum');
    await dialog.getByRole('checkbox', { name: 'Encrypt transfer' }).check();
    await dialog.getByRole('checkbox', { name: 'Preserve source file modification times' }).check();
    const sent = await submit('dragged pair');
    assert.equal(sent.options.sync_level, 'checksum');
    assert.equal(sent.options.encrypt_data, true);
    assert.equal(sent.options.preserve_timestamp, true);
    assert.deepEqual(sent.items, ['/drag/src/sub/', '/drag/src/one.txt']);

    await palette('Globus Activity');
    await activity().waitFor();
    await waitForStatus('dragged pair', 'SUCCEEDED');
    assert.equal(readFileSync(join(guestDir, 'drag/dest/one.txt'), 'utf8'), 'one\n'.repeat(50));
    assert.equal(readFileSync(join(guestDir, 'drag/dest/sub/inner.txt'), 'utf8'), 'inner\n');
    await taskRow('dragged pair').getByRole('button', { name: 'dragged pair' }).click();
    const facts = await activity().locator('.jp-GlobusKit-Activity-facts').innerText();
    assert.match(facts, /sync: checksum/);
    assert.match(facts, /encrypt/);
  });

  it('should make a folder row dropped on the destination', async () => {
    await page
      .getByRole('tab', { name: /Globus: / })
      .first()
      .click();
    await row(2, 'inbox').waitFor();
    await select(1, ['two.txt']);
    await row(1, 'two.txt').dragTo(row(2, 'inbox'));
    const dialog = transferDialog();
    await dialog.waitFor();
    assert.equal(
      await dialog.getByRole('textbox', { name: 'Destination folder' }).inputValue(),
      '/drag/dest/inbox/'
    );
    await submit('into inbox');
    await page.getByRole('tab', { name: 'Globus Activity' }).click();
    await waitForStatus('into inbox', 'SUCCEEDED');
    assert.equal(
      readFileSync(join(guestDir, 'drag/dest/inbox/two.txt'), 'utf8'),
      'two\n'.repeat(50)
    );
  });

  it('should offer to create a missing destination folder, create it, then submit', async () => {
    await page
      .getByRole('tab', { name: /Globus: / })
      .first()
      .click();
    await select(1, ['two.txt']);
    await row(1, 'two.txt').dragTo(files(2), { targetPosition: { x: 40, y: 120 } });
    const dialog = transferDialog();
    await dialog.waitFor();
    await dialog
      .getByRole('textbox', { name: 'Destination folder' })
      .fill('/drag/dest/new/deeper/');
    await dialog.getByRole('textbox', { name: 'Label' }).fill('into a new folder');
    const before = transferPosts.length;
    await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
    const ask = page.locator('.jp-Dialog').filter({ hasText: 'Create the destination folder?' });
    await ask.waitFor();
    assert.match(await ask.innerText(), /\/drag\/dest\/new\/deeper\/ does not exist/);
    assert.equal(transferPosts.length, before, 'nothing submitted before the answer');
    // Back: the transfer dialog again, with the reason.
    await ask.getByRole('button', { name: 'Back', exact: true }).click();
    const alert = transferDialog().getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.getAttribute('data-code'), 'DESTINATION_MISSING');
    assert.equal(existsSync(join(guestDir, 'drag/dest/new')), false);
    await transferDialog().getByRole('button', { name: 'Resubmit', exact: true }).click();
    const posted = nextTransferPost();
    await ask.getByRole('button', { name: 'Create and transfer', exact: true }).click();
    await transferDialog().waitFor({ state: 'detached' });
    assert.equal((await posted).destination.path, '/drag/dest/new/deeper/');
    assert.equal(transferPosts.length, before + 1, 'one submit');
    await page.getByRole('tab', { name: 'Globus Activity' }).click();
    await waitForStatus('into a new folder', 'SUCCEEDED');
    assert.equal(
      readFileSync(join(guestDir, 'drag/dest/new/deeper/two.txt'), 'utf8'),
      'two\n'.repeat(50)
    );
  });

  it('should open nothing for a drop on its own pane, and still download onto the file browser', async () => {
    await page
      .getByRole('tab', { name: /Globus: / })
      .first()
      .click();
    await select(1, ['one.txt']);
    // Onto a folder of the pane it came from: not a transfer.
    await row(1, 'one.txt').dragTo(row(1, 'sub'));
    // Then onto the other pane: exactly one dialog opens (the first drop opened none).
    await row(1, 'one.txt').dragTo(files(2), { targetPosition: { x: 40, y: 120 } });
    await transferDialog().waitFor();
    assert.equal(await page.locator('.jp-Dialog').count(), 1);
    await transferDialog().getByRole('button', { name: 'Cancel', exact: true }).click();
    await transferDialog().waitFor({ state: 'detached' });
    // The drag onto JupyterLab's file browser (issue #16) still downloads the file.
    await row(1, 'one.txt').dragTo(page.locator('#filebrowser .jp-DirListing-content'));
    await page
      .locator('#filebrowser .jp-DirListing-item', { hasText: 'one.txt' })
      .waitFor({ timeout: 20_000 });
    assert.equal(readFileSync(join(labRoot, 'one.txt'), 'utf8'), 'one\n'.repeat(50));
    assert.equal(await transferDialog().count(), 0, 'a download, not a transfer');
    assert.deepEqual(dialogs, [], 'no browser dialog opened');
  });

  it("regression #17: a failed task's bar shows what was done, in the failed style", async () => {
    await page
      .getByRole('tab', { name: /Globus: / })
      .first()
      .click();
    await select(1, ['one.txt', 'zz-locked.txt']);
    await row(1, 'one.txt').dragTo(files(2), { targetPosition: { x: 40, y: 120 } });
    await transferDialog().waitFor();
    await transferDialog()
      .getByRole('textbox', { name: 'Destination folder' })
      .fill('/drag/dest/half/');
    await transferDialog().getByRole('textbox', { name: 'Label' }).fill('half done');
    await transferDialog().getByRole('button', { name: 'Transfer', exact: true }).click();
    const ask = page.locator('.jp-Dialog').filter({ hasText: 'Create the destination folder?' });
    const posted = nextTransferPost();
    await ask.getByRole('button', { name: 'Create and transfer', exact: true }).click();
    await posted;
    await page.getByRole('tab', { name: 'Globus Activity' }).click();
    await waitForStatus('half done', 'FAILED');
    const task = taskRow('half done');
    const bar = task.locator('progress');
    const counts = await task.locator('.jp-GlobusKit-Activity-counts').innerText();
    const [done, all] = (/(\d+)\/(\d+) files/.exec(counts) ?? []).slice(1).map(Number);
    assert.equal(all, 2, counts);
    assert.ok(done < all, counts);
    assert.equal(
      Number(await bar.evaluate(b => b.value)),
      done / all,
      'the bar shows the files done'
    );
    assert.equal(await bar.getAttribute('class'), 'jp-GlobusKit-task-progress jp-mod-failed');
    const accent = await bar.evaluate(b => getComputedStyle(b).accentColor);
    const error = await page.evaluate(() =>
      getComputedStyle(document.body).getPropertyValue('--jp-error-color1').trim()
    );
    assert.ok(error, 'the theme defines --jp-error-color1');
    assert.notEqual(accent, 'auto');
  });

  it('should resubmit a task not submitted from this session, its items rebuilt', async () => {
    const guest = mod.seed.GUEST_COLLECTION_ID;
    // Submitted through the route, as a notebook cell or another tab would: this page has
    // no memory of its items.
    const r = await labRoute(session.lab, 'POST', 'tasks/transfer', {
      source: { collection: guest, path: '/drag/src/' },
      destination: { collection: guest, path: '/drag/elsewhere/' },
      items: ['/drag/src/two.txt', '/drag/src/sub/'],
      options: { label: 'from elsewhere', sync_level: 'size', preserve_timestamp: true }
    });
    assert.equal(r.status, 200, r.text);
    await page.getByRole('tab', { name: 'Globus Activity' }).click();
    await waitForStatus('from elsewhere', 'SUCCEEDED');
    await taskRow('from elsewhere').getByRole('button', { name: 'from elsewhere' }).click();
    const detail = activity().getByRole('region', { name: 'Task detail' });
    await detail.getByRole('heading', { name: 'from elsewhere' }).waitFor();
    const again = detail.getByRole('button', { name: 'Resubmit' });
    assert.equal(await again.isEnabled(), true, 'enabled for a task from elsewhere');
    await again.click();
    const dialog = transferDialog();
    await dialog.waitFor();
    assert.deepEqual(
      await dialog.getByRole('list', { name: 'Items to transfer' }).locator('li').allTextContents(),
      ['/drag/src/sub/', '/drag/src/two.txt']
    );
    assert.equal(
      await dialog.getByRole('textbox', { name: 'Destination folder' }).inputValue(),
      '/drag/elsewhere/'
    );
    assert.equal(await dialog.getByRole('combobox', { name: 'Sync level' }).inputValue(), 'size');
    assert.equal(
      await dialog
        .getByRole('checkbox', { name: 'Preserve source file modification times' })
        .isChecked(),
      true
    );
    const sent = await submit('from elsewhere again');
    assert.deepEqual(sent.items, ['/drag/src/sub/', '/drag/src/two.txt']);
    assert.equal(sent.destination.path, '/drag/elsewhere/');
    await waitForStatus('from elsewhere again', 'SUCCEEDED');
  });
});
