/**
 * `globus.upload(data, { collection, path })`: put bytes, text, a chart or a local file on
 * a collection over HTTPS, creating missing folders first.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { formatBytes, joinHtml, keyValueHtml, linkHtml } from '../display/html';
import { BadInputError } from '../errors/bad-input-error';
import { isGlobusApiError } from '../errors/api-error';
import { requireCollectionPath } from '../services/collection-path';
import { callService } from '../services/service-context';
import type { IEndpointDocument } from '../services/transfer/types';
import { knownFolders } from './known-folders';
import { linksFor } from './link';
import type { Chart } from './plot';
import { prepareUpload } from './upload-input';
import { collectionLabel, resolveCollection } from './resolve-collection';
import type { ICollectionPath } from './fetch-csv';
import type { IWorkspaceUploadResult, WorkspaceUploadInput } from '../workspaces/workspace-types';
import {
  isWorkspaceKey,
  type IWorkspaceUploadVerbOptions,
  uploadToWorkspace
} from '../workspaces/workspace-verbs';
import {
  type IVerbContext,
  type IVerbOptions,
  runVerb,
  showHtml,
  throwIfAborted
} from './verb-context';

/** A local file to upload: `{ file: 'results/plot.png' }` (a plain string is uploaded as text). */
export interface ILocalFile {
  file: string;
}

/** What `upload()` accepts. */
export type UploadInput = Uint8Array | string | Chart | ILocalFile | URL;

/** Options of `upload()`. */
export interface IUploadVerbOptions extends IVerbOptions, ICollectionPath {
  /** Content-Type (default: from the path's extension). */
  contentType?: string;
  /** PNG pixel density for a chart (default 1). */
  scale?: number;
}

/** What `upload()` returns. */
export interface IUploadVerbResult {
  collection: string;
  collectionName: string | null;
  path: string;
  /** Bytes stored. */
  bytes: number;
  /** SHA-256 of what was sent, hex (compare with the file you download back). */
  sha256: string;
  contentType: string;
  /** HTTPS URL of the file. */
  url: string;
  /** The Globus web app page of its folder. */
  webAppUrl: string;
}

/**
 * Upload to a collection over HTTPS: `mkdir -p` of the parent folder through Transfer
 * (skipped for a folder this session made in the last minute) alongside a HEAD of the
 * target, then a PUT with progress; a local file is streamed and hashed in one read,
 * in 1 MiB chunks, so memory stays flat whatever its size. A chart is rendered to PNG, or to SVG when the path ends in
 * `.svg`. A failed or cancelled upload leaves no file at `path`: the HTTPS server stores a
 * PUT body under a temporary name until it is complete, and when the path did not exist
 * before, whatever a server might have left there is deleted.
 *
 * @param ctx - the session
 * @param data - bytes, text, a chart, `{ file }` or a `file:` URL
 * @param options - `collection`, `path`, content type, signal
 */
export function upload(
  ctx: IVerbContext,
  data: UploadInput,
  options: IUploadVerbOptions
): Promise<IUploadVerbResult>;
/**
 * Upload to an S3 workspace: `upload(data, { workspace, key })` (multipart for large
 * bodies, progress in one display; see `Workspace.upload`).
 *
 * @param ctx - the session
 * @param data - bytes, text, a chart, `{ file }`, a `file:` URL or a stream
 * @param options - `workspace`, `key`, `onProgress`, content type, signal
 */
export function upload(
  ctx: IVerbContext,
  data: WorkspaceUploadInput,
  options: IWorkspaceUploadVerbOptions
): Promise<IWorkspaceUploadResult>;
export function upload(
  ctx: IVerbContext,
  data: UploadInput | WorkspaceUploadInput,
  options: IUploadVerbOptions | IWorkspaceUploadVerbOptions
): Promise<IUploadVerbResult | IWorkspaceUploadResult> {
  if (isWorkspaceKey(options)) {
    return uploadToWorkspace(ctx, data as WorkspaceUploadInput, options);
  }
  return uploadToCollection(ctx, data as UploadInput, options);
}

