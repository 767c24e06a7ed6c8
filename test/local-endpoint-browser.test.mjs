// GLOBUS_LOCAL_ENDPOINT (issue #16): when the collection it names serves the notebook
// server's files, copying many or large files between JupyterLab and a collection offers a
// Globus transfer instead of HTTPS, and says which route was taken and why. Real Chromium,
// a real JupyterLab from .venv (the installed wheel) and the emulator, at 1366×768.
//
// The lab's root is a folder of the emulator's guest collection (`/lab/` on it), so the
// guest collection is "the collection that serves the notebook server's files", as a hub
// that mounts home on a collection makes it; the `localCollectionRoot` setting says
// `/lab/`. Covers: a 3-file download proposes Globus with why (files, bytes, the
// collection's name); choosing it submits a task that SUCCEEDS and the files appear in
// the lab (bytes equal) and the file browser; the same with `route: 'globus'` asks before
// replacing the local files and Cancel keeps them; a 1-file download stays on HTTPS and says
// why (below the thresholds); a folder upload from the file browser's context menu goes
// by Globus to another collection; choosing "Copy over HTTPS" in the dialog downloads
// over HTTPS and says so; no dialog from the browser itself.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { emulatorModule } from './reliability/support.mjs';
import { emulatorAdmin, openEmulatorLab, screenshotAfterEach } from './support/lab-browser.mjs';

const GUEST_ID = '9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2';
const PUBLIC_ID = 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01';
const WEATHER = '/portal/catalog/dataset_las/';

