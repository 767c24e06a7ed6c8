// The secret scan (issue #8): run the demo notebook, a browser session and the fault matrix
// against emulators that issue real tokens, then search everything they produced for every
// secret the emulators issued — zero hits.
//
// Two worlds run side by side:
//  - the demo: the emulator CLI with --log, one JupyterLab (--debug) holding its GLOBUS_DATA
//    and the native client id; the demo notebook runs in that lab's tslab kernel; then
//    Chromium opens the lab and uses the sidebar (identity and tokens, consents, the public
//    collection, a step-up login through the consent page and the server callback, the
//    notebook's transfer in Transfers);
//  - the fault matrix (test/reliability/fault-matrix.mjs): every verb and route under every
//    fault, on an in-process emulator and a jupyter_server with --debug.
// Secrets: every access, refresh and id token, authorization code and PKCE verifier each
// emulator issued (its test-only `issued-secrets` list) and the client secret; GLOBUS_DATA
// and the stored login must be covered by that list. Forms: see secret-scanner.mjs.
// Sources: every notebook message (every mime type), both servers' logs (the kernel's
// stderr is the lab's), both emulators' logs, exception texts and displays of the matrix,
// the matrix's route bodies, and from the browser every response (headers and body), the
// DOM of every page, console messages, WebSocket frames (the lab's kernel channel),
// local/session storage, IndexedDB, Cache Storage and cookies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFaultMatrix, FAULT_NAMES } from '../reliability/fault-matrix.mjs';
import { emulatorModule, helpersModule, startServer, table } from '../reliability/support.mjs';
import { runNotebook } from '../support/notebook-runner.mjs';
import {
  browserState,
  globusDataSecrets,
  globusSidebar,
  openLabInChromium,
  openSidebarSection,
  openWeatherFolder,
  root,
  showGlobusSidebar,
  showTokenDetails
} from '../support/lab-browser.mjs';
import { startEmulatorCli, stopProcessGroup } from '../../scripts/lab-launcher.mjs';
import { SecretScanner, tagOf, WINDOW } from './secret-scanner.mjs';

const NOTEBOOK = 'notebooks/globus-data-flow.ipynb';
const OUTPUT = join(root, 'test-output');
const TRANSFER_ALL = 'urn:globus:auth:scope:transfer.api.globus.org:all';
const MAPPED = 'e56c36e4-1063-4a6e-a747-22000bf2d559';
const DATA_ACCESS = `${TRANSFER_ALL}[*https://auth.globus.org/scopes/${MAPPED}/data_access]`;
/**
 * The fault columns the scan runs: those whose cells end in their own error texts. The
 * latency, bandwidth and 429 columns end in `ok` or in codes the 5xx column already
 * produces, and cost most of the matrix's time; SECRET_SCAN_FULL_MATRIX=1 runs all nine.
 * (fault-matrix.test.mjs runs all nine and searches their outputs for tokens too.)
 */
const MATRIX_FAULTS =
  process.env.SECRET_SCAN_FULL_MATRIX === '1'
    ? FAULT_NAMES
    : ['none', '5xx', 'reset', 'truncate', 'consent', 'expiry'];
/** After the notebook: what a user may print, and failures left uncaught in a cell. */
const EXTRA_CELLS = [
  'console.log(globus); console.log(JSON.stringify(globus)); console.error(globus.tokens);',
  "globus.tokens.for('transfer.api.globus.org')",
  "await globus.ls('Globus Tutorials Mapped Collection', '/');",
  "await globus.fetchCsv('ftp://example.invalid/data.csv');"
];
const KIND = {
  accessTokens: 'access token',
  refreshTokens: 'refresh token',
  idTokens: 'id token',
  authorizationCodes: 'authorization code',
  codeVerifiers: 'PKCE verifier',
  clientSecrets: 'client secret'
};

/** Adds an emulator's `issued-secrets` list to a scanner. */
function addIssued(scanner, issued) {
  // Lists under other keys (e.g. an emulator with more services) are secrets too.
  for (const [key, list] of Object.entries(issued)) {
    if (!Array.isArray(list)) continue;
    // (An id_token is searched for by its signature: every one starts with the same header.)
    for (const secret of list) scanner.add(secret, KIND[key] ?? key);
  }
}

