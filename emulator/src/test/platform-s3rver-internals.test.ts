/**
 * Guards the s3rver internals `platform/s3rver-internals.ts` relies on (key registry,
 * default key, store writes). If an s3rver upgrade moves them, these fail first.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException
} from '@aws-sdk/client-s3';
import {
  dropDefaultKey,
  isKeyRegistered,
  listAllObjects,
  putSeedObject,
  registerKey,
  revokeKey,
  S3RVER_DEFAULT_ACCESS_KEY,
  S3RVER_INTERNAL_MODULES,
  type IS3rverStore
} from '../platform/s3rver-internals.js';
import {
  AwsChunkedDecoder,
  computeSignature,
  parseSigV4,
  verifySigV4,
  S3AuthError
} from '../platform/sigv4.js';

interface IBareS3rver {
  store: IS3rverStore;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections(): void };
}

function client(url: string, key: string, secret: string): S3Client {
  return new S3Client({
    endpoint: url,
    forcePathStyle: true,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: key, secretAccessKey: secret }
  });
}

async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof S3ServiceException, String(e));
    return e.name;
  }
  return 'no error';
}

describe('s3rver internals', () => {
  let dir: string;
  let app: IBareS3rver;
  let url: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3rver-internals-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver is CommonJS without types
    const S3rver = require('s3rver') as new (o: Record<string, unknown>) => IBareS3rver;
    app = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: 'b' }],
      vhostBuckets: false
    });
    url = `http://127.0.0.1:${(await app.run()).port}`;
  });
  after(async () => {
    const done = app.close();
    app.httpServer?.closeAllConnections();
    await done;
    await rm(dir, { recursive: true, force: true });
  });

  describe('#modules', () => {
    it('should still keep keys in a registry the authentication middleware reads', async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- checking the internal module shape
      const accounts = require(S3RVER_INTERNAL_MODULES.account) as {
        registry: unknown;
        DUMMY_ACCOUNT: { createKeyPair: unknown; revokeAccessKey: unknown };
      };
      assert.ok(accounts.registry instanceof Map);
      assert.equal(typeof accounts.DUMMY_ACCOUNT.createKeyPair, 'function');
      assert.equal(typeof accounts.DUMMY_ACCOUNT.revokeAccessKey, 'function');
      const source = await readFile(
        require.resolve('s3rver/lib/middleware/authentication.js'),
        'utf8'
      );
      assert.match(source, /AWSAccount\.registry\.get\(/);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- checking the internal module shape
      assert.equal(typeof require(S3RVER_INTERNAL_MODULES.object), 'function');
    });
  });

  describe('#registerKey / #revokeKey / #dropDefaultKey', () => {
    it('should make s3rver accept a key at run time and refuse it after revocation', async () => {
      const c = client(url, 'TESTKEY123', 'secret-1');
      assert.equal(
        await errorName(c.send(new ListObjectsV2Command({ Bucket: 'b' }))),
        'InvalidAccessKeyId'
      );
      registerKey('TESTKEY123', 'secret-1');
      assert.ok(isKeyRegistered('TESTKEY123'));
      const ok = await c.send(new ListObjectsV2Command({ Bucket: 'b' }));
      assert.equal(ok.$metadata.httpStatusCode, 200);
      revokeKey('TESTKEY123');
      assert.equal(isKeyRegistered('TESTKEY123'), false);
      assert.equal(
        await errorName(c.send(new ListObjectsV2Command({ Bucket: 'b' }))),
        'InvalidAccessKeyId'
      );
      c.destroy();
    });

    it('should drop the default S3RVER key', async () => {
      dropDefaultKey();
      assert.equal(isKeyRegistered(S3RVER_DEFAULT_ACCESS_KEY), false);
      const c = client(url, 'S3RVER', 'S3RVER');
      assert.equal(
        await errorName(c.send(new ListObjectsV2Command({ Bucket: 'b' }))),
        'InvalidAccessKeyId'
      );
      c.destroy();
    });
  });

  describe('#putSeedObject', () => {
    it('should write an object s3rver then serves', async () => {
      await putSeedObject(app.store, 'b', 'dir/seed.csv', Buffer.from('a,b\n1,2\n'), 'text/csv');
      registerKey('TESTKEY456', 'secret-2');
      const c = client(url, 'TESTKEY456', 'secret-2');
      const got = await c.send(new GetObjectCommand({ Bucket: 'b', Key: 'dir/seed.csv' }));
      assert.equal(got.ContentType, 'text/csv');
      assert.equal(await got.Body?.transformToString(), 'a,b\n1,2\n');
      revokeKey('TESTKEY456');
      c.destroy();
    });
  });

  describe('#listAllObjects', () => {
    it('should list objects with etag, size and date, and common prefixes', async () => {
      await putSeedObject(app.store, 'b', 'dir/sub/deep.txt', Buffer.from('x'), 'text/plain');
      const all = await listAllObjects(app.store, 'b', 'dir/', '/');
      assert.deepEqual(
        all.objects.map(o => o.key),
        ['dir/seed.csv']
      );
      assert.equal(all.objects[0].size, 8);
      assert.match(all.objects[0].etag, /^"[0-9a-f]{32}"$/);
      assert.ok(all.objects[0].lastModified instanceof Date);
      assert.deepEqual(all.commonPrefixes, ['dir/sub/']);
    });
  });
});

describe('SigV4', () => {
  // The GET Object example of the S3 SigV4 documentation ("Example: GET Object").
  const example = {
    method: 'GET',
    url: '/test.txt',
    headers: {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-amz-date': '20130524T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'
    }
  };
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

  describe('#computeSignature', () => {
    it("should reproduce the documentation's signature", () => {
      const parts = parseSigV4(example);
      assert.ok(parts);
      assert.equal(parts.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
      assert.equal(
        computeSignature(example, parts, secret),
        'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'
      );
    });
  });

  describe('#verifySigV4', () => {
    it('should accept it at signing time and refuse a skewed clock or another secret', () => {
      const parts = parseSigV4(example);
      assert.ok(parts);
      const at = Date.UTC(2013, 4, 24);
      verifySigV4(example, parts, secret, at + 60_000);
      assert.throws(
        () => verifySigV4(example, parts, secret, at + 16 * 60_000),
        (e: unknown) => e instanceof S3AuthError && e.code === 'RequestTimeTooSkewed'
      );
      assert.throws(
        () => verifySigV4(example, parts, 'other', at),
        (e: unknown) => e instanceof S3AuthError && e.code === 'SignatureDoesNotMatch'
      );
      const tampered = { ...example, headers: { ...example.headers, range: 'bytes=0-99' } };
      assert.throws(
        () => verifySigV4(tampered, parts, secret, at),
        (e: unknown) => e instanceof S3AuthError && e.code === 'SignatureDoesNotMatch'
      );
    });
  });

  describe('AwsChunkedDecoder', () => {
    it('should decode chunks split at any byte and ignore trailers', async () => {
      const encoded = Buffer.from(
        '5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n'
      );
      for (const step of [1, 3, encoded.length]) {
        const decoder = new AwsChunkedDecoder();
        const out: Buffer[] = [];
        decoder.on('data', (c: Buffer) => out.push(c));
        const ended = new Promise(r => decoder.on('end', r));
        for (let i = 0; i < encoded.length; i += step) decoder.write(encoded.subarray(i, i + step));
        decoder.end();
        await ended;
        assert.equal(Buffer.concat(out).toString(), 'hello world');
      }
    });

    it('should fail on a body cut before the last chunk', async () => {
      const decoder = new AwsChunkedDecoder();
      decoder.resume();
      const failed = new Promise<unknown>(r => decoder.on('error', r));
      decoder.end(Buffer.from('5\r\nhel'));
      assert.ok((await failed) instanceof S3AuthError);
    });
  });
});
