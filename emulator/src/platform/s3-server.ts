/**
 * The platform's S3 server: s3rver (a real S3 protocol implementation over HTTP) on
 * 127.0.0.1, with the emulator's own gate in front of its routes. The gate admits only
 * STS keys the workspace API issued and that have not expired (on the emulator clock),
 * checks the SigV4 signature (header or presigned query, whose expiry it enforces on the
 * emulator clock), the
 * session token, and the workspace's bucket and key prefix; it also decodes `aws-chunked`
 * bodies. s3rver itself then serves the request from its filesystem store.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessLog } from '../http/service.js';
import type { IClock } from '../state/types.js';
import {
  dropDefaultKey,
  listAllObjects,
  putSeedObject,
  registerKey,
  revokeKey,
  type IListedObject,
  type IS3rverStore
} from './s3rver-internals.js';
import {
  AwsChunkedDecoder,
  isAwsChunked,
  parseSigV2,
  parseSigV4,
  S3AuthError,
  verifySigV4
} from './sigv4.js';

/** Temporary credentials as the workspace API hands them out. */
export interface IStsCredentials {
  access_key: string;
  secret_key: string;
  token: string;
  /** ISO 8601. */
  expiration: string;
}

/** What a key may touch. */
export interface IS3Grant {
  bucket: string;
  /** Key prefix (ends with `/`). */
  prefix: string;
}

interface IIssuedKey extends IS3Grant {
  secret: string;
  token: string;
  expiresAt: number;
}

/** The koa context fields the gate reads and writes. */
interface IKoaContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: string;
  status: number;
  type: string;
  body: unknown;
  set(name: string, value: string): void;
}

type KoaMiddleware = (ctx: IKoaContext, next: () => Promise<void>) => Promise<void>;