/** The CLI's stdout with the GLOBUS_DATA hand-over masked (see the test that scans it). */
function maskHandOver(stdout) {
  return stdout.replace(/^GLOBUS_DATA=.*$/m, m => `GLOBUS_DATA=<${m.length - 12} characters>`);
}

describe('secret scan', { timeout: 300_000 }, () => {
  const started = Date.now();
  let seconds = 0;
  const issuedLists = [];
  const globusDataValues = [];
  let storedLoginSecrets = [];
  let notebook;
  const demo = { emulatorOut: '', emulatorErr: '', labLog: '', consoleLines: [] };
  let responses = [];
  let state;
  let exemptLocations = 0;
  const matrix = { accessLog: [], server: undefined, fm: undefined };
  const cleanups = [];
  /** Seconds from the start at which each phase ended, for the summary. */
  const phases = {};
  const mark = name => (phases[name] = Math.round((Date.now() - started) / 100) / 10);

  /** The demo world: emulator CLI, lab, notebook, Chromium. */
  async function runDemo() {
    const emulator = await startEmulatorCli({
      args: ['--log'],
      onOutput: (stream, c) => {
        if (stream === 'stdout') demo.emulatorOut += c;
        else demo.emulatorErr += c;
      }
    });
    cleanups.push(() => stopProcessGroup(emulator.child));
    const env = emulator.env;
    demo.globusData = env.GLOBUS_DATA;
    mkdirSync(OUTPUT, { recursive: true });
    // Inside the repository, so the kernel resolves kernel-helpers from node_modules.
    const labRoot = mkdtempSync(join(OUTPUT, 'secret-scan-'));
    cleanups.push(() => rmSync(labRoot, { recursive: true, force: true }));
    copyFileSync(join(root, NOTEBOOK), join(labRoot, 'globus-data-flow.ipynb'));
    // The stored login lives outside the folder the lab serves, as it would for a user.
    const stateDir = mkdtempSync(join(tmpdir(), 'globus-kit-secret-scan-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const tokenFile = join(stateDir, 'tokens.json');
    let notebookRun;
    const session = await openLabInChromium({
      env: {
        GLOBUS_SDK_SERVICE_URL_AUTH: env.GLOBUS_SDK_SERVICE_URL_AUTH,
        GLOBUS_SDK_SERVICE_URL_TRANSFER: env.GLOBUS_SDK_SERVICE_URL_TRANSFER,
        GLOBUS_SDK_SERVICE_URL_GROUPS: env.GLOBUS_SDK_SERVICE_URL_GROUPS,
        GLOBUS_DATA: env.GLOBUS_DATA,
        GLOBUS_KIT_CLIENT_ID: env.GLOBUS_KIT_CLIENT_ID,
        GLOBUS_KIT_SERVER_TOKEN_FILE: tokenFile
      },
      rootDir: labRoot,
      labArgs: ['--debug'],
      onServerOutput: c => (demo.labLog += c),
      beforeOpen: async lab => {
        // The mapped collection's data_access is required but not in GLOBUS_DATA.
        const put = await fetch(`${lab.url}/lab/api/settings/jupyterlab-globus-kit:plugin`, {
          method: 'PUT',
          headers: { Authorization: `token ${lab.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            // A short poll, so Transfers shows the notebook's task soon after it starts.
            raw: JSON.stringify({ requiredScopes: [TRANSFER_ALL, DATA_ACCESS], pollInterval: 2 })
          })
        });
        assert.equal(put.status, 204, `settings PUT answered ${put.status}`);
        mark('lab started');
        // The notebook runs in this lab's kernel while the browser loads the lab.
        notebookRun = runNotebook(
          { url: lab.url, token: lab.token, rootDir: labRoot },
          'globus-data-flow.ipynb',
          { cellTimeoutMs: 60_000, extraCells: EXTRA_CELLS }
        ).then(run => {
          notebook = run;
          mark('notebook run');
        });
        notebookRun.catch(() => undefined); // awaited (and reported) in exerciseSidebar
      }
    });
    cleanups.push(session.close);
    const { page } = session;
    demo.consoleLines = session.console;
    demo.frames = session.websocketFrames;
    mark('lab page loaded');
    await exerciseSidebar(page, globusDataSecrets(env.GLOBUS_DATA).user, () => notebookRun);
    mark('sidebar used');
    if (existsSync(tokenFile)) {
      const doc = JSON.parse(readFileSync(tokenFile, 'utf8'));
      storedLoginSecrets = Object.values(doc.tokens ?? {})
        .flatMap(t => [t.access_token, t.refresh_token])
        .filter(Boolean);
    }
    state = await browserState(page);
    responses = await session.responses.settled();
    issuedLists.push(await (await fetch(`${env.GLOBUS_EMULATOR_ADMIN_URL}/issued-secrets`)).json());
    await session.close();
    await stopProcessGroup(emulator.child); // flushes the access log
    mark('demo done');
  }

  /** Uses every section of the sidebar, including a step-up login in a popup. */
  async function exerciseSidebar(page, user, notebookDone) {
    const sidebar = globusSidebar(page);
    await showGlobusSidebar(page);
    const openSection = title => openSidebarSection(page, title);
    // Identity and tokens.
    await sidebar.locator('.jp-GlobusKit-identity-name').getByText(user.name).waitFor();
    await showTokenDetails(page);
    await sidebar.locator('li[data-resource-server="transfer.api.globus.org"]').waitFor();
    // Consents: the missing data_access.
    await openSection('Consents');
    await page
      .getByRole('list', { name: 'Required scopes' })
      .locator('li[data-status="missing"]')
      .waitFor();
    // A file manager opened from the sidebar: the public collection's weather files.
    const files = await openWeatherFolder(page);
    await files.getByRole('option').filter({ hasText: '1952.csv' }).waitFor();
    // Login: a step-up login adding the missing consent, through the emulator's consent
    // page and the server's callback (authorization code + PKCE verifier + new tokens).
    await openSection('Login');
    const login = sidebar.locator('.jp-GlobusKit-Login');
    const popupPromise = page.waitForEvent('popup');
    await login.getByRole('button', { name: /Log in adding the missing consents/ }).click();
    const popup = await popupPromise;
    await popup.getByRole('button', { name: 'Approve' }).click();
    await popup
      .locator('#message')
      .getByText(/Logged in as/)
      .waitFor();
    demo.popupDom = await popup.evaluate(() => document.documentElement.outerHTML);
    demo.popupState = await browserState(popup);
    await popup.close();
    await page.bringToFront();
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    // Transfers: the notebook's task, once the notebook has run.
    await notebookDone();
    await openSection('Transfers');
    await page
      .getByRole('list', { name: 'Recent transfers' })
      .getByText('Las Vegas weather 1948-1960')
      .waitFor();
    await openSection('Identity and tokens');
    await page.waitForTimeout(500); // let the status poll after focus land in the record
  }

  /** The fault matrix world. */
  async function runMatrix() {
    const mod = await emulatorModule();
    const kh = await helpersModule();
    const emu = await mod.createEmulator({
      seed: 8,
      log: line => matrix.accessLog.push(JSON.stringify(line))
    });
    cleanups.push(() => emu.close());
    const env = await emu.env();
    globusDataValues.push(env.GLOBUS_DATA);
    matrix.server = await startServer(env, {}, { args: ['--debug'] });
    cleanups.push(() => matrix.server.stop());
    const fm = createFaultMatrix({ mod, kh, emu, server: matrix.server, faults: MATRIX_FAULTS });
    matrix.fm = fm;
    mark('matrix server started');
    await fm.runVerbs();
    mark('matrix verbs');
    await fm.runRoutes();
    mark('matrix routes');
    globusDataValues.push(...fm.globusDataSeen);
    issuedLists.push(emu.auth.issuedSecrets());
  }

  before(async () => {
    await Promise.all([runDemo(), runMatrix()]);
    seconds = (Date.now() - started) / 1000;
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()?.catch?.(() => undefined);
  });

  /** A scanner that knows every issued secret. */
  function knownSecrets() {
    const scanner = new SecretScanner();
    for (const issued of issuedLists) addIssued(scanner, issued);
    return scanner;
  }

  /** Feeds every source to a scanner. */
  function scanAll(scanner) {
    for (const cell of notebook.cells) {
      cell.messages.forEach((m, i) =>
        scanner.scan('notebook messages', `cell ${cell.id} #${i} ${m.msg_type}`, m.content)
      );
      scanner.scan('notebook outputs', `cell ${cell.id}`, cell.outputs);
    }
    scanner.scan('lab server log (--debug, kernel stderr)', 'stdout+stderr', demo.labLog);
    scanner.scan('demo emulator log (--log)', 'stderr', demo.emulatorErr);
    scanner.scan('demo emulator stdout', 'stdout', maskHandOver(demo.emulatorOut));
    const authOrigin = new URL(
      /^GLOBUS_SDK_SERVICE_URL_AUTH=(.*)$/m.exec(demo.emulatorOut)?.[1] ?? 'http://x'
    ).origin;
    exemptLocations = 0;
    for (const r of responses) {
      const headers = { ...r.headers };
      // OAuth by design: Auth's redirect back to the redirect_uri carries the code.
      if (
        r.status >= 300 &&
        r.status < 400 &&
        r.url.startsWith(authOrigin) &&
        /[?&]code=/.test(headers.location ?? '')
      ) {
        delete headers.location;
        exemptLocations++;
      }
      const item = `${r.status} ${r.url.split('?')[0]}`;
      scanner.scan('browser response headers', item, headers);
      if (r.text !== undefined) scanner.scan('browser response bodies', item, r.text);
    }
    scanner.scan('browser DOM', 'lab page', state.dom);
    scanner.scan('browser DOM', 'login popup (callback page)', demo.popupDom);
    for (const [name, kept] of [
      ['lab page', state],
      ['login popup', demo.popupState]
    ]) {
      scanner.scan('browser storage', `${name} localStorage`, kept.localStorage);
      scanner.scan('browser storage', `${name} sessionStorage`, kept.sessionStorage);
      scanner.scan('browser storage', `${name} cookies`, kept.cookies);
      for (const s of kept.indexedDB)
        scanner.scan('browser storage', `IndexedDB ${s.store}`, s.text);
      for (const c of kept.caches) scanner.scan('browser storage', `Cache ${c.url}`, c.text);
    }
    demo.consoleLines.forEach((l, i) => scanner.scan('browser console', `#${i}`, l));
    demo.frames.forEach((f, i) =>
      scanner.scan('browser WebSocket frames', `#${i} ${f.url.split('?')[0]}`, f.payload)
    );
    const { fm, server, accessLog } = matrix;
    fm.texts.errors.forEach((t, i) => scanner.scan('fault matrix exception texts', `#${i}`, t));
    fm.texts.displays.forEach((t, i) => scanner.scan('fault matrix displays', `#${i}`, t));
    server.bodies.forEach((t, i) => scanner.scan('fault matrix route bodies', `#${i}`, t));
    scanner.scan('fault matrix server log (--debug)', 'stdout+stderr', server.output());
    scanner.scan('fault matrix emulator log', 'access log', accessLog.join('\n'));
    return scanner;
  }

  /**
   * Writes what was scanned to test-output/secret-scan/ (on hits, or with SECRET_SCAN_KEEP=1),
   * one file per source, so a hit can be found and read. The secrets are emulator tokens.
   */
  function keepSources() {
    const dir = join(OUTPUT, 'secret-scan');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const keeper = {
      scan: (source, item, value) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        const file = join(dir, `${source.replace(/\W+/g, '-')}.txt`);
        appendFileSync(file, `\n===== ${item}\n${text}\n`);
      }
    };
    scanAll(keeper);
    console.log(`# scanned sources written to ${dir}`);
  }

  it('should know every secret the run issued, GLOBUS_DATA and the stored login included', async () => {
    const kh = await helpersModule();
    const scanner = knownSecrets();
    const kinds = scanner.kinds();
    assert.ok(kinds['access token'] >= 50, `access tokens: ${kinds['access token']}`);
    assert.ok(kinds['refresh token'] >= 1, 'refresh tokens of the step-up login');
    assert.ok(kinds['id token'] >= 2, 'id tokens');
    assert.ok(kinds['authorization code'] >= 1, 'the step-up login code');
    assert.ok(kinds['PKCE verifier'] >= 1, 'the step-up login verifier');
    assert.ok(kinds['client secret'] >= 1, 'the hub client secret');
    // The demo's GLOBUS_DATA through the server's decoder (id_token included), the matrix's
    // many through kernel-helpers' (in process: one Python start each would take seconds).
    const inGlobusData = globusDataSecrets(demo.globusData).secrets;
    assert.ok(
      inGlobusData.some(s => s.split('.').length === 3),
      'an id_token in GLOBUS_DATA'
    );
    for (const gd of globusDataValues) {
      const tokens = kh.decodeGlobusData(gd).tokens;
      assert.ok(tokens.length >= 3);
      for (const t of tokens) inGlobusData.push(t.accessToken, t.refreshToken);
    }
    for (const s of [...inGlobusData, ...storedLoginSecrets].filter(Boolean)) {
      assert.ok(scanner.secrets.has(s), `a token the issued list misses: ${tagOf(s)}`);
    }
    assert.ok(storedLoginSecrets.length >= 2, 'the step-up login stored its tokens');
  });

  it('should find a planted secret in every form, and no fingerprint', () => {
    const scanner = knownSecrets();
    const access = [...scanner.secrets].find(([, kind]) => kind === 'access token')[0];
    const code = [...scanner.secrets].find(([, kind]) => kind === 'authorization code')[0];
    // A copy of a real log with synthetic lines planted in it.
    const log = demo.labLog;
    const plant = line => `${log}\n[D 2026-01-01 00:00:00.000 ServerApp] ${line}\n`;
    const fingerprint = createHash('sha256').update(access).digest('hex').slice(0, 8);
    assert.equal(scanner.scan('self-check', 'fingerprint', plant(`sha256:${fingerprint}…`)), 0);
    assert.equal(scanner.scan('self-check', 'unchanged copy', log), 0);
    assert.equal(scanner.scan('self-check', 'raw', plant(`Authorization: Bearer ${access}`)), 1);
    assert.equal(scanner.scan('self-check', 'cut short', plant(access.slice(3, 3 + WINDOW))), 1);
    assert.equal(
      scanner.scan('self-check', 'too short', plant(access.slice(3, 3 + WINDOW - 1))),
      0
    );
    assert.equal(scanner.scan('self-check', 'code in a URL', plant(`/cb?code=${code}&s=1`)), 1);
    for (let offset = 0; offset < 3; offset++) {
      const blob = Buffer.concat([
        Buffer.alloc(offset, 1),
        Buffer.from(`{"Authorization": "Bearer ${access}"}`)
      ]).toString('base64');
      assert.equal(scanner.scan('self-check', `base64 at ${offset}`, plant(blob)), 1);
    }
    // A secret with characters that change under URL and JSON encoding.
    const odd = 'sëcret/with+odd "chars" & \\ more';
    scanner.add(odd, 'synthetic');
    assert.ok(scanner.scan('self-check', 'URL', plant(`?x=${encodeURIComponent(odd)}`)) >= 1);
    assert.ok(scanner.scan('self-check', 'JSON', plant(JSON.stringify({ x: odd }))) >= 1);
    // The real hand-over line: GLOBUS_DATA is a base64 pickle holding the demo's tokens.
    assert.ok(scanner.scan('self-check', 'GLOBUS_DATA', demo.emulatorOut) >= 4);
    const found = scanner.hits.map(h => `${h.item}: ${h.form}`);
    for (const want of [
      'cut short: raw',
      'base64 at 2: base64',
      'URL: URL-encoded',
      'JSON: JSON-escaped',
      'GLOBUS_DATA: base64'
    ]) {
      assert.ok(found.includes(want), `${want} not among ${found.join(', ')}`);
    }
  });

  it('should have scanned every source', () => {
    const scanner = scanAll(knownSecrets());
    const counts = Object.fromEntries(scanner.sources);
    const min = {
      'notebook messages': [20, 20_000],
      'notebook outputs': [8, 20_000],
      'lab server log (--debug, kernel stderr)': [1, 20_000],
      'demo emulator log (--log)': [1, 1_000],
      'browser response headers': [50, 10_000],
      'browser response bodies': [50, 1_000_000],
      'browser DOM': [2, 50_000],
      'browser storage': [4, 100],
      'browser console': [1, 20],
      'browser WebSocket frames': [10, 1_000],
      'fault matrix exception texts': [20, 10_000],
      'fault matrix displays': [50, 10_000],
      'fault matrix route bodies': [100, 10_000],
      'fault matrix server log (--debug)': [1, 10_000],
      'fault matrix emulator log': [1, 10_000]
    };
    for (const [source, [items, bytes]] of Object.entries(min)) {
      const c = counts[source];
      assert.ok(c, `source '${source}' was not scanned`);
      assert.ok(c.items >= items && c.bytes >= bytes, `${source}: ${JSON.stringify(c)}`);
    }
    const urls = responses.map(r => r.url);
    for (const route of [
      '/globus-kit/status',
      '/globus-kit/collections',
      '/globus-kit/tasks',
      '/globus-kit/login/callback',
      '/v2/oauth2/authorize'
    ]) {
      assert.ok(
        urls.some(u => u.includes(route)),
        `the browser should have received ${route}`
      );
    }
    const types = new Set(notebook.cells.flatMap(c => c.messages.map(m => m.msg_type)));
    for (const t of ['stream', 'display_data', 'update_display_data']) {
      assert.ok(types.has(t), `notebook message type ${t}`);
    }
    // tslab reports an uncaught error on stderr (a stream message) and in the reply status.
    const failed = notebook.cells.filter(c => c.status === 'error').map(c => c.id);
    assert.deepEqual(failed, ['extra-2', 'extra-3'], 'the two uncaught errors');
    assert.ok(/DEBUG|\[D /.test(demo.labLog), 'the lab logged at debug level');
  });

  it('should find no secret in any source (zero hits)', () => {
    const scanner = scanAll(knownSecrets());
    if (scanner.hits.length > 0 || process.env.SECRET_SCAN_KEEP === '1') keepSources();
    const t = scanner.totals();
    const rows = [...scanner.sources].map(([s, c]) => [
      s,
      c.items,
      c.bytes.toLocaleString('en-US'),
      c.hits
    ]);
    rows.push(['total', t.items, t.bytes.toLocaleString('en-US'), scanner.hits.length]);
    const kinds = Object.entries(scanner.kinds())
      .map(([k, n]) => `${n} ${k}s`)
      .join(', ');
    console.log(
      `\nSecret scan: ${t.sources} sources, ${t.items} items, ` +
        `${(t.bytes / 1e6).toFixed(1)} MB scanned; ${t.secrets} secrets known (${kinds}); ` +
        `forms raw, URL-encoded, JSON-escaped, base64/base64url, any ${WINDOW} consecutive ` +
        `characters; exempt by OAuth design: ${exemptLocations} Location header(s) of Auth's ` +
        `redirect to the redirect_uri; run took ${seconds.toFixed(0)} s ` +
        `(${JSON.stringify(phases)}); hits: ${scanner.hits.length}\n`
    );
    console.log(table(['source', 'items', 'bytes', 'hits'], rows));
    const cells = [...matrix.fm.matrix.values()].reduce((n, r) => n + Object.keys(r).length, 0);
    // The cells' outcomes are fault-matrix.test.mjs's business; listed here for the record.
    console.log(
      `\nFault matrix in this run: ${cells} cells (${matrix.fm.faultNames.join(', ')}); ` +
        `cells not ending as specified: ${matrix.fm.problems.join('; ') || 'none'}`
    );
    assert.deepEqual(scanner.describeHits(), []);
  });
});
