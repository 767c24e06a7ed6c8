/**
 * prepareUpload / contentTypeFor: what both upload verbs make of their input (bytes,
 * text, a local file, a file: URL, anything else), with the content type of the name.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { isBadInputError } from '../errors/bad-input-error';
import { contentTypeFor, prepareUpload } from '../flow/upload-input';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const quiet = (): void => undefined;

describe('upload input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gk-upload-input-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should take the content type given, else the extension, else octet-stream', () => {
    assert.equal(contentTypeFor('a/b.CSV'), 'text/csv');
    assert.equal(contentTypeFor('plot.svg'), 'image/svg+xml');
    assert.equal(contentTypeFor('data.bin'), 'application/octet-stream');
    assert.equal(contentTypeFor('no-extension'), 'application/octet-stream');
    assert.equal(contentTypeFor('x.csv', 'text/tab-separated-values'), 'text/tab-separated-values');
  });

  it('should send text as UTF-8, as text/plain when the name says nothing', async () => {
    const r = await prepareUpload('héllo', 'notes', {}, quiet);
    assert.equal(r?.kind, 'bytes');
    if (r?.kind !== 'bytes') return;
    assert.deepEqual(Buffer.from(r.bytes), Buffer.from('héllo', 'utf8'));
    assert.equal(r.sha256, sha256(Buffer.from('héllo', 'utf8')));
    assert.equal(r.contentType, 'text/plain; charset=utf-8');
    const csv = await prepareUpload('a,b\n', 'x.csv', {}, quiet);
    assert.equal(csv?.contentType, 'text/csv');
  });

  it('should send bytes as they are, typed by the name', async () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const r = await prepareUpload(bytes, 'blob.bin', {}, quiet);
    assert.equal(r?.kind, 'bytes');
    if (r?.kind !== 'bytes') return;
    assert.equal(r.bytes, bytes);
    assert.equal(r.sha256, sha256(bytes));
    assert.equal(r.contentType, 'application/octet-stream');
  });

  it('should size a local file, given as { file } or a file: URL, without reading it', async () => {
    const file = join(dir, 'local.json');
    await writeFile(file, '{"a":1}');
    for (const data of [{ file }, pathToFileURL(file)]) {
      const r = await prepareUpload(data, 'remote.json', {}, quiet);
      assert.deepEqual(r, { kind: 'file', file, size: 7, contentType: 'application/json' });
    }
  });

  it('should refuse a missing file, a folder and a URL that is not file: (BAD_FILE)', async () => {
    for (const data of [
      { file: join(dir, 'missing.txt') },
      { file: dir },
      new URL('https://example.org/x.csv')
    ]) {
      await assert.rejects(
        prepareUpload(data, 'x.csv', {}, quiet),
        (e: unknown) => isBadInputError(e) && e.code === 'BAD_FILE'
      );
    }
  });

  it('should leave anything else to the verb', async () => {
    for (const data of [Readable.from([Buffer.from('x')]), 42, null, { file: 7 }, {}]) {
      assert.equal(await prepareUpload(data, 'x.bin', {}, quiet), undefined);
    }
  });
});
