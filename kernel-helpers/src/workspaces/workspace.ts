/**
 * One S3 workspace of a platform: its storage document, temporary credentials renewed
 * before they expire, and the object operations through the AWS SDK v3 S3 client
 * (path-style requests to the workspace's endpoint): `ls`, `upload` (multipart for large
 * bodies, with progress), `download` (a stream, or a local file written through a temp
 * file and a rename), `signedUrl`.
 *
 * Keys are relative to the workspace's prefix (see `checkRelativeKey`). No AWS SDK type
 * appears in the public signatures: tslab's TypeScript (5.0, node10 resolution) need not
 * resolve the SDK's declarations to type-check a cell.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inspect, type InspectOptions } from 'node:util';
import type { ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import { formatBytes, joinHtml, keyValueHtml, linkHtml } from '../display/html';
import type { IDisplaySink } from '../display/sink';
import { tableHtml } from '../display/table-html';
import { BadInputError } from '../errors/bad-input-error';
import { redactSecrets } from '../errors/globus-kit-error';
import { AbortError, isAbortError, NetworkError } from '../errors/network-error';
import type { Chart } from '../flow/plot';
import { contentTypeFor, prepareUpload } from '../flow/upload-input';
import { Table } from '../flow/table';
import { runVerb, showHtml, throwIfAborted, type IVerbOptions } from '../flow/verb-context';
import { checkedProviderUrl } from '../oidc/oidc-config';
import { awsSdk } from './aws-sdk';
import type { IWorkspaceDocument, PlatformClient } from './platform-client';
import { WorkspaceCredentials } from './workspace-credentials';
import { WorkspaceError } from './workspace-error';
import { checkRelativeKey } from './workspace-keys';

/** Progress of an upload or download. */
export interface IWorkspaceProgress {
  /** Bytes done. */
  loaded: number;
  /** Bytes in all, when known. */
  total?: number;
  /** The multipart part that just finished, if multipart. */
  part?: number;
}

/** What `Workspace.upload` takes: bytes, text, a chart, `{ file }`, a `file:` URL or a stream. */
export type WorkspaceUploadInput =
  | Uint8Array
  | string
  | Chart
  | { file: string }
  | URL
  | NodeJS.ReadableStream
  | AsyncIterable<Uint8Array>;

/** Options of `Workspace.upload`. */
export interface IWorkspaceUploadOptions extends IVerbOptions {
  /** Called as parts finish (and at the end). */
  onProgress?: (p: IWorkspaceProgress) => void;
  /** Content-Type (default: from the key's extension). */
  contentType?: string;
  /** PNG pixel density for a chart (default 1). */
  scale?: number;
  /** Multipart part size in bytes (default 8 MiB, at least 5 MiB); smaller bodies go in one PUT. */
  partSize?: number;
  /** Parts sent at once (default 4). */
  queueSize?: number;
}

/** What `Workspace.upload` returns. */
export interface IWorkspaceUploadResult {
  workspace: string;
  /** The key relative to the workspace. */
  key: string;
  bucket: string;
  /** The full object key (prefix + key). */
  objectKey: string;
  bytes: number;
  /** SHA-256 of what was sent, hex. */
  sha256: string;
  contentType: string;
  /** Whether it went as a multipart upload. */
  multipart: boolean;
  etag: string | null;
}

/** What `Workspace.download` returns. */
export interface IWorkspaceDownload {
  key: string;
  /** The body; read it once. */
  stream: Readable;
  /** Content-Length, when the server sent it. */
  size: number | undefined;
  contentType: string | undefined;
  etag: string | undefined;
}

/** What `Workspace.downloadFile` returns. */
export interface IWorkspaceFileDownload {
  key: string;
  /** The local file written. */
  path: string;
  bytes: number;
  sha256: string;
}

/** Options of `Workspace.ls`. */
export interface IWorkspaceLsOptions extends IVerbOptions {
  /** Rows shown (default 50); the table returned has them all. */
  preview?: number;
  /** Stop after this many entries (default 100,000). */
  maxEntries?: number;
}

/** Options of `Workspace.signedUrl`. */
export interface ISignedUrlOptions extends IVerbOptions {
  /** Seconds the URL works (default 3600; at most 7 days, and never past the credentials' expiry). */
  expiresIn?: number;
}