/** The s3rver instance fields used here (its documented API plus `store`). */
interface IS3rver {
  middleware: KoaMiddleware[];
  store: IS3rverStore;
  httpServer?: Server;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

type S3rverCtor = new (options: Record<string, unknown>) => IS3rver;

/** Options of `S3Server.start`. */
export interface IS3ServerOptions {
  clock: IClock;
  /** Folder for the object store. */
  directory: string;
  /** Buckets created at start. */
  buckets: readonly string[];
  /** Fixed port; default ephemeral. */
  port?: number;
  log?: AccessLog;
  /** Objects written before the server answers. */
  seedObjects?: ReadonlyArray<{ bucket: string; key: string; body: Buffer; contentType: string }>;
}

function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(
    message
  )}</Message><RequestId>${randomUUID()}</RequestId></Error>`;
}

/** The bucket and query of a `GET /<bucket>?list-type=2` request, else undefined. */
function listV2Request(
  method: string,
  url: string
): { bucket: string; params: URLSearchParams } | undefined {
  if (method !== 'GET') return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const path = url.slice(0, q).replace(/\/$/, '');
  if (path.indexOf('/', 1) >= 0 || path.length < 2) return undefined;
  const params = new URLSearchParams(url.slice(q + 1));
  if (params.get('list-type') !== '2') return undefined;
  return { bucket: splitPath(path).bucket, params };
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function accessKeyId(): string {
  let out = 'ASIA';
  for (const b of randomBytes(16)) out += BASE32[b % 32];
  return out;
}

/** A running S3 server. */
export class S3Server {
  private readonly keys = new Map<string, IIssuedKey>();
  // Kept after expiry too, for leak scans (`issuedSecrets()`).
  private readonly issuedSecretKeys: string[] = [];
  private readonly issuedSessionTokens: string[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly app: IS3rver,
    private readonly clock: IClock,
    /** `http://127.0.0.1:<port>`. */
    readonly url: string
  ) {}

  /** Starts s3rver behind the gate, creates the buckets and writes the seed objects. */
  static async start(options: IS3ServerOptions): Promise<S3Server> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver is CommonJS without types
    const S3rver = require('s3rver') as S3rverCtor;
    dropDefaultKey();
    const app = new S3rver({
      address: '127.0.0.1',
      port: options.port ?? 0,
      silent: true,
      directory: options.directory,
      configureBuckets: options.buckets.map(name => ({ name })),
      vhostBuckets: false
    });
    const holder: { server?: S3Server } = {};
    // The gate runs before every s3rver middleware (koa composes `middleware` at listen).
    app.middleware.unshift((ctx, next) => {
      if (!holder.server) throw new Error('S3 server not ready');
      return holder.server.gate(ctx, next, options.log);
    });
    const address = await app.run();
    const server = new S3Server(app, options.clock, `http://127.0.0.1:${address.port}`);
    holder.server = server;
    for (const o of options.seedObjects ?? []) {
      await putSeedObject(app.store, o.bucket, o.key, o.body, o.contentType);
    }
    server.sweeper = setInterval(() => server.sweep(), 30_000);
    server.sweeper.unref();
    return server;
  }

  /**
   * Mints STS-like credentials limited to one bucket and prefix.
   * @param ttlSeconds - lifetime on the emulator clock
   */
  issue(grant: IS3Grant, ttlSeconds: number): IStsCredentials {
    const access = accessKeyId();
    const secret = randomBytes(30).toString('base64');
    const token = randomBytes(96).toString('base64url');
    const expiresAt = this.clock.now() + ttlSeconds * 1000;
    this.keys.set(access, { ...grant, secret, token, expiresAt });
    this.issuedSecretKeys.push(secret);
    this.issuedSessionTokens.push(token);
    registerKey(access, secret);
    return {
      access_key: access,
      secret_key: secret,
      token,
      expiration: new Date(expiresAt).toISOString()
    };
  }

  /**
   * Every STS secret key and session token issued (test-only, for leak scans). Session
   * tokens legitimately appear in presigned URLs (`X-Amz-Security-Token`), so they are a
   * separate list.
   */
  issuedSecrets(): { stsSecretKeys: string[]; stsSessionTokens: string[] } {
    return {
      stsSecretKeys: [...this.issuedSecretKeys],
      stsSessionTokens: [...this.issuedSessionTokens]
    };
  }

  /** Retires keys whose time has passed (the gate also refuses them on sight). */
  sweep(): void {
    const now = this.clock.now();
    for (const [id, key] of this.keys) {
      if (key.expiresAt <= now) {
        this.keys.delete(id);
        revokeKey(id);
      }
    }
  }

  /** Stops the server (open keep-alive connections are cut) and revokes its keys. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.sweeper) clearInterval(this.sweeper);
      for (const id of this.keys.keys()) revokeKey(id);
      this.keys.clear();
      const done = this.app.close();
      this.app.httpServer?.closeAllConnections();
      await done;
    })();
    return this.closed;
  }

  private async gate(
    ctx: IKoaContext,
    next: () => Promise<void>,
    log: AccessLog | undefined
  ): Promise<void> {
    const started = Date.now();
    if (log) {
      ctx.res.on('finish', () =>
        log({
          service: 's3',
          method: ctx.method,
          path: ctx.url.split('?')[0],
          status: ctx.res.statusCode,
          ms: Date.now() - started
        })
      );
    }
    try {
      this.authorize(ctx);
    } catch (e) {
      if (!(e instanceof S3AuthError)) throw e;
      ctx.status = e.status;
      ctx.type = 'application/xml';
      ctx.body = errorXml(e.code, e.description);
      return;
    }
    if (isAwsChunked(ctx.req.headers)) this.decodeChunked(ctx);
    const list = listV2Request(ctx.method, ctx.req.url ?? '/');
    if (list) {
      await this.listV2(ctx, list.bucket, list.params);
      return;
    }
    try {
      await next();
    } catch (e) {
      // s3rver's SigV2 SignatureDoesNotMatch carries StringToSign, which holds the session
      // token: answer without it.
      if ((e as { code?: unknown }).code !== 'SignatureDoesNotMatch') throw e;
      ctx.status = 403;
      ctx.type = 'application/xml';
      ctx.body = errorXml(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.'
      );
    }
  }

  /**
   * ListObjectsV2, answered here from s3rver's store (see `listAllObjects` for why):
   * entries (keys and common prefixes) in key order, `max-keys` of them per page, an opaque
   * continuation token, `start-after`, `encoding-type=url` (boto3's default).
   */
  private async listV2(ctx: IKoaContext, bucket: string, params: URLSearchParams): Promise<void> {
    const prefix = params.get('prefix') ?? '';
    const delimiter = params.get('delimiter') ?? '';
    const maxKeysText = params.get('max-keys');
    const maxKeys = maxKeysText === null ? 1000 : Number(maxKeysText);
    const token = params.get('continuation-token');
    const urlEncoded = params.get('encoding-type') === 'url';
    const fail = (message: string): void => {
      ctx.status = 400;
      ctx.type = 'application/xml';
      ctx.body = errorXml('InvalidArgument', message);
    };
    if (!Number.isInteger(maxKeys) || maxKeys < 0)
      return fail('Provided max-keys not an integer or within integer range');
    let after = params.get('start-after') ?? '';
    if (token !== null) {
      const decoded = Buffer.from(token, 'base64url').toString('utf8');
      if (!decoded.startsWith(`${bucket}\n`))
        return fail('The continuation token provided is incorrect');
      after = decoded.slice(bucket.length + 1);
    }
    const all = await listAllObjects(this.app.store, bucket, prefix, delimiter);
    const entries: Array<{ key: string; object?: IListedObject }> = [
      ...all.objects.map(o => ({ key: o.key, object: o })),
      ...all.commonPrefixes.map(p => ({ key: p }))
    ]
      .filter(e => e.key > after)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const page = entries.slice(0, Math.min(maxKeys, 1000));
    const truncated = entries.length > page.length;
    const enc = (v: string): string => xmlEscape(urlEncoded ? encodeURIComponent(v) : v);
    const tag = (name: string, value: string | number | undefined): string =>
      value === undefined ? '' : `<${name}>${value}</${name}>`;
    const last = page[page.length - 1];
    const parts = [
      tag('Name', xmlEscape(bucket)),
      tag('Prefix', enc(prefix)),
      delimiter ? tag('Delimiter', enc(delimiter)) : '',
      tag('MaxKeys', maxKeys),
      urlEncoded ? tag('EncodingType', 'url') : '',
      tag('KeyCount', page.length),
      tag('IsTruncated', String(truncated)),
      token !== null ? tag('ContinuationToken', xmlEscape(token)) : '',
      truncated && last
        ? tag('NextContinuationToken', Buffer.from(`${bucket}\n${last.key}`).toString('base64url'))
        : '',
      params.has('start-after') ? tag('StartAfter', enc(params.get('start-after') ?? '')) : '',
      ...page.map(e =>
        e.object
          ? `<Contents>${tag('Key', enc(e.key))}${tag('LastModified', e.object.lastModified.toISOString())}${tag(
              'ETag',
              xmlEscape(e.object.etag)
            )}${tag('Size', e.object.size)}<StorageClass>STANDARD</StorageClass></Contents>`
          : `<CommonPrefixes>${tag('Prefix', enc(e.key))}</CommonPrefixes>`
      )
    ];
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join(
      ''
    )}</ListBucketResult>`;
  }

  private authorize(ctx: IKoaContext): void {
    if (ctx.method === 'OPTIONS') return; // CORS preflight: s3rver answers from bucket CORS config
    const req = { method: ctx.method, url: ctx.req.url ?? '/', headers: ctx.req.headers };
    // SigV2 (boto3's default for presigned URLs): s3rver verifies the signature after us.
    const v2 = parseSigV2(req);
    if (v2) {
      const key = this.liveKey(v2.accessKeyId, v2.sessionToken);
      if (v2.expiresAtMs !== undefined && this.clock.now() > v2.expiresAtMs) {
        throw new S3AuthError(403, 'AccessDenied', 'Request has expired');
      }
      checkGrant(ctx.method, req.url, key, req.headers['x-amz-copy-source']);
      return;
    }
    const parts = parseSigV4(req);
    if (!parts) throw new S3AuthError(403, 'AccessDenied', 'Anonymous access is not allowed');
    const key = this.liveKey(parts.accessKeyId, parts.sessionToken);
    // Header signatures carry the signer's wall time; presigned expiry follows the emulator
    // clock like every other expiry (s3rver re-checks it on wall time, which is never later).
    verifySigV4(req, parts, key.secret, Date.now(), this.clock.now());
    checkGrant(ctx.method, req.url, key, req.headers['x-amz-copy-source']);
  }

  /** The issued key, if it exists, has not expired and `sessionToken` is its token. */
  private liveKey(accessKeyId: string, sessionToken: string | undefined): IIssuedKey {
    const key = this.keys.get(accessKeyId);
    if (!key) {
      throw new S3AuthError(
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.'
      );
    }
    if (key.expiresAt <= this.clock.now()) {
      this.keys.delete(accessKeyId);
      revokeKey(accessKeyId);
      throw new S3AuthError(403, 'ExpiredToken', 'The provided token has expired.');
    }
    if (sessionToken !== key.token) {
      throw new S3AuthError(
        403,
        'InvalidToken',
        'The provided token is malformed or otherwise invalid.'
      );
    }
    return key;
  }

  private decodeChunked(ctx: IKoaContext): void {
    const headers = ctx.req.headers;
    const decoded = headers['x-amz-decoded-content-length'];
    const encodings = String(headers['content-encoding'] ?? '')
      .split(',')
      .map(s => s.trim())
      .filter(s => s && s !== 'aws-chunked');
    if (encodings.length) headers['content-encoding'] = encodings.join(',');
    else delete headers['content-encoding'];
    if (typeof decoded === 'string') headers['content-length'] = decoded;
    const decoder = new AwsChunkedDecoder();
    ctx.req.on('error', e => decoder.destroy(e));
    ctx.req.pipe(decoder);
    // s3rver reads request bodies from `ctx.req` as a stream; give it the decoded one.
    Object.assign(decoder, { headers });
    ctx.req = decoder as unknown as IncomingMessage;
  }
}

/**
 * The workspace policy: the key's bucket only; object keys (and a copy source) under its
 * prefix; listing only with a `prefix` under it; bucket location and HEAD allowed;
 * everything else refused.
 */
function checkGrant(
  method: string,
  url: string,
  grant: IS3Grant,
  copySource?: string | string[]
): void {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const deny = (): never => {
    throw new S3AuthError(403, 'AccessDenied', 'Access Denied');
  };
  const { bucket, key } = splitPath(path);
  if (bucket !== grant.bucket) deny();
  checkKeyLength(key);
  if (copySource !== undefined) {
    const source = splitPath(`/${String(copySource).replace(/^\//, '').split('?')[0]}`);
    if (source.bucket !== grant.bucket || !underPrefix(source.key, grant.prefix)) deny();
    checkKeyLength(source.key);
  }
  if (key) {
    if (!underPrefix(key, grant.prefix)) deny();
    return;
  }
  if (method === 'HEAD') return;
  if (method === 'GET' && params.has('location')) return;
  if (method === 'GET' && (params.get('prefix') ?? '').startsWith(grant.prefix)) return;
  if (method === 'POST' && params.has('delete')) return; // keys in the body are not checked
  deny();
}

