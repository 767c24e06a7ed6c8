// Sharing in the Globus file manager (issue #16) in real Chromium against a real
// JupyterLab from .venv (the installed wheel) and the emulator, at 1366×768. One lab start
// serves the tests; they run in order and share the page.
//
// Covers: Share… disabled with its reason on a file and on a collection the user does not
// manage; the Share dialog (role dialog, a table of rules, a radiogroup, a combobox over a
// listbox) opened on a folder of the guest collection; a rule for an identity looked up by
// username as you type (a bounded number of look-ups), added with the keyboard alone and
// an invitation; a rule for a group picked from the user's groups, and one for all
// authenticated users (anyone: read only); one revoked after an inline confirmation
// (keyboard); the rules checked on the emulator; Groups consent and Auth failures shown
// with their remedy; light and dark screenshots; a hostile folder, group and identity
// name shown as inert text; no token in the DOM, storage or any response.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { emulatorModule } from './reliability/support.mjs';
import { IMG, LONG, RLO } from './security/injection-support.mjs';
import {
  emulatorAdmin,
  globusDataSecrets,
  labEnvFrom,
  openEmulatorLab,
  root,
  screenshotAfterEach,
  TEST_OUTPUT as OUTPUT
} from './support/lab-browser.mjs';

const SCREENSHOTS = join(root, 'docs/screenshots');
const COLLEAGUE = 'grace.colleague@globusid.org';
const HOSTILE_FOLDER = `${IMG} ${RLO}csv.exe ..`;
const HOSTILE_GROUP = `<script>alert(1)</script>${IMG} ${RLO}puorg ../../ ${LONG}`;
const HOSTILE_USER = `<img/src=x/onerror=alert(3)>${RLO}evil@example.org`;
const GROUPS_SCOPE = 'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships';