describe('GLOBUS_LOCAL_ENDPOINT: HTTPS or a Globus transfer', { timeout: 300_000 }, () => {
  let emu;
  let session;
  let page;
  let labRoot;
  let publicDir;
  let otherId;
  let otherDir;
  const dialogs = [];

  before(async () => {
    const mod = await emulatorModule();
    emu = await mod.createEmulator({ seed: 16 });
    publicDir = join(emu.dataDir, 'collections', PUBLIC_ID);
    // The lab serves /lab/ of the guest collection.
    labRoot = join(emu.dataDir, 'collections', GUEST_ID, 'lab');
    mkdirSync(join(labRoot, 'results', 'run1'), { recursive: true });
    writeFileSync(join(labRoot, 'results', 'a.txt'), 'alpha\n');
    writeFileSync(join(labRoot, 'results', 'b.txt'), 'beta\n');
    writeFileSync(join(labRoot, 'results', 'run1', 'c.csv'), 'x,y\n1,2\n');
    mkdirSync(join(labRoot, 'notes'));
    writeFileSync(join(labRoot, 'notes', 'one.md'), '# one\n');
    writeFileSync(join(labRoot, 'notes', 'two.md'), '# two\n');
    writeFileSync(join(labRoot, 'notes', 'three.md'), '# three\n');
    // Another collection the demo user may write to: the upload's destination.
    otherId = (
      await emulatorAdmin(
        emu.urls.admin,
        '/seed/collections',
        { display_name: 'Project space', public: false },
        { status: 201 }
      )
    ).id;
    otherDir = join(emu.dataDir, 'collections', otherId);
    ({ session, page } = await openEmulatorLab(emu, {
      rootDir: labRoot,
      extraEnv: { GLOBUS_LOCAL_ENDPOINT: GUEST_ID },
      exposeApp: true,
      settings: {
        localCollectionRoot: '/lab/',
        globusRouteMinFiles: 3,
        globusRouteMinMegabytes: 50
      },
      command: 'globus-kit:download-to-jupyterlab',
      dialogs
    }));
  });

  after(async () => {
    await session?.close();
    await emu?.close();
  });

  afterEach(screenshotAfterEach('local-endpoint-browser', () => page));

  /** Start a command in the page; the promise resolves with its result. */
  const execute = (id, args) =>
    page.evaluate(
      ([id, args]) => window.jupyterapp.commands.execute(id, args).then(r => r ?? null),
      [id, args]
    );
  const routeDialog = () => page.locator('.jp-Dialog').filter({ hasText: 'Transfer with Globus?' });
  const localItem = name =>
    page
      .locator('#filebrowser .jp-DirListing-content .jp-DirListing-item')
      .filter({ hasText: name })
      .first();

  it('should propose a Globus transfer for 3 files, say why, and land them in the lab', async () => {
    const paths = [1948, 1949, 1950].map(y => `${WEATHER}${y}.csv`);
    const pending = execute('globus-kit:download-to-jupyterlab', {
      collection: PUBLIC_ID,
      paths,
      localDir: ''
    });
    const dialog = routeDialog();
    await dialog.waitFor({ timeout: 20_000 });
    const why = await dialog.locator('.jp-GlobusKit-route-why').textContent();
    assert.match(
      why,
      /^Why: 3 files, [\d.]+ k?B; your home is on collection Tutorial Guest Collection\.$/
    );
    await dialog.getByRole('button', { name: 'Transfer with Globus' }).click();
    const result = await pending;
    assert.equal(result.route, 'globus');
    assert.equal(result.status, 'SUCCEEDED');
    assert.match(result.taskId, /^[0-9a-f-]{36}$/);
    assert.match(result.routeReason, /your home is on collection Tutorial Guest Collection/);
    for (const year of [1948, 1949, 1950]) {
      assert.deepEqual(
        readFileSync(join(labRoot, `${year}.csv`)),
        readFileSync(join(publicDir, WEATHER, `${year}.csv`))
      );
    }
    await localItem('1950.csv').waitFor({ timeout: 15_000 });
    // The result says the route and why.
    await page
      .locator('.Toastify__toast--success', { hasText: 'Transferred with Globus' })
      .filter({ hasText: 'your home is on collection Tutorial Guest Collection' })
      .first()
      .waitFor();
    // The task is a real Transfer task, on the route the dialog named.
    const task = await page.evaluate(
      id =>
        fetch(`${window.jupyterapp.serviceManager.serverSettings.baseUrl}globus-kit/tasks/${id}`, {
          headers: {
            Authorization: `token ${window.jupyterapp.serviceManager.serverSettings.token}`
          }
        }).then(r => r.json()),
      result.taskId
    );
    assert.deepEqual(
      [task.source_endpoint_id, task.destination_endpoint_id, task.status],
      [PUBLIC_ID, GUEST_ID, 'SUCCEEDED']
    );
  });

  it('should ask before a Globus transfer replaces files in the lab', async () => {
    writeFileSync(join(labRoot, '1948.csv'), 'my local edits');
    const pending = execute('globus-kit:download-to-jupyterlab', {
      collection: PUBLIC_ID,
      paths: [1948, 1949, 1950].map(y => `${WEATHER}${y}.csv`),
      localDir: '',
      route: 'globus'
    });
    const ask = page.locator('.jp-Dialog').filter({ hasText: 'Replace files in JupyterLab?' });
    await ask.waitFor({ timeout: 20_000 });
    assert.equal(await routeDialog().count(), 0, 'route: globus asks no route question');
    for (const year of [1948, 1949, 1950]) await ask.getByText(`${year}.csv`).waitFor();
    await ask.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await pending, null);
    assert.equal(readFileSync(join(labRoot, '1948.csv'), 'utf8'), 'my local edits');
  });

  it('should keep one small file on HTTPS and say why', async () => {
    const result = await execute('globus-kit:download-to-jupyterlab', {
      collection: PUBLIC_ID,
      paths: [`${WEATHER}1951.csv`],
      localDir: ''
    });
    assert.equal(result.route, 'https');
    assert.equal(result.status, 'succeeded');
    assert.match(result.routeReason, /^1 file, [\d.]+ k?B; below 3 files and 50 MB$/);
    assert.equal(await routeDialog().count(), 0, 'no route dialog below the thresholds');
    assert.deepEqual(
      readFileSync(join(labRoot, '1951.csv')),
      readFileSync(join(publicDir, WEATHER, '1951.csv'))
    );
    await page
      .locator('.Toastify__toast--success', { hasText: 'over HTTPS: 1 file' })
      .first()
      .waitFor();
  });

  it("should upload a folder by Globus from the file browser's context menu", async () => {
    await page.evaluate(() => window.jupyterapp.commands.execute('filebrowser:refresh'));
    await localItem('results').click({ button: 'right' });
    await page.locator('.lm-Menu-item:visible').filter({ hasText: 'Upload to Globus…' }).click();
    const form = page.locator('.jp-Dialog').filter({ hasText: 'Upload to Globus' });
    await form.getByRole('combobox', { name: 'Collection id' }).fill(otherId);
    await form.getByRole('textbox', { name: 'Folder on the collection' }).fill('/');
    await form.getByRole('button', { name: 'Upload' }).click();
    const dialog = routeDialog();
    await dialog.waitFor({ timeout: 20_000 });
    assert.match(
      await dialog.locator('.jp-GlobusKit-route-why').textContent(),
      /^Why: 3 files, 19 B; your home is on collection Tutorial Guest Collection\.$/
    );
    await dialog.getByRole('button', { name: 'Transfer with Globus' }).click();
    await page
      .locator('.Toastify__toast--success', { hasText: 'Transferred with Globus' })
      .nth(1)
      .waitFor({ timeout: 30_000 });
    assert.equal(readFileSync(join(otherDir, 'results', 'a.txt'), 'utf8'), 'alpha\n');
    assert.equal(readFileSync(join(otherDir, 'results', 'b.txt'), 'utf8'), 'beta\n');
    assert.equal(readFileSync(join(otherDir, 'results', 'run1', 'c.csv'), 'utf8'), 'x,y\n1,2\n');
  });

  it('should copy over HTTPS when the user chooses it in the dialog', async () => {
    const pending = execute('globus-kit:download-to-jupyterlab', {
      collection: PUBLIC_ID,
      paths: [1952, 1953, 1954].map(y => `${WEATHER}${y}.csv`),
      localDir: 'notes'
    });
    const dialog = routeDialog();
    await dialog.waitFor({ timeout: 20_000 });
    await dialog.getByRole('button', { name: 'Copy over HTTPS' }).click();
    const result = await pending;
    assert.equal(result.route, 'https');
    assert.equal(result.status, 'succeeded', JSON.stringify(result.errors));
    assert.equal(result.filesDone, 3);
    assert.match(result.routeReason, /^3 files, [\d.]+ k?B; you chose HTTPS$/);
    assert.deepEqual(
      readFileSync(join(labRoot, 'notes', '1954.csv')),
      readFileSync(join(publicDir, WEATHER, '1954.csv'))
    );
    assert.deepEqual(dialogs, []);
  });
});
