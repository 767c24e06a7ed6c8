/**
 * Transfer tasks: get, list, cancel, events (through `@globus/sdk`'s `transfer.task`, see
 * `../sdk-call.ts`), and waiting for completion with bounded polling.
 */
import { AbortError } from '../../errors/network-error';
import { TimeoutError } from '../../errors/network-error';
import { sdkCall } from '../sdk-call';
import { callOptions, ICallOptions } from '../service-context';
import { ITransferScope, transferToken } from './transfer-scope';
import { IEventDocument, IResultDocument, ITaskDocument } from './types';

/** A task as the methods accept it: its id, or a document or result carrying `task_id`. */
export type TaskRef = string | { task_id: string };

function taskId(ref: TaskRef): string {
  return typeof ref === 'string' ? ref : ref.task_id;
}

/**
 * Get a task.
 *
 * @param scope - Transfer client state
 * @param task - id or document
 * @param options - signal, timeout, retry
 * @see https://docs.globus.org/api/transfer/task/#get_task_by_id
 */
export async function getTask(
  scope: ITransferScope,
  task: TaskRef,
  options: ICallOptions = {}
): Promise<ITaskDocument> {
  const id = taskId(task);
  const res = await sdkCall<ITaskDocument>(
    scope.ctx,
    'transfer',
    {
      operation: 'get task',
      resource: `task ${id}`,
      token: transferToken(scope, 'get task'),
      ...callOptions(options)
    },
    (sdk, o) => sdk.transfer.task.get(encodeURIComponent(id), {}, o)
  );
  return res.data;
}

/** Options of a task list. */
export interface ITaskListOptions extends ICallOptions {
  /** Filter, e.g. `status:ACTIVE/type:TRANSFER`. */
  filter?: string;
  /** Order, e.g. `request_time DESC`. */
  orderby?: string;
  /** Tasks wanted (default 100, at most 1000). */
  limit?: number;
}

/**
 * List the user's tasks.
 *
 * @param scope - Transfer client state
 * @param options - filter, order, limit
 * @see https://docs.globus.org/api/transfer/task/#get_task_list
 */
export async function getAllTasks(
  scope: ITransferScope,
  options: ITaskListOptions = {}
): Promise<ITaskDocument[]> {
  const res = await sdkCall<{ DATA?: ITaskDocument[] }>(
    scope.ctx,
    'transfer',
    { operation: 'task list', token: transferToken(scope, 'task list'), ...callOptions(options) },
    (sdk, o) =>
      sdk.transfer.task.getAll(
        {
          query: {
            filter: options.filter,
            orderby: options.orderby,
            limit: Math.min(options.limit ?? 100, 1000),
            offset: 0
          }
        },
        o
      )
  );
  return res.data?.DATA ?? [];
}

/**
 * Cancel a task.
 *
 * @param scope - Transfer client state
 * @param task - id or document
 * @param options - signal, timeout, retry
 * @see https://docs.globus.org/api/transfer/task/#cancel_task_by_id
 */
export async function cancelTask(
  scope: ITransferScope,
  task: TaskRef,
  options: ICallOptions = {}
): Promise<IResultDocument> {
  const id = taskId(task);
  const res = await sdkCall<IResultDocument>(
    scope.ctx,
    'transfer',
    {
      operation: 'cancel task',
      resource: `task ${id}`,
      token: transferToken(scope, 'cancel task'),
      // Cancelling twice is harmless.
      idempotent: true,
      ...callOptions(options)
    },
    (sdk, o) => sdk.transfer.task.cancel(encodeURIComponent(id), {}, o)
  );
  return res.data;
}

/** Options of an event list. */
export interface ITaskEventsOptions extends ICallOptions {
  /** Only error events. */
  errorsOnly?: boolean;
  /** Events wanted (default 100, at most 1000). */
  limit?: number;
}

/**
 * List a task's events, newest first.
 *
 * @param scope - Transfer client state
 * @param task - id or document
 * @param options - errors only, limit
 * @see https://docs.globus.org/api/transfer/task/#get_event_list
 */
export async function getTaskEvents(
  scope: ITransferScope,
  task: TaskRef,
  options: ITaskEventsOptions = {}
): Promise<IEventDocument[]> {
  const id = taskId(task);
  const res = await sdkCall<{ DATA?: IEventDocument[] }>(
    scope.ctx,
    'transfer',
    {
      operation: 'task events',
      resource: `task ${id}`,
      token: transferToken(scope, 'task events'),
      ...callOptions(options)
    },
    (sdk, o) =>
      sdk.transfer.task.getEventList(
        encodeURIComponent(id),
        {
          query: {
            limit: Math.min(options.limit ?? 100, 1000),
            offset: 0,
            filter: options.errorsOnly ? 'is_error:1' : undefined
          }
        },
        o
      )
  );
  return res.data?.DATA ?? [];
}

/** Options of `waitForTask`. */
export interface IWaitForTaskOptions extends ICallOptions {
  /** Called with each polled task document. */
  onProgress?: (task: ITaskDocument) => void;
  /** First poll interval in ms (default 1000, at least 100); grows ×1.5 up to `maxIntervalMs`. */
  intervalMs?: number;
  /** Longest poll interval in ms (default 10000). */
  maxIntervalMs?: number;
  /** Give up after this long in ms (default 1 hour) with a `TimeoutError`; the task keeps running. */
  waitTimeoutMs?: number;
  /** Return when the task goes INACTIVE (needs user action) instead of waiting on (default true). */
  stopOnInactive?: boolean;
}

/** Terminal statuses. */
const DONE = new Set(['SUCCEEDED', 'FAILED']);

/**
 * Poll a task until it succeeds or fails (or goes INACTIVE), with a growing interval,
 * bounded in time; abortable.
 *
 * @param scope - Transfer client state
 * @param task - id or document
 * @param options - progress callback, intervals, time limit, signal
 * @returns the final task document
 * @throws TimeoutError when the limit passes (the task itself is not cancelled)
 * @see https://docs.globus.org/api/transfer/task/#get_task_by_id
 */
export async function waitForTask(
  scope: ITransferScope,
  task: TaskRef,
  options: IWaitForTaskOptions = {}
): Promise<ITaskDocument> {
  const id = taskId(task);
  const started = Date.now();
  const limit = options.waitTimeoutMs ?? 3600_000;
  const maxInterval = Math.max(100, options.maxIntervalMs ?? 10_000);
  let interval = Math.max(100, options.intervalMs ?? 1000);
  const stopOnInactive = options.stopOnInactive ?? true;
  for (;;) {
    const doc = await getTask(scope, id, callOptions(options));
    options.onProgress?.(doc);
    if (DONE.has(doc.status) || (stopOnInactive && doc.status === 'INACTIVE')) {
      return doc;
    }
    const elapsed = Date.now() - started;
    if (elapsed + interval > limit) {
      throw new TimeoutError(
        `Waiting for task ${id} timed out after ${Math.round(elapsed / 1000)} s (status ${doc.status}); the task keeps running — wait again or cancel it.`,
        limit
      );
    }
    await sleep(interval, options.signal, id);
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
  }
}

function sleep(ms: number, signal: AbortSignal | undefined, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(
        new AbortError(`Waiting for task ${id} was aborted (the task keeps running)`, {
          cause: signal.reason
        })
      );
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(
        new AbortError(`Waiting for task ${id} was aborted (the task keeps running)`, {
          cause: signal?.reason
        })
      );
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