/** Longest object key S3 accepts, in UTF-8 bytes. */
const maxKeyBytes = 1024;
/**
 * s3rver keeps an object as files named after its key: each `/`-separated part is a folder
 * or file name, the last one with `._S3rver_metadata.json` (22 bytes) appended, and a name
 * may have 255 bytes.
 */
const maxKeyPartBytes = 255;
const maxLastKeyPartBytes = maxKeyPartBytes - '._S3rver_metadata.json'.length;

/**
 * Refuses a key S3 would refuse (over 1024 bytes) and one the file-backed store cannot hold
 * (a part over 255 bytes, the last over 233), before s3rver meets ENAMETOOLONG and answers
 * 500: 400 `KeyTooLongError`, S3's code for a long key
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 * @throws S3AuthError 400 `KeyTooLongError`
 */
function checkKeyLength(key: string): void {
  if (!key) return;
  if (Buffer.byteLength(key, 'utf8') > maxKeyBytes) {
    throw new S3AuthError(400, 'KeyTooLongError', 'Your key is too long');
  }
  const parts = key.split('/');
  parts.forEach((part, i) => {
    const limit = i === parts.length - 1 ? maxLastKeyPartBytes : maxKeyPartBytes;
    if (Buffer.byteLength(part, 'utf8') > limit) {
      throw new S3AuthError(
        400,
        'KeyTooLongError',
        `Your key is too long for this emulator's file-backed store: each '/'-separated part may have ${maxKeyPartBytes} bytes, the last ${maxLastKeyPartBytes}`
      );
    }
  });
}

function underPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix) && !key.split('/').includes('..');
}

/** `/bucket/key…` (percent-encoded) → decoded bucket and key. */
function splitPath(path: string): { bucket: string; key: string } {
  const slash = path.indexOf('/', 1);
  try {
    return {
      bucket: decodeURIComponent(slash < 0 ? path.slice(1) : path.slice(1, slash)),
      key: slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1))
    };
  } catch {
    throw new S3AuthError(400, 'InvalidURI', 'Could not parse the specified URI.');
  }
}
