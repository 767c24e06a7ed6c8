/**
 * Transfer file operations on a collection: `ls` (paging, show_hidden, filter, orderby),
 * `stat`, `mkdir` (502 `ExternalError.MkdirFailed.Exists` when the path exists) and `rename`.
 * @see https://docs.globus.org/api/transfer/file_operations/
 */
import type { IRequestContext, Router } from '../../http/router.js';
import type { ICollectionSpec, IFileDocument } from '../../state/collections.js';
import type { IServiceDeps } from '../../state/service-deps.js';
import {
  authenticate,
  checkDataType,
  intParam,
  mapCollectionError,
  pickFields,
  readObject,
  requireConsent,
  requireSession,
  requireFunctional,
  resourceOf,
  stringField,
  transferError,
  type ICaller
} from './common.js';
import {
  compileFilter,
  compileOrder,
  filterFieldsOf,
  ListQueryError,
  lsFilterFields,
  lsOrderFields,
  orderFieldsOf
} from './list-query.js';

/** Entry fields known without a stat (see `CollectionStore.listEntries`). */
const NO_STAT_FIELDS = new Set(['name', 'type']);

/** Entry documents of one `ls` page built between two turns of the event loop. */
const STAT_BATCH = 500;

/** Default and largest `ls` page. */
export const maxLsLimit = 100_000;

function parseShowHidden(ctx: IRequestContext): boolean {
  const raw = ctx.query.get('show_hidden');
  if (raw === null || raw === '') return true;
  if (/^(1|true)$/i.test(raw)) return true;
  if (/^(0|false)$/i.test(raw)) return false;
  throw transferError(
    ctx,
    400,
    'ClientError.BadRequest',
    'show_hidden must be 1, 0, true or false'
  );
}

/** Checks the caller and the collection for a file operation. */
function prepare(
  deps: IServiceDeps,
  ctx: IRequestContext
): ICaller & { id: string; spec: ICollectionSpec } {
  const caller = authenticate(deps, ctx);
  const id = ctx.params.id;
  const spec = requireFunctional(deps, ctx, id);
  requireConsent(deps, ctx, caller, [id]);
  requireSession(deps, ctx, caller, [id]);
  deps.collections.markUsed(caller.actor, id);
  return { ...caller, id, spec };
}

