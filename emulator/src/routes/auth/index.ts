/**
 * The Globus Auth service (`auth.globus.org`): browser pages, OAuth endpoints, the bearer
 * API and OIDC discovery, on one router. API routes answer CORS preflights, because the
 * JavaScript SDK calls them from browsers.
 * @see https://docs.globus.org/api/auth/reference/
 */
import { EmulatorHttpError, Router, type Handler } from '../../http/router.js';
import type { AuthState } from '../../state/auth/auth-state.js';
import { addApiRoutes } from './api.js';
import { addAuthorizeRoutes, type IAuthorizeOptions } from './authorize.js';
import { addClientRoutes } from './clients.js';
import { addOAuthRoutes } from './oauth.js';
import { applyCors, authApiError, preflightHeaders } from './responses.js';

export { AUTH_CODE_PAGE } from './authorize.js';

/** Options of the Auth router. */
export type IAuthRouterOptions = IAuthorizeOptions;

/** Path prefixes whose routes are CORS-enabled. */
const corsPrefixes = [
  '/v2/oauth2/token',
  '/v2/oauth2/userinfo',
  '/v2/api/',
  '/.well-known/',
  '/jwk.json'
];

function isCorsPath(path: string): boolean {
  return corsPrefixes.some(p => path.startsWith(p));
}

/**
 * Creates the Auth router.
 * @param auth - the Auth state (its `issuer` must be the service's URL once it listens)
 * @param options - the auto-approve switch
 */
export function createAuthRouter(auth: AuthState, options: IAuthRouterOptions): Router {
  const inner = new Router({
    onBadJson: (_ctx, message) => authApiError(400, 'BAD_REQUEST', 'Bad Request', message),
    onNotFound: ctx => authApiError(404, 'NOT_FOUND', 'Not Found', `No such resource: ${ctx.path}`)
  });
  addAuthorizeRoutes(inner, auth, options);
  addOAuthRoutes(inner, auth);
  addApiRoutes(inner, auth);
  addClientRoutes(inner, auth);

  // The outer router adds CORS headers, then hands every request to the inner one.
  const outer = new Router({
    onBadJson: (_ctx, message) => authApiError(400, 'BAD_REQUEST', 'Bad Request', message),
    onNotFound: () => new EmulatorHttpError(500, {})
  });
  const cors: Handler = async ctx => {
    if (isCorsPath(ctx.path)) applyCors(ctx.res);
    if (ctx.req.method === 'OPTIONS') {
      if (!isCorsPath(ctx.path))
        throw authApiError(404, 'NOT_FOUND', 'Not Found', `No such resource: ${ctx.path}`);
      ctx.res.writeHead(204, preflightHeaders);
      ctx.res.end();
      return;
    }
    await inner.handle(ctx.req, ctx.res);
  };
  outer.add('*', '*', cors);
  return outer;
}
