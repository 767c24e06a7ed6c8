import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createEmulator, type IEmulator } from '../index.js';
import type { IStsCredentials } from '../platform/s3-server.js';
import {
  ALICE_WORKSPACE,
  PLATFORM_NOTEBOOK_CLIENT_ID,
  SEED_CSV_KEY,
  SERVICE_WORKSPACE
} from '../platform/seed.js';
import { appToken, endpoint, pkcePair, postForm } from './platform-fixture.js';

const STS_TTL = 600;

async function aliceToken(emu: IEmulator): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const redirect = 'http://127.0.0.1:9/cb';
  const url = new URL(endpoint(emu, 'auth'));
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: PLATFORM_NOTEBOOK_CLIENT_ID,
    redirect_uri: redirect,
    scope: 'openid platform',
    code_challenge: challenge,
    code_challenge_method: 'S256'
  }).toString();
  const res = await fetch(url, { redirect: 'manual' });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const tok = await postForm(endpoint(emu, 'token'), {
    grant_type: 'authorization_code',
    client_id: PLATFORM_NOTEBOOK_CLIENT_ID,
    code,
    code_verifier: verifier,
    redirect_uri: redirect
  });
  return tok.body.access_token;
}

async function sts(emu: IEmulator, token: string, workspace: string): Promise<IStsCredentials> {
  const res = await fetch(`${emu.urls.platform}/v2/storage/workspaces/${workspace}/sts`, {
    headers: { Authorization: `Bearer ${token}` }
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { credentials: IStsCredentials }).credentials;
}

function client(emu: IEmulator, c: IStsCredentials, overrides: Partial<IStsCredentials> = {}) {
  const creds = { ...c, ...overrides };
  return new S3Client({
    endpoint: emu.urls.s3,
    forcePathStyle: true,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: {
      accessKeyId: creds.access_key,
      secretAccessKey: creds.secret_key,
      sessionToken: creds.token || undefined
    }
  });
}

async function s3Error(p: Promise<unknown>): Promise<{ name: string; status: number }> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof S3ServiceException, String(e));
    return { name: e.name, status: e.$metadata.httpStatusCode ?? 0 };
  }
  throw new Error('expected the S3 call to fail');
}

/** A plain HTTP GET (no SDK), as a browser or curl would fetch a signed URL. */
function plainGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, res => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** A SigV2 presigned GET URL, as boto3 makes by default (string to sign per the S3 v2 docs). */
function presignV2(emu: IEmulator, c: IStsCredentials, key: string, expires: number): string {
  const resource = `/demo-workspaces/${key.split('/').map(encodeURIComponent).join('/')}`;
  const toSign = `GET\n\n\n${expires}\nx-amz-security-token:${c.token}\n${resource}`;
  const signature = createHmac('sha1', c.secret_key).update(toSign).digest('base64');
  const q = new URLSearchParams({
    AWSAccessKeyId: c.access_key,
    Signature: signature,
    'x-amz-security-token': c.token,
    Expires: String(expires)
  });
  return `${emu.urls.s3}${resource}?${q.toString()}`;
}

