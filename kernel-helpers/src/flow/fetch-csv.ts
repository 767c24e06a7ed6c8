/**
 * `globus.fetchCsv(source)`: stream a CSV from a collection, an S3 workspace or any http(s)
 * URL into a typed `Table`, with byte and row progress, and show a head/tail preview. This
 * module turns the source into an adapter; `read-csv.ts` does the rest for every kind.
 */
import type { Readable } from 'node:stream';
import { BadInputError } from '../errors/bad-input-error';
import { isWebUrl } from '../display/html';
import { callService } from '../services/service-context';
import { warmOffThread } from '../http/off-thread';
import { type ICsvSource, type IFetchCsvOptions, readCsv } from './read-csv';
import { collectionLabel, type ICollectionPath, resolveCollection } from './resolve-collection';
import type { Table } from './table';
import type { IVerbContext } from './verb-context';
import {
  isWorkspaceKey,
  type IWorkspaceKey,
  workspaceCsvSource
} from '../workspaces/workspace-verbs';

export type { IFetchCsvOptions } from './read-csv';

export type { ICollectionPath } from './resolve-collection';

/**
 * Where `fetchCsv` reads from: an http(s) URL (fetched without credentials), a file on a
 * collection, or an object in an S3 workspace (`{ workspace, key }`).
 */
export type CsvFetchSource = string | ICollectionPath | IWorkspaceKey;

/**
 * Fetch and parse a CSV, streaming (the body is never held as one string).
 *
 * @param ctx - the session
 * @param source - an http(s) URL, or `{ collection, path }`
 * @param options - column types, parser limits, preview size, signal
 * @returns the table
 * @throws CsvError when the body is not a CSV it can read; GlobusApiError, NetworkError
 *   (`TRUNCATED_BODY` when the connection drops mid-body), ConsentRequiredError,
 *   TokenExpiredError from the download; AbortError when cancelled
 */
export function fetchCsv(
  ctx: IVerbContext,
  source: CsvFetchSource,
  options: IFetchCsvOptions = {}
): Promise<Table> {
  return readCsv(ctx, csvSourceOf(ctx, source), options);
}

/**
 * The adapter for a `fetchCsv` source. A source of no known form still gets one, whose
 * `open` throws, so the error shows in the verb's display like any other.
 *
 * @param ctx - the session
 * @param source - an http(s) URL, `{ collection, path }` or `{ workspace, key }`
 */
function csvSourceOf(ctx: IVerbContext, source: CsvFetchSource): ICsvSource {
  if (isWorkspaceKey(source)) {
    return workspaceCsvSource(ctx, source);
  }
  warmOffThread(); // comes up while the collection is looked up or the request made
  if (typeof source === 'string') {
    return {
      name: fileName(urlPath(source)),
      open: async ({ signal, onDownloadProgress }) => {
        if (!isWebUrl(source)) {
          throw new BadInputError(
            `fetchCsv takes an http(s) URL or { collection, path } (got ${JSON.stringify(source)})`,
            { code: 'BAD_SOURCE' }
          );
        }
        const res = await callService<Readable>(ctx.context, 'https', {
          operation: 'download',
          path: source,
          responseType: 'stream',
          resource: source,
          onDownloadProgress,
          offThread: true,
          signal
        });
        const len = res.headers['content-length'];
        const size = len !== undefined && /^\d+$/.test(len) ? Number(len) : undefined;
        return { stream: res.data, size, title: source };
      }
    };
  }
  const path =
    typeof source === 'object' && source !== null && typeof source.path === 'string'
      ? source.path
      : undefined;
  return {
    name: path === undefined ? 'CSV' : fileName(path),
    open: async ({ signal, onDownloadProgress }) => {
      if (path === undefined) {
        throw new BadInputError('fetchCsv takes an http(s) URL or { collection, path }', {
          code: 'BAD_SOURCE'
        });
      }
      const doc = await resolveCollection(ctx.transfer, source.collection, { signal });
      const download = await ctx.https.download(doc, path, {
        signal,
        onProgress: onDownloadProgress,
        offThread: true
      });
      return {
        stream: download.stream,
        size: download.size,
        title: `${collectionLabel(doc)} ${path}`
      };
    }
  };
}

/** The decoded path of a URL (the URL itself when it does not parse). */
function urlPath(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return url;
  }
}

/** The last segment of a path, for the progress label. */
function fileName(path: string): string {
  return path.split('/').filter(Boolean).pop() ?? path;
}
