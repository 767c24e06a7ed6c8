// Injection through the notebook verbs (kernel-helpers against the emulator): hostile
// collection, file and identity names reach every rich display — whoami, ls, link, share,
// upload, transfer, fetchCsv and the error display — and must come out as escaped text:
// only the markup our builders emit, http(s) links only, bidi controls made visible, long
// names cut (whole name in a title). Paths with `..` segments or NUL are refused before any
// request, so a name can never address anything but what it says.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorModule, FAST_RETRY, helpersModule } from '../reliability/support.mjs';
import {
  BIDI,
  COLLECTION_NAME,
  FILE_NAMES,
  IDENTITY,
  IMG,
  LONG,
  RLO,
  escaped,
  htmlProblems,
  seedHostileWorld
} from './injection-support.mjs';

/** A display sink that keeps every HTML output. */
function recordingSink() {
  const outputs = [];
  const display = {
    html: h => outputs.push({ mime: 'text/html', data: h }),
    text: t => outputs.push({ mime: 'text/plain', data: t }),
    raw: (mime, data) => outputs.push({ mime, data })
  };
  return { sink: { display, newDisplay: () => display }, outputs };
}

/** The HTML outputs of one verb call, checked; returns them joined. */
function checkedHtml(outputs, what) {
  const htmls = outputs.filter(o => o.mime === 'text/html').map(o => String(o.data));
  assert.ok(htmls.length > 0, `${what}: no HTML output`);
  for (const h of htmls) assert.deepEqual(htmlProblems(h), [], `${what}: ${h.slice(0, 300)}`);
  return htmls.join('\n');
}

