/**
 * `globus.ls(collection, path)` or `globus.ls({ collection, path })`: a folder listing as a
 * `Table`.
 */
import { tableHtml } from '../display/table-html';
import type { ILsOptions } from '../services/transfer/file-operations';
import {
  collectionArguments,
  collectionLabel,
  type CollectionInput,
  type ICollectionPath,
  labelPath,
  resolveCollection
} from './resolve-collection';
import { Table } from './table';
import { type IVerbContext, type IVerbOptions, runVerb, showHtml } from './verb-context';

/** Options of `ls()`. */
export interface ILsVerbOptions extends IVerbOptions {
  /** Include dot files (default false, as a file manager shows them). */
  showHidden?: boolean;
  /** Rows shown (default 50); the table returned has them all. */
  preview?: number;
}

/**
 * List a folder: columns `name`, `type` (`file`, `dir`, …), `size` (bytes),
 * `last_modified` (a date) and `permissions`, folders first then by name.
 *
 * @param ctx - the session
 * @param collection - id, display name or document
 * @param path - absolute folder path (default the collection's default folder, `/~/`)
 * @param options - hidden files, preview size, signal
 */
export function ls(
  ctx: IVerbContext,
  collection: CollectionInput,
  path?: string,
  options?: ILsVerbOptions
): Promise<Table>;
/**
 * List a folder given as `{ collection, path }` (the form `fetchCsv` and `upload` take).
 *
 * @param ctx - the session
 * @param target - `{ collection, path }` (path default `/~/`)
 * @param options - hidden files, preview size, signal
 */
export function ls(
  ctx: IVerbContext,
  target: ICollectionPath,
  options?: ILsVerbOptions
): Promise<Table>;
export function ls(
  ctx: IVerbContext,
  first: CollectionInput | ICollectionPath,
  second?: string | ILsVerbOptions,
  third?: ILsVerbOptions
): Promise<Table> {
  return runVerb(ctx, `Listing ${labelPath(first, second, '/~/')}`, async ({ progress }) => {
    const args = collectionArguments('ls', first, second, third, '/~/');
    const { collection, path } = args;
    const options = args.options ?? {};
    const doc = await resolveCollection(ctx.transfer, collection, { signal: options.signal });
    const lsOptions: ILsOptions = {
      signal: options.signal,
      showHidden: options.showHidden ?? false
    };
    const entries = await ctx.transfer.files.ls(doc, path, lsOptions);
    entries.sort((a, b) =>
      a.type === b.type
        ? a.name.localeCompare(b.name)
        : a.type === 'dir'
          ? -1
          : b.type === 'dir'
            ? 1
            : 0
    );
    progress.update({ files: entries.length });
    const table = Table.fromColumns(
      {
        name: entries.map(e => e.name),
        type: entries.map(e => e.type),
        size: entries.map(e => e.size),
        last_modified: entries.map(e => (e.last_modified ? parseTime(e.last_modified) : null)),
        permissions: entries.map(e => e.permissions ?? null)
      },
      {
        types: {
          name: 'string',
          type: 'string',
          size: 'integer',
          last_modified: 'date',
          permissions: 'string'
        }
      }
    );
    const n = options.preview ?? 50;
    showHtml(
      ctx.display,
      tableHtml(table, { head: n, tail: 0, title: `${collectionLabel(doc)} ${path}` })
    );
    return table;
  });
}

/** Transfer's `2024-01-02 03:04:05+00:00` → a Date. */
function parseTime(s: string): Date | null {
  const d = new Date(s.replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? null : d;
}
