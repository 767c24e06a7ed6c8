// The demo notebook end to end: a REAL Jupyter server from the project venv, a REAL tslab
// kernel, the notebook's cells in order, against the emulator. Assertions are per cell on
// the outputs a front end would show, and on what the emulator stored.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createEmulator, seed } from '../emulator/dist/index.js';
import {
  allOutputText,
  cellHtml as html,
  cellStream as streams,
  root,
  runNotebook,
  startJupyterServer
} from './support/notebook-runner.mjs';

const NOTEBOOK = 'notebooks/globus-data-flow.ipynb';
const HUB_USER = 'nb-test-user';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const VEGALITE = 'application/vnd.vegalite.v5+json';

/** Every token string in a GLOBUS_DATA value, decoded by CPython (the format is a pickle). */
function tokensIn(globusData) {
  const script = [
    'import base64, json, pickle, sys',
    'state = pickle.loads(base64.b64decode(sys.stdin.read()))',
    'out = []',
    'def walk(v, key=None):',
    '    if isinstance(v, dict):',
    '        for k, x in v.items(): walk(x, k)',
    '    elif isinstance(v, (list, tuple)):',
    '        for x in v: walk(x, key)',
    "    elif isinstance(v, str) and key in ('access_token', 'refresh_token', 'id_token'):",
    '        out.append(v)',
    'walk(state)',
    'print(json.dumps(out))'
  ].join('\n');
  const out = execFileSync('python3', ['-I', '-S', '-c', script], { input: globusData });
  return JSON.parse(out.toString());
}

/** Split one CSV record (quoted fields may hold commas; no quoted newlines in these files). */
function csvFields(line) {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map(m =>
    m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1]
  );
}

