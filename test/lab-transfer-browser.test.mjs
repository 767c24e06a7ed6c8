// Your JupyterLab files and Globus (issue #16) in real Chromium against a real JupyterLab
// from .venv (the installed wheel) and the emulator's GCS HTTPS server, at 1366×768. One
// lab start serves the tests; they run in order and share the page.
//
// Covers: `globus-kit:upload-to-globus` driven with arguments (the file lands on the
// collection, bytes equal, and shows in the manager pane on that folder); the file
// browser's context menu "Upload to Globus…" on a folder (the dialog offers the last
// destination and the open collections by name; the folder is copied recursively); the manager row's context menu
// "Download to JupyterLab" (the file shows in the file browser, bytes equal); a file dragged
// from the file browser onto a manager pane is uploaded into its folder, and one dragged
// from a pane onto the file browser is downloaded into its folder; an existing
// file is not replaced without the dialog's Replace; `globus-kit:open-in-jupyterlab` on a
// CSV opens JupyterLab's CSV viewer; no token in the DOM, storage or any response.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { emulatorModule } from './reliability/support.mjs';
import {
  globusDataSecrets,
  labEnvFrom,
  makeOutputDir,
  openEmulatorLab,
  screenshotAfterEach
} from './support/lab-browser.mjs';

const GUEST_ID = '9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2';
const PUBLIC_ID = 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01';

