/**
 * The bytes a workspace moves: an upload's body (bytes, text, a chart, a file or a stream,
 * hashed with SHA-256 as it is sent) and a download's body checked for truncation and
 * cancels.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BadInputError } from '../errors/bad-input-error';
import { AbortError, isAbortError, NetworkError } from '../errors/network-error';
import { contentTypeFor, prepareUpload } from '../flow/upload-input';
import { networkCode } from './s3-errors';
import type { IWorkspaceUploadOptions, WorkspaceUploadInput } from './workspace-types';

/** A body ready to send: bytes (replayable) or a hashing stream. */
export interface IUploadBody {
  body: Uint8Array | Readable;
  size: number | undefined;
  contentType: string;
  /** Whether the body can be sent again (bytes can, a stream cannot). */
  replayable: boolean;
  bytes(): number;
  digest(): string;
}

/**
 * The body of a workspace upload: bytes, text or a chart as bytes with their SHA-256; a
 * file or a stream as a stream hashed while it is sent.
 *
 * @param data - what to upload
 * @param key - the key (its extension gives the default content type)
 * @param options - upload options (`contentType`, …)
 * @param say - progress messages
 */
export async function uploadBody(
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
export async function* checkedBody(
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