/** Adds the file operation routes. */
export function addOperationRoutes(router: Router, deps: IServiceDeps): void {
  router.add('GET', '/v0.10/operation/endpoint/:id/ls', async ctx => {
    const { actor, id, spec } = prepare(deps, ctx);
    const showHidden = parseShowHidden(ctx);
    const limit = intParam(ctx, 'limit', maxLsLimit, 0, maxLsLimit);
    const offset = intParam(ctx, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    let filter: ReturnType<typeof compileFilter>;
    let order: ReturnType<typeof compileOrder>;
    try {
      filter = compileFilter(ctx.query.getAll('filter'), lsFilterFields);
      order = compileOrder(ctx.query.get('orderby'), lsOrderFields, 'name ASC');
    } catch (err) {
      if (err instanceof ListQueryError) {
        throw transferError(ctx, 400, 'ClientError.BadRequest', err.message);
      }
      throw err;
    }
    const rawPath = ctx.query.get('path') || '/~/';
    // When filter and order read only names and types, only the requested page is
    // stat'ed; otherwise every entry's document is needed to filter and sort.
    const cheap = [
      ...filterFieldsOf(ctx.query.getAll('filter')),
      ...orderFieldsOf(ctx.query.get('orderby'), 'name ASC')
    ].every(field => NO_STAT_FIELDS.has(field));
    let listingPath = '';
    let page: Record<string, unknown>[] = [];
    let total = 0;
    try {
      if (cheap) {
        const listing = await deps.collections.listEntries(id, rawPath, actor);
        const matched = listing.entries
          .filter(e => showHidden || !e.name.startsWith('.'))
          .filter(e => filter({ name: e.name, type: e.type }));
        // `listEntries` sorts by name as the default `name ASC` does: sort only for another order.
        if (ctx.query.get('orderby')) {
          matched.sort((a, b) =>
            order({ name: a.name, type: a.type }, { name: b.name, type: b.type })
          );
        }
        // The page's documents in batches with a turn of the event loop between them: their
        // stats are mostly synchronous (see `listEntries`), so a large page does not hold a
        // small one asked for meanwhile until all of it is done.
        const wanted = matched.slice(offset, offset + limit);
        const docs: IFileDocument[] = [];
        for (let i = 0; i < wanted.length; i += STAT_BATCH) {
          if (i > 0) await new Promise(resolve => setImmediate(resolve));
          docs.push(...(await Promise.all(wanted.slice(i, i + STAT_BATCH).map(e => e.document()))));
        }
        listingPath = listing.path;
        page = docs.map(d => d as unknown as Record<string, unknown>);
        total = matched.length;
      } else {
        const listing = await deps.collections.list(id, rawPath, actor);
        const entries = listing.entries
          .filter(e => showHidden || !e.name.startsWith('.'))
          .map(e => e as unknown as Record<string, unknown>)
          .filter(filter)
          .sort(order);
        listingPath = listing.path;
        page = entries.slice(offset, offset + limit);
        total = entries.length;
      }
    } catch (err) {
      mapCollectionError(ctx, err, spec, {
        op: 'list',
        notDirectory: [502, 'ExternalError.DirListingFailed.NotDirectory']
      });
    }
    ctx.send(200, {
      DATA: page.map(e => pickFields(ctx, e)),
      DATA_TYPE: 'file_list',
      absolute_path: null,
      endpoint: id,
      length: page.length,
      path: listingPath,
      rename_supported: true,
      symlink_supported: true,
      total
    });
  });

  router.add('GET', '/v0.10/operation/endpoint/:id/stat', async ctx => {
    const { actor, id, spec } = prepare(deps, ctx);
    const path = ctx.query.get('path');
    if (!path)
      throw transferError(ctx, 400, 'ClientError.BadRequest', "Missing required parameter 'path'");
    try {
      ctx.send(200, await deps.collections.stat(id, path, actor));
    } catch (err) {
      mapCollectionError(ctx, err, spec, { op: 'stat', notFound: [404, 'NotFound'] });
    }
  });

  router.add('POST', '/v0.10/operation/endpoint/:id/mkdir', async ctx => {
    const { actor, id, spec } = prepare(deps, ctx);
    const body = await readObject(ctx);
    checkDataType(ctx, body, 'mkdir');
    const path = stringField(ctx, body, 'path', true) as string;
    try {
      await deps.collections.mkdir(id, path, actor);
    } catch (err) {
      mapCollectionError(ctx, err, spec, {
        op: 'mkdir',
        exists: [502, 'ExternalError.MkdirFailed.Exists'],
        permission: [403, 'ExternalError.MkdirFailed.PermissionDenied'],
        parentMissing: [502, 'ExternalError.MkdirFailed.NotFound']
      });
    }
    ctx.send(200, {
      DATA_TYPE: 'mkdir_result',
      code: 'DirectoryCreated',
      message: 'The directory was created successfully',
      request_id: ctx.requestId,
      resource: resourceOf(ctx)
    });
  });

  router.add('POST', '/v0.10/operation/endpoint/:id/rename', async ctx => {
    const { actor, id, spec } = prepare(deps, ctx);
    const body = await readObject(ctx);
    checkDataType(ctx, body, 'rename');
    const oldPath = stringField(ctx, body, 'old_path', true) as string;
    const newPath = stringField(ctx, body, 'new_path', true) as string;
    try {
      await deps.collections.rename(id, oldPath, newPath, actor);
    } catch (err) {
      mapCollectionError(ctx, err, spec, {
        op: 'rename',
        exists: [502, 'ExternalError.RenameFailed.Exists'],
        permission: [403, 'ExternalError.RenameFailed.PermissionDenied'],
        parentMissing: [502, 'ExternalError.RenameFailed.NotFound']
      });
    }
    ctx.send(200, {
      DATA_TYPE: 'result',
      code: 'FileRenamed',
      message: 'File or directory renamed successfully',
      request_id: ctx.requestId,
      resource: resourceOf(ctx)
    });
  });
}