function uploadToCollection(
  ctx: IVerbContext,
  data: UploadInput,
  options: IUploadVerbOptions
): Promise<IUploadVerbResult> {
  const path = options?.path;
  if (typeof path !== 'string' || !path.startsWith('/') || path.endsWith('/')) {
    return Promise.reject(
      new BadInputError(
        `upload needs { collection, path } with an absolute file path (got ${JSON.stringify(path)})`,
        { code: 'BAD_PATH' }
      )
    );
  }
  try {
    // before `mkdir -p` of the parent: `/a/..` must not create `/a`
    requireCollectionPath(path, 'upload path');
  } catch (e) {
    return Promise.reject(e);
  }
  const name = path.slice(path.lastIndexOf('/') + 1);
  return runVerb(ctx, `Uploading ${name}`, async ({ progress }) => {
    const { signal } = options;
    // A file is read through a factory, so a PUT can be sent again (retries, a folder
    // made again); each attempt hashes what it sends (one read, not two).
    const prepared = await prepareUpload(data, name, options, message =>
      progress.update({ message })
    );
    if (!prepared) {
      throw new BadInputError(
        'upload takes bytes (Uint8Array), a string, a chart, { file: path } or a file: URL',
        { code: 'BAD_DATA' }
      );
    }
    const { contentType } = prepared;
    let body: Uint8Array | (() => AsyncIterable<Uint8Array>);
    let size: number;
    let sha256: string;
    let hashing: IHashingRead | undefined;
    let file: string | undefined;
    if (prepared.kind === 'bytes') {
      body = prepared.bytes;
      size = prepared.bytes.byteLength;
      sha256 = prepared.sha256;
    } else {
      const local = prepared.file;
      size = prepared.size;
      sha256 = '';
      file = local;
      body = () => {
        hashing = hashingRead(local);
        return hashing.chunks;
      };
    }
    throwIfAborted(signal);
    progress.update({ message: 'creating folders' });
    const doc = await resolveCollection(ctx.transfer, options.collection, { signal });
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    const folders = knownFolders(ctx.transfer);
    // A folder this session made or found a moment ago is not made again.
    const trusted = parent === '/' || folders.has(doc.id, parent);
    const existed = await prepareTarget(ctx, doc, path, parent, trusted, signal);
    if (!trusted) {
      folders.remember(doc.id, parent);
    }
    progress.update({ bytes: 0, totalBytes: size, message: undefined });
    const put = () =>
      ctx.https.upload(doc, path, body, {
        signal,
        contentType,
        size,
        onProgress: p => progress.update({ bytes: p.loaded, totalBytes: size })
      });
    try {
      try {
        await put();
      } catch (error) {
        if (parent === '/' || !trusted || !isGlobusApiError(error) || error.status !== 404) {
          throw error;
        }
        // The folder was removed since this session saw it: make it again, send again.
        folders.forget(doc.id, parent);
        await ctx.transfer.files.mkdir(doc, parent, { parents: true, signal });
        folders.remember(doc.id, parent);
        await put();
      }
    } catch (error) {
      if (!existed) {
        await removeQuietly(ctx, doc, path);
      }
      throw error;
    }
    if (file !== undefined) {
      // The request checks that exactly `size` bytes were sent; a server that answered
      // before reading them all leaves a partial hash, so read the file again then.
      const read = hashing as IHashingRead | undefined;
      sha256 = read?.bytes === size ? read.digest() : await hashFile(file, signal);
    }
    progress.update({ bytes: size, totalBytes: size });
    const links = linksFor(doc, path);
    const result: IUploadVerbResult = {
      collection: doc.id,
      collectionName: doc.display_name,
      path,
      bytes: size,
      sha256,
      contentType,
      url: links.url ?? '',
      webAppUrl: links.webAppUrl
    };
    showHtml(ctx.display, uploadCard(doc, result));
    return result;
  });
}

/**
 * The card shown after an upload.
 *
 * @param doc - the collection
 * @param r - the result
 */
export function uploadCard(doc: IEndpointDocument, r: IUploadVerbResult) {
  return joinHtml(
    [
      keyValueHtml(
        [
          ['Collection', collectionLabel(doc)],
          ['Path', r.path],
          ['Size', `${formatBytes(r.bytes)} (${r.bytes} bytes)`],
          ['Type', r.contentType],
          ['SHA-256', r.sha256],
          ['HTTPS', r.url ? linkHtml(r.url, r.url) : null],
          ['Globus web app', linkHtml('Open in the Globus web app', r.webAppUrl)]
        ],
        { title: 'Uploaded' }
      )
    ],
    { className: 'jp-GlobusKit-Upload' }
  );
}

