/**
 * Access rules (permissions) on guest collections: `endpoint/{id}/access_list` and
 * create / get / update / delete of one rule. Only the collection's owner (its access
 * manager) may read or change them.
 * @see https://docs.globus.org/api/transfer/acl/
 */
import type { IRequestContext, Router } from '../../http/router.js';
import { isCollectionError, normalizePath } from '../../state/collection-paths.js';
import type { IAccessRule } from '../../state/collections.js';
import { isUuid } from '../../state/transfer-format.js';
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

const principalTypes = ['identity', 'group', 'all_authenticated_users', 'anonymous'] as const;

/** Checks the caller may manage the collection's rules and returns them. */
function managedRules(deps: IServiceDeps, ctx: IRequestContext): IAccessRule[] {
  const { actor } = authenticate(deps, ctx);
  const id = ctx.params.id;
  const spec = requireCollection(deps, ctx, id);
  let rules: IAccessRule[];
  try {
    rules = deps.collections.accessRules(id);
  } catch (err) {
    if (isCollectionError(err)) throw transferError(ctx, 400, 'NotSupported', err.message);
    throw err;
  }
  if (!deps.collections.isOwner(id, actor)) {
    throw transferError(
      ctx,
      403,
      'PermissionDenied',
      `You do not have the access_manager role on '${spec.displayName}' (${id})`
    );
  }
  return rules;
}

function requireRule(ctx: IRequestContext, rules: IAccessRule[]): IAccessRule {
  const rule = rules.find(r => r.id === ctx.params.rule);
  if (!rule) {
    throw transferError(
      ctx,
      404,
      'AccessRuleNotFound',
      `Access rule '${ctx.params.rule}' not found`
    );
  }
  return rule;
}

function parsePermissions(ctx: IRequestContext, v: unknown): 'r' | 'rw' {
  if (v !== 'r' && v !== 'rw') {
    throw transferError(ctx, 400, 'ClientError.BadRequest', "permissions must be 'r' or 'rw'");
  }
  return v;
}

function parseExpiration(ctx: IRequestContext, body: Record<string, unknown>): string | null {
  const raw = stringField(ctx, body, 'expiration_date', false);
  if (raw === undefined) return null;
  const t = Date.parse(raw.replace(' ', 'T'));
  if (Number.isNaN(t)) {
    throw transferError(
      ctx,
      400,
      'ClientError.BadRequest',
      `Invalid expiration_date '${raw.slice(0, 40)}'`
    );
  }
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** Adds the access rule routes. */
export function addAccessRoutes(router: Router, deps: IServiceDeps): void {
  router.add('GET', '/v0.10/endpoint/:id/access_list', ctx => {
    const rules = managedRules(deps, ctx);
    ctx.send(200, {
      DATA_TYPE: 'access_list',
      endpoint: ctx.params.id,
      length: rules.length,
      DATA: rules
    });
  });

  router.add('POST', '/v0.10/endpoint/:id/access', async ctx => {
    managedRules(deps, ctx);
    const body = await readObject(ctx);
    checkDataType(ctx, body, 'access');
    const type = body.principal_type;
    if (!principalTypes.includes(type as (typeof principalTypes)[number])) {
      throw transferError(
        ctx,
        400,
        'ClientError.BadRequest',
        `principal_type must be one of ${principalTypes.join(', ')}`
      );
    }
    const principalType = type as IAccessRule['principal_type'];
    let principal = stringField(ctx, body, 'principal', false) ?? '';
    if (principalType === 'identity' || principalType === 'group') {
      if (!isUuid(principal)) {
        throw transferError(
          ctx,
          400,
          'InvalidPrincipal',
          `Invalid ${principalType} id '${String(principal).slice(0, 40)}'`
        );
      }
      if (principalType === 'identity' && !deps.authority.identity(principal)) {
        throw transferError(ctx, 400, 'InvalidPrincipal', `No such identity '${principal}'`);
      }
    } else {
      principal = '';
    }
    const rawPath = stringField(ctx, body, 'path', true) as string;
    if (!rawPath.startsWith('/')) {
      throw transferError(ctx, 400, 'ClientError.BadRequest', 'path must be absolute');
    }
    let path: string;
    try {
      const p = normalizePath(rawPath, '/');
      path = p === '/' ? '/' : `${p}/`;
    } catch (err) {
      if (isCollectionError(err))
        throw transferError(ctx, 400, 'ClientError.BadRequest', err.message);
      throw err;
    }
    const permissions = parsePermissions(ctx, body.permissions);
    if (principalType === 'anonymous' && permissions === 'rw') {
      throw transferError(
        ctx,
        400,
        'ClientError.BadRequest',
        'Anonymous write access is not allowed'
      );
    }
    let rule: IAccessRule;
    try {
      rule = deps.collections.addAccessRule(ctx.params.id, {
        principal_type: principalType,
        principal,
        path,
        permissions,
        expiration_date: parseExpiration(ctx, body)
      });
    } catch (err) {
      if (isCollectionError(err) && err.code === 'Exists') {
        throw transferError(ctx, 409, 'Exists', err.message);
      }
      throw err;
    }
    ctx.send(201, {
      code: 'Created',
      resource: resourceOf(ctx),
      DATA_TYPE: 'access_create_result',
      request_id: ctx.requestId,
      access_id: rule.id,
      message: 'Access rule created successfully.'
    });
  });

  router.add('GET', '/v0.10/endpoint/:id/access/:rule', ctx => {
    ctx.send(200, requireRule(ctx, managedRules(deps, ctx)));
  });

  router.add('PUT', '/v0.10/endpoint/:id/access/:rule', async ctx => {
    const rule = requireRule(ctx, managedRules(deps, ctx));
    const body = await readObject(ctx);
    checkDataType(ctx, body, 'access');
    for (const key of ['principal_type', 'principal', 'path'] as const) {
      if (body[key] !== undefined && body[key] !== rule[key]) {
        throw transferError(ctx, 400, 'ClientError.BadRequest', `${key} cannot be changed`);
      }
    }
    if (body.permissions !== undefined) {
      const permissions = parsePermissions(ctx, body.permissions);
      if (rule.principal_type === 'anonymous' && permissions === 'rw') {
        throw transferError(
          ctx,
          400,
          'ClientError.BadRequest',
          'Anonymous write access is not allowed'
        );
      }
      rule.permissions = permissions;
    }
    if ('expiration_date' in body) rule.expiration_date = parseExpiration(ctx, body);
    ctx.send(200, {
      DATA_TYPE: 'result',
      code: 'Updated',
      message: `Access rule '${rule.id}' updated successfully`,
      request_id: ctx.requestId,
      resource: resourceOf(ctx)
    });
  });

  router.add('DELETE', '/v0.10/endpoint/:id/access/:rule', ctx => {
    const rule = requireRule(ctx, managedRules(deps, ctx));
    deps.collections.removeAccessRule(ctx.params.id, rule.id);
    ctx.send(200, {
      DATA_TYPE: 'result',
      code: 'Deleted',
      message: `Access rule '${rule.id}' deleted successfully`,
      request_id: ctx.requestId,
      resource: resourceOf(ctx)
    });
  });
}
