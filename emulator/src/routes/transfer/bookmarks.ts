/**
 * Transfer v0.10 bookmarks: `bookmark_list`, and create / get / update / delete of one
 * bookmark. Bookmarks belong to the caller's primary identity.
 * @see https://docs.globus.org/api/transfer/collection_bookmarks/
 */
import type { IRequestContext, Router } from '../../http/router.js';
import type { IActor } from '../../state/actor.js';
import type { IBookmark } from '../../state/collections.js';
import type { IServiceDeps } from '../../state/service-deps.js';
import {
  authenticate,
  checkDataType,
  readObject,
  requireCollection,
  resourceOf,
  stringField,
  transferError
} from './common.js';

/** Most bookmarks one user may keep. */
export const maxBookmarks = 500;

function validName(ctx: IRequestContext, name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 128) {
    throw transferError(
      ctx,
      400,
      'ClientError.BadRequest',
      'Bookmark name must be 1 to 128 characters'
    );
  }
  return trimmed;
}

function requireBookmark(deps: IServiceDeps, ctx: IRequestContext, actor: IActor): IBookmark {
  const bm = deps.collections.bookmarks(actor.primaryId).find(b => b.id === ctx.params.id);
  if (!bm) {
    throw transferError(ctx, 404, 'BookmarkNotFound', `Bookmark '${ctx.params.id}' not found`);
  }
  return bm;
}

/** Adds the bookmark routes. */
export function addBookmarkRoutes(router: Router, deps: IServiceDeps): void {
  router.add('GET', '/v0.10/bookmark_list', ctx => {
    const { actor } = authenticate(deps, ctx);
    ctx.send(200, {
      DATA_TYPE: 'bookmark_list',
      DATA: deps.collections.bookmarks(actor.primaryId)
    });
  });

  router.add('POST', '/v0.10/bookmark', async ctx => {
    const { actor } = authenticate(deps, ctx);
    const body = await readObject(ctx);
    checkDataType(ctx, body, 'bookmark');
    const name = validName(ctx, stringField(ctx, body, 'name', true) as string);
    const endpointId = stringField(ctx, body, 'endpoint_id', true) as string;
    const path = stringField(ctx, body, 'path', true) as string;
    requireCollection(deps, ctx, endpointId);
    if (!path.startsWith('/') && !path.startsWith('~')) {
      throw transferError(ctx, 400, 'ClientError.BadRequest', 'Bookmark path must be absolute');
    }
    const list = deps.collections.bookmarks(actor.primaryId);
    if (list.some(b => b.name === name)) {
      throw transferError(ctx, 409, 'Conflict', `A bookmark named '${name}' already exists`);
    }
    if (list.length >= maxBookmarks) {
      throw transferError(ctx, 409, 'Conflict', `At most ${maxBookmarks} bookmarks are allowed`);
    }
    ctx.send(
      200,
      deps.collections.addBookmark(actor.primaryId, { name, endpoint_id: endpointId, path })
    );
  });

  router.add('GET', '/v0.10/bookmark/:id', ctx => {
    const { actor } = authenticate(deps, ctx);
    ctx.send(200, requireBookmark(deps, ctx, actor));
  });

  router.add('PUT', '/v0.10/bookmark/:id', async ctx => {
    const { actor } = authenticate(deps, ctx);
    const bm = requireBookmark(deps, ctx, actor);
    const body = await readObject(ctx);
    checkDataType(ctx, body, 'bookmark');
    const name = stringField(ctx, body, 'name', false);
    if (name !== undefined) {
      const valid = validName(ctx, name);
      if (
        deps.collections.bookmarks(actor.primaryId).some(b => b.name === valid && b.id !== bm.id)
      ) {
        throw transferError(ctx, 409, 'Conflict', `A bookmark named '${valid}' already exists`);
      }
      bm.name = valid;
    }
    if (typeof body.pinned === 'boolean') bm.pinned = body.pinned;
    ctx.send(200, bm);
  });

  router.add('DELETE', '/v0.10/bookmark/:id', ctx => {
    const { actor } = authenticate(deps, ctx);
    const bm = requireBookmark(deps, ctx, actor);
    const list = deps.collections.bookmarks(actor.primaryId);
    list.splice(list.indexOf(bm), 1);
    ctx.send(200, {
      DATA_TYPE: 'result',
      code: 'Deleted',
      message: `Bookmark '${bm.id}' deleted successfully`,
      resource: resourceOf(ctx),
      request_id: ctx.requestId
    });
  });
}