/** Size of each read of a local file while uploading it. */
const READ_CHUNK = 1024 * 1024;

/** A file read for upload that hashes what it yields. */
export interface IHashingRead {
  /** The file. */
  file: string;
  /** Its bytes, in three reused 1 MiB buffers (see `request`'s `body`). */
  chunks: AsyncIterable<Uint8Array>;
  /** Bytes hashed so far. */
  readonly bytes: number;
  /** SHA-256 of the bytes read, hex. */
  digest(): string;
}

/**
 * Read a file for an upload in 1 MiB chunks, hashing each as it goes and reading the next
 * one meanwhile. Three buffers take turns: `request` asks for chunk n+2 only once chunk n
 * is on the socket, so the read memory stays at 3 MiB however large the file.
 *
 * @param file - local path
 */
export function hashingRead(file: string): IHashingRead {
  const h = createHash('sha256');
  let bytes = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const handle = await open(file, 'r');
    const buffers = [0, 1, 2].map(() => Buffer.allocUnsafe(READ_CHUNK));
    let pending: Promise<{ bytesRead: number }> | undefined = handle.read(
      buffers[0],
      0,
      READ_CHUNK,
      null
    );
    try {
      for (let n = 0; ; n++) {
        const { bytesRead } = await pending;
        pending = undefined;
        if (bytesRead === 0) {
          return;
        }
        const chunk = buffers[n % 3].subarray(0, bytesRead);
        // Read ahead into the buffer of chunk n-2, which is on the socket now that chunk
        // n is asked for; the hash runs meanwhile.
        pending = handle.read(buffers[(n + 1) % 3], 0, READ_CHUNK, null);
        h.update(chunk);
        bytes += bytesRead;
        yield chunk;
      }
    } finally {
      await pending?.catch(() => undefined);
      await handle.close();
    }
  }
  return {
    file,
    chunks: { [Symbol.asyncIterator]: chunks },
    get bytes() {
      return bytes;
    },
    digest: () => h.digest('hex')
  };
}

async function hashFile(file: string, signal: AbortSignal | undefined): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal })) {
    h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

/**
 * Make the parent folder (`mkdir -p` through Transfer, unless `trusted`) and find out
 * whether the file is already there (a HEAD over HTTPS), both at once. A failed mkdir is
 * the error reported, as it was when the two ran one after the other.
 *
 * @returns whether the file existed before the upload
 */
async function prepareTarget(
  ctx: IVerbContext,
  doc: IEndpointDocument,
  path: string,
  parent: string,
  trusted: boolean,
  signal: AbortSignal | undefined
): Promise<boolean> {
  const [made, found] = await Promise.allSettled([
    trusted ? undefined : ctx.transfer.files.mkdir(doc, parent, { parents: true, signal }),
    exists(ctx, doc, path, signal)
  ]);
  if (made.status === 'rejected') {
    throw made.reason;
  }
  if (found.status === 'rejected') {
    throw found.reason;
  }
  return found.value;
}

/** Whether the file is already there (HEAD over HTTPS; a 404 means no). */
async function exists(
  ctx: IVerbContext,
  doc: IEndpointDocument,
  path: string,
  signal: AbortSignal | undefined
): Promise<boolean> {
  const res = await callService(ctx.context, 'https', {
    operation: 'stat',
    method: 'HEAD',
    path: await ctx.https.url(doc, path, { signal }),
    token: ctx.tokens.forCollection(doc.id),
    resource: ctx.transfer.describe(doc, path),
    responseType: 'none',
    okStatuses: [404],
    signal
  });
  return res.status !== 404;
}

/** Delete what a failed upload may have left (best effort: the failure is what matters). */
async function removeQuietly(ctx: IVerbContext, doc: IEndpointDocument, path: string) {
  try {
    await callService(ctx.context, 'https', {
      operation: 'delete',
      method: 'DELETE',
      path: await ctx.https.url(doc, path),
      token: ctx.tokens.forCollection(doc.id),
      responseType: 'none',
      okStatuses: [404],
      timeoutMs: 5000,
      retry: false
    });
  } catch {
    // nothing more to do
  }
}
