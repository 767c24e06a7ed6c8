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
 *
 * The parts around it have their own modules: the public shapes (workspace-types.ts), the
 * document's description (workspace-info.ts), the bodies sent and received
 * (workspace-bodies.ts), S3 failures as typed errors (s3-errors.ts) and the HTML cards
 * (workspace-cards.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inspect, type InspectOptions } from 'node:util';
import type { ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { IDisplaySink } from '../display/sink';
import { tableHtml } from '../display/table-html';
import { BadInputError } from '../errors/bad-input-error';
import { AbortError, isAbortError } from '../errors/network-error';
import { Table } from '../flow/table';
import { runVerb, showHtml, throwIfAborted, type IVerbOptions } from '../flow/verb-context';
import { checkedProviderUrl } from '../oidc/oidc-config';
import { awsSdk } from './aws-sdk';
import type { IWorkspaceDocument, PlatformClient } from './platform-client';
import { isCredentialRefusal, s3Error } from './s3-errors';
import { checkedBody, uploadBody } from './workspace-bodies';
import { uploadCard } from './workspace-cards';
import { WorkspaceCredentials } from './workspace-credentials';
import { workspaceInfoOf } from './workspace-info';
import { checkRelativeKey } from './workspace-keys';
import type {
  ISignedUrl,
  ISignedUrlOptions,
  IWorkspaceDownload,
  IWorkspaceFileDownload,
  IWorkspaceInfo,
  IWorkspaceLsOptions,
  IWorkspaceOptions,
  IWorkspaceProgress,
  IWorkspaceUploadOptions,
  IWorkspaceUploadResult,
  WorkspaceUploadInput
} from './workspace-types';

/** AWS's limit for a presigned URL's lifetime. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

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
      throw s3Error(error, {
        operation,
        key,
        workspace: this.name,
        prefix: this.prefix,
        scopes: this.scopes,
        secrets: this.#credentials?.secrets() ?? []
      });
    }
  }
}
