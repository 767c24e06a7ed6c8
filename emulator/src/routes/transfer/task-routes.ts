/**
 * Transfer task routes: `submission_id`, `transfer`, `delete`, `task/{id}` (get, update),
 * `task_list`, `task/{id}/cancel`, `task/{id}/event_list`,
 * `task/{id}/successful_transfers`, `task/{id}/skipped_errors` and `task/{id}/pause_info`. Request documents are validated here and handed to the
 * task engine as typed requests.
 * @see https://docs.globus.org/api/transfer/task_submit/
 * @see https://docs.globus.org/api/transfer/task/
 */
import type { IRequestContext, Router } from '../../http/router.js';
import type { IActor } from '../../state/actor.js';
import { isCollectionError, normalizePath } from '../../state/collection-paths.js';
import type { IFilterRule, ITask, ISubmitResult } from '../../state/tasks.js';
import type { IServiceDeps } from '../../state/service-deps.js';
import {
  authenticate,
  boolField,
  checkDataType,
  intParam,
  readObject,
  requireConsent,
  requireSession,
  requireFunctional,
  resourceOf,
  stringField,
  transferError
} from './common.js';
import {
  compileFilter,
  compileOrder,
  ListQueryError,
  taskFilterFields,
  taskOrderFields
} from './list-query.js';

const syncLevels: Record<string, 0 | 1 | 2 | 3> = { exists: 0, size: 1, mtime: 2, checksum: 3 };

/** Most items one submission may carry (keeps the emulator bounded). */
export const maxItems = 10_000;

function badRequest(ctx: IRequestContext, message: string): never {
  throw transferError(ctx, 400, 'ClientError.BadRequest', message);
}

function checkPath(ctx: IRequestContext, field: string, value: unknown): string {
  if (typeof value !== 'string' || !value) badRequest(ctx, `Item field '${field}' must be a path`);
  try {
    normalizePath(value, '/');
  } catch (err) {
    if (isCollectionError(err)) badRequest(ctx, `Invalid ${field}: ${err.message}`);
    throw err;
  }
  return value;
}

function parseDeadline(ctx: IRequestContext, body: Record<string, unknown>): number | null {
  const raw = stringField(ctx, body, 'deadline', false);
  if (raw === undefined) return null;
  const t = Date.parse(raw.replace(' ', 'T'));
  if (Number.isNaN(t)) badRequest(ctx, `Invalid deadline '${raw.slice(0, 40)}'`);
  return t;
}

/**
 * A task label: at most 128 characters, no line break, no leading or trailing whitespace
 * (https://docs.globus.org/api/transfer/task_submit/ §2.2).
 */
function parseLabel(ctx: IRequestContext, body: Record<string, unknown>): string | undefined {
  const label = stringField(ctx, body, 'label', false);
  if (label === undefined) return undefined;
  if (label.length > 128 || /[\r\n]/.test(label) || label.trim() !== label) {
    badRequest(
      ctx,
      'Invalid label: at most 128 characters, no line breaks, no leading or trailing spaces'
    );
  }
  return label;
}

function parseSubmissionId(ctx: IRequestContext, body: Record<string, unknown>): string {
  const id = stringField(ctx, body, 'submission_id', true) as string;
  if (!id || id.length > 100) badRequest(ctx, 'Invalid submission_id');
  return id;
}

function parseSyncLevel(ctx: IRequestContext, v: unknown): 0 | 1 | 2 | 3 | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && [0, 1, 2, 3].includes(v)) return v as 0 | 1 | 2 | 3;
  if (typeof v === 'string' && v in syncLevels) return syncLevels[v];
  return badRequest(ctx, 'sync_level must be 0, 1, 2, 3 or exists, size, mtime, checksum');
}