describe('notebook verbs with hostile names', { timeout: 120_000 }, () => {
  let mod;
  let kh;
  let emu;
  let hostile; // the seeded collection
  let GUEST;
  let COLLEAGUE;

  before(async () => {
    mod = await emulatorModule();
    kh = await helpersModule();
    emu = await mod.createEmulator({ seed: 81 });
    GUEST = mod.seed.GUEST_COLLECTION_ID;
    COLLEAGUE = mod.seed.COLLEAGUE_IDENTITY_ID;
    hostile = await seedHostileWorld(emu.urls.admin, mod.seed.DEMO_IDENTITY_ID);
    emu.collections.updateCollection(GUEST, { displayName: COLLECTION_NAME });
  });
  after(() => emu?.close());

  async function session() {
    const { sink, outputs } = recordingSink();
    const g = await kh.connect({
      env: await emu.env(),
      display: sink,
      requestDefaults: { retry: FAST_RETRY, timeoutMs: 8000 }
    });
    return { g, outputs };
  }

  describe('whoami', () => {
    it('should show the hostile identity name, email and organization as text', async () => {
      const { g, outputs } = await session();
      const who = await g.whoami();
      assert.equal(who.identity.name, IDENTITY.name, 'the result keeps the raw name');
      const html = checkedHtml(outputs, 'whoami');
      assert.ok(html.includes(escaped(IDENTITY.organization)), 'organization escaped');
      assert.ok(html.includes(escaped("<script>alert('name')</script>")), 'name escaped');
      assert.ok(!html.includes('<script'));
      assert.ok(html.includes('U+202E'), 'the RLO is shown as its code point');
    });
  });

  describe('ls', () => {
    it('should list every hostile file name as escaped text', async () => {
      const { g, outputs } = await session();
      const table = await g.ls(hostile.id, '/dir/', { showHidden: true });
      const names = table.column('name');
      for (const n of FILE_NAMES) assert.ok(names.includes(n), `ls result holds ${n}`);
      const html = checkedHtml(outputs, 'ls');
      assert.ok(html.includes(escaped(IMG)), 'img tag escaped');
      assert.ok(html.includes(escaped('" onmouseover="alert(1)" x="')));
      assert.ok(!BIDI.test(html));
    });

    it('should show the error for a missing hostile path as text', async () => {
      const { g, outputs } = await session();
      await assert.rejects(g.ls(hostile.id, `/nope/${IMG}/`), e => kh.isGlobusKitError(e));
      const html = checkedHtml(outputs, 'ls error');
      assert.ok(html.includes('jp-GlobusKit-Error'));
      assert.ok(!html.includes('<img'));
    });
  });

  describe('link', () => {
    it('should link only to the http(s) URL of a hostile path', async () => {
      const { g, outputs } = await session();
      const r = await g.link(hostile.id, `/dir/${IMG}.csv`);
      assert.ok(r.url.startsWith(`${hostile.https_server}/dir/`));
      assert.ok(!r.url.includes('<'), 'the path is percent-encoded in the URL');
      const html = checkedHtml(outputs, 'link');
      assert.ok(!html.includes('<img'));
    });

    it('should show a javascript: https_server as text, never as a link', async () => {
      const { g, outputs } = await session();
      emu.faults.add({
        service: 'transfer',
        method: 'GET',
        path: `/v0.10/endpoint/${GUEST}`,
        kind: 'status',
        status: 200,
        count: 1,
        body: {
          DATA_TYPE: 'endpoint',
          id: GUEST,
          display_name: COLLECTION_NAME,
          entity_type: 'GCSv5_guest_collection',
          https_server: 'javascript:alert(document.domain)//'
        }
      });
      try {
        const r = await g.link(GUEST, '/x.csv');
        assert.ok(r.url.startsWith('javascript:'), 'the result says what the server sent');
      } finally {
        emu.faults.clear();
      }
      const html = checkedHtml(outputs, 'link javascript:'); // no href but http(s)
      assert.ok(html.includes('<code>javascript:alert(document.domain)/x.csv</code>'), 'as text');
    });
  });

  describe('share', () => {
    it('should show the hostile collection and colleague names as text', async () => {
      await fetch(`${emu.urls.admin}/seed/identities/${COLLEAGUE}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: `${IMG}${RLO}Grace ${LONG}`, organization: 'javascript:x' })
      });
      const { g, outputs } = await session();
      const r = await g.share(hostile.id, '/dir/', { identity: COLLEAGUE, message: IMG });
      assert.equal(r.principal, COLLEAGUE);
      const html = checkedHtml(outputs, 'share');
      assert.ok(!html.includes('<img'));
    });
  });

  describe('upload', () => {
    it('should upload to a hostile file name and show it as text', async () => {
      const { g, outputs } = await session();
      // the guest collection, renamed: GLOBUS_DATA holds its https token
      const path = `/up/${IMG}${RLO}.txt`;
      const r = await g.upload('hello', { collection: GUEST, path });
      assert.equal(r.path, path);
      const root = emu.collections.rootOf(GUEST);
      assert.ok(existsSync(join(root, 'up', `${IMG}${RLO}.txt`)), 'stored under its own name');
      const html = checkedHtml(outputs, 'upload');
      assert.ok(!html.includes('<img'));
    });
  });

  describe('transfer', () => {
    it('should copy a hostile file and show the task with names as text', async () => {
      const { g, outputs } = await session();
      const task = await g.transfer({
        from: hostile.id,
        to: GUEST,
        label: `${IMG}${RLO}label`,
        // (the emulator does not create missing destination folders)
        items: [{ source: `/dir/${IMG}.csv`, destination: `/${IMG}.csv` }],
        pollMs: 50
      });
      assert.equal(task.status, 'SUCCEEDED');
      assert.ok(existsSync(join(emu.collections.rootOf(GUEST), `${IMG}.csv`)));
      const html = checkedHtml(outputs, 'transfer');
      assert.ok(!html.includes('<img'));
    });
  });

  describe('fetchCsv', () => {
    it('should show hostile headers and cells from a hostile path as text', async () => {
      const { g, outputs } = await session();
      const t = await g.fetchCsv({ collection: hostile.id, path: `/csv/${IMG}.csv` });
      assert.ok(t.columns.includes(IMG));
      const html = checkedHtml(outputs, 'fetchCsv');
      assert.ok(html.includes(escaped(IMG)));
    });
  });

  describe('paths that would escape', () => {
    const bad = ['/dir/../../etc/passwd', '/up/../../../escape.txt', '/a/..', '/nul\u0000.txt'];

    it('should refuse .. segments and NUL in upload, link, fetchCsv and ls before any request', async () => {
      const { g } = await session();
      const before = readdirSync(emu.dataDir, { recursive: true }).length;
      for (const path of bad) {
        await assert.rejects(
          g.upload('x', { collection: hostile.id, path }),
          e => kh.isBadInputError(e),
          `upload ${JSON.stringify(path)}`
        );
        await assert.rejects(g.link(hostile.id, path), e => kh.isBadInputError(e), `link ${path}`);
        await assert.rejects(
          g.fetchCsv({ collection: hostile.id, path }),
          e => kh.isBadInputError(e),
          `fetchCsv ${JSON.stringify(path)}`
        );
        await assert.rejects(g.ls(hostile.id, path), e => kh.isBadInputError(e), `ls ${path}`);
        await assert.rejects(
          g.transfer({
            from: hostile.id,
            to: GUEST,
            items: [{ source: '/dir/', destination: path }]
          }),
          e => kh.isBadInputError(e),
          `transfer to ${JSON.stringify(path)}`
        );
      }
      assert.equal(readdirSync(emu.dataDir, { recursive: true }).length, before, 'nothing written');
    });
  });

  it('should keep the whole long collection name in the results', async () => {
    const { g } = await session();
    const r = await g.link(hostile.id, '/dir/');
    assert.equal(r.collectionName, COLLECTION_NAME);
    assert.ok(COLLECTION_NAME.includes(LONG));
  });
});