describe('notebooks/globus-data-flow.ipynb', () => {
  let emu;
  let env;
  let server;
  let run;
  const byId = {};
  let notebookCells;

  before(async () => {
    emu = await createEmulator({});
    env = await emu.env();
    server = await startJupyterServer({ env: { ...env, JUPYTERHUB_USER: HUB_USER } });
    try {
      run = await runNotebook(server, NOTEBOOK, {
        cellTimeoutMs: 60_000,
        // Not in the notebook: what a user sees when a verb fails in a cell of their own.
        extraCells: [
          "const listing = await globus.ls('Globus Tutorials Mapped Collection', '/');",
          "const nope = await globus.fetchCsv('ftp://example.invalid/data.csv');"
        ]
      });
    } catch (error) {
      throw new Error(`${error.message}\nserver log:\n${server.log().slice(-3000)}`);
    }
    for (const cell of run.cells) byId[cell.id] = cell;
    notebookCells = run.cells.filter(c => !c.id.startsWith('extra-'));
  });

  after(async () => {
    await server?.stop();
    await emu?.close();
  });

  it('should run every code cell without error, within its time limit', () => {
    const nb = JSON.parse(readFileSync(join(root, NOTEBOOK), 'utf8'));
    const codeCells = nb.cells.filter(c => c.cell_type === 'code');
    assert.equal(notebookCells.length, codeCells.length, 'a cell failed and stopped the run');
    for (const cell of notebookCells) {
      assert.equal(cell.status, 'ok', `cell ${cell.id}: ${streams(cell, 'stderr')}`);
      assert.equal(streams(cell, 'stderr'), '', `cell ${cell.id} wrote to stderr`);
    }
    // A budget for the whole notebook, kernel start included (measured: ~15 s).
    assert.ok(run.totalMs < 100_000, `notebook took ${run.totalMs} ms`);
  });

  it('should be committed without outputs', () => {
    const nb = JSON.parse(readFileSync(join(root, NOTEBOOK), 'utf8'));
    for (const c of nb.cells.filter(c => c.cell_type === 'code')) {
      assert.deepEqual(c.outputs, [], `cell ${c.id} has outputs`);
      assert.equal(c.execution_count, null);
    }
  });

  it('should show no token in any output of any cell', () => {
    const secrets = tokensIn(env.GLOBUS_DATA);
    assert.ok(secrets.length >= 4, 'expected several tokens in GLOBUS_DATA');
    const text = allOutputText(run.cells);
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), 'a token appears in the notebook output');
    }
  });

  it('should end every progress display in a final state', () => {
    for (const cell of notebookCells) {
      const progress = cell.outputs.filter(o =>
        o.data?.['text/html']?.includes('jp-GlobusKit-Progress')
      );
      if (cell.id === 'connect') continue;
      assert.equal(progress.length, 1, `cell ${cell.id}: one progress display`);
      const want = cell.id === 'consent' ? 'jp-mod-failed' : 'jp-mod-done';
      assert.match(progress[0].data['text/html'], new RegExp(want), `cell ${cell.id}`);
      // The display was updated in place (update_display_data), not appended to.
      assert.ok(progress[0].display_id, `cell ${cell.id}: progress has a display id`);
    }
  });

  it('whoami: should show the identity card, linked identities and redacted tokens', () => {
    const h = html(byId.whoami);
    assert.match(h, /Demo Researcher/);
    assert.match(h, /demo\.researcher@globusid\.org/);
    assert.match(h, /dresearcher@example\.edu/); // the linked identity
    assert.match(h, /transfer\.api\.globus\.org/);
    assert.match(h, new RegExp(seed.GUEST_COLLECTION_ID)); // the guest collection's HTTPS token
    assert.match(h, /\(redacted\)/);
  });

  it('consent: should show the ConsentRequired message with a working consent link', () => {
    const h = html(byId.consent);
    assert.match(h, /Consent needed/);
    const href = /href="([^"]+)"/.exec(h.slice(h.indexOf('Consent needed')))?.[1];
    assert.ok(href, 'a consent link');
    const url = new URL(href.replaceAll('&amp;', '&'));
    assert.equal(url.origin, env.GLOBUS_SDK_SERVICE_URL_AUTH);
    assert.equal(url.pathname, '/v2/oauth2/authorize');
    assert.match(
      url.searchParams.get('scope'),
      new RegExp(`${seed.MAPPED_COLLECTION_ID}/data_access`)
    );
  });

  it('fetch: should preview the CSV with the row count of the emulator file', () => {
    const file = join(
      emu.collections.rootOf(seed.PUBLIC_COLLECTION_ID),
      'portal/catalog/dataset_las/1952.csv'
    );
    const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean);
    const rows = lines.length - 1;
    const h = html(byId.fetch);
    assert.match(h, new RegExp(`${rows} rows × 8 columns`));
    assert.match(h, /TMIN<br><span class="jp-GlobusKit-ColumnType">integer/);
    assert.match(h, /DATE<br><span class="jp-GlobusKit-ColumnType">date/);
    assert.match(h, /1952-01-01/);
    assert.match(h, /1952-12-31/);
    const progress = byId.fetch.outputs.find(o => o.display_id)?.data['text/html'];
    assert.match(progress, new RegExp(`${rows} rows`));
  });

  it('plot: should send a vega-lite object with TMIN and TMAX from the CSV', () => {
    const out = byId.plot.outputs.find(o => o.data?.[VEGALITE]);
    assert.ok(out, 'a vega-lite output');
    const spec = out.data[VEGALITE];
    assert.equal(typeof spec, 'object', 'sent as an object, not a JSON string');
    const values = spec.data.values;
    const file = join(
      emu.collections.rootOf(seed.PUBLIC_COLLECTION_ID),
      'portal/catalog/dataset_las/1952.csv'
    );
    const [header, ...lines] = readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean);
    assert.equal(values.length, lines.length);
    const cols = csvFields(header);
    const first = csvFields(lines[0]);
    const tmax = first[cols.indexOf('TMAX')];
    const tmin = first[cols.indexOf('TMIN')];
    assert.equal(values[0].TMAX, tmax === '' ? null : Number(tmax));
    assert.equal(values[0].TMIN, tmin === '' ? null : Number(tmin));
    assert.match(JSON.stringify(spec), /"fold":\["TMIN","TMAX"\]/);
  });

  it('upload: should store the PNG the kernel rendered under the hub user folder', () => {
    const file = join(
      emu.collections.rootOf(seed.GUEST_COLLECTION_ID),
      HUB_USER,
      'las-vegas-1952.png'
    );
    assert.ok(existsSync(file), 'the PNG is on the guest collection');
    const bytes = readFileSync(file);
    assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE);
    const h = html(byId.upload);
    const digest = createHash('sha256').update(bytes).digest('hex');
    assert.match(h, new RegExp(digest), 'the stored bytes hash to what the kernel sent');
    assert.match(h, new RegExp(`${bytes.length} bytes`));
    const dir = readdirSync(join(emu.collections.rootOf(seed.GUEST_COLLECTION_ID), HUB_USER));
    assert.ok(!dir.some(n => n.includes('.part')), 'no temporary file left');
  });

  it('link: should show the HTTPS URL and an escaped Globus web app link', () => {
    const h = html(byId.link);
    const https = `${emu.urls.collections[seed.GUEST_COLLECTION_ID]}/${HUB_USER}/las-vegas-1952.png`;
    assert.ok(h.includes(`href="${https}"`), h);
    assert.ok(
      h.includes(
        `href="https://app.globus.org/file-manager?origin_id=${seed.GUEST_COLLECTION_ID}&amp;origin_path=%2F${HUB_USER}%2F"`
      )
    );
  });

  it('share: should create a read rule for the colleague on the user folder', () => {
    const rules = emu.collections.accessRules(seed.GUEST_COLLECTION_ID);
    const rule = rules.find(r => r.principal === seed.COLLEAGUE_IDENTITY_ID);
    assert.ok(rule, 'an access rule for the colleague');
    assert.equal(rule.path, `/${HUB_USER}/`);
    assert.equal(rule.permissions, 'r');
    assert.match(html(byId.share), new RegExp(rule.id));
    assert.match(html(byId.share), /grace\.colleague@globusid\.org/);
  });

  it('transfer: should end SUCCEEDED with every file at the destination', () => {
    const h = html(byId.transfer);
    assert.match(h, /<th scope="row">Status<\/th><td>SUCCEEDED<\/td>/);
    const srcDir = join(
      emu.collections.rootOf(seed.PUBLIC_COLLECTION_ID),
      'portal/catalog/dataset_las'
    );
    const dstDir = join(emu.collections.rootOf(seed.GUEST_COLLECTION_ID), HUB_USER, 'dataset_las');
    const names = readdirSync(srcDir);
    assert.ok(names.filter(n => n.endsWith('.csv')).length >= 13, 'the 1948-1960 CSVs');
    for (const n of names) {
      assert.deepEqual(readFileSync(join(dstDir, n)), readFileSync(join(srcDir, n)), n);
    }
    const progress = byId.transfer.outputs.find(o => o.display_id)?.data['text/html'];
    assert.match(progress, new RegExp(`${names.length} of ${names.length} files`));
  });

  it('ls: should list the copied files', () => {
    const h = html(byId.ls);
    assert.match(h, /1948\.csv/);
    assert.match(h, /1960\.csv/);
  });

  it('a failing verb: should fail the cell with a one-line message and show the consent link', () => {
    const cell = byId['extra-0'];
    assert.equal(cell.status, 'error');
    const stderr = streams(cell, 'stderr');
    assert.match(
      stderr,
      /^ConsentRequiredError \[CONSENT_REQUIRED\]: Transfer ls needs more consent/
    );
    assert.equal(stderr.trim().split('\n').length, 1, `one line, no stack: ${stderr}`);
    assert.match(html(cell), /Consent needed/);
    assert.match(html(cell), /href="http:\/\/127\.0\.0\.1:\d+\/v2\/oauth2\/authorize\?/);
    assert.match(cell.outputs.find(o => o.display_id).data['text/html'], /jp-mod-failed/);
  });

  it('bad input: should fail the cell with the typed error, briefly', () => {
    const cell = byId['extra-1'];
    assert.equal(cell.status, 'error');
    const stderr = streams(cell, 'stderr').trim();
    assert.match(stderr, /^BadInputError \[BAD_SOURCE\]: fetchCsv takes an http\(s\) URL/);
    assert.equal(stderr.split('\n').length, 1);
  });
});