function parseFilterRules(ctx: IRequestContext, v: unknown): IFilterRule[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) return badRequest(ctx, 'filter_rules must be a list');
  return v.map(r => {
    const rule = r as Record<string, unknown>;
    if (
      typeof rule !== 'object' ||
      rule === null ||
      (rule.method !== 'include' && rule.method !== 'exclude') ||
      typeof rule.name !== 'string' ||
      (rule.type !== undefined && rule.type !== null && rule.type !== 'file' && rule.type !== 'dir')
    ) {
      return badRequest(
        ctx,
        'Each filter rule needs method include|exclude, a name, and type file|dir if any'
      );
    }
    return {
      DATA_TYPE: 'filter_rule' as const,
      method: rule.method,
      name: rule.name,
      type: (rule.type as 'file' | 'dir' | undefined) ?? null
    };
  });
}

function itemsOf(
  ctx: IRequestContext,
  body: Record<string, unknown>,
  noItemsCode: string
): unknown[] {
  const data = body.DATA;
  if (!Array.isArray(data) || data.length === 0) {
    const kind = noItemsCode.endsWith('NoTransferItems') ? 'transfer' : 'delete';
    throw transferError(ctx, 400, noItemsCode, `A ${kind} requires at least one item`);
  }
  if (data.length > maxItems) badRequest(ctx, `At most ${maxItems} items per submission`);
  return data;
}

/** Finds a task the caller may see. */
function requireTask(deps: IServiceDeps, ctx: IRequestContext, actor: IActor): ITask {
  const task = deps.tasks.get(ctx.params.id);
  if (!task) throw transferError(ctx, 404, 'TaskNotFound', `Task '${ctx.params.id}' not found`);
  if (!actor.identityIds.includes(task.owner.primaryId)) {
    throw transferError(
      ctx,
      403,
      'PermissionDenied',
      `You do not have permission to view task '${task.id}'`
    );
  }
  return task;
}

function submitted(ctx: IRequestContext, kind: 'transfer' | 'delete', result: ISubmitResult): void {
  const { task, code } = result;
  ctx.send(code === 'Accepted' ? 202 : 200, {
    DATA_TYPE: `${kind}_result`,
    code,
    message:
      code === 'Accepted'
        ? `The ${kind} has been accepted and a task has been created and queued for execution`
        : `A ${kind} with id '${task.submissionId}' was already submitted`,
    request_id: ctx.requestId,
    resource: resourceOf(ctx),
    submission_id: task.submissionId,
    task_id: task.id,
    task_link: {
      DATA_TYPE: 'link',
      href: `task/${task.id}?format=json`,
      rel: 'related',
      resource: 'task',
      title: 'related task'
    }
  });
}

