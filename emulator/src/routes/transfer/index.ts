/**
 * The emulated Globus Transfer API v0.10: one `Router` for the Transfer origin, built from
 * one module per resource (endpoints, file operations, tasks, bookmarks, access rules).
 * Every route checks the bearer token against `transfer.api.globus.org` and answers errors
 * in Transfer's documented format.
 * @see https://docs.globus.org/api/transfer/
 */
import { Router } from '../../http/router.js';
import type { IServiceDeps } from '../../state/service-deps.js';
import { addAccessRoutes } from './access.js';
import { addBookmarkRoutes } from './bookmarks.js';
import { transferError } from './common.js';
import { addEndpointRoutes } from './endpoints.js';
import { addOperationRoutes } from './operations.js';
import { addTaskRoutes } from './task-routes.js';

/**
 * Creates the Transfer router.
 * @param deps - the shared authority, collection store, task engine, clock and PRNG
 */
export function createTransferRouter(deps: IServiceDeps): Router {
  const router = new Router({
    onBadJson: (ctx, message) => transferError(ctx, 400, 'ClientError.BadRequest', message),
    onNotFound: ctx =>
      transferError(
        ctx,
        404,
        'ClientError.NotFound',
        `No such resource: ${ctx.req.method} ${ctx.path}`
      )
  });
  addEndpointRoutes(router, deps);
  addOperationRoutes(router, deps);
  addTaskRoutes(router, deps);
  addBookmarkRoutes(router, deps);
  addAccessRoutes(router, deps);
  return router;
}
