/**
 * The Globus Groups service (`groups.api.globus.org`), reduced to what a notebook user
 * needs: `GET /v2/groups/my_groups`, a bare JSON array of the caller's groups with their
 * memberships (one per identity of the caller's set that is a member).
 * @see https://docs.globus.org/api/groups/reference/#get_my_groups_and_memberships
 */
import { randomUUID } from 'node:crypto';
import { EmulatorHttpError, Router } from '../../http/router.js';
import type { AuthState } from '../../state/auth/auth-state.js';
import { GROUPS_RESOURCE_SERVER } from '../../state/auth/scopes.js';

const allStatuses = ['active', 'invited', 'pending', 'rejected', 'removed', 'left', 'declined'];

/**
 * A Groups error. The public sources record no Groups error body; this follows the common
 * Globus shape (`code`, `detail`, `status`) and is marked as inferred in the README.
 */
function groupsError(status: number, code: string, detail: string): EmulatorHttpError {
  return new EmulatorHttpError(
    status,
    { code, detail, status, request_id: randomUUID() },
    {
      'Access-Control-Allow-Origin': '*'
    }
  );
}

/**
 * Creates the Groups router.
 * @param auth - the Auth state that issued the bearer tokens
 */
export function createGroupsRouter(auth: AuthState): Router {
  const router = new Router({
    onBadJson: (_ctx, message) => groupsError(400, 'BAD_REQUEST', message),
    onNotFound: ctx => groupsError(404, 'NOT_FOUND', `No such resource: ${ctx.path}`)
  });

  router.add('OPTIONS', '*', ctx => {
    ctx.res.writeHead(204, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, OPTIONS',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept',
      'Access-Control-Max-Age': '600'
    });
    ctx.res.end();
  });

  router.add('GET', '/v2/groups/my_groups', ctx => {
    const check = auth.check(ctx.bearer, GROUPS_RESOURCE_SERVER);
    if (!check.ok) {
      const detail =
        check.reason === 'missing' ? 'Call must be authenticated' : 'Token is not active';
      throw groupsError(401, 'UNAUTHORIZED', detail);
    }
    const statuses = (ctx.query.get('statuses') ?? 'active').split(',').map(s => s.trim());
    const bad = statuses.find(s => !allStatuses.includes(s));
    if (bad !== undefined)
      throw groupsError(400, 'INVALID_PARAMETERS', `Unknown status: ${bad.slice(0, 40)}`);
    const user = check.user;
    // Seeded memberships are all active; other statuses select nothing.
    const groups = user && statuses.includes('active') ? auth.directory.groupsOf(user) : [];
    const body = groups.map(g => ({
      name: g.name,
      description: g.description,
      parent_id: null,
      id: g.id,
      group_type: 'regular',
      enforce_session: false,
      session_limit: 28800,
      session_timeouts: {},
      my_memberships: (user?.identities ?? [])
        .filter(i => g.members.has(i.id))
        .map(i => ({
          group_id: g.id,
          identity_id: i.id,
          username: i.username,
          role: g.members.get(i.id),
          status: 'active'
        })),
      policies: { group_visibility: 'private', group_members_visibility: 'managers' }
    }));
    ctx.send(200, body, { 'Access-Control-Allow-Origin': '*' });
  });
  return router;
}