describe('sharing a folder from the Globus file manager', { timeout: 480_000 }, () => {
  let emu;
  let seed;
  let session;
  let page;
  let labRoot;
  let hostileGroupId;
  let secrets = [];
  const dialogs = [];
  const lookups = [];

  before(async () => {
    const mod = await emulatorModule();
    seed = mod.seed;
    emu = await mod.createEmulator({ seed: 16 });
    // A folder and a hostile folder on the guest collection; a hostile group of the demo
    // user; an identity with a hostile username.
    await emulatorAdmin(
      emu.urls.admin,
      `/seed/collections/${seed.GUEST_COLLECTION_ID}/files`,
      { files: { '/results/summary.csv': 'a\n1\n', [`/${HOSTILE_FOLDER}/x.txt`]: 'x\n' } },
      { status: 201 }
    );
    hostileGroupId = randomUUID();
    emu.auth.directory.groups.set(hostileGroupId, {
      id: hostileGroupId,
      name: HOSTILE_GROUP,
      description: IMG,
      members: new Map([[seed.DEMO_IDENTITY_ID, 'member']])
    });
    emu.auth.directory.provision(HOSTILE_USER, randomUUID());
    const env = labEnvFrom(await emu.env());
    ({ secrets } = globusDataSecrets(env.GLOBUS_DATA));
    assert.ok(secrets.length >= 2, 'the emulator GLOBUS_DATA should hold tokens');
    ({ session, page, labRoot } = await openEmulatorLab(emu, {
      env,
      rootPrefix: 'lab-root-share-',
      exposeApp: true,
      command: 'globus-kit:file-manager-share',
      dialogs
    }));
    page.on('request', r => {
      if (r.url().includes('/globus-kit/identities')) lookups.push(r.url());
    });
  });

  after(async () => {
    await session?.close();
    await emu?.close();
    if (labRoot) rmSync(labRoot, { recursive: true, force: true });
  });

  afterEach(screenshotAfterEach('share-browser', () => page));

  const execute = (id, args) =>
    page.evaluate(
      ([id, args]) => window.jupyterapp.commands.execute(id, args).then(() => null),
      [id, args]
    );
  const manager = () => page.locator('.jp-GlobusKit-FileManager:visible').first();
  const files = () =>
    manager().getByRole('region', { name: 'Pane 1' }).getByRole('listbox', { name: 'Files' });
  const row = name => files().getByRole('option').filter({ hasText: name }).first();
  const shareButton = () => manager().locator('[data-command="globus-kit:file-manager-share"]');
  const dialog = () => page.getByRole('dialog');
  const rulesTable = () => dialog().getByRole('table', { name: 'Who has access' });
  const ruleRows = () => rulesTable().locator('tbody tr.jp-GlobusKit-Share-rule');
  const combobox = () => dialog().getByRole('combobox', { name: 'Username or email' });
  const matches = () => dialog().getByRole('listbox', { name: 'Matching identities' });
  const rulesOnEmulator = path =>
    emu.collections.accessRules(seed.GUEST_COLLECTION_ID).filter(r => r.path === path);

  /** The Share… toolbar button's state: enabled and its tooltip. */
  async function shareState() {
    const button = shareButton();
    await button.waitFor();
    return button.evaluate(node => ({
      disabled: node.hasAttribute('disabled') || node.getAttribute('aria-disabled') === 'true',
      title: node.getAttribute('title') ?? ''
    }));
  }

  async function openShareOn(folder) {
    await row(folder).click();
    await page.waitForFunction(() =>
      [
        ...document.querySelectorAll(
          '.jp-GlobusKit-FileManager [data-command="globus-kit:file-manager-share"]'
        )
      ].some(b => b.checkVisibility() && b.getAttribute('aria-disabled') !== 'true')
    );
    // Keyboard: focus the toolbar button and press Enter.
    await shareButton().focus();
    await page.keyboard.press('Enter');
    await dialog().waitFor();
    await rulesTable().waitFor();
  }

  async function closeDialog() {
    await dialog().getByRole('button', { name: 'Close', exact: true }).last().click();
    await dialog().waitFor({ state: 'detached' });
  }

  it('should disable Share… with its reason on a file and on a collection you do not manage', async () => {
    await execute('globus-kit:open-file-manager', {
      collection: seed.PUBLIC_COLLECTION_ID,
      path: '/'
    });
    await files().getByRole('option').first().waitFor();
    let state = await shareState();
    assert.equal(state.disabled, true);
    assert.match(state.title, /access_manager role on Globus Tutorials Public Data/);
    await page.getByRole('tab', { name: /Globus: Globus Tutorials Public Data/ }).waitFor();
    await page.evaluate(() => window.jupyterapp.shell.currentWidget?.close());

    await execute('globus-kit:open-file-manager', {
      collection: seed.GUEST_COLLECTION_ID,
      path: '/'
    });
    await row('README.txt').click();
    state = await shareState();
    assert.equal(state.disabled, true);
    assert.match(state.title, /Access rules apply to folders/);
    // The row context menu offers it too (disabled on a file).
    await row('README.txt').click({ button: 'right' });
    const item = page.locator('.lm-Menu-item:visible').filter({ hasText: 'Share…' }).first();
    await item.waitFor();
    assert.equal(await item.getAttribute('aria-disabled'), 'true');
    await page.keyboard.press('Escape');
  });

  it('should share a folder with an identity looked up by username, by keyboard alone', async () => {
    await openShareOn('results');
    // ARIA: a modal dialog with a table, a radiogroup and a combobox.
    assert.equal(await page.getByRole('dialog').count(), 1);
    await dialog().getByRole('radiogroup', { name: 'Share with' }).waitFor();
    assert.equal(
      (await dialog().locator('.jp-GlobusKit-Share-path').textContent()) ?? '',
      '/results/'
    );
    await rulesTable().getByText('No access rules on this folder yet.').waitFor();
    // The combobox has the focus; type as a person does.
    await page.waitForFunction(() =>
      document.activeElement?.classList.contains('jp-GlobusKit-Share-who-input')
    );
    const before = lookups.length;
    await page.keyboard.type('grace.colleague', { delay: 40 });
    await matches()
      .getByRole('option', { name: new RegExp(COLLEAGUE) })
      .waitFor();
    const sent = lookups.length - before;
    assert.ok(sent >= 1 && sent <= 3, `${sent} look-ups for 15 keys`);
    assert.equal(await combobox().getAttribute('aria-expanded'), 'true');
    assert.equal(await matches().getByRole('option').first().getAttribute('aria-selected'), 'true');
    await page.keyboard.press('Enter'); // pick, not the dialog's accept
    await dialog().getByText(`Selected: ${COLLEAGUE}`).waitFor();
    assert.equal(await dialog().isVisible(), true);
    // Tab: access (read), the invitation (the identity's email filled in), the message, Add.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(
      await page.evaluate(() => document.activeElement?.value),
      'grace.colleague@example.org'
    );
    await page.keyboard.press('Tab');
    await page.keyboard.type('The results are in.');
    await page.keyboard.press('Enter'); // a new line in the message, not a submit
    await page.keyboard.type('Enjoy.');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Add');
    await page.keyboard.press('Enter');
    await dialog()
      .getByRole('status')
      .filter({ hasText: `${COLLEAGUE} can now read /results/` })
      .waitFor();
    await ruleRows().filter({ hasText: COLLEAGUE }).waitFor();
    const [rule] = rulesOnEmulator('/results/');
    assert.equal(rule.principal, seed.COLLEAGUE_IDENTITY_ID);
    assert.equal(rule.permissions, 'r');
  });

  it('should share the folder with one of my groups, read and write', async () => {
    await dialog().getByRole('radio', { name: 'A group' }).check();
    const select = dialog().getByRole('combobox', { name: 'Group' });
    await select.locator('option', { hasText: 'Tutorial Users' }).waitFor({ state: 'attached' });
    await select.selectOption(seed.TUTORIAL_GROUP_ID);
    await dialog().getByRole('combobox', { name: 'Access' }).selectOption('rw');
    await dialog().getByRole('button', { name: 'Add', exact: true }).click();
    await ruleRows().filter({ hasText: 'Tutorial Users' }).waitFor();
    const groupRow = ruleRows().filter({ hasText: 'Tutorial Users' });
    assert.match((await groupRow.textContent()) ?? '', /Read and write/);
    assert.equal(
      rulesOnEmulator('/results/').find(r => r.principal_type === 'group')?.permissions,
      'rw'
    );
  });

  it('should save screenshots of the dialog in the light and dark themes', async () => {
    const updateDocs = process.env.UPDATE_SCREENSHOTS === '1';
    if (updateDocs) mkdirSync(SCREENSHOTS, { recursive: true });
    await dialog().getByRole('radio', { name: 'A person' }).check();
    await combobox().fill('grace.colleague');
    await matches().getByRole('option').first().waitFor();
    const shot = async theme => {
      const file = join(OUTPUT, `share-${theme}.png`);
      await page.screenshot({ path: file });
      assert.ok(statSync(file).size > 10_000, `${file} holds a real screenshot`);
      if (updateDocs) copyFileSync(file, join(SCREENSHOTS, `share-${theme}.png`));
    };
    await shot('light');
    await execute('apputils:change-theme', { theme: 'JupyterLab Dark' });
    await page.locator('body[data-jp-theme-light="false"]').waitFor({ state: 'attached' });
    await page.waitForTimeout(500);
    const colors = await dialog()
      .locator('.jp-GlobusKit-Share')
      .evaluate(node => {
        let bg = 'rgba(0, 0, 0, 0)';
        for (let n = node; n && bg === 'rgba(0, 0, 0, 0)'; n = n.parentElement) {
          bg = getComputedStyle(n).backgroundColor;
        }
        return { color: getComputedStyle(node).color, background: bg };
      });
    const lum = c => {
      const [r, g, b] = c.match(/\d+/g).map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    assert.ok(lum(colors.color) > lum(colors.background) + 80, JSON.stringify(colors));
    const option = await matches()
      .getByRole('option')
      .first()
      .evaluate(node => ({
        color: getComputedStyle(node).color,
        background: getComputedStyle(node).backgroundColor
      }));
    assert.ok(
      Math.abs(lum(option.color) - lum(option.background)) > 80,
      `active option contrast: ${JSON.stringify(option)}`
    );
    await shot('dark');
    await combobox().fill('');
  });

  it('should revoke a rule after an inline confirmation, by keyboard', async () => {
    const revoke = dialog().getByRole('button', { name: `Revoke access of ${COLLEAGUE}` });
    await revoke.focus();
    await page.keyboard.press('Enter');
    const confirm = dialog().getByRole('button', { name: `Revoke access of ${COLLEAGUE}` });
    await page.waitForFunction(() => document.activeElement?.classList.contains('jp-mod-warn'));
    assert.equal(await confirm.textContent(), 'Revoke access');
    assert.equal(await dialog().getByText('Revoke?').count(), 1);
    await page.keyboard.press('Enter');
    await dialog()
      .getByRole('status')
      .filter({ hasText: `Revoked the access of ${COLLEAGUE}` })
      .waitFor();
    await ruleRows().filter({ hasText: COLLEAGUE }).waitFor({ state: 'detached' });
    assert.deepEqual(
      rulesOnEmulator('/results/').map(r => r.principal_type),
      ['group']
    );
    await closeDialog();
  });

  it('should show Groups and Auth failures in the dialog with their remedy', async () => {
    const fault = rule =>
      fetch(`${emu.urls.admin}/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(rule),
        signal: AbortSignal.timeout(10_000)
      }).then(r => assert.ok(r.ok, `fault ${r.status}`));
    await fault({
      service: 'groups',
      path: '/v2/groups/my_groups',
      kind: 'status',
      status: 403,
      count: 2, // the rule list's group names, then the group picker
      body: {
        code: 'ConsentRequired',
        message: 'Missing required consent',
        authorization_parameters: { required_scopes: [GROUPS_SCOPE] }
      }
    });
    await fault({
      service: 'auth',
      path: '/v2/api/identities',
      kind: 'status',
      status: 500,
      count: 2
    });
    try {
      await openShareOn('results');
      // The list still answers: the group by its id, with a note.
      await dialog()
        .getByText('Some names could not be shown: group names unavailable (CONSENT_REQUIRED)')
        .waitFor();
      await ruleRows().filter({ hasText: seed.TUTORIAL_GROUP_ID }).waitFor();
      await dialog().getByRole('radio', { name: 'A group' }).check();
      const consent = dialog().locator('.jp-GlobusKit-Share-group [role="alert"]');
      await consent.waitFor();
      assert.equal(await consent.getAttribute('data-code'), 'CONSENT_REQUIRED');
      assert.match((await consent.textContent()) ?? '', /missing scope .*view_my_groups/);
      const href = await consent.getByRole('link', { name: 'Grant consent' }).getAttribute('href');
      assert.ok(href.startsWith(`${emu.urls.auth}/v2/oauth2/authorize?`), href);
      await dialog().getByRole('radio', { name: 'A person' }).check();
      await combobox().fill('grace.colleague');
      const failed = dialog().locator('.jp-GlobusKit-Share-identity [role="alert"]');
      await failed.waitFor();
      assert.match((await failed.textContent()) ?? '', /^Auth identities failed \(500/);
      assert.equal(await matches().isVisible(), false);
    } finally {
      const cleared = await fetch(`${emu.urls.admin}/faults`, {
        method: 'DELETE',
        headers: { 'Content-Type': 'application/json' },
        signal: AbortSignal.timeout(10_000)
      });
      assert.equal(cleared.status, 200);
    }
    await closeDialog();
  });

  it('should show a hostile folder, group and identity as inert text', async () => {
    await execute('apputils:change-theme', { theme: 'JupyterLab Light' });
    await page.locator('body[data-jp-theme-light="true"]').waitFor({ state: 'attached' });
    await openShareOn(HOSTILE_FOLDER);
    const path = dialog().locator('.jp-GlobusKit-Share-path');
    assert.equal(await path.textContent(), `/${HOSTILE_FOLDER}/`);
    assert.equal(await path.locator('.jp-GlobusKit-bidi[data-codepoint="U+202E"]').count(), 1);
    // the hostile identity, looked up by its username
    await combobox().fill(HOSTILE_USER);
    await matches().getByRole('option').first().waitFor();
    await page.keyboard.press('Enter');
    await dialog().getByRole('button', { name: 'Add', exact: true }).click();
    await ruleRows().nth(0).waitFor();
    // the hostile group (5,000+ characters), read only
    await dialog().getByRole('radio', { name: 'A group' }).check();
    const select = dialog().getByRole('combobox', { name: 'Group' });
    await select.locator(`option[value="${hostileGroupId}"]`).waitFor({ state: 'attached' });
    await select.selectOption(hostileGroupId);
    await dialog().getByRole('button', { name: 'Add', exact: true }).click();
    await ruleRows().nth(1).waitFor();
    // anyone may only read; all authenticated users may also write
    const access = dialog().getByRole('combobox', { name: 'Access' });
    const rwDisabled = () => access.locator('option[value="rw"]').evaluate(o => o.disabled);
    await dialog().getByRole('radio', { name: 'Anyone (public)' }).check();
    assert.equal(await rwDisabled(), true);
    assert.equal(await access.inputValue(), 'r');
    await dialog().getByRole('radio', { name: 'All authenticated users' }).check();
    assert.equal(await rwDisabled(), false);
    await dialog().getByRole('button', { name: 'Add', exact: true }).click();
    await ruleRows().nth(2).waitFor();
    // The status line names the folder as text, its U+202E isolated (it reversed the
    // text after it before: "/.. exe.vsc").
    const status = dialog().getByRole('status');
    assert.equal(
      await status.textContent(),
      `All authenticated users can now read /${HOSTILE_FOLDER}/`
    );
    assert.equal(await status.locator('.jp-GlobusKit-bidi[data-codepoint="U+202E"]').count(), 1);
    const who = await ruleRows().locator('.jp-GlobusKit-Share-who').allTextContents();
    assert.deepEqual(
      who.sort(),
      ['All authenticated users', HOSTILE_GROUP, HOSTILE_USER.toLowerCase()].sort()
    );
    assert.equal(await dialog().locator('img, svg[onload], script').count(), 0);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    // The 5,000-character group name stays inside the dialog, a few lines high.
    const box = await dialog()
      .locator('.jp-GlobusKit-Share')
      .evaluate(node => ({
        width: node.getBoundingClientRect().width,
        scroll: node.scrollWidth,
        client: node.clientWidth
      }));
    assert.ok(box.width < 1366, JSON.stringify(box));
    assert.ok(box.scroll <= box.client + 1, JSON.stringify(box));
    const cell = await ruleRows()
      .locator('.jp-GlobusKit-Share-whoText')
      .filter({ hasText: 'puorg' })
      .boundingBox();
    assert.ok(cell.height < 120, `the group name takes ${cell.height}px`);
    assert.equal(
      rulesOnEmulator(`/${HOSTILE_FOLDER}/`)
        .map(r => r.principal_type)
        .sort()
        .join(),
      'all_authenticated_users,group,identity'
    );
    await page.screenshot({ path: join(OUTPUT, 'share-hostile.png') });
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, []);
    await closeDialog();
  });

  it('should keep every token out of the DOM, storage and every response', async () => {
    const dom = await page.content();
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })
    );
    const bodies = await session.responses.bodies();
    for (const route of ['/globus-kit/identities', '/globus-kit/groups', '/access']) {
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