/** A presigned GET URL (it is itself the capability to read the object until it expires). */
export interface ISignedUrl {
  workspace: string;
  key: string;
  url: string;
  /** When it stops working. */
  expiresAt: Date;
  /** Seconds it works from now (after capping to the credentials' expiry). */
  expiresIn: number;
}

/** The non-secret description of a workspace (the listing's rows). */
export interface IWorkspaceInfo {
  name: string;
  storageType: string;
  endpoint: string;
  bucket: string;
  prefix: string;
  region: string;
  scopes: string[];
}

/** Options of a {@link Workspace}. */
export interface IWorkspaceOptions {
  /** Where its verbs show progress and results. */
  display?: IDisplaySink;
  /** Renew credentials that expire within this many seconds (default 60; at most a quarter of their lifetime). */
  renewWindowSeconds?: number;
}

/** AWS's limit for a presigned URL's lifetime. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

/**
 * The non-secret description of a workspace document.
 *
 * @param doc - the workspace API's document
 * @throws WorkspaceError `WORKSPACE_UNSUPPORTED` when it is not S3 or lacks bucket/endpoint
 */
export function workspaceInfoOf(doc: IWorkspaceDocument): IWorkspaceInfo {
  const prop = (k: string): string | undefined => {
    const v = doc.properties?.[k];
    return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
  };
  const storageType = doc.storage_type ?? prop('storage_type') ?? 'unknown';
  const fromUri = /^s3:\/\/([^/]+)\/?(.*)$/.exec(
    doc.resource_uris?.[0] ?? prop('storage_url') ?? ''
  );
  const bucket = prop('bucket') ?? fromUri?.[1];
  const endpoint = prop('service_url') ?? doc.end_point;
  let prefix = prop('key') ?? fromUri?.[2] ?? '';
  if (prefix !== '' && !prefix.endsWith('/')) {
    prefix += '/';
  }
  if (storageType.toLowerCase() !== 's3' || !bucket || !endpoint) {
    throw new WorkspaceError({
      code: 'WORKSPACE_UNSUPPORTED',
      message: `Workspace ${JSON.stringify(doc.name)} is ${storageType} storage${bucket && endpoint ? '' : ' without a bucket and endpoint'}; only S3 workspaces are supported.`,
      remedy: 'Choose an S3 workspace from `await oidc.workspaces()`.',
      workspace: doc.name
    });
  }
  return {
    name: doc.name,
    storageType,
    endpoint,
    bucket,
    prefix: prefix.replace(/^\/+/, ''),
    region: prop('region') ?? 'us-east-1',
    scopes: Array.isArray(doc.scopes) ? doc.scopes.filter(s => typeof s === 'string') : []
  };
}

/**
 * An S3 workspace: `ls`, `upload`, `download`, `downloadFile`, `signedUrl`, with
 * temporary credentials from the workspace API renewed before they expire and once more
 * when S3 refuses them.
 */
export class Workspace implements IWorkspaceInfo {
  readonly name: string;
  readonly storageType: string;
  /** The S3 endpoint (path-style requests go there). */
  readonly endpoint: string;
  readonly bucket: string;
  /** The key prefix of the workspace inside the bucket (`''` or ending in `/`). */
  readonly prefix: string;
  readonly region: string;
  /** The S3 permissions the platform grants on it. */
  readonly scopes: string[];
  /** The workspace API's document (no secrets). */
  readonly document: IWorkspaceDocument;
  /** Where its verbs show output. */
  readonly display: IDisplaySink | undefined;
  /** Credentials fetched from the workspace API so far (tests and diagnostics). */
  credentialRenewals = 0;
  readonly #platform: PlatformClient;
  readonly #window: number;
  #credentials: WorkspaceCredentials | undefined;
  #inflight: Promise<WorkspaceCredentials> | undefined;
  #client: S3Client | undefined;

  /**
   * @param doc - the workspace document
   * @param platform - the workspace API (for credentials)
   * @param options - display, renewal window
   * @throws WorkspaceError `WORKSPACE_UNSUPPORTED`; OidcError `OIDC_INSECURE_ISSUER` for a
   *   plain-http endpoint off loopback
   */
  constructor(doc: IWorkspaceDocument, platform: PlatformClient, options: IWorkspaceOptions = {}) {
    const info = workspaceInfoOf(doc);
    checkedProviderUrl(info.endpoint, 'S3 endpoint');
    this.name = info.name;
    this.storageType = info.storageType;
    this.endpoint = info.endpoint;
    this.bucket = info.bucket;
    this.prefix = info.prefix;
    this.region = info.region;
    this.scopes = info.scopes;
    this.document = doc;
    this.display = options.display;
    this.#platform = platform;
    this.#window = options.renewWindowSeconds ?? 60;
  }

