/**
 * The emulated GCS v5 HTTPS data server of one collection (its `https_server` origin):
 * GET (with `Range` → 206, `?download` → attachment), HEAD, PUT (streamed to a temporary
 * file, renamed on success), DELETE and CORS preflight. No directory listing: clients list
 * with Transfer `ls`.
 *
 * Authentication as globus-api README §C: a token for the collection's resource server with
 * `https://auth.globus.org/scopes/<id>/https` (plus a `data_access` consent on non-HA mapped
 * collections). Without one, a browser-style request (no `X-Requested-With`) is redirected
 * to Globus Auth with the collection's `client_id`; an XHR-style request gets 401 with a
 * GARE naming the scopes. Anonymous GET/HEAD work where an `anonymous` access rule allows.
 * @see https://docs.globus.org/globus-connect-server/v5.4/https-access-collections/
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { EmulatorHttpError, Router, type IRequestContext } from '../../http/router.js';
import { uploadTempName } from '../../state/temp-names.js';
import { actorFromCheck, type IActor } from '../../state/actor.js';
import {
  CollectionError,
  fsFailure,
  isCollectionError,
  isFsError,
  normalizePath,
  parentPath
} from '../../state/collection-paths.js';
import type { ICollectionSpec } from '../../state/collections.js';
import type { IIssuedToken } from '../../state/types.js';
import type { IServiceDeps } from '../../state/service-deps.js';

/** CORS headers a real GCS HTTPS server sends (recorded), plus the headers browsers need to read. */
export const corsHeaders: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Requested-With, Range',
  'Access-Control-Allow-Methods': 'HEAD, GET, PUT, DELETE, OPTIONS',
  'Access-Control-Expose-Headers':
    'Content-Range, Content-Length, Accept-Ranges, Content-Disposition'
};

const contentTypes: Record<string, string> = {
  csv: 'text/csv',
  txt: 'text/plain',
  json: 'application/json',
  html: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  nc: 'application/x-netcdf',
  h5: 'application/x-hdf5',
  zip: 'application/zip',
  gz: 'application/gzip',
  ipynb: 'application/x-ipynb+json'
};

/** The `https` scope of a collection. */
export function httpsScope(collectionId: string): string {
  return `https://auth.globus.org/scopes/${collectionId}/https`;
}

/** The `data_access` scope of a collection. */
export function dataAccessScopeOf(collectionId: string): string {
  return `https://auth.globus.org/scopes/${collectionId}/data_access`;
}

function gcsError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {}
): EmulatorHttpError {
  return new EmulatorHttpError(
    status,
    {
      DATA_TYPE: 'result#1.0.0',
      code,
      http_response_code: status,
      detail: null,
      message,
      data: [],
      has_next_page: false
    },
    { ...corsHeaders, ...headers }
  );
}

/**
 * Maps a store error, or a file system error (named without the host path by `fsFailure`),
 * to a GCS error; anything else is rethrown.
 */
function mapError(raw: unknown, virtualPath = '(the requested path)'): never {
  if (!isCollectionError(raw) && !isFsError(raw)) throw raw;
  const err = fsFailure(raw, virtualPath);
  switch (err.code) {
    case 'BadPath':
    case 'NameTooLong':
      throw gcsError(400, 'bad_request', err.message);
    case 'StorageError':
      throw gcsError(502, 'storage_error', err.message);
    case 'PermissionDenied':
    case 'NotFunctional':
      throw gcsError(403, 'permission_denied', err.message);
    case 'NotFound':
    case 'ParentMissing':
      throw gcsError(404, 'not_found', err.message);
    default:
      throw gcsError(409, 'conflict', err.message);
  }
}

/** Decodes the URL path segment by segment; `%2F` stays inside one name. */
function decodePath(raw: string): string {
  try {
    return raw
      .split('/')
      .map(s => decodeURIComponent(s))
      .join('/');
  } catch {
    throw gcsError(400, 'bad_request', 'Malformed percent-encoding in the path');
  }
}

interface IAccess {
  actor: IActor | undefined;
  token: IIssuedToken | undefined;
}

/**
 * Creates the router of one collection's GCS HTTPS origin.
 * @param deps - the shared services
 * @param collectionId - the collection this origin serves
 */
