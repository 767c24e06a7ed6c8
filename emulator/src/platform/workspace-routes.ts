/**
 * The TerrAPI-like workspace API (the shapes of seed 004): who am I, my workspaces, one
 * workspace, and STS credentials for it. Every route needs a realm access token with the
 * `platform` scope; errors are `{title, status, detail}` JSON.
 */
import { EmulatorHttpError, Router, type IRequestContext } from '../http/router.js';
import type { IRealmAccessClaims, RealmState } from './realm-state.js';
import type { IStsCredentials } from './s3-server.js';
import {
  PLATFORM_API_AUDIENCE,
  PLATFORM_ID,
  PLATFORM_REGION,
  PLATFORM_SCOPE,
  type IPlatformWorkspaceSeed
} from './seed.js';

/** The workspace type URN. */
export const WORKSPACE_TYPE = 'urn:resource:storage:workspace';
/** The S3 actions every workspace grants. */
export const WORKSPACE_SCOPES = [
  's3:GetObject',
  's3:PutObject',
  's3:ListBucket',
  's3:DeleteObject',
  's3:GetBucketLocation'
];

/** What the router needs. */
export interface IWorkspaceApiDeps {
  realm: RealmState;
  workspaces: readonly IPlatformWorkspaceSeed[];
  /** The API's own base URL (for `self` links), known once it listens. */
  baseUrl(): string;
  /** The S3 endpoint (no trailing slash). */
  s3Url(): string;
  /** Mints credentials for a workspace. */
  issueSts(workspace: IPlatformWorkspaceSeed): IStsCredentials;
}

function problem(
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {}
) {
  return new EmulatorHttpError(status, { title, status, detail }, headers);
}

/** The workspace document (`GET /v2/storage/workspaces/{name}`). */
export function workspaceDocument(
  w: IPlatformWorkspaceSeed,
  s3Url: string
): Record<string, unknown> {
  const storageUrl = `s3://${w.bucket}/${w.prefix}`;
  return {
    name: w.name,
    type: WORKSPACE_TYPE,
    storage_type: 's3',
    end_point: `${s3Url}/`,
    owner: PLATFORM_API_AUDIENCE,
    status: { status_code: 'OK', message: 'From Authorization Resource' },
    resource_uris: [storageUrl],
    scopes: [...WORKSPACE_SCOPES],
    properties: {
      bucket: [w.bucket],
      key: [w.prefix],
      service_url: [s3Url],
      storage_type: ['s3'],
      storage_url: [storageUrl],
      region: [PLATFORM_REGION],
      platform_id: [PLATFORM_ID]
    }
  };
}

/** Creates the workspace API router. */
export function createWorkspaceRouter(deps: IWorkspaceApiDeps): Router {
  const router = new Router({
    onBadJson: (_ctx, message) => problem(400, 'Bad Request', message),
    onNotFound: ctx => problem(404, 'Not Found', `No route for ${ctx.path.slice(0, 200)}`)
  });

  const caller = async (ctx: IRequestContext): Promise<IRealmAccessClaims> => {
    const verified = await deps.realm.verifyAccess(ctx.bearer);
    if (!verified.ok) {
      throw problem(
        401,
        'Unauthorized',
        verified.reason === 'missing'
          ? 'A bearer token is required'
          : `The bearer token is not valid (${verified.reason})`,
        { 'WWW-Authenticate': 'Bearer error="invalid_token"' }
      );
    }
    if (!verified.claims.scope.split(' ').includes(PLATFORM_SCOPE)) {
      throw problem(403, 'Forbidden', `The token lacks the "${PLATFORM_SCOPE}" scope`, {
        'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${PLATFORM_SCOPE}"`
      });
    }
    return verified.claims;
  };
  const mine = (claims: IRealmAccessClaims) =>
    deps.workspaces.filter(w => w.members.includes(claims.sub));
  const one = async (ctx: IRequestContext): Promise<IPlatformWorkspaceSeed> => {
    const claims = await caller(ctx);
    const w = mine(claims).find(x => x.name === ctx.params.name);
    if (!w) {
      throw problem(404, 'Not Found', `Workspace ${ctx.params.name.slice(0, 200)} was not found`);
    }
    return w;
  };

  router.add('GET', '/v2/user/info', async ctx => {
    const claims = await caller(ctx);
    const user = deps.realm.user(claims.sub);
    ctx.send(200, {
      sub: claims.sub,
      preferred_username: user?.preferred_username ?? claims.preferred_username,
      email: user?.email ?? claims.email,
      platforms: [{ id: PLATFORM_ID }]
    });
  });
  router.add('GET', '/v2/storage/workspaces', async ctx => {
    const claims = await caller(ctx);
    ctx.send(
      200,
      mine(claims).map(w => ({
        type: WORKSPACE_TYPE,
        name: w.name,
        self: `${deps.baseUrl()}/v2/storage/workspaces/${encodeURIComponent(w.name)}`
      }))
    );
  });
  router.add('GET', '/v2/storage/workspaces/:name', async ctx => {
    ctx.send(200, workspaceDocument(await one(ctx), deps.s3Url()));
  });
  router.add('GET', '/v2/storage/workspaces/:name/sts', async ctx => {
    const w = await one(ctx);
    ctx.send(
      200,
      { storage: workspaceDocument(w, deps.s3Url()), credentials: deps.issueSts(w) },
      { 'Cache-Control': 'no-store' }
    );
  });
  return router;
}