/** Adds the task routes. */
export function addTaskRoutes(router: Router, deps: IServiceDeps): void {
  router.add('GET', '/v0.10/submission_id', ctx => {
    authenticate(deps, ctx);
    ctx.send(200, { DATA_TYPE: 'submission_id', value: deps.tasks.newSubmissionId() });
  });

  router.add('POST', '/v0.10/transfer', async ctx => {
    const caller = authenticate(deps, ctx);
    const body = await readObject(ctx);
    checkDataType(ctx, body, 'transfer');
    const submissionId = parseSubmissionId(ctx, body);
    const sourceId = stringField(ctx, body, 'source_endpoint', true) as string;
    const destinationId = stringField(ctx, body, 'destination_endpoint', true) as string;
    requireFunctional(deps, ctx, sourceId);
    requireFunctional(deps, ctx, destinationId);
    const data = itemsOf(ctx, body, 'ClientError.BadRequest.NoTransferItems');
    const items = data.map(raw => {
      const item = raw as Record<string, unknown>;
      if (typeof item !== 'object' || item === null) badRequest(ctx, 'Each item must be an object');
      if (item.DATA_TYPE === 'transfer_symlink_item') {
        badRequest(ctx, 'transfer_symlink_item is not supported by this server');
      }
      if (item.DATA_TYPE !== undefined && item.DATA_TYPE !== 'transfer_item') {
        badRequest(ctx, `Unexpected item DATA_TYPE '${String(item.DATA_TYPE).slice(0, 40)}'`);
      }
      return {
        sourcePath: checkPath(ctx, 'source_path', item.source_path),
        destinationPath: checkPath(ctx, 'destination_path', item.destination_path),
        recursive: item.recursive === true
      };
    });
    const request = {
      submissionId,
      label: parseLabel(ctx, body) ?? null,
      sourceId,
      destinationId,
      syncLevel: parseSyncLevel(ctx, body.sync_level),
      verifyChecksum: boolField(ctx, body, 'verify_checksum', false),
      preserveTimestamp: boolField(ctx, body, 'preserve_timestamp', false),
      encryptData: boolField(ctx, body, 'encrypt_data', false),
      skipSourceErrors: boolField(ctx, body, 'skip_source_errors', false),
      failOnQuotaErrors: boolField(ctx, body, 'fail_on_quota_errors', false),
      deleteDestinationExtra: boolField(ctx, body, 'delete_destination_extra', false),
      recursiveSymlinks: stringField(ctx, body, 'recursive_symlinks', false) ?? 'ignore',
      filterRules: parseFilterRules(ctx, body.filter_rules),
      deadline: parseDeadline(ctx, body),
      notify: {
        succeeded: boolField(ctx, body, 'notify_on_succeeded', true),
        failed: boolField(ctx, body, 'notify_on_failed', true),
        inactive: boolField(ctx, body, 'notify_on_inactive', true)
      },
      items
    };
    requireConsent(deps, ctx, caller, [sourceId, destinationId]);
    requireSession(deps, ctx, caller, [sourceId, destinationId]);
    deps.collections.markUsed(caller.actor, sourceId);
    deps.collections.markUsed(caller.actor, destinationId);
    submitted(ctx, 'transfer', deps.tasks.submitTransfer(request, caller.actor));
  });

  router.add('POST', '/v0.10/delete', async ctx => {
    const caller = authenticate(deps, ctx);
    const body = await readObject(ctx);
    checkDataType(ctx, body, 'delete');
    const submissionId = parseSubmissionId(ctx, body);
    const endpointId = stringField(ctx, body, 'endpoint', true) as string;
    requireFunctional(deps, ctx, endpointId);
    const data = itemsOf(ctx, body, 'ClientError.BadRequest.NoDeleteItems');
    const items = data.map(raw => {
      const item = raw as Record<string, unknown>;
      if (typeof item !== 'object' || item === null) badRequest(ctx, 'Each item must be an object');
      if (item.DATA_TYPE !== undefined && item.DATA_TYPE !== 'delete_item') {
        badRequest(ctx, `Unexpected item DATA_TYPE '${String(item.DATA_TYPE).slice(0, 40)}'`);
      }
      return checkPath(ctx, 'path', item.path);
    });
    const request = {
      submissionId,
      label: stringField(ctx, body, 'label', false) ?? null,
      endpointId,
      recursive: boolField(ctx, body, 'recursive', false),
      ignoreMissing: boolField(ctx, body, 'ignore_missing', false),
      interpretGlobs: boolField(ctx, body, 'interpret_globs', false),
      deadline: parseDeadline(ctx, body),
      items
    };
    requireConsent(deps, ctx, caller, [endpointId]);
    requireSession(deps, ctx, caller, [endpointId]);
    deps.collections.markUsed(caller.actor, endpointId);
    submitted(ctx, 'delete', deps.tasks.submitDelete(request, caller.actor));
  });

  router.add('GET', '/v0.10/task_list', ctx => {
    const { actor } = authenticate(deps, ctx);
    const limit = intParam(ctx, 'limit', 10, 0, 1000);
    const offset = intParam(ctx, 'offset', 0, 0, 1000);
    if (offset + limit > 1000) badRequest(ctx, 'offset + limit must not exceed 1000');
    let docs: Array<Record<string, unknown>>;
    try {
      const filter = compileFilter(ctx.query.getAll('filter'), taskFilterFields);
      const order = compileOrder(ctx.query.get('orderby'), taskOrderFields, 'request_time DESC');
      docs = deps.tasks
        .listFor(actor)
        .map(t => deps.tasks.document(t))
        .filter(filter)
        .sort(order);
    } catch (err) {
      if (err instanceof ListQueryError) badRequest(ctx, err.message);
      throw err;
    }
    const page = docs.slice(offset, offset + limit);
    ctx.send(200, {
      DATA_TYPE: 'task_list',
      DATA: page,
      length: page.length,
      limit,
      offset,
      total: docs.length
    });
  });

  router.add('GET', '/v0.10/task/:id', ctx => {
    const { actor } = authenticate(deps, ctx);
    ctx.send(200, deps.tasks.document(requireTask(deps, ctx, actor)));
  });

  router.add('PUT', '/v0.10/task/:id', async ctx => {
    const { actor } = authenticate(deps, ctx);
    const task = requireTask(deps, ctx, actor);
    const body = await readObject(ctx);
    checkDataType(ctx, body, 'task');
    const extra = Object.keys(body).filter(k => !['DATA_TYPE', 'label', 'deadline'].includes(k));
    if (extra.length)
      badRequest(ctx, `Only label and deadline can be updated, not ${extra.join(', ')}`);
    if (task.status !== 'ACTIVE') {
      throw transferError(
        ctx,
        409,
        'Conflict',
        `Task '${task.id}' is complete and cannot be updated`
      );
    }
    const label = parseLabel(ctx, body);
    const deadline = parseDeadline(ctx, body);
    if (label !== undefined) task.label = label;
    if (deadline !== null) task.deadline = deadline;
    ctx.send(200, {
      DATA_TYPE: 'result',
      code: 'Updated',
      message: 'Updated successfully',
      request_id: ctx.requestId,
      resource: resourceOf(ctx)
    });
  });

  router.add('POST', '/v0.10/task/:id/cancel', ctx => {
    const { actor } = authenticate(deps, ctx);
    const task = requireTask(deps, ctx, actor);
    const code = deps.tasks.cancel(task.id);
    ctx.send(200, {
      DATA_TYPE: 'result',
      code,
      message:
        code === 'Canceled'
          ? 'The task has been cancelled successfully.'
          : 'The task completed before the cancel request was processed.',
      resource: resourceOf(ctx),
      request_id: ctx.requestId
    });
  });

  router.add('GET', '/v0.10/task/:id/event_list', ctx => {
    const { actor } = authenticate(deps, ctx);
    const task = requireTask(deps, ctx, actor);
    const limit = intParam(ctx, 'limit', 10, 0, 1000);
    const offset = intParam(ctx, 'offset', 0, 0, 1000);
    let events = deps.tasks.events(task);
    for (const f of ctx.query.getAll('filter')) {
      const m = /^is_error:(0|1|true|false)$/i.exec(f);
      if (!m)
        badRequest(ctx, `Invalid event filter '${f.slice(0, 40)}'; only is_error:1 or is_error:0`);
      const want = m[1] === '1' || m[1].toLowerCase() === 'true';
      events = events.filter(e => e.is_error === want);
    }
    const page = events.slice(offset, offset + limit);
    ctx.send(200, {
      DATA_TYPE: 'event_list',
      length: page.length,
      limit,
      offset,
      total: events.length,
      DATA: page
    });
  });

  router.add('GET', '/v0.10/task/:id/successful_transfers', ctx => {
    const { actor } = authenticate(deps, ctx);
    const task = requireTask(deps, ctx, actor);
    const marker = intParam(ctx, 'marker', 0, 0, Number.MAX_SAFE_INTEGER);
    ctx.send(200, {
      DATA_TYPE: 'successful_transfers',
      ...deps.tasks.successfulTransfers(task, marker)
    });
  });

  // Same marker paging; items as recorded (skipped_error_list.yaml).
  router.add('GET', '/v0.10/task/:id/skipped_errors', ctx => {
    const { actor } = authenticate(deps, ctx);
    const task = requireTask(deps, ctx, actor);
    const marker = intParam(ctx, 'marker', 0, 0, Number.MAX_SAFE_INTEGER);
    ctx.send(200, { DATA_TYPE: 'skipped_errors', ...deps.tasks.skippedErrors(task, marker) });
  });

  router.add('GET', '/v0.10/task/:id/pause_info', ctx => {
    const { actor } = authenticate(deps, ctx);
    requireTask(deps, ctx, actor);
    ctx.send(200, deps.tasks.pauseInfo());
  });
}