export function createGcsRouter(deps: IServiceDeps, collectionId: string): Router {
  const spec = deps.collections.get(collectionId);
  if (!spec) throw new Error(`Unknown collection ${collectionId}`);
  const router = new Router({
    onBadJson: () => gcsError(400, 'bad_request', 'Malformed JSON'),
    onNotFound: () => gcsError(404, 'not_found', 'Not found')
  });
  router.add('OPTIONS', '/*', ctx => {
    ctx.res.writeHead(200, { ...corsHeaders, 'Content-Length': '0' });
    ctx.res.end();
  });
  router.add('*', '/*', async ctx => {
    const method = ctx.req.method ?? 'GET';
    if (!['GET', 'HEAD', 'PUT', 'DELETE'].includes(method)) {
      throw gcsError(405, 'method_not_allowed', `Method ${method} is not allowed`, {
        Allow: 'HEAD, GET, PUT, DELETE, OPTIONS'
      });
    }
    // The raw request target, not ctx.path: URL parsing would silently resolve `..`
    // segments, and we refuse them instead (400), as we do for Transfer paths.
    const raw = decodePath((ctx.req.url ?? '/').split('?')[0]);
    const access = authorize(deps, spec, ctx, raw, method);
    if (method === 'GET' || method === 'HEAD') await serveFile(deps, spec, ctx, raw, access);
    else if (method === 'PUT') await receiveFile(deps, spec, ctx, raw, access);
    else await deleteFile(deps, spec, ctx, raw, access);
  });
  return router;
}

/** Decides who is asking, answering 302 / 401 / 403 when they may not ask at all. */
function authorize(
  deps: IServiceDeps,
  spec: ICollectionSpec,
  ctx: IRequestContext,
  raw: string,
  method: string
): IAccess {
  const id = spec.id;
  const scopes = [httpsScope(id)];
  if (deps.collections.requiresDataAccess(id)) scopes.push(dataAccessScopeOf(id));
  const check = ctx.bearer ? deps.authority.check(ctx.bearer, id, httpsScope(id)) : undefined;
  const actor = check ? actorFromCheck(check) : undefined;
  if (check?.ok && actor) {
    if (
      deps.collections.requiresDataAccess(id) &&
      !deps.authority.hasDataAccessConsent(check.token, id)
    ) {
      const message = 'Missing required data_access consent';
      throw new EmulatorHttpError(
        403,
        {
          code: 'ConsentRequired',
          message,
          required_scopes: scopes,
          authorization_parameters: { session_message: message, required_scopes: scopes }
        },
        corsHeaders
      );
    }
    return { actor, token: check.token };
  }
  if (method === 'GET' || method === 'HEAD') {
    let path: string;
    try {
      path = normalizePath(raw, '/');
    } catch (err) {
      mapError(err);
    }
    if (deps.collections.mayAccess(spec, path, undefined, 'r'))
      return { actor: undefined, token: undefined };
  }
  if (ctx.req.headers['x-requested-with']) {
    const message = 'Authentication is required to access this collection';
    throw new EmulatorHttpError(
      401,
      {
        code: 'AuthenticationRequired',
        message,
        authorization_parameters: { session_message: message, required_scopes: scopes }
      },
      { ...corsHeaders, 'WWW-Authenticate': 'Bearer' }
    );
  }
  const self = deps.collections.httpsServer(id);
  const login = new URL(`${deps.collections.authServer}/v2/oauth2/authorize`);
  login.searchParams.set('client_id', id);
  login.searchParams.set('response_type', 'code');
  login.searchParams.set('scope', scopes.join(' '));
  if (self) login.searchParams.set('redirect_uri', `${self}/`);
  throw new EmulatorHttpError(
    302,
    { code: 'AuthenticationRequired', message: 'Redirecting to login' },
    {
      ...corsHeaders,
      Location: login.toString()
    }
  );
}

/** Where a request path is on disk, for `mode` access; refusals answer as GCS does. */
async function fsPathOf(
  deps: IServiceDeps,
  spec: ICollectionSpec,
  raw: string,
  access: IAccess,
  mode: 'r' | 'rw',
  followFinal: boolean
): Promise<string> {
  try {
    return (await deps.collections.locate(spec.id, raw, access.actor, mode, followFinal)).fsPath;
  } catch (err) {
    mapError(err);
  }
}