describe('Platform S3', () => {
  let emu: IEmulator;
  let alice: IStsCredentials;
  let s3: S3Client;
  before(async () => {
    emu = await createEmulator({ platform: { stsTtlSeconds: STS_TTL }, autoApprove: true });
    alice = await sts(emu, await aliceToken(emu), ALICE_WORKSPACE);
    s3 = client(emu, alice);
  });
  after(async () => {
    s3.destroy();
    await emu.close();
  });

  describe('#long keys', () => {
    it('regression #15: should answer a key part the store cannot hold with 400 KeyTooLongError, not 500', async () => {
      const long = `alice/${'n'.repeat(300)}`;
      const put = await s3Error(
        s3.send(new PutObjectCommand({ Bucket: 'demo-workspaces', Key: long, Body: 'x' }))
      );
      assert.deepEqual(put, { name: 'KeyTooLongError', status: 400 });
      const get = await s3Error(
        s3.send(new GetObjectCommand({ Bucket: 'demo-workspaces', Key: long }))
      );
      assert.deepEqual(get, { name: 'KeyTooLongError', status: 400 });
      const folder = await s3Error(
        s3.send(
          new PutObjectCommand({ Bucket: 'demo-workspaces', Key: `${long}/x.txt`, Body: 'x' })
        )
      );
      assert.deepEqual(folder, { name: 'KeyTooLongError', status: 400 });
      const overS3Limit = `alice/${'d/'.repeat(520)}x`;
      const tooLong = await s3Error(
        s3.send(new PutObjectCommand({ Bucket: 'demo-workspaces', Key: overS3Limit, Body: 'x' }))
      );
      assert.deepEqual(tooLong, { name: 'KeyTooLongError', status: 400 });
      // The longest last part the store holds works.
      const fits = `alice/${'f'.repeat(233)}`;
      await s3.send(new PutObjectCommand({ Bucket: 'demo-workspaces', Key: fits, Body: 'fits' }));
      const back = await s3.send(new GetObjectCommand({ Bucket: 'demo-workspaces', Key: fits }));
      assert.equal(await back.Body?.transformToString(), 'fits');
    });
  });

  describe('#seed', () => {
    it('should list and serve the seeded CSV in alice/', async () => {
      const list = await s3.send(
        new ListObjectsV2Command({ Bucket: 'demo-workspaces', Prefix: 'alice/' })
      );
      const keys = (list.Contents ?? []).map(o => o.Key);
      assert.ok(keys.includes(SEED_CSV_KEY), keys.join(','));
      const obj = await s3.send(
        new GetObjectCommand({ Bucket: 'demo-workspaces', Key: SEED_CSV_KEY })
      );
      const text = (await obj.Body?.transformToString()) ?? '';
      const header = text.split('\n')[0];
      for (const col of ['DATE', 'TMAX', 'TMIN']) assert.match(header, new RegExp(`"${col}"`));
      assert.equal(text.trim().split('\n').length, 32);
    });

    it('should list with a delimiter as folders', async () => {
      const list = await s3.send(
        new ListObjectsV2Command({ Bucket: 'demo-workspaces', Prefix: 'alice/', Delimiter: '/' })
      );
      assert.deepEqual(
        (list.CommonPrefixes ?? []).map(p => p.Prefix),
        ['alice/weather/']
      );
    });
  });

  describe('#objects', () => {
    it('should put and get a buffer and a streamed (aws-chunked) body', async () => {
      const key = 'alice/tests/a b+c(1).txt';
      await s3.send(new PutObjectCommand({ Bucket: 'demo-workspaces', Key: key, Body: 'hello' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'demo-workspaces', Key: key }));
      assert.equal(await got.Body?.transformToString(), 'hello');
      const streamed = 'streamed body '.repeat(1000);
      await s3.send(
        new PutObjectCommand({
          Bucket: 'demo-workspaces',
          Key: 'alice/tests/stream.txt',
          Body: Readable.from([Buffer.from(streamed)]),
          ContentLength: streamed.length
        })
      );
      const back = await s3.send(
        new GetObjectCommand({ Bucket: 'demo-workspaces', Key: 'alice/tests/stream.txt' })
      );
      assert.equal(back.ContentLength, streamed.length);
      assert.equal(await back.Body?.transformToString(), streamed);
    });

    it('should complete a multipart upload with progress', async () => {
      const size = 12 * 1024 * 1024 + 123;
      const body = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) body[i] = i % 251;
      const progress: number[] = [];
      const upload = new Upload({
        client: s3,
        params: { Bucket: 'demo-workspaces', Key: 'alice/tests/big.bin', Body: body },
        partSize: 5 * 1024 * 1024
      });
      upload.on('httpUploadProgress', p => progress.push(p.loaded ?? 0));
      const done = await upload.done();
      assert.ok(done.ETag);
      assert.ok(progress.length >= 3);
      assert.equal(Math.max(...progress), size);
      const got = await s3.send(
        new GetObjectCommand({ Bucket: 'demo-workspaces', Key: 'alice/tests/big.bin' })
      );
      const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
      assert.equal(bytes.length, size);
      assert.equal(
        createHash('sha256').update(bytes).digest('hex'),
        createHash('sha256').update(body).digest('hex')
      );
    });

    it('should page ListObjectsV2 in key order with continuation tokens, folders included', async () => {
      const keys = [
        ...Array.from({ length: 7 }, (_, i) => `alice/paged/f0${7 - i}.txt`),
        'alice/paged/sub1/x.txt',
        'alice/paged/sub2/y.txt',
        'alice/paged/a b+c.txt'
      ];
      for (const Key of keys) {
        await s3.send(new PutObjectCommand({ Bucket: 'demo-workspaces', Key, Body: Key }));
      }
      const pageThrough = async (delimiter?: string): Promise<string[][]> => {
        const pages: string[][] = [];
        let token: string | undefined;
        do {
          const res = await s3.send(
            new ListObjectsV2Command({
              Bucket: 'demo-workspaces',
              Prefix: 'alice/paged/',
              Delimiter: delimiter,
              MaxKeys: 3,
              ContinuationToken: token
            })
          );
          const names = [
            ...(res.Contents ?? []).map(o => o.Key ?? ''),
            ...(res.CommonPrefixes ?? []).map(p => p.Prefix ?? '')
          ].sort();
          assert.equal(res.KeyCount, names.length);
          pages.push(names);
          token = res.IsTruncated ? res.NextContinuationToken : undefined;
          assert.ok(pages.length <= 10);
        } while (token);
        return pages;
      };
      const folders = await pageThrough('/');
      assert.deepEqual(
        folders.map(p => p.length),
        [3, 3, 3, 1]
      );
      assert.deepEqual(folders.flat(), [
        'alice/paged/a b+c.txt',
        'alice/paged/f01.txt',
        'alice/paged/f02.txt',
        'alice/paged/f03.txt',
        'alice/paged/f04.txt',
        'alice/paged/f05.txt',
        'alice/paged/f06.txt',
        'alice/paged/f07.txt',
        'alice/paged/sub1/',
        'alice/paged/sub2/'
      ]);
      const flat = (await pageThrough()).flat();
      assert.deepEqual(flat, [...keys].sort());
      const bad = await s3Error(
        s3.send(
          new ListObjectsV2Command({
            Bucket: 'demo-workspaces',
            Prefix: 'alice/',
            ContinuationToken: 'bm90LWEtdG9rZW4'
          })
        )
      );
      assert.deepEqual(bad, { name: 'InvalidArgument', status: 400 });
    });

    it('should answer GetBucketLocation', async () => {
      const res = await s3.send(new GetBucketLocationCommand({ Bucket: 'demo-workspaces' }));
      assert.equal(res.$metadata.httpStatusCode, 200);
    });
  });

  describe('#presigned URLs', () => {
    it('should serve a presigned GET over plain HTTP until it expires, then 403', async () => {
      const url = await getSignedUrl(
        s3,
        new GetObjectCommand({ Bucket: 'demo-workspaces', Key: SEED_CSV_KEY }),
        { expiresIn: 60 }
      );
      const ok = await plainGet(url);
      assert.equal(ok.status, 200);
      assert.match(ok.body, /"TMAX"/);
      emu.clock.advance(61_000);
      try {
        const late = await plainGet(url);
        assert.equal(late.status, 403);
        assert.match(late.body, /<Code>AccessDenied<\/Code>/);
        assert.match(late.body, /Request has expired/);
      } finally {
        emu.clock.advance(-61_000);
      }
      assert.equal((await plainGet(url)).status, 200);
    });

    it('should refuse a presigned GET after its expiry in wall time too', async () => {
      const url = await getSignedUrl(
        s3,
        new GetObjectCommand({ Bucket: 'demo-workspaces', Key: SEED_CSV_KEY }),
        { expiresIn: 1 }
      );
      // X-Amz-Date has whole seconds: wait until one second past date + expiry.
      const signed = /X-Amz-Date=(\d{8}T\d{6}Z)/.exec(url)?.[1] ?? '';
      const at = Date.UTC(
        +signed.slice(0, 4),
        +signed.slice(4, 6) - 1,
        +signed.slice(6, 8),
        +signed.slice(9, 11),
        +signed.slice(11, 13),
        +signed.slice(13, 15)
      );
      await new Promise(r => setTimeout(r, Math.max(0, at + 2100 - Date.now())));
      const late = await plainGet(url);
      assert.equal(late.status, 403);
      assert.match(late.body, /Request has expired/);
    });

    it('should serve a SigV2 presigned GET (boto3 default) and refuse it when wrong or expired', async () => {
      const expires = Math.floor(emu.clock.now() / 1000) + 60;
      const url = presignV2(emu, alice, SEED_CSV_KEY, expires);
      const ok = await plainGet(url);
      assert.equal(ok.status, 200);
      assert.match(ok.body, /"TMAX"/);
      const bad = await plainGet(url.replace(/Signature=[^&]+/, 'Signature=AAAA'));
      assert.equal(bad.status, 403);
      assert.match(bad.body, /SignatureDoesNotMatch/);
      assert.ok(!bad.body.includes(alice.token), 'no session token in the error');
      const noToken = await plainGet(url.replace(/&x-amz-security-token=[^&]+/, ''));
      assert.equal(noToken.status, 403);
      const otherKey = await plainGet(presignV2(emu, alice, 'bob/x.csv', expires));
      assert.equal(otherKey.status, 403);
      emu.clock.advance(61_000);
      try {
        const late = await plainGet(url);
        assert.equal(late.status, 403);
        assert.match(late.body, /Request has expired/);
      } finally {
        emu.clock.advance(-61_000);
      }
    });

    it('should refuse a tampered presigned URL', async () => {
      const url = new URL(
        await getSignedUrl(
          s3,
          new GetObjectCommand({ Bucket: 'demo-workspaces', Key: SEED_CSV_KEY }),
          { expiresIn: 60 }
        )
      );
      url.searchParams.set('X-Amz-Expires', '120');
      const res = await plainGet(url.toString());
      assert.equal(res.status, 403);
      assert.match(res.body, /SignatureDoesNotMatch/);
    });
  });

  describe('#authentication', () => {
    it('should refuse a wrong secret, a missing session token and anonymous requests', async () => {
      const wrong = client(emu, alice, { secret_key: 'x'.repeat(40) });
      const a = await s3Error(
        wrong.send(new ListObjectsV2Command({ Bucket: 'demo-workspaces', Prefix: 'alice/' }))
      );
      assert.deepEqual(a, { name: 'SignatureDoesNotMatch', status: 403 });
      const noToken = client(emu, alice, { token: '' });
      const b = await s3Error(
        noToken.send(new ListObjectsV2Command({ Bucket: 'demo-workspaces', Prefix: 'alice/' }))
      );
      assert.equal(b.status, 403);
      const anon = await plainGet(`${emu.urls.s3}/demo-workspaces/${SEED_CSV_KEY}`);
      assert.equal(anon.status, 403);
      wrong.destroy();
      noToken.destroy();
    });

    it("should refuse s3rver's default key", async () => {
      const dflt = client(emu, {
        access_key: 'S3RVER',
        secret_key: 'S3RVER',
        token: '',
        expiration: ''
      });
      const e = await s3Error(
        dflt.send(new ListObjectsV2Command({ Bucket: 'demo-workspaces', Prefix: 'alice/' }))
      );
      assert.deepEqual(e, { name: 'InvalidAccessKeyId', status: 403 });
      dflt.destroy();
    });

    it("should keep a key to its workspace's bucket and prefix", async () => {
      const otherPrefix = await s3Error(
        s3.send(new GetObjectCommand({ Bucket: 'demo-workspaces', Key: 'bob/secret.txt' }))
      );
      assert.deepEqual(otherPrefix, { name: 'AccessDenied', status: 403 });
      const otherBucket = await s3Error(
        s3.send(new ListObjectsV2Command({ Bucket: 'demo-processing-results', Prefix: 'service/' }))
      );
      assert.equal(otherBucket.status, 403);
      const noPrefix = await s3Error(
        s3.send(new ListObjectsV2Command({ Bucket: 'demo-workspaces' }))
      );
      assert.equal(noPrefix.status, 403);
      const up = await s3Error(
        s3.send(new PutObjectCommand({ Bucket: 'demo-workspaces', Key: 'bob/x.txt', Body: 'x' }))
      );
      assert.equal(up.status, 403);
      const copy = await s3Error(
        s3.send(
          new CopyObjectCommand({
            Bucket: 'demo-workspaces',
            Key: 'alice/stolen.txt',
            CopySource: 'demo-workspaces/bob/secret.txt'
          })
        )
      );
      assert.deepEqual(copy, { name: 'AccessDenied', status: 403 });
      const own = await s3.send(
        new CopyObjectCommand({
          Bucket: 'demo-workspaces',
          Key: 'alice/tests/copy.csv',
          CopySource: `demo-workspaces/${SEED_CSV_KEY}`
        })
      );
      assert.equal(own.$metadata.httpStatusCode, 200);
    });

    it('should refuse an STS key after its expiration, signed URLs included', async () => {
      const tok = await appToken(emu);
      const creds = await sts(emu, tok.access_token, SERVICE_WORKSPACE);
      const c = client(emu, creds);
      await c.send(
        new PutObjectCommand({ Bucket: 'demo-processing-results', Key: 'service/r.txt', Body: 'r' })
      );
      const url = await getSignedUrl(
        c,
        new GetObjectCommand({ Bucket: 'demo-processing-results', Key: 'service/r.txt' }),
        { expiresIn: 3600 }
      );
      assert.equal((await plainGet(url)).status, 200);
      emu.clock.advance((STS_TTL + 1) * 1000);
      try {
        const e = await s3Error(
          c.send(
            new ListObjectsV2Command({ Bucket: 'demo-processing-results', Prefix: 'service/' })
          )
        );
        assert.deepEqual(e, { name: 'ExpiredToken', status: 403 });
        const late = await plainGet(url);
        assert.equal(late.status, 403);
        assert.doesNotMatch(late.body, new RegExp(creds.secret_key.replace(/[+/]/g, '.')));
      } finally {
        emu.clock.advance(-(STS_TTL + 1) * 1000);
        c.destroy();
      }
    });
  });
});
