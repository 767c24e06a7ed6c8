/**
 * `globus.ls(collection, path)`: a folder listing as a `Table`.
 */
import { tableHtml } from '../display/table-html';
import type { ILsOptions } from '../services/transfer/file-operations';
import { collectionLabel, type CollectionInput, resolveCollection } from './resolve-collection';
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
 * @param collection - id or display name
 * @param path - absolute folder path (default the collection's default folder, `/~/`)
 * @param options - hidden files, preview size, signal
 */
export function ls(
  ctx: IVerbContext,
  collection: CollectionInput,
  path = '/~/',
  options: ILsVerbOptions = {}
): Promise<Table> {
  return runVerb(ctx, `Listing ${path}`, async ({ progress }) => {
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
