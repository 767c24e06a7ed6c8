/**
 * The shared half of every `fetchCsv`: one progress display, the streaming parse of a
 * source's body into a typed `Table`, and the head/tail preview. Where the body comes from
 * is a {@link ICsvSource} adapter (an http(s) URL, a collection file in `fetch-csv.ts`, a
 * workspace object in `workspaces/workspace-verbs.ts`), so this module knows none of them.
 */
import type { Readable } from 'node:stream';
import { tableHtml } from '../display/table-html';
import type { IProgress } from '../http/request';
import { type ICsvParseOptions, parseCsvStream } from './csv';
import type { Table } from './table';
import { type IVerbContext, type IVerbOptions, runVerb, showHtml } from './verb-context';

/** Options of `fetchCsv`: the parser's options plus the preview size. */
export interface IFetchCsvOptions extends IVerbOptions, Pick<ICsvParseOptions, CsvUserOption> {
  /** Rows shown from the start and the end of the table (default 5 each). */
  preview?: number;
}

/** The parser options a fetch verb passes on as the user gave them. */
type CsvUserOption =
  'types' | 'inferRows' | 'delimiter' | 'nullValues' | 'maxWarnings' | 'maxErrors';

/** An opened CSV body. */
export interface ICsvBody {
  /** The bytes. */
  stream: Readable;
  /** Their total, when known (sizes the columns and the progress bar). */
  size: number | undefined;
  /** The preview's title, e.g. the collection and path. */
  title: string;
}

/** Where a CSV comes from: a name for the progress line and a way to open the body. */
export interface ICsvSource {
  /** The file name, for `Fetching <name>`. */
  readonly name: string;
  /**
   * Open the body (after any lookup it needs).
   *
   * @param options - the verb's signal, and a callback for download progress where the
   *   download reports bytes of its own
   */
  open(options: {
    signal?: AbortSignal;
    onDownloadProgress: (p: IProgress) => void;
  }): Promise<ICsvBody>;
}

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
 * Fetch and parse a CSV from a source, streaming (the body is never held as one string),
 * with byte and row progress and a head/tail preview.
 *
 * @param ctx - the session view (its display)
 * @param source - the adapter that opens the body
 * @param options - column types, parser limits, preview size, signal
 * @returns the table
 */
export function readCsv(
  ctx: Pick<IVerbContext, 'display'>,
  source: ICsvSource,
  options: IFetchCsvOptions = {}
): Promise<Table> {
  return runVerb(ctx, `Fetching ${source.name}`, async ({ progress }) => {
    const { signal } = options;
    let bytesSeen = 0;
    const { stream, size, title } = await source.open({
      signal,
      onDownloadProgress: p => {
        bytesSeen = p.loaded;
        progress.update({ bytes: p.loaded, totalBytes: p.total });
      }
    });
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
