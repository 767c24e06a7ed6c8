// The transfer dialog's login fixes (issue #17) in real Chromium against a real JupyterLab
// from .venv (the installed wheel) with a stored login, and the emulator (auto-approve):
//
// - a destination on the mapped collection that needs a data_access consent: the dialog
//   shows CONSENT_REQUIRED with **Log in with this consent**; the login it opens (a new
//   tab, back through the server's callback) adds the scope; **Resubmit** then lists the
//   destination, offers to create its missing folder, starts the task and it reaches
//   SUCCEEDED;
// - a high-assurance collection (seeded with `session_required_single_domain`): Transfer
//   answers AuthPolicyFailed with `authorization_parameters`, the dialog says
//   SESSION_REQUIRED and offers **Log in again**; the login it opens carries those
//   parameters; **Resubmit** then starts the task and it reaches SUCCEEDED with the bytes
//   in the collection;
// - a task submitted from a real tslab kernel (the `transfer` verb, `connect()` through the
//   server's token broker) shows up in the open Activity view within the 5 s poll.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { emulatorModule } from './reliability/support.mjs';
import {
  emulatorAdmin,
  labRoute,
  makeOutputDir,
  openEmulatorLab,
  screenshotAfterEach
} from './support/lab-browser.mjs';
import { openKernel } from './support/notebook-runner.mjs';

