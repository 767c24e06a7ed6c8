/**
 * GCS HTTPS data access: download and upload files on a collection's HTTPS server.
 *
 * The client resolves the collection's `https_server` through Transfer (cached per client)
 * and its token through `tokens.forCollection(id)`; without one it tries anonymously (public
 * collections), and a 401 becomes a `ConsentRequiredError` naming the collection's `https`
 * scope. When the hub gave no tokens at all, data access throws `NO_CREDENTIALS` first. Redirects are followed only within the same origin.
 *
 * Not through `@globus/sdk` (6.2.0): it has no function for a collection's HTTPS data path
 * (its `gcs` service is the GCS Manager API), and these bodies are streamed with
 * backpressure (large GETs in a worker thread), which `request()` does; the collection
 * lookup before them is a Transfer call through the SDK.
 */
import { Readable } from 'node:stream';
import { BadInputError } from '../../errors/bad-input-error';
import { IProgress, RawBody } from '../../http/request';
import { GlobusScopes } from '../../tokens/scopes';
import {
  callOptions,
  callService,
  ICallOptions,
  IServiceContext,
  requireCredentials
} from '../service-context';
import { collectionId } from '../transfer/collection-names';
import { TransferClient } from '../transfer/transfer-client';
import { CollectionRef } from '../transfer/types';
import { requireCollectionPath } from '../collection-path';

/** A byte range: `end` inclusive, omitted = to the end. */
export interface IByteRange {
  start: number;
  end?: number;
}

/** Options of a download. */
export interface IDownloadOptions extends ICallOptions {
  /** Called as bytes arrive. */
  onProgress?: (progress: IProgress) => void;
  /** Only these bytes (answered with 206). */
  range?: IByteRange;
  /** Receive the body in a worker thread (for a large body parsed as it arrives). */
  offThread?: boolean;
}

/** A download in flight. */
export interface IDownload {
  /** The body as a Node stream (errors are typed; abort via the signal). */
  stream: Readable;
  /** HTTP status (200, or 206 for a range). */
  status: number;
  /** Content-Length, when sent. */
  size: number | undefined;
  /** Content-Type, when sent. */
  contentType: string | undefined;
  /** Content-Range, for a range. */
  contentRange: string | undefined;
  /** The file's URL (no credentials in it). */
  url: string;
}

/** Options of an upload. */
export interface IUploadOptions extends ICallOptions {
  /** Called as bytes are sent. */
  onProgress?: (progress: IProgress) => void;
  /** Content-Type (default `application/octet-stream`). */
  contentType?: string;
  /** Length of a stream body, when known (for progress totals). */
  size?: number;
}

/** What an upload returns. */
export interface IUploadResult {
  /** HTTP status (GCS answers 200). */
  status: number;
  /** Bytes sent. */
  bytes: number;
  /** The file's URL. */
  url: string;
}

/**
 * Data an upload accepts. A function that makes the stream lets the PUT be sent again
 * (each attempt calls it once).
 */
export type UploadData =
  | Uint8Array
  | string
  | Readable
  | AsyncIterable<Uint8Array>
  | (() => Readable | AsyncIterable<Uint8Array>);

/**
 * Percent-encode a collection path for a URL, keeping `/`.
 *
 * @param path - absolute path on the collection
 */
export function encodeCollectionPath(path: string): string {
  requireCollectionPath(path);
  return path
    .split('/')
    .map(segment => encodeURIComponent(segment))
    .join('/');
}

/**
 * GCS HTTPS access to collections.
 */
export class HttpsClient {
  readonly #ctx: IServiceContext;
  readonly #transfer: TransferClient;
  readonly #servers = new Map<string, string>();

  /**
   * @param ctx - the session's service context
   * @param transfer - the session's Transfer client (to resolve `https_server`)
   */
  constructor(ctx: IServiceContext, transfer: TransferClient) {
    this.#ctx = ctx;
    this.#transfer = transfer;
  }

  /**
   * The collection's HTTPS base URL (from its document, else from Transfer; cached).
   *
   * @param collection - id or document
   * @param options - signal, timeout, retry
   * @see https://docs.globus.org/globus-connect-server/v5.4/https-access-collections/
   */
  async server(collection: CollectionRef, options: ICallOptions = {}): Promise<string> {
    const id = collectionId(collection);
    if (
      typeof collection !== 'string' &&
      typeof collection.https_server === 'string' &&
      collection.https_server
    ) {
      this.#servers.set(id, collection.https_server.replace(/\/+$/, ''));
    }
    const cached = this.#servers.get(id);
    if (cached) {
      return cached;
    }
    const doc = await this.#transfer.collections.get(collection, options);
    if (!doc.https_server) {
      throw new BadInputError(
        `${this.#transfer.describe(doc)} has no HTTPS server (entity_type ${doc.entity_type ?? 'unknown'}); use a GCSv5 collection with HTTPS enabled`,
        { code: 'NO_HTTPS_SERVER' }
      );
    }
    const base = doc.https_server.replace(/\/+$/, '');
    this.#servers.set(id, base);
    return base;
  }

