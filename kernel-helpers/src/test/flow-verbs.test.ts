/**
 * The notebook verbs against the REAL emulator, with a recording display sink (what tslab
 * would receive) and without one (plain Node): same return values, rich output only with
 * a sink, one progress display per verb ending in its final state.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { connect, GlobusSession } from '../session';
import { CollectionNameError, resolveCollection } from '../flow/resolve-collection';
import {
  type TransferClient,
  TransferClient as TransferClientClass
} from '../services/transfer/transfer-client';
import { isBadInputError } from '../errors/bad-input-error';
import { VEGALITE_MIME } from '../flow/plot';
import {
  type Emulator,
  type EmulatorModule,
  FAST_RETRY,
  loadEmulator,
  RecordingSink
} from './flow-support';
import { preloadVega } from './jest-vega';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const WEATHER = '/portal/catalog/dataset_las/1952.csv';

describe('GlobusSession notebook verbs', () => {
  let mod: EmulatorModule;
  let emu: Emulator;
  let seed: EmulatorModule['seed'];
  let sink: RecordingSink;
  let withSink: GlobusSession;
  let plain: GlobusSession;
  let tmp: string;
  /** Every request the emulator answered (method and path, never tokens). */
  const requests: Array<{ service: string; method: string; path: string }> = [];

  beforeAll(async () => {
    mod = await loadEmulator();
    seed = mod.seed;
    emu = await mod.createEmulator({ log: line => requests.push(line) });
    const env = await emu.env();
    sink = new RecordingSink();
    withSink = await connect({ env, display: sink, requestDefaults: { retry: FAST_RETRY } });
    plain = await connect({ env, requestDefaults: { retry: FAST_RETRY } });
    tmp = mkdtempSync(join(tmpdir(), 'flow-verbs-'));
  });
  afterAll(async () => {
    await emu?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Run `fn` with the sink session and return what it added to the sink. */
  async function recorded<T>(fn: (s: GlobusSession) => Promise<T>) {
    const from = sink.outputs.length;
    const value = await fn(withSink);
    return { value, outputs: sink.outputs.slice(from) };
  }

  function guestFile(path: string): string {
    return join(emu.collections.rootOf(seed.GUEST_COLLECTION_ID)!, path);
  }

  describe('#whoami', () => {
    it('should show the identity and redacted tokens, and return the same without a sink', async () => {
      const { value, outputs } = await recorded(s => s.whoami());
      assert.equal(value.identity?.username, 'demo.researcher@globusid.org');
      assert.ok(value.linkedIdentities.some(i => i.username === 'dresearcher@example.edu'));
      assert.ok(value.tokens.some(t => t.resourceServer === 'transfer.api.globus.org'));
      const progress = outputs.filter(o => o.kind === 'updatable');
      assert.equal(progress.length, 1);
      assert.match(String(progress[0].data), /jp-mod-done/);
      const card = outputs.find(o => o.kind === 'display');
      assert.match(String(card?.data), /Demo Researcher/);
      for (const rs of withSink.tokens.resourceServers) {
        const raw = withSink.tokens.for(rs)!.unsafeRevealAccessToken();
        assert.ok(!String(card?.data).includes(raw), 'no token text in the card');
      }
      const bare = await plain.whoami();
      assert.deepEqual(
        { ...bare, tokens: bare.tokens.map(t => t.fingerprint) },
        { ...value, tokens: value.tokens.map(t => t.fingerprint) }
      );
    });
  });

  describe('#fetchCsv', () => {
    it('should stream the CSV into a typed table and show a head/tail preview', async () => {
      const file = join(emu.collections.rootOf(seed.PUBLIC_COLLECTION_ID)!, WEATHER);
      const rows = readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean).length - 1;
      const { value, outputs } = await recorded(s =>
        s.fetchCsv({ collection: 'Globus Tutorials Public Data', path: WEATHER })
      );
      assert.equal(value.numRows, rows);
      assert.equal(value.types.DATE, 'date');
      assert.equal(value.types.TMAX, 'integer');
      const preview = String(outputs.find(o => o.kind === 'display')?.data);
      assert.match(preview, new RegExp(`${rows} rows × 8 columns`));
      const progress = outputs.filter(o => o.kind === 'updatable');
      assert.equal(progress.length, 1);
      assert.match(String(progress[0].data), new RegExp(`${rows} rows`));
      const bare = await plain.fetchCsv({ collection: seed.PUBLIC_COLLECTION_ID, path: WEATHER });
      assert.deepEqual(bare.column('TMAX'), value.column('TMAX'));
    });

    it('should fetch a plain URL anonymously', async () => {
      const url = `${emu.urls.collections[seed.PUBLIC_COLLECTION_ID]}${WEATHER}`;
      const t = await plain.fetchCsv(url);
      assert.equal(t.columns.length, 8);
    });
  });

  describe('#plot', () => {
    it('should send the vega-lite spec as an object and return the chart', async () => {
      const table = await plain.fetchCsv({ collection: seed.PUBLIC_COLLECTION_ID, path: WEATHER });
      const { value, outputs } = await recorded(s =>
        s.plot(table, { x: 'DATE', y: ['TMIN', 'TMAX'], title: 'T' })
      );
      const chart = outputs.find(o => o.mime === VEGALITE_MIME);
      assert.ok(chart, 'a vega-lite output');
      assert.equal(typeof chart.data, 'object');
      assert.deepEqual(chart.data, value.spec);
      const bare = await plain.plot(table, { x: 'DATE', y: ['TMIN', 'TMAX'], title: 'T' });
      assert.deepEqual(bare.spec, value.spec);
    });
  });

  describe('#upload', () => {
    beforeAll(preloadVega);

    it('should create missing folders and store exactly the bytes sent', async () => {
      const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
      const { value, outputs } = await recorded(s =>
        s.upload(bytes, { collection: 'Tutorial Guest Collection', path: '/verbs/a/b/data.bin' })
      );
      assert.deepEqual(readFileSync(guestFile('verbs/a/b/data.bin')), Buffer.from(bytes));
      assert.equal(value.bytes, bytes.length);
      assert.equal(value.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.match(String(outputs.find(o => o.kind === 'display')?.data), new RegExp(value.sha256));
      assert.match(String(outputs.find(o => o.kind === 'updatable')?.data), /jp-mod-done/);
    });

    it('should render a chart to PNG, or to SVG for a .svg path', async () => {
      const table = await plain.fetchCsv({ collection: seed.PUBLIC_COLLECTION_ID, path: WEATHER });
      const chart = await plain.plot(table, { x: 'DATE', y: 'TMAX' });
      const png = await plain.upload(chart, {
        collection: seed.GUEST_COLLECTION_ID,
        path: '/verbs/c.png'
      });
      const stored = readFileSync(guestFile('verbs/c.png'));
      assert.deepEqual([...stored.subarray(0, 8)], PNG_SIGNATURE);
      assert.equal(png.contentType, 'image/png');
      assert.equal(png.sha256, createHash('sha256').update(stored).digest('hex'));
      const svg = await plain.upload(chart, {
        collection: seed.GUEST_COLLECTION_ID,
        path: '/verbs/c.svg'
      });
      assert.equal(svg.contentType, 'image/svg+xml');
      assert.match(readFileSync(guestFile('verbs/c.svg'), 'utf8'), /^<svg/);
    });

    it('should upload a string as text and a local file by { file }', async () => {
      await plain.upload('hello, globus\n', {
        collection: seed.GUEST_COLLECTION_ID,
        path: '/verbs/t.txt'
      });
      assert.equal(readFileSync(guestFile('verbs/t.txt'), 'utf8'), 'hello, globus\n');
      const local = join(tmp, 'local.csv');
      writeFileSync(local, 'a,b\n1,2\n');
      const r = await plain.upload(
        { file: local },
        { collection: seed.GUEST_COLLECTION_ID, path: '/verbs/l.csv' }
      );
      assert.equal(r.contentType, 'text/csv');
      assert.equal(readFileSync(guestFile('verbs/l.csv'), 'utf8'), 'a,b\n1,2\n');
    });

    it('should refuse a folder path and unknown data with BadInputError', async () => {
      await assert.rejects(
        plain.upload('x', { collection: seed.GUEST_COLLECTION_ID, path: '/verbs/' }),
        (e: unknown) => isBadInputError(e) && (e as { code: string }).code === 'BAD_PATH'
      );
      await assert.rejects(
        plain.upload(42 as unknown as string, {
          collection: seed.GUEST_COLLECTION_ID,
          path: '/verbs/x'
        }),
        (e: unknown) => isBadInputError(e) && (e as { code: string }).code === 'BAD_DATA'
      );
    });
  });

  describe('#link', () => {
    it('should return and show the HTTPS URL and an escaped web app link', async () => {
      const { value, outputs } = await recorded(s =>
        s.link('Tutorial Guest Collection', '/verbs/a b/c&d.png')
      );
      assert.equal(
        value.url,
        `${emu.urls.collections[seed.GUEST_COLLECTION_ID]}/verbs/a%20b/c%26d.png`
      );
      assert.equal(
        value.webAppUrl,
        `https://app.globus.org/file-manager?origin_id=${seed.GUEST_COLLECTION_ID}&origin_path=%2Fverbs%2Fa+b%2F`
      );
      const h = String(outputs.find(o => o.kind === 'display')?.data);
      assert.ok(h.includes(`origin_id=${seed.GUEST_COLLECTION_ID}&amp;origin_path=`), 'escaped &');
      assert.ok(!/<script/i.test(h));
      assert.deepEqual(await plain.link(seed.GUEST_COLLECTION_ID, '/verbs/a b/c&d.png'), value);
    });
  });

  describe('#share', () => {
    it('should create an access rule for a username, and return it again on repeat', async () => {
      const first = await withSink.share('Tutorial Guest Collection', '/verbs/', {
        identity: 'grace.colleague@globusid.org'
      });
      assert.equal(first.principal, seed.COLLEAGUE_IDENTITY_ID);
      assert.equal(first.existing, false);
      const rule = emu.collections
        .accessRules(seed.GUEST_COLLECTION_ID)
        .find(r => r.id === first.accessId);
      assert.equal(rule?.path, '/verbs/');
      assert.equal(rule?.permissions, 'r');
      const again = await plain.share(seed.GUEST_COLLECTION_ID, '/verbs/x.png', {
        identity: seed.COLLEAGUE_IDENTITY_ID
      });
      assert.equal(again.existing, true);
      assert.equal(again.accessId, first.accessId);
    });

    it('should share with a group read-write', async () => {
      const r = await plain.share(seed.GUEST_COLLECTION_ID, '/verbs/group/', {
        group: seed.TUTORIAL_GROUP_ID,
        permissions: 'rw'
      });
      const rule = emu.collections
        .accessRules(seed.GUEST_COLLECTION_ID)
        .find(x => x.id === r.accessId);
      assert.equal(rule?.principal_type, 'group');
      assert.equal(rule?.permissions, 'rw');
    });

    it('should refuse an unknown username and a non-guest collection', async () => {
      await assert.rejects(
        plain.share(seed.GUEST_COLLECTION_ID, '/verbs/', { identity: 'nobody@nowhere.invalid' }),
        (e: unknown) => isBadInputError(e) && (e as { code: string }).code === 'IDENTITY_NOT_FOUND'
      );
      await assert.rejects(
        plain.share(seed.MAPPED_COLLECTION_ID, '/', { identity: seed.COLLEAGUE_IDENTITY_ID }),
        (e: unknown) =>
          isBadInputError(e) && (e as { code: string }).code === 'NOT_A_GUEST_COLLECTION'
      );
    });
  });

  describe('#ls', () => {
    it('should list a folder as a table, folders first', async () => {
      const { value, outputs } = await recorded(s => s.ls('Tutorial Guest Collection', '/verbs/'));
      const names = value.column('name');
      assert.equal(names[0], 'a');
      assert.ok(names.includes('t.txt'));
      assert.equal(value.types.last_modified, 'date');
      assert.match(String(outputs.find(o => o.kind === 'display')?.data), /t\.txt/);
      assert.deepEqual((await plain.ls(seed.GUEST_COLLECTION_ID, '/verbs/')).column('name'), names);
    });
  });

  describe('#transfer', () => {
    it('should submit, follow the task to SUCCEEDED and copy the files', async () => {
      const { value, outputs } = await recorded(s =>
        s.transfer({
          from: 'Globus Tutorials Public Data',
          to: 'Tutorial Guest Collection',
          items: [{ source: '/share/godata/', destination: '/verbs/godata/', recursive: true }],
          label: 'verbs test'
        })
      );
      assert.equal(value.status, 'SUCCEEDED');
      for (const n of ['file1.txt', 'file2.txt', 'file3.txt']) {
        assert.ok(existsSync(guestFile(`verbs/godata/${n}`)), n);
      }
      const progress = outputs.filter(o => o.kind === 'updatable');
      assert.equal(progress.length, 1);
      assert.match(String(progress[0].data), /3 of 3 files/);
      assert.match(String(outputs.find(o => o.kind === 'display')?.data), /SUCCEEDED/);
      const bare = await plain.transfer({
        from: seed.PUBLIC_COLLECTION_ID,
        to: seed.GUEST_COLLECTION_ID,
        items: [{ source: '/share/godata/', destination: '/verbs/godata/', recursive: true }],
        sync: 'checksum'
      });
      assert.equal(bare.status, 'SUCCEEDED');
      assert.equal(bare.files_skipped, 3, 'sync skips what is already there');
    });

    it('should still be the Transfer client', async () => {
      const docs = await plain.transfer.files.ls(seed.PUBLIC_COLLECTION_ID, '/share/godata/');
      assert.equal(docs.length, 3);
      assert.match(inspect(plain.transfer), /^TransferClient/);
      assert.ok(plain.transfer instanceof TransferClientClass);
    });
  });

  describe('collection names', () => {
    it('should refuse an unknown name listing similar collections', async () => {
      await assert.rejects(plain.ls('Tutorial', '/'), (e: unknown) => {
        assert.ok(e instanceof CollectionNameError);
        assert.equal(e.code, 'COLLECTION_NOT_FOUND');
        assert.ok(e.candidates.some(c => c.displayName === 'Tutorial Guest Collection'));
        return true;
      });
    });

    it('should refuse an ambiguous name listing both ids', async () => {
      const docs = [
        '11111111-1111-4111-8111-111111111111',
        '22222222-2222-4222-8222-222222222222'
      ].map(id => ({
        id,
        display_name: 'Twin',
        entity_type: null,
        https_server: null,
        high_assurance: false
      }));
      const fake = { collections: { search: async () => docs } } as unknown as TransferClient;
      await assert.rejects(resolveCollection(fake, ' twin '), (e: unknown) => {
        assert.ok(e instanceof CollectionNameError);
        assert.equal(e.code, 'COLLECTION_AMBIGUOUS');
        assert.deepEqual(
          e.candidates.map(c => c.id),
          docs.map(d => d.id)
        );
        assert.match(e.message, /11111111-1111-4111-8111-111111111111/);
        return true;
      });
    });
  });

  describe('regression #15: collection argument shapes', () => {
    it('should take { collection, path } in ls, link and share, as fetchCsv and upload do', async () => {
      const target = { collection: 'Tutorial Guest Collection', path: '/verbs/' };
      const listed = await plain.ls(target);
      assert.deepEqual(
        listed.column('name'),
        (await plain.ls(seed.GUEST_COLLECTION_ID, '/verbs/')).column('name')
      );
      assert.ok(listed.column('name').includes('t.txt'));
      const hidden = await plain.ls(
        { collection: seed.GUEST_COLLECTION_ID, path: '/verbs/' },
        {
          showHidden: true
        }
      );
      assert.ok(hidden.numRows >= listed.numRows);
      const linked = await plain.link({
        collection: seed.GUEST_COLLECTION_ID,
        path: '/verbs/t.txt'
      });
      assert.deepEqual(linked, await plain.link(seed.GUEST_COLLECTION_ID, '/verbs/t.txt'));
      const shared = await plain.share(
        { collection: seed.GUEST_COLLECTION_ID, path: '/verbs/' },
        { identity: seed.COLLEAGUE_IDENTITY_ID }
      );
      assert.equal(shared.path, '/verbs/');
      assert.equal(shared.principal, seed.COLLEAGUE_IDENTITY_ID);
    });

    it('should refuse any other collection shape with BAD_COLLECTION, asking nothing', async () => {
      const before = requests.length;
      const inner = { collection: seed.GUEST_COLLECTION_ID, path: '/verbs/t.txt' };
      const wrong: Array<[string, () => Promise<unknown>]> = [
        ['ls({ path })', () => plain.ls({ path: '/verbs/' } as never)],
        ['ls({ id: 42 })', () => plain.ls({ id: 42 } as never, '/verbs/')],
        ['ls(null)', () => plain.ls(null as never, '/verbs/')],
        ['ls(42)', () => plain.ls(42 as never, '/verbs/')],
        ['ls([id])', () => plain.ls([seed.GUEST_COLLECTION_ID] as never, '/verbs/')],
        ['link({ id: "" })', () => plain.link({ id: '' } as never, '/verbs/t.txt')],
        ['share({})', () => plain.share({} as never, '/verbs/', { identity: 'x@y.org' })],
        ['fetchCsv nested', () => plain.fetchCsv({ collection: inner as never, path: '/a.csv' })],
        [
          'upload nested',
          () => plain.upload('a', { collection: inner as never, path: '/v/a.txt' })
        ],
        [
          'transfer from',
          () =>
            plain.transfer({
              from: inner as never,
              to: seed.GUEST_COLLECTION_ID,
              items: [{ source: '/a', destination: '/b' }]
            })
        ],
        ['files.ls({})', () => plain.transfer.files.ls({} as never, '/')],
        ['path twice', () => plain.ls(inner as never, '/verbs/' as never)]
      ];
      for (const [what, call] of wrong) {
        await assert.rejects(call(), (e: unknown) => {
          assert.ok(isBadInputError(e), `${what}: ${String(e)}`);
          assert.equal(e.code, 'BAD_COLLECTION', `${what}: ${e.message}`);
          return true;
        });
      }
      assert.deepEqual(requests.slice(before), [], 'no request made');
      assert.ok(!requests.some(r => r.path.includes('undefined')));
      await assert.rejects(plain.fetchCsv({ collection: inner as never, path: '/a.csv' }), {
        message:
          "A collection must be an id, a display name, or a collection document (an object with a string 'id') " +
          '(got an object with "collection", "path"). A { collection, path } object goes in place of both ' +
          'arguments: ls({ collection, path }), link({ collection, path }), share({ collection, path }, options).'
      });
    });
  });
});