  /**
   * Temporary S3 credentials (redacted in every view), renewed when they expire within
   * the renewal window.
   *
   * @param options - `force` a renewal
   */
  async credentials(options: { force?: boolean } = {}): Promise<WorkspaceCredentials> {
    const c = this.#credentials;
    if (c && !options.force) {
      const left = c.expiresInSeconds();
      const lifetime = c.lifetimeSeconds;
      const window = Math.min(this.#window, lifetime !== undefined ? lifetime / 4 : this.#window);
      if (left === undefined || left > window) {
        return c;
      }
    }
    this.#inflight ??= this.#platform
      .sts(this.name)
      .then(r => {
        this.credentialRenewals++;
        this.#credentials = r.credentials;
        if (options.force) {
          // The SDK caches credentials that are not near expiry: a forced renewal needs a
          // new client to be used at once.
          this.#client?.destroy();
          this.#client = undefined;
        }
        return r.credentials;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  /**
   * The full object key of a key relative to the workspace.
   *
   * @param key - relative key
   * @throws BadInputError `BAD_KEY`
   */
  objectKey(key: string): string {
    return `${this.prefix}${checkRelativeKey(key)}`;
  }

  /**
   * List a folder of the workspace: columns `name`, `type` (`dir` or `file`), `size`,
   * `last_modified`, `key` (relative), folders first. Shows the first rows.
   *
   * @param prefix - a relative folder (default the workspace's top)
   * @param options - preview size, limit, signal
   */
  ls(prefix = '', options: IWorkspaceLsOptions = {}): Promise<Table> {
    let rel: string;
    try {
      rel = checkRelativeKey(prefix, { allowEmpty: true, allowFolder: true });
    } catch (error) {
      return Promise.reject(error);
    }
    if (rel !== '' && !rel.endsWith('/')) {
      rel += '/';
    }
    return runVerb(this, `Listing ${this.name}/${rel}`, async ({ progress }) => {
      const max = options.maxEntries ?? 100_000;
      const dirs: { name: string; key: string }[] = [];
      const files: { name: string; key: string; size: number | null; modified: Date | null }[] = [];
      let token: string | undefined;
      do {
        const page: ListObjectsV2CommandOutput = await this.#s3(
          'ListObjectsV2',
          rel,
          client =>
            client.send(
              new (awsSdk().s3.ListObjectsV2Command)({
                Bucket: this.bucket,
                Prefix: `${this.prefix}${rel}`,
                Delimiter: '/',
                ContinuationToken: token
              }),
              { abortSignal: options.signal }
            ),
          options.signal
        );
        for (const p of page.CommonPrefixes ?? []) {
          const key = (p.Prefix ?? '').slice(this.prefix.length);
          dirs.push({ name: key.slice(rel.length).replace(/\/$/, ''), key });
        }
        for (const o of page.Contents ?? []) {
          const key = (o.Key ?? '').slice(this.prefix.length);
          if (key === rel) {
            continue; // a folder marker object
          }
          files.push({
            name: key.slice(rel.length),
            key,
            size: o.Size ?? null,
            modified: o.LastModified ?? null
          });
        }
        progress.update({ files: dirs.length + files.length });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token && dirs.length + files.length < max);
      dirs.sort((a, b) => a.name.localeCompare(b.name));
      files.sort((a, b) => a.name.localeCompare(b.name));
      const table = Table.fromColumns(
        {
          name: [...dirs.map(d => d.name), ...files.map(f => f.name)],
          type: [...dirs.map(() => 'dir'), ...files.map(() => 'file')],
          size: [...dirs.map(() => null), ...files.map(f => f.size)],
          last_modified: [...dirs.map(() => null), ...files.map(f => f.modified)],
          key: [...dirs.map(d => d.key), ...files.map(f => f.key)]
        },
        {
          types: {
            name: 'string',
            type: 'string',
            size: 'integer',
            last_modified: 'date',
            key: 'string'
          }
        }
      );
      const n = options.preview ?? 50;
      showHtml(this.display, tableHtml(table, { head: n, tail: 0, title: `${this.name} /${rel}` }));
      return table;
    });
  }

  /**
   * Upload to `key`: one PUT for small bodies, a multipart upload (parts of `partSize`,
   * `queueSize` at once) for large ones, with progress in one updatable display and in
   * `onProgress`. A failed or cancelled multipart upload is aborted, so no object and no
   * parts are left. A chart is rendered to PNG (SVG when the key ends in `.svg`).
   *
   * @param data - bytes, text, a chart, `{ file }`, a `file:` URL or a stream
   * @param key - relative key
   * @param options - progress callback, content type, part size, signal
   */
  upload(
    data: WorkspaceUploadInput,
    key: string,
    options: IWorkspaceUploadOptions = {}
  ): Promise<IWorkspaceUploadResult> {
    let objectKey: string;
    try {
      objectKey = this.objectKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const name = key.slice(key.lastIndexOf('/') + 1);
    return runVerb(this, `Uploading ${name} to ${this.name}`, async ({ progress }) => {
      const { signal } = options;
      const body = await uploadBody(data, key, options, m => progress.update({ message: m }));
      throwIfAborted(signal);
      const partSize = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
      progress.update({ bytes: 0, totalBytes: body.size, message: undefined });
      const report = (p: IWorkspaceProgress): void => {
        progress.update({ bytes: p.loaded, totalBytes: p.total });
        try {
          options.onProgress?.(p);
        } catch {
          // a throwing callback must not break the upload
        }
      };
      const out = await this.#s3(
        'Upload',
        key,
        async client => {
          const upload = new (awsSdk().storage.Upload)({
            client,
            params: {
              Bucket: this.bucket,
              Key: objectKey,
              Body: body.body,
              ContentType: body.contentType
            },
            partSize,
            queueSize: options.queueSize ?? 4,
            leavePartsOnError: false
          });
          upload.on('httpUploadProgress', p => {
            report({ loaded: p.loaded ?? 0, total: p.total ?? body.size, part: p.part });
          });
          const onAbort = (): void => {
            void upload.abort().catch(() => undefined);
          };
          signal?.addEventListener('abort', onAbort, { once: true });
          try {
            return await upload.done();
          } finally {
            signal?.removeEventListener('abort', onAbort);
          }
        },
        signal,
        // A stream body cannot be sent twice.
        body.replayable
      );
      const bytes = body.bytes();
      report({ loaded: bytes, total: bytes });
      const result: IWorkspaceUploadResult = {
        workspace: this.name,
        key,
        bucket: this.bucket,
        objectKey,
        bytes,
        sha256: body.digest(),
        contentType: body.contentType,
        multipart: bytes > partSize,
        etag: (out as { ETag?: string }).ETag ?? null
      };
      showHtml(this.display, uploadCard(result));
      return result;
    });
  }

  /**
   * Open an object for reading (a stream; nothing is buffered). A body cut short (the
   * connection dropped mid-body, or fewer bytes than its Content-Length) fails the stream
   * with `NetworkError` `TRUNCATED_BODY`, as `fetchCsv` does for a collection.
   *
   * @param key - relative key
   * @param options - signal
   * @throws WorkspaceError `S3_NOT_FOUND`, `S3_ACCESS_DENIED`, …
   */
  async download(key: string, options: IVerbOptions = {}): Promise<IWorkspaceDownload> {
    const objectKey = this.objectKey(key);
    const res = await this.#s3(
      'GetObject',
      key,
      client =>
        client.send(new (awsSdk().s3.GetObjectCommand)({ Bucket: this.bucket, Key: objectKey }), {
          abortSignal: options.signal
        }),
      options.signal
    );
    const body =
      res.Body instanceof Readable
        ? res.Body
        : Readable.from(res.Body as AsyncIterable<Uint8Array>);
    const size = res.ContentLength;
    const stream = Readable.from(
      checkedBody(body, `S3 GetObject of ${this.name}:${key}`, size, options.signal),
      { objectMode: false }
    );
    return {
      key,
      stream,
      size,
      contentType: res.ContentType,
      etag: res.ETag
    };
  }

  /**
   * Download an object to a local file: written to a temp file next to it and renamed
   * into place when complete, so a failure leaves nothing at `path`.
   *
   * @param key - relative key
   * @param path - local file path
   * @param options - signal
   */
  downloadFile(
    key: string,
    path: string,
    options: IVerbOptions = {}
  ): Promise<IWorkspaceFileDownload> {
    const name = key.slice(key.lastIndexOf('/') + 1);
    return runVerb(this, `Downloading ${name} from ${this.name}`, async ({ progress }) => {
      const dl = await this.download(key, options);
      const tmp = `${path}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
      const h = createHash('sha256');
      let bytes = 0;
      const size = dl.size;
      try {
        await pipeline(
          dl.stream,
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              h.update(chunk);
              bytes += chunk.length;
              progress.update({ bytes, totalBytes: size });
              yield chunk;
            }
          },
          createWriteStream(tmp, { mode: 0o644 }),
          { signal: options.signal }
        );
        // A short body already failed the stream (TRUNCATED_BODY, see `download`).
        await rename(tmp, path);
      } catch (error) {
        await rm(tmp, { force: true });
        if (isAbortError(error) || (error as { name?: string }).name === 'AbortError') {
          throw new AbortError();
        }
        throw error;
      }
      return { key, path, bytes, sha256: h.digest('hex') };
    });
  }

  /**
   * A presigned GET URL for `key` that anyone can fetch with plain HTTP until it expires.
   * Its lifetime is capped to the credentials' expiry (after renewing them when they would
   * not last): the URL is signed with them and stops working when they do.
   *
   * @param key - relative key
   * @param options - `expiresIn` seconds (default 3600)
   * @returns the URL and when it expires
   */
  async signedUrl(key: string, options: ISignedUrlOptions = {}): Promise<ISignedUrl> {
    const objectKey = this.objectKey(key);
    const wanted = options.expiresIn ?? 3600;
    if (!Number.isFinite(wanted) || wanted < 1 || wanted > MAX_PRESIGN_SECONDS) {
      throw new BadInputError(
        `expiresIn must be between 1 and ${MAX_PRESIGN_SECONDS} seconds (got ${String(options.expiresIn)})`,
        { code: 'BAD_EXPIRES_IN' }
      );
    }
    let creds = await this.credentials();
    const left = creds.expiresInSeconds();
    if (left !== undefined && left < wanted) {
      creds = await this.credentials({ force: true });
    }
    const credLeft = creds.expiresInSeconds();
    const expiresIn = Math.max(
      1,
      Math.floor(credLeft === undefined ? wanted : Math.min(wanted, credLeft))
    );
    const url = await this.#s3(
      'presign GetObject',
      key,
      client =>
        awsSdk().presigner.getSignedUrl(
          client,
          new (awsSdk().s3.GetObjectCommand)({ Bucket: this.bucket, Key: objectKey }),
          {
            expiresIn
          }
        ),
      options.signal
    );
    return {
      workspace: this.name,
      key,
      url,
      expiresAt: new Date(Date.now() + expiresIn * 1000),
      expiresIn
    };
  }

  /** The non-secret description (what `JSON.stringify` and tslab show). */
  toJSON(): IWorkspaceInfo {
    return {
      name: this.name,
      storageType: this.storageType,
      endpoint: this.endpoint,
      bucket: this.bucket,
      prefix: this.prefix,
      region: this.region,
      scopes: this.scopes
    };
  }

  /** `Workspace(<name>, s3://<bucket>/<prefix>)` */
  toString(): string {
    return `Workspace(${this.name}, s3://${this.bucket}/${this.prefix})`;
  }

  /** The non-secret `util.inspect` / console / tslab view. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `Workspace ${inspect(this.toJSON(), { ...options, depth: 2 })}`;
  }

  /** Close the S3 client's connections. */
  dispose(): void {
    this.#client?.destroy();
    this.#client = undefined;
  }

  /** The S3 client (made on first use; its credentials come from {@link credentials}). */
  #s3client(): S3Client {
    this.#client ??= new (awsSdk().s3.S3Client)({
      endpoint: this.endpoint,
      forcePathStyle: true,
      region: this.region,
      credentials: async () => (await this.credentials()).unsafeReveal(),
      // S3-compatible servers often lack the CRC trailers newer SDKs add by default.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3
    });
    return this.#client;
  }

  /**
   * Run an S3 operation; when S3 refuses the credentials (403), renew them and run once
   * more; map failures to `WorkspaceError`s scrubbed of secrets.
   */
  async #s3<T>(
    operation: string,
    key: string,
    call: (client: S3Client) => Promise<T>,
    signal: AbortSignal | undefined,
    retryable = true
  ): Promise<T> {
    throwIfAborted(signal);
    try {
      await this.credentials();
      try {
        return await call(this.#s3client());
      } catch (error) {
        if (!retryable || signal?.aborted || !isCredentialRefusal(error)) {
          throw error;
        }
        await this.credentials({ force: true });
        return await call(this.#s3client());
      }
    } catch (error) {
      if (signal?.aborted) {
        throw new AbortError();
      }
      throw this.#mapError(error, operation, key);
    }
  }

  #mapError(error: unknown, operation: string, key: string): unknown {
    if (error instanceof WorkspaceError || error instanceof BadInputError) {
      return error;
    }
    if (isAbortError(error)) {
      return error;
    }
    if (
      typeof error === 'object' &&
      error !== null &&
      (error as { name?: string }).name === 'OidcError'
    ) {
      return error;
    }
    const e = (error ?? {}) as {
      name?: unknown;
      Code?: unknown;
      code?: unknown;
      $metadata?: { httpStatusCode?: unknown };
      $response?: { statusCode?: unknown };
    };
    const status =
      typeof e.$metadata?.httpStatusCode === 'number'
        ? e.$metadata.httpStatusCode
        : typeof e.$response?.statusCode === 'number'
          ? e.$response.statusCode
          : undefined;
    const rawCode =
      typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : undefined;
    const code = rawCode && /^[A-Za-z.]{1,64}$/.test(rawCode) ? rawCode : undefined;
    const secrets = this.#credentials?.secrets() ?? [];
    const what = redactSecrets(
      `S3 ${operation} of ${this.name}:${key || '/'} failed (${[status, code].filter(Boolean).join(' ') || networkCode(error)})`,
      secrets
    );
    const base = { status, workspace: this.name, serviceCode: code };
    if (code === 'ExpiredToken' || code === 'TokenRefreshRequired') {
      return new WorkspaceError({
        ...base,
        code: 'CREDENTIALS_EXPIRED',
        message: `${what}: the temporary credentials expired and renewing them did not help.`,
        remedy:
          'Check the machine clock; then get the workspace again with `await oidc.workspace(name)`.'
      });
    }
    if (
      status === 403 ||
      code === 'AccessDenied' ||
      code === 'InvalidAccessKeyId' ||
      code === 'SignatureDoesNotMatch'
    ) {
      return new WorkspaceError({
        ...base,
        code: 'S3_ACCESS_DENIED',
        message: `${what}.`,
        remedy: `Check that the workspace grants this (its scopes: ${this.scopes.join(', ') || 'none listed'}) and that the key is inside it.`
      });
    }
    if (status === 404 || code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket') {
      return new WorkspaceError({
        ...base,
        code: 'S3_NOT_FOUND',
        message: `${what}: no such object.`,
        remedy: `List the workspace with \`await ws.ls()\` to see its keys (relative to ${this.prefix || 'the bucket'}).`
      });
    }
    return new WorkspaceError({
      ...base,
      code: 'S3_REQUEST_FAILED',
      message: `${what}.`,
      remedy:
        status !== undefined && status >= 500
          ? 'Try again later.'
          : 'Check the endpoint and the network, then try again.'
    });
  }
}

/**
 * The card shown after a workspace upload.
 *
 * @param r - the result
 */
export function uploadCard(r: IWorkspaceUploadResult) {
  return joinHtml(
    [
      keyValueHtml(
        [
          ['Workspace', r.workspace],
          ['Key', r.key],
          ['Object', `s3://${r.bucket}/${r.objectKey}`],
          ['Size', `${formatBytes(r.bytes)} (${r.bytes} bytes)`],
          ['Type', r.contentType],
          ['Multipart', r.multipart ? 'yes' : 'no'],
          ['SHA-256', r.sha256]
        ],
        { title: 'Uploaded' }
      )
    ],
    { className: 'jp-GlobusKit-Upload' }
  );
}

/**
 * The card of a signed URL.
 *
 * @param s - the signed URL
 */
export function signedUrlCard(s: ISignedUrl) {
  return joinHtml(
    [
      keyValueHtml(
        [
          ['Workspace', s.workspace],
          ['Key', s.key],
          ['Signed URL', linkHtml(s.url, s.url)],
          ['Expires', `${s.expiresAt.toISOString()} (in ${s.expiresIn} s)`]
        ],
        { title: 'Download link' }
      )
    ],
    { className: 'jp-GlobusKit-Links' }
  );
}

// Module internals (not exported from the package).
interface IUploadBody {
  body: Uint8Array | Readable;
  size: number | undefined;
  contentType: string;
  /** Whether the body can be sent again (bytes can, a stream cannot). */
  replayable: boolean;
  bytes(): number;
  digest(): string;
}

async function uploadBody(
  data: WorkspaceUploadInput,
  key: string,
  options: IWorkspaceUploadOptions,
  say: (message: string) => void
): Promise<IUploadBody> {
  const prepared = await prepareUpload(data, key, options, say);
  const contentType = prepared?.contentType ?? contentTypeFor(key, options.contentType);
  if (prepared?.kind === 'bytes') {
    const { bytes, sha256 } = prepared;
    return {
      body: bytes,
      size: bytes.byteLength,
      contentType,
      replayable: true,
      bytes: () => bytes.byteLength,
      digest: () => sha256
    };
  }
  let source: AsyncIterable<Uint8Array>;
  let size: number | undefined;
  if (prepared?.kind === 'file') {
    size = prepared.size;
    source = createReadStream(prepared.file, { highWaterMark: 1024 * 1024 });
  } else if (typeof data === 'object' && data !== null && Symbol.asyncIterator in data) {
    source = data as AsyncIterable<Uint8Array>;
  } else {
    throw new BadInputError(
      'upload takes bytes (Uint8Array), a string, a chart, { file: path }, a file: URL or a stream',
      { code: 'BAD_DATA' }
    );
  }
  const h = createHash('sha256');
  let count = 0;
  async function* hashing(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      h.update(bytes);
      count += bytes.byteLength;
      yield bytes;
    }
  }
  let digest: string | undefined;
  return {
    body: Readable.from(hashing(), { objectMode: false }),
    size,
    contentType,
    replayable: false,
    bytes: () => count,
    digest: () => (digest ??= h.digest('hex'))
  };
}

/**
 * An S3 object body that fails typed: `TRUNCATED_BODY` when the connection drops mid-body
 * (the raw `Error: aborted`, `ECONNRESET`) or the body ends short of its Content-Length;
 * `AbortError` when the caller cancelled. Destroying the result destroys the body.
 *
 * @param body - the SDK's body stream
 * @param what - the request, for messages (no URL: a signed one carries credentials)
 * @param size - Content-Length, when sent
 * @param signal - the caller's signal
 */
async function* checkedBody(
  body: Readable,
  what: string,
  size: number | undefined,
  signal: AbortSignal | undefined
): AsyncGenerator<Buffer> {
  let loaded = 0;
  const cutShort = (why: string, cause?: unknown): NetworkError =>
    new NetworkError(
      `${what} failed: the response body was cut short (${loaded} of ${size ?? 'unknown'} bytes${why}). Run the cell again.`,
      { code: 'TRUNCATED_BODY', cause }
    );
  try {
    for await (const chunk of body) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      loaded += bytes.length;
      yield bytes;
    }
  } catch (error) {
    if (
      signal?.aborted ||
      isAbortError(error) ||
      (error as { name?: unknown })?.name === 'AbortError'
    ) {
      throw new AbortError();
    }
    throw cutShort(`, ${networkCode(error)}`, error);
  } finally {
    body.destroy();
  }
  if (size !== undefined && loaded !== size) {
    throw cutShort('');
  }
}

function isCredentialRefusal(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  const name = typeof e?.name === 'string' ? e.name : '';
  return (
    e?.$metadata?.httpStatusCode === 403 ||
    name === 'ExpiredToken' ||
    name === 'InvalidAccessKeyId' ||
    name === 'InvalidToken' ||
    name === 'AccessDenied'
  );
}

function networkCode(error: unknown): string {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  if (typeof e?.code === 'string') {
    return e.code;
  }
  if (typeof e?.cause?.code === 'string') {
    return e.cause.code;
  }
  return error instanceof Error ? error.name : 'error';
}