describe('JupyterLab files to and from Globus', { timeout: 300_000 }, () => {
  let emu;
  let session;
  let page;
  let labRoot;
  let guestDir;
  let secrets = [];
  const dialogs = [];

  before(async () => {
    const mod = await emulatorModule();
    emu = await mod.createEmulator({ seed: 16 });
    guestDir = join(emu.dataDir, 'collections', GUEST_ID);
    const env = labEnvFrom(await emu.env());
    ({ secrets } = globusDataSecrets(env.GLOBUS_DATA));
    labRoot = makeOutputDir('lab-root-lab-transfer-');
    writeFileSync(join(labRoot, 'hello.txt'), 'hello from JupyterLab\n');
    mkdirSync(join(labRoot, 'results', 'run1'), { recursive: true });
    writeFileSync(join(labRoot, 'results', 'summary.txt'), 'summary');
    writeFileSync(join(labRoot, 'results', 'run1', 'values.csv'), 'a,b\n1,2\n');
    ({ session, page } = await openEmulatorLab(emu, {
      env,
      rootDir: labRoot,
      exposeApp: true,
      command: 'globus-kit:upload-to-globus',
      dialogs
    }));
  });

  after(async () => {
    await session?.close();
    await emu?.close();
    if (labRoot) rmSync(labRoot, { recursive: true, force: true });
  });

  afterEach(screenshotAfterEach('lab-transfer-browser', () => page));

  const execute = (id, args) =>
    page.evaluate(
      ([id, args]) => window.jupyterapp.commands.execute(id, args).then(r => r ?? null),
      [id, args]
    );
  const manager = () => page.locator('.jp-GlobusKit-FileManager:visible').first();
  const files = () =>
    manager().getByRole('region', { name: 'Pane 1' }).getByRole('listbox', { name: 'Files' });
  const row = name => files().getByRole('option').filter({ hasText: name }).first();
  const listing = () => page.locator('#filebrowser .jp-DirListing-content');
  const localItem = name =>
    listing().locator('.jp-DirListing-item').filter({ hasText: name }).first();
  const menuItem = label =>
    page.locator('.lm-Menu-item:visible').filter({ hasText: label }).first();

  it('should upload a JupyterLab file with the command and show it in a manager pane', async () => {
    await execute('globus-kit:open-file-manager', { collection: GUEST_ID, path: '/' });
    await row('README.txt').waitFor();
    const job = await execute('globus-kit:upload-to-globus', {
      paths: ['hello.txt'],
      destination: { collection: GUEST_ID, path: '/' }
    });
    assert.equal(job.status, 'succeeded', JSON.stringify(job.errors));
    assert.deepEqual([job.filesDone, job.filesTotal, job.bytesDone], [1, 1, 22]);
    assert.equal(readFileSync(join(guestDir, 'hello.txt'), 'utf8'), 'hello from JupyterLab\n');
    // The pane on that folder reloaded by itself.
    await row('hello.txt').waitFor({ timeout: 10_000 });
    await page.locator('.Toastify__toast--success', { hasText: 'Uploaded 1 file' }).waitFor();
  });

  it("should upload a folder from the file browser's context menu", async () => {
    await page.locator('#filebrowser').waitFor();
    await localItem('results').click({ button: 'right' });
    await menuItem('Upload to Globus…').click();
    const dialog = page.locator('.jp-Dialog');
    // The last destination is offered.
    assert.equal(
      await dialog.getByRole('combobox', { name: 'Collection id' }).inputValue(),
      GUEST_ID
    );
    assert.equal(
      await dialog.getByRole('textbox', { name: 'Folder on the collection' }).inputValue(),
      '/'
    );
    // The collections open in file managers are offered by name.
    const offered = await dialog
      .locator('datalist option')
      .evaluateAll(options => options.map(o => [o.value, o.label]));
    assert.deepEqual(offered, [[GUEST_ID, 'Tutorial Guest Collection']]);
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row('results').waitFor({ timeout: 15_000 });
    assert.equal(readFileSync(join(guestDir, 'results', 'summary.txt'), 'utf8'), 'summary');
    assert.equal(
      readFileSync(join(guestDir, 'results', 'run1', 'values.csv'), 'utf8'),
      'a,b\n1,2\n'
    );
  });

  it("should download a file from a manager row's context menu into the file browser", async () => {
    const readme = readFileSync(join(guestDir, 'README.txt'));
    await row('README.txt').click({ button: 'right' });
    await menuItem('Download to JupyterLab').click();
    await localItem('README.txt').waitFor({ timeout: 15_000 });
    assert.deepEqual(readFileSync(join(labRoot, 'README.txt')), readme);

    // Again: the file exists, so a dialog asks; Cancel keeps the local file.
    writeFileSync(join(labRoot, 'README.txt'), 'my local edits');
    await row('README.txt').click({ button: 'right' });
    await menuItem('Download to JupyterLab').click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.getByText('README.txt').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(readFileSync(join(labRoot, 'README.txt'), 'utf8'), 'my local edits');
    // And Replace replaces it.
    await row('README.txt').click({ button: 'right' });
    await menuItem('Download to JupyterLab').click();
    await dialog.getByRole('button', { name: 'Replace' }).click();
    // The first download's toast may still show: wait for the bytes (bounded) instead.
    const deadline = Date.now() + 15_000;
    while (!readFileSync(join(labRoot, 'README.txt')).equals(readme) && Date.now() < deadline) {
      await page.waitForTimeout(100);
    }
    assert.deepEqual(readFileSync(join(labRoot, 'README.txt')), readme);
  });

  it('should upload a file dragged from the file browser onto a manager pane', async () => {
    writeFileSync(join(labRoot, 'dragged.txt'), 'dropped on Globus');
    await page.evaluate(() => window.jupyterapp.commands.execute('filebrowser:refresh'));
    await localItem('dragged.txt').waitFor();
    const source = await localItem('dragged.txt').boundingBox();
    const target = await files().boundingBox();
    assert.ok(source && target);
    // A Lumino drag: press, move past the threshold, move over the pane, release.
    await page.mouse.move(source.x + 30, source.y + source.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 5; i++) {
      await page.mouse.move(source.x + 30 + i * 10, source.y + source.height / 2 + i * 4);
    }
    for (let i = 1; i <= 10; i++) {
      await page.mouse.move(
        source.x + 80 + ((target.x + 200 - source.x - 80) * i) / 10,
        source.y + ((target.y + 150 - source.y) * i) / 10
      );
    }
    assert.equal(
      await manager().locator('.jp-GlobusKit-FilePane.jp-mod-dropTarget').count(),
      1,
      'the pane shows it accepts the drop'
    );
    await page.mouse.up();
    await row('dragged.txt').waitFor({ timeout: 15_000 });
    assert.equal(readFileSync(join(guestDir, 'dragged.txt'), 'utf8'), 'dropped on Globus');
    // The file stays in JupyterLab (the browser's drag proposes a move; nothing is moved).
    assert.equal(readFileSync(join(labRoot, 'dragged.txt'), 'utf8'), 'dropped on Globus');
  });

  it('should download a file dragged from a manager pane onto the file browser', async () => {
    writeFileSync(join(guestDir, 'from-globus.txt'), 'dragged into JupyterLab');
    await execute('globus-kit:file-manager-refresh', {});
    await row('from-globus.txt').waitFor();
    await row('from-globus.txt').dragTo(page.locator('#filebrowser .jp-DirListing-content'));
    await localItem('from-globus.txt').waitFor({ timeout: 15_000 });
    assert.equal(readFileSync(join(labRoot, 'from-globus.txt'), 'utf8'), 'dragged into JupyterLab');
    // Still on the collection: a copy, not a move.
    assert.equal(
      readFileSync(join(guestDir, 'from-globus.txt'), 'utf8'),
      'dragged into JupyterLab'
    );
  });

  it("should open a CSV from a collection in JupyterLab's CSV viewer", async () => {
    await execute('globus-kit:open-in-jupyterlab', {
      collection: PUBLIC_ID,
      path: '/portal/catalog/dataset_las/1948.csv'
    });
    await page.locator('.jp-CSVViewer:visible').waitFor({ timeout: 20_000 });
    await page.getByRole('tab', { name: /1948\.csv/ }).waitFor();
    await localItem('1948.csv').waitFor();
    assert.ok(readFileSync(join(labRoot, '1948.csv'), 'utf8').length > 100);
    assert.deepEqual(dialogs, []);
  });

  it('should keep every token out of the DOM, storage and every response', async () => {
    const dom = await page.content();
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })
    );
    const bodies = await session.responses.bodies();
    assert.ok(bodies.some(b => b.url.includes('/globus-kit/lab-transfers/')));
    assert.ok(secrets.length >= 2);
    for (const secret of secrets) {
      const tag = `${secret.slice(0, 4)}… (${secret.length} chars)`;
      assert.ok(!dom.includes(secret), `the DOM holds token ${tag}`);
      assert.ok(!storage.includes(secret), `browser storage holds token ${tag}`);
      const leaked = bodies.find(b => b.text.includes(secret));
      assert.equal(leaked, undefined, `a response (${leaked?.url.split('?')[0]}) holds ${tag}`);
    }
  });
});
