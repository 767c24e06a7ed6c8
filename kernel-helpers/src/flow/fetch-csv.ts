/**
 * `globus.fetchCsv(source)`: stream a CSV from a collection (or any http(s) URL) into a
 * typed `Table`, with byte and row progress, and show a head/tail preview.
 */
import type { Readable } from 'node:stream';
import { tableHtml } from '../display/table-html';
import { BadInputError } from '../errors/bad-input-error';
import { isWebUrl } from '../display/html';
import type { IProgress } from '../http/request';
import { callService } from '../services/service-context';
import { type ICsvParseOptions, parseCsvStream } from './csv';
import { warmOffThread } from '../http/off-thread';
import { collectionLabel, type CollectionInput, resolveCollection } from './resolve-collection';
import type { Table } from './table';
import { type IVerbContext, type IVerbOptions, runVerb, showHtml } from './verb-context';
import {
  fetchWorkspaceCsv,
  isWorkspaceKey,
  type IWorkspaceKey
} from '../workspaces/workspace-verbs';

/** A file on a collection. */
export interface ICollectionPath {
  /** Collection id or display name. */
  collection: CollectionInput;
  /** Absolute path on the collection. */
  path: string;
}

/**
 * Where `fetchCsv` reads from: an http(s) URL (fetched without credentials), a file on a
 * collection, or an object in an S3 workspace (`{ workspace, key }`).
 */
export type CsvFetchSource = string | ICollectionPath | IWorkspaceKey;

/** Options of `fetchCsv`: the parser's options plus the preview size. */
export interface IFetchCsvOptions extends IVerbOptions, Pick<ICsvParseOptions, CsvUserOption> {
  /** Rows shown from the start and the end of the table (default 5 each). */
  preview?: number;
}

/** The parser options a fetch verb passes on as the user gave them. */
type CsvUserOption =
  'types' | 'inferRows' | 'delimiter' | 'nullValues' | 'maxWarnings' | 'maxErrors';

/**
 * The parser options of a fetch verb's options (column types, delimiter, null markers,
 * limits), for `parseCsvStream`.
 *
 * @param options - the verb's options
 */
export function csvParseOptionsOf(
  options: IFetchCsvOptions
): Pick<ICsvParseOptions, CsvUserOption> {
  const { types, inferRows, delimiter, nullValues, maxWarnings, maxErrors } = options;
  return { types, inferRows, delimiter, nullValues, maxWarnings, maxErrors };
}

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
  if (isWorkspaceKey(source)) {
    return fetchWorkspaceCsv(ctx, source, options);
  }
  const name = sourceName(source);
  warmOffThread(); // comes up while the collection is looked up
  return runVerb(ctx, `Fetching ${name}`, async ({ progress }) => {
    const { signal } = options;
    let bytesSeen = 0;
    const onDownload = (p: IProgress): void => {
      bytesSeen = p.loaded;
      progress.update({ bytes: p.loaded, totalBytes: p.total });
    };
    let stream: Readable;
    let size: number | undefined;
    let title: string;
    if (typeof source === 'string') {
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
        onDownloadProgress: onDownload,
        offThread: true,
        signal
      });
      stream = res.data;
      const len = res.headers['content-length'];
      size = len !== undefined && /^\d+$/.test(len) ? Number(len) : undefined;
      title = source;
    } else {
      if (typeof source !== 'object' || source === null || typeof source.path !== 'string') {
        throw new BadInputError('fetchCsv takes an http(s) URL or { collection, path }', {
          code: 'BAD_SOURCE'
        });
      }
      const doc = await resolveCollection(ctx.transfer, source.collection, { signal });
      const download = await ctx.https.download(doc, source.path, {
        signal,
        onProgress: onDownload,
        offThread: true
      });
      stream = download.stream;
      size = download.size;
      title = `${collectionLabel(doc)} ${source.path}`;
    }
    const table = await parseCsvStream(stream, {
      ...csvParseOptionsOf(options),
      totalBytes: size,
      signal,
      onProgress: p => {
        progress.update({ bytes: Math.max(p.bytes, bytesSeen), totalBytes: size, rows: p.rows });
      }
    });
    progress.update({ rows: table.numRows, bytes: Math.max(bytesSeen, size ?? 0) || bytesSeen });
    const n = options.preview ?? 5;
    showHtml(ctx.display, tableHtml(table, { head: n, tail: n, title }));
    return table;
  });
}

/** The file name of a source, for the progress label. */
function sourceName(source: string | ICollectionPath): string {
  const path =
    typeof source === 'string'
      ? (() => {
          try {
            return decodeURIComponent(new URL(source).pathname);
          } catch {
            return source;
          }
        })()
      : typeof source === 'object' && source !== null && typeof source.path === 'string'
        ? source.path
        : 'CSV';
  return path.split('/').filter(Boolean).pop() ?? path;
}