  /**
   * The HTTPS URL of a file on a collection.
   *
   * @param collection - id or document
   * @param path - absolute path
   * @param options - signal, timeout, retry
   */
  async url(collection: CollectionRef, path: string, options: ICallOptions = {}): Promise<string> {
    return `${await this.server(collection, options)}${encodeCollectionPath(path)}`;
  }

  /**
   * Download a file as a stream.
   *
   * @param collection - id or document
   * @param path - absolute file path
   * @param options - signal, progress, range, timeout (until headers)
   * @see https://docs.globus.org/globus-connect-server/v5.4/https-access-collections/#downloading_files
   */
  async download(
    collection: CollectionRef,
    path: string,
    options: IDownloadOptions = {}
  ): Promise<IDownload> {
    requireCredentials(this.#ctx);
    const url = await this.url(collection, path, callOptions(options));
    const headers: Record<string, string> = {};
    if (options.range) {
      const { start, end } = options.range;
      if (
        !Number.isInteger(start) ||
        start < 0 ||
        (end !== undefined && (!Number.isInteger(end) || end < start))
      ) {
        throw new BadInputError(
          'range must be { start >= 0, end >= start } (integers, end inclusive)',
          {
            code: 'BAD_RANGE'
          }
        );
      }
      headers.Range = `bytes=${start}-${end ?? ''}`;
    }
    const res = await callService<Readable>(this.#ctx, 'https', {
      operation: 'download',
      path: url,
      headers,
      token: this.#ctx.tokens.forCollection(collectionId(collection)),
      resource: this.#transfer.describe(collection, path),
      responseType: 'stream',
      onDownloadProgress: options.onProgress,
      offThread: options.offThread,
      ...callOptions(options)
    });
    const size = res.headers['content-length'];
    return {
      stream: res.data,
      status: res.status,
      size: size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined,
      contentType: res.headers['content-type'],
      contentRange: res.headers['content-range'],
      url
    };
  }

  /**
   * Download a file into memory.
   *
   * @param collection - id or document
   * @param path - absolute file path
   * @param options - signal, progress, range, timeout
   * @see https://docs.globus.org/globus-connect-server/v5.4/https-access-collections/#downloading_files
   */
  async downloadBytes(
    collection: CollectionRef,
    path: string,
    options: IDownloadOptions = {}
  ): Promise<Uint8Array> {
    requireCredentials(this.#ctx);
    const url = await this.url(collection, path, callOptions(options));
    const headers: Record<string, string> = {};
    if (options.range) {
      headers.Range = `bytes=${options.range.start}-${options.range.end ?? ''}`;
    }
    const res = await callService<Uint8Array>(this.#ctx, 'https', {
      operation: 'download',
      path: url,
      headers,
      token: this.#ctx.tokens.forCollection(collectionId(collection)),
      resource: this.#transfer.describe(collection, path),
      responseType: 'bytes',
      onDownloadProgress: options.onProgress,
      ...callOptions(options)
    });
    return res.data;
  }

  /**
   * Upload (PUT) a file; overwrites an existing one. Parents must exist (use Transfer
   * `mkdir -p` first). A stream body is sent once (not retried); bytes, strings and a
   * function that makes the stream are retried on transient failures.
   *
   * @param collection - id or document
   * @param path - absolute file path
   * @param data - bytes, a string, or a stream
   * @param options - signal, progress, content type, size
   * @see https://docs.globus.org/globus-connect-server/v5.4/https-access-collections/#uploading_files
   */
  async upload(
    collection: CollectionRef,
    path: string,
    data: UploadData,
    options: IUploadOptions = {}
  ): Promise<IUploadResult> {
    requireCredentials(this.#ctx);
    const url = await this.url(collection, path, callOptions(options));
    let sent = 0;
    const onUploadProgress = (p: IProgress): void => {
      sent = p.loaded;
      options.onProgress?.(p);
    };
    const body: RawBody = data;
    const res = await callService<undefined>(this.#ctx, 'https', {
      operation: 'upload',
      method: 'PUT',
      path: url,
      body,
      bodyLength:
        options.size ??
        (typeof data === 'string'
          ? Buffer.byteLength(data)
          : data instanceof Uint8Array
            ? data.byteLength
            : undefined),
      headers: { 'Content-Type': options.contentType ?? 'application/octet-stream' },
      token: this.#ctx.tokens.forCollection(collectionId(collection)),
      resource: this.#transfer.describe(collection, path),
      responseType: 'none',
      onUploadProgress,
      ...callOptions(options)
    });
    if (typeof data === 'string') {
      sent = Buffer.byteLength(data);
    } else if (data instanceof Uint8Array) {
      sent = data.byteLength;
    }
    return { status: res.status, bytes: sent, url };
  }

  /**
   * The scope to consent to for HTTPS access to a collection.
   *
   * @param collection - id or document
   */
  scopeFor(collection: CollectionRef): string {
    return GlobusScopes.https(collectionId(collection));
  }

  /** Redacted display. */
  toString(): string {
    return 'HttpsClient';
  }
}
