// "Download to JupyterLab" of a folder from the file manager (issue #16) in real Chromium,
// a real JupyterLab from .venv (the installed wheel) and the emulator's GCS HTTPS server,
// at 1366×768: a folder row's context menu downloads the folder recursively into the file
// browser's folder (bytes equal, no temporary name left, a success notification naming the
// file count); again, the files that exist inside it are listed and Cancel keeps the local
// ones; Replace replaces them, and a file that meets a local folder of its name is kept
// and shown in the error list (Show errors). Issue #20: the rows' context-menu items come
// from schema/plugin.json, and a user's context-menu setting hides one.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { emulatorModule } from './reliability/support.mjs';
import {
  openEmulatorLab,
  putExtensionSettings,
  screenshotAfterEach
} from './support/lab-browser.mjs';

const GUEST_ID = '9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2';

/** Every path under `dir`, relative, sorted. */
function tree(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap(e =>
      e.isDirectory()
        ? [`${prefix}${e.name}/`, ...tree(join(dir, e.name), `${prefix}${e.name}/`)]
        : [`${prefix}${e.name}`]
    )
    .sort();
}

describe('Download a folder to JupyterLab', { timeout: 300_000 }, () => {
  let emu;
  let session;
  let page;
  let labRoot;
  let remote;
  const blob = Buffer.alloc(1_500_000, 7);

  /** A file manager on the guest collection's root. */
  const openGuestManager = () =>
    page.evaluate(
      id =>
        window.jupyterapp.commands.execute('globus-kit:open-file-manager', {
          collection: id,
          path: '/'
        }),
      GUEST_ID
    );

  before(async () => {
    const mod = await emulatorModule();
    emu = await mod.createEmulator({ seed: 16 });
    remote = join(emu.dataDir, 'collections', GUEST_ID, 'survey');
    mkdirSync(join(remote, 'raw', 'day1'), { recursive: true });
    writeFileSync(join(remote, 'README.md'), '# survey\n');
    writeFileSync(join(remote, 'raw', 'blob.bin'), blob);
    writeFileSync(join(remote, 'raw', 'day1', 'counts.csv'), 'site,n\nA,3\n');
    ({ session, page, labRoot } = await openEmulatorLab(emu, {
      rootPrefix: 'lab-root-folder-download-',
      exposeApp: true,
      command: 'globus-kit:download-to-jupyterlab'
    }));
    await openGuestManager();
  });

  after(async () => {
    await session?.close();
    await emu?.close();
    if (labRoot) rmSync(labRoot, { recursive: true, force: true });
  });

  afterEach(screenshotAfterEach('folder-download-browser', () => page));

  const row = name =>
    page
      .locator('.jp-GlobusKit-FileManager:visible')
      .getByRole('region', { name: 'Pane 1' })
      .getByRole('listbox', { name: 'Files' })
      .getByRole('option')
      .filter({ hasText: name })
      .first();
  const localItem = name =>
    page
      .locator('#filebrowser .jp-DirListing-content .jp-DirListing-item')
      .filter({ hasText: name })
      .first();
  const downloadFromMenu = async name => {
    await row(name).click({ button: 'right' });
    await page
      .locator('.lm-Menu-item:visible')
      .filter({ hasText: 'Download to JupyterLab' })
      .click();
  };

  it("should download a folder recursively from a folder row's context menu", async () => {
    await row('survey').waitFor();
    await downloadFromMenu('survey');
    await page
      .locator('.Toastify__toast--success', { hasText: 'Downloaded 3 files to JupyterLab.' })
      .waitFor({ timeout: 20_000 });
    await localItem('survey').waitFor({ timeout: 10_000 });
    assert.deepEqual(tree(join(labRoot, 'survey')), [
      'README.md',
      'raw/',
      'raw/blob.bin',
      'raw/day1/',
      'raw/day1/counts.csv'
    ]);
    assert.deepEqual(readFileSync(join(labRoot, 'survey', 'raw', 'blob.bin')), blob);
    assert.equal(
      readFileSync(join(labRoot, 'survey', 'raw', 'day1', 'counts.csv'), 'utf8'),
      'site,n\nA,3\n'
    );
  });

  it('should list the files that exist inside the folder and keep them on Cancel', async () => {
    writeFileSync(join(labRoot, 'survey', 'README.md'), 'my notes');
    await downloadFromMenu('survey');
    const dialog = page.locator('.jp-Dialog').filter({ hasText: 'Replace files in JupyterLab?' });
    await dialog.waitFor();
    // Every file of the folder exists: each is named, with its path inside the folder.
    for (const name of ['survey/README.md', 'survey/raw/blob.bin', 'survey/raw/day1/counts.csv']) {
      await dialog.getByText(name, { exact: true }).waitFor();
    }
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(readFileSync(join(labRoot, 'survey', 'README.md'), 'utf8'), 'my notes');
  });

  it('should replace on Replace, and list a file it could not put in place', async () => {
    // A local folder where the remote folder has a file: that file cannot land.
    rmSync(join(labRoot, 'survey', 'raw', 'day1', 'counts.csv'));
    mkdirSync(join(labRoot, 'survey', 'raw', 'day1', 'counts.csv'));
    await downloadFromMenu('survey');
    const dialog = page.locator('.jp-Dialog').filter({ hasText: 'Replace files in JupyterLab?' });
    await dialog.getByRole('button', { name: 'Replace' }).click();
    const toast = page.locator('.Toastify__toast--error', { hasText: 'failed with 1 error' });
    await toast.waitFor({ timeout: 20_000 });
    assert.equal(readFileSync(join(labRoot, 'survey', 'README.md'), 'utf8'), '# survey\n');
    await toast.getByRole('button', { name: 'Show errors' }).click();
    const errors = page.locator('.jp-Dialog').filter({ hasText: 'What could not be copied' });
    await errors.locator('li', { hasText: '/survey/raw/day1/counts.csv' }).waitFor();
    assert.match(
      await errors.locator('li').first().textContent(),
      /is a folder in JupyterLab; it was kept\./
    );
    await errors.getByRole('button', { name: 'Ok' }).click();
    // No temporary name is left anywhere in the folder.
    assert.deepEqual(
      tree(join(labRoot, 'survey')).filter(p => p.includes('.globus-kit-partial-')),
      []
    );
  });

  // Issue #20: the items are declared in schema/plugin.json, so a user setting hides one.
  it("should show the schema's context-menu items and hide one a user setting disables", async () => {
    await row('survey').click({ button: 'right' });
    const menu = page.locator('.lm-Menu:visible');
    for (const label of ['Transfer →', 'Rename', 'Delete', 'Download to JupyterLab']) {
      await menu.locator('.lm-Menu-item').filter({ hasText: label }).first().waitFor();
    }
    await page.keyboard.press('Escape');
    const { lab } = session;
    await putExtensionSettings(
      lab,
      {
        contextMenu: [
          {
            command: 'globus-kit:download-to-jupyterlab',
            selector: '.jp-GlobusKit-FileManager .jp-GlobusKit-fileRow',
            disabled: true
          }
        ]
      },
      '@jupyterlab/application-extension:context-menu'
    );
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() =>
      window.jupyterapp?.commands.hasCommand('globus-kit:download-to-jupyterlab')
    );
    await openGuestManager();
    await row('README.txt').click({ button: 'right' });
    await menu.locator('.lm-Menu-item').filter({ hasText: 'Open in JupyterLab' }).waitFor();
    assert.equal(
      await menu.locator('.lm-Menu-item').filter({ hasText: 'Download to JupyterLab' }).count(),
      0,
      'the disabled item is gone'
    );
    await page.keyboard.press('Escape');
  });
});