async function serveFile(
  deps: IServiceDeps,
  spec: ICollectionSpec,
  ctx: IRequestContext,
  raw: string,
  access: IAccess
): Promise<void> {
  const fsPath = await fsPathOf(deps, spec, raw, access, 'r', true);
  let st;
  try {
    st = await stat(fsPath);
  } catch {
    throw gcsError(404, 'not_found', `No such file: ${raw}`);
  }
  const head = ctx.req.method === 'HEAD';
  if (st.isDirectory()) {
    if (!head)
      throw gcsError(403, 'permission_denied', 'Directory listing is not supported over HTTPS');
    ctx.res.writeHead(200, {
      ...corsHeaders,
      'Content-Type': 'httpd/unix-directory',
      'Content-Length': String(st.size),
      'Accept-Ranges': 'bytes'
    });
    ctx.res.end();
    return;
  }
  if (!st.isFile()) throw gcsError(403, 'permission_denied', 'Not a regular file');
  const name = basename(fsPath);
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  const headers: Record<string, string> = {
    ...corsHeaders,
    'Content-Type': contentTypes[ext] ?? 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'Last-Modified': new Date(st.mtimeMs).toUTCString(),
    ETag: `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`
  };
  if (ctx.query.has('download')) {
    headers['Content-Disposition'] =
      `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
  }
  let start = 0;
  let end = st.size - 1;
  let status = 200;
  const range = ctx.req.headers.range;
  if (range && st.size >= 0) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    // Multiple ranges or other units: serve the whole file, which HTTP allows.
    if (m && (m[1] !== '' || m[2] !== '')) {
      if (m[1] === '') {
        start = Math.max(0, st.size - Number(m[2]));
      } else {
        start = Number(m[1]);
        if (m[2] !== '') end = Math.min(end, Number(m[2]));
      }
      if (start >= st.size || start > end) {
        throw gcsError(416, 'range_not_satisfiable', `Range ${range} is not satisfiable`, {
          'Content-Range': `bytes */${st.size}`
        });
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
    }
  }
  headers['Content-Length'] = String(Math.max(0, end - start + 1));
  ctx.res.writeHead(status, headers);
  if (head || st.size === 0) {
    ctx.res.end();
    return;
  }
  await pipeline(createReadStream(fsPath, { start, end }), ctx.res).catch(() => {
    ctx.res.destroy();
  });
}

async function receiveFile(
  deps: IServiceDeps,
  spec: ICollectionSpec,
  ctx: IRequestContext,
  raw: string,
  access: IAccess
): Promise<void> {
  if (raw.endsWith('/'))
    throw gcsError(400, 'bad_request', 'PUT needs a file path, not a directory');
  let loc;
  try {
    loc = await deps.collections.locate(spec.id, raw, access.actor, 'rw', false);
    if (loc.path === '/') throw new CollectionError('BadPath', 'PUT needs a file path');
    const parent = await deps.collections.locate(
      spec.id,
      parentPath(loc.path),
      access.actor,
      'rw',
      true
    );
    const ps = await stat(parent.fsPath).catch(() => undefined);
    if (!ps?.isDirectory()) {
      throw new CollectionError(
        'ParentMissing',
        `Directory ${parentPath(loc.path)}/ does not exist`
      );
    }
  } catch (err) {
    mapError(err);
  }
  const existing = await lstat(loc.fsPath).catch(() => undefined);
  if (existing?.isDirectory()) throw gcsError(409, 'conflict', `${loc.path} is a directory`);
  const declared = ctx.req.headers['content-length'];
  const tmp = join(dirname(loc.fsPath), uploadTempName(basename(loc.fsPath)));
  const out = createWriteStream(tmp, { flags: 'wx' });
  try {
    await pipeline(ctx.req, out);
    if (!ctx.req.complete || (declared !== undefined && out.bytesWritten !== Number(declared))) {
      throw new Error('upload incomplete');
    }
    await rename(tmp, loc.fsPath);
  } catch {
    await unlink(tmp).catch(() => undefined);
    if (!ctx.res.headersSent && !ctx.res.destroyed) {
      throw gcsError(400, 'bad_request', 'The upload did not complete; nothing was stored');
    }
    return;
  }
  ctx.res.writeHead(200, { ...corsHeaders, 'Content-Length': '0' });
  ctx.res.end();
}

async function deleteFile(
  deps: IServiceDeps,
  spec: ICollectionSpec,
  ctx: IRequestContext,
  raw: string,
  access: IAccess
): Promise<void> {
  const fsPath = await fsPathOf(deps, spec, raw, access, 'rw', false);
  const st = await lstat(fsPath).catch(() => undefined);
  if (!st) throw gcsError(404, 'not_found', `No such file: ${raw}`);
  if (st.isDirectory()) throw gcsError(409, 'conflict', 'Directories cannot be deleted over HTTPS');
  await unlink(fsPath).catch((err: unknown) => mapError(err, raw));
  ctx.res.writeHead(204, corsHeaders);
  ctx.res.end();
}