describe('transfer dialog login fixes with a stored login', { timeout: 420_000 }, () => {
  let emu;
  let mod;
  let session;
  let page;
  let labRoot;
  let haId;
  let kernel;
  const authorizeUrls = [];

  /** A call to the emulator's admin origin. */
  const admin = (method, path, body) => emulatorAdmin(emu.urls.admin, path, body, { method });

  /** A call to the lab's routes with the lab token. */
  const lab = (method, path, body) => labRoute(session.lab, method, path, body);

  /** Open `url` (an authorize URL) in a new tab and wait for the server's callback page. */
  async function followLogin(tab) {
    await tab.waitForURL(/\/globus-kit\/login\/callback/, { timeout: 30_000 });
    await tab.waitForLoadState('domcontentloaded');
    const text = await tab.locator('body').innerText();
    await tab.close();
    return text;
  }

  /** Wait (bounded) until a task is no longer ACTIVE; returns its status. */
  async function finalStatus(taskId, timeoutMs = 40_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await lab('GET', `tasks/${taskId}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const status = r.body.task?.status ?? r.body.status;
      if (status !== 'ACTIVE') return status;
      assert.ok(Date.now() < until, `task ${taskId} still ACTIVE`);
      await new Promise(resolve => setTimeout(resolve, 250));
    }
  }

  before(async () => {
    mod = await emulatorModule();
    emu = await mod.createEmulator({ seed: 1719, autoApprove: true });
    haId = (
      await admin('POST', '/seed/collections', {
        display_name: 'High Assurance Archive',
        files: { '/in/keep.txt': 'kept\n' }
      })
    ).id;
    await admin('PATCH', `/seed/collections/${haId}`, {
      session_required_single_domain: 'globusid.org'
    });
    const env = Object.fromEntries(
      Object.entries(await emu.env()).filter(([k]) => k.startsWith('GLOBUS_SDK_SERVICE_URL_'))
    );
    labRoot = makeOutputDir('lab-root-transfer-session-');
    env.GLOBUS_KIT_CLIENT_ID = mod.seed.NATIVE_CLIENT_ID;
    env.GLOBUS_KIT_TOKEN_FILE = join(labRoot, '.tokens', 'tokens.json');
    ({ session, page } = await openEmulatorLab(emu, {
      env,
      rootDir: labRoot,
      exposeApp: true,
      command: 'globus-kit:transfer'
    }));
    session.context.on('request', request => {
      if (request.url().startsWith(`${emu.urls.auth}/v2/oauth2/authorize`)) {
        authorizeUrls.push(request.url());
      }
    });
    // The stored login every test starts from (as the sidebar's Log in does).
    const start = await lab('POST', 'login', {});
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const tab = await session.context.newPage();
    await tab.goto(start.body.url);
    assert.match(await followLogin(tab), /\S/);
    const status = await lab('GET', 'login');
    assert.equal(status.body.source, 'stored-login');
  });

  after(async () => {
    await kernel?.close();
    await session?.close();
    await emu?.close();
    if (labRoot) rmSync(labRoot, { recursive: true, force: true });
  });

  afterEach(screenshotAfterEach('transfer-session-browser', () => page));

  const transferDialog = () => page.locator('.jp-Dialog').filter({ hasText: 'Options' });

  /** Open the transfer dialog through the command; the task id lands in `window.__taskId`. */
  async function openDialog(destination, label) {
    await page.evaluate(
      ({ destination, source }) => {
        window.__taskId = undefined;
        void window.jupyterapp.commands
          .execute('globus-kit:transfer', {
            source: { collection: source, path: '/share/godata/' },
            destination,
            items: ['/share/godata/file1.txt']
          })
          .then(id => {
            window.__taskId = id;
          });
      },
      { destination, source: mod.seed.PUBLIC_COLLECTION_ID }
    );
    await transferDialog().waitFor();
    await transferDialog().getByRole('textbox', { name: 'Label' }).fill(label);
    await transferDialog().getByRole('button', { name: 'Transfer', exact: true }).click();
  }

  /** Press the fix button, follow the login tab back to the server, then Resubmit. */
  async function fixAndResubmit(buttonName, { create = false } = {}) {
    const tab = session.context.waitForEvent('page', { timeout: 30_000 });
    await transferDialog().getByRole('button', { name: buttonName }).click();
    await followLogin(await tab);
    await transferDialog().getByRole('button', { name: 'Resubmit', exact: true }).click();
    await transferDialog().waitFor({ state: 'detached' });
    if (create) {
      // Now that the collection can be listed, its missing folder is found and offered.
      const ask = page.locator('.jp-Dialog').filter({ hasText: 'Create the destination folder?' });
      await ask.getByRole('button', { name: 'Create and transfer', exact: true }).click();
    }
    await page.waitForFunction(() => typeof window.__taskId === 'string', null, {
      timeout: 30_000
    });
    return page.evaluate(() => window.__taskId);
  }

  it('should fix a consent-required destination with a step-up login and resubmit it', async () => {
    await openDialog(
      { collection: mod.seed.MAPPED_COLLECTION_ID, path: '/~/consented/' },
      'after consent'
    );
    const alert = transferDialog().getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.getAttribute('data-code'), 'CONSENT_REQUIRED');
    const before = authorizeUrls.length;
    const taskId = await fixAndResubmit('Log in with this consent (opens Globus)', {
      create: true
    });
    const asked = new URL(authorizeUrls.at(-1));
    assert.ok(authorizeUrls.length > before, 'a login was opened');
    assert.match(asked.searchParams.get('scope') ?? '', /data_access/);
    assert.equal(await finalStatus(taskId), 'SUCCEEDED');
    const listed = await lab(
      'GET',
      `collections/${mod.seed.MAPPED_COLLECTION_ID}/ls?path=${encodeURIComponent('/~/consented/')}`
    );
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.ok(JSON.stringify(listed.body).includes('file1.txt'));
  });

  it('should say a high-assurance collection needs a fresh login, log in with its parameters and resubmit', async () => {
    const refused = await lab('GET', `collections/${haId}/ls?path=/in/`);
    assert.equal(refused.body.code, 'SESSION_REQUIRED');
    await openDialog({ collection: haId, path: '/in/' }, 'high assurance');
    const alert = transferDialog().getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.getAttribute('data-code'), 'SESSION_REQUIRED');
    assert.match(await alert.innerText(), /requires a recent authentication/);
    // Pressing Resubmit without logging in is refused the same way.
    await transferDialog().getByRole('button', { name: 'Resubmit', exact: true }).click();
    await transferDialog().getByRole('alert').waitFor();
    assert.equal(
      await transferDialog().getByRole('alert').getAttribute('data-code'),
      'SESSION_REQUIRED'
    );
    const taskId = await fixAndResubmit('Log in again (opens Globus)');
    const asked = new URL(authorizeUrls.at(-1));
    assert.equal(asked.searchParams.get('session_required_single_domain'), 'globusid.org');
    assert.equal(await finalStatus(taskId), 'SUCCEEDED');
    assert.equal(
      readFileSync(join(emu.dataDir, 'collections', haId, 'in', 'file1.txt'), 'utf8'),
      'abc\n'
    );
  });

  it('should show a task submitted from a notebook cell within the 5 s poll', async t => {
    await page.evaluate(() => window.jupyterapp.commands.execute('globus-kit:open-activity'));
    const activity = page.locator('.jp-GlobusKit-Activity:visible').first();
    await activity.waitFor();
    const row = activity
      .getByRole('table', { name: 'Tasks' })
      .locator('tbody tr')
      .filter({ hasText: 'from a kernel cell' });
    assert.equal(await row.count(), 0);
    // A real tslab kernel of this server (what a notebook cell runs in), credentials from
    // the server's broker.
    kernel = await openKernel(session.lab, 'activity-cell.ipynb', { kernelName: 'tslab' });
    const cell = kernel.execute(
      [
        "import { connect } from '@jupyterlab-globus-kit/kernel-helpers';",
        'const globus = await connect();',
        'const done = await globus.transfer({',
        `  from: '${mod.seed.PUBLIC_COLLECTION_ID}',`,
        `  to: '${mod.seed.GUEST_COLLECTION_ID}',`,
        "  items: [{ source: '/share/godata/file2.txt', destination: '/from-cell/file2.txt' }],",
        "  label: 'from a kernel cell'",
        '});',
        "console.log('CELL', globus.source, done.status, done.task_id);"
      ].join('\n'),
      { timeoutMs: 120_000 }
    );
    await row.waitFor({ timeout: 60_000 });
    const seen = Date.now();
    const result = await cell;
    const text = result.messages
      .filter(m => m.msg_type === 'stream')
      .map(m => m.content.text)
      .join('');
    assert.equal(result.reply?.status, 'ok', text);
    const [, source, status, taskId] = /CELL (\S+) (\S+) (\S+)/.exec(text) ?? [];
    assert.equal(source, 'server', 'the kernel took the server credentials');
    assert.equal(status, 'SUCCEEDED');
    assert.equal(await row.getAttribute('data-task-id'), taskId);
    // Within the poll: from the task's request time (the emulator clock is real time here)
    // to the row in the view, 5 s plus the list request.
    const detail = await lab('GET', `tasks/${taskId}`);
    const requested = Date.parse(detail.body.task?.request_time ?? detail.body.request_time);
    assert.ok(Number.isFinite(requested), JSON.stringify(detail.body));
    const seconds = (seen - requested) / 1000;
    t.diagnostic(`the row appeared ${seconds} s after the submission`);
    assert.ok(seconds <= 7, `the row appeared ${seconds} s after the submission`);
  });
});
