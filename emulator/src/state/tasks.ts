/**
 * The task engine: Transfer and delete tasks that move real bytes between collections'
 * folders, at a configurable rate, through the documented life cycle
 * (ACTIVE → SUCCEEDED | FAILED, cancel → FAILED with `fatal_error.code = CANCELED`), with the
 * documented counters, events (newest first) and successful transfers.
 *
 * Also: skipped errors (`skip_source_errors`), deadline expiry on the shared clock (the task
 * ends FAILED with an `EXPIRED` event), files seeded as unreadable (a `PERMISSION_DENIED`
 * fault mid-task) and the pause info document.
 * @see https://docs.globus.org/api/transfer/task/ (task document, skipped errors, pause info)
 *
 * Files are written to a hidden temporary name next to the destination and renamed when
 * complete, so a canceled or failed task never leaves a partial file under the final name.
 * Every timer is unref()'d, at most 1 s long, and cleared by `close()`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  utimes,
  type FileHandle
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { IActor } from './actor.js';
import { childPath, fsFailure, isFsError, normalizePath, parentPath } from './collection-paths.js';
import { CollectionError, isCollectionError, type CollectionStore } from './collections.js';
import { globToRegExp, hasGlob } from './name-glob.js';
import { transferTempName } from './temp-names.js';
import { isoMicros, isoSeconds, uuidFromRandom } from './transfer-format.js';
import type { IClock } from './types.js';

/** What a `TaskEngine` is created from. */
export interface ITaskEngineOptions {
  /** Where the bytes live. */
  collections: CollectionStore;
  /** The shared clock (request/completion times, deadlines). */
  clock: IClock;
  /** The shared seeded PRNG (task and submission ids). */
  random: () => number;
  /**
   * Transfer speed in bytes per second over the whole task; default `Infinity` (as fast as
   * the disk). Set it low (e.g. 64 KiB/s) to watch progress or to cancel mid-way.
   */
  transferRate?: number;
  /** Page size of `successful_transfers` and `skipped_errors` (default 100). */
  successfulTransfersPageSize?: number;
}

/** A transfer `filter_rule`. */
export interface IFilterRule {
  DATA_TYPE: 'filter_rule';
  method: 'include' | 'exclude';
  name: string;
  type?: 'file' | 'dir' | null;
}

/** A validated transfer submission (the route turns the request document into this). */
export interface ITransferRequest {
  submissionId: string;
  label: string | null;
  sourceId: string;
  destinationId: string;
  /** 0 exists, 1 size, 2 mtime, 3 checksum; null = always copy. */
  syncLevel: 0 | 1 | 2 | 3 | null;
  verifyChecksum: boolean;
  preserveTimestamp: boolean;
  encryptData: boolean;
  skipSourceErrors: boolean;
  failOnQuotaErrors: boolean;
  deleteDestinationExtra: boolean;
  recursiveSymlinks: string;
  filterRules: IFilterRule[] | null;
  /** Epoch ms, or null for request time + 24 h (as recorded tasks show). */
  deadline: number | null;
  /**
   * E-mail notifications asked for (`notify_on_succeeded/failed/inactive`, default true).
   * Accepted and kept; no mail is sent, and the task document does not report them (the
   * recorded task documents have no such fields).
   */
  notify?: { succeeded: boolean; failed: boolean; inactive: boolean };
  items: Array<{ sourcePath: string; destinationPath: string; recursive: boolean }>;
}

/** A validated delete submission. */
export interface IDeleteRequest {
  submissionId: string;
  label: string | null;
  endpointId: string;
  recursive: boolean;
  ignoreMissing: boolean;
  interpretGlobs: boolean;
  deadline: number | null;
  items: string[];
}

/** A task event (`DATA_TYPE: "event"`). */
export interface ITaskEvent {
  DATA_TYPE: 'event';
  code: string;
  description: string;
  details: string;
  is_error: boolean;
  time: string;
}

/** One transferred file (`DATA_TYPE: "successful_transfer"`). */
export interface ISuccessfulTransfer {
  DATA_TYPE: 'successful_transfer';
  source_path: string;
  destination_path: string;
  size: number;
  checksum: string | null;
  checksum_algorithm: string | null;
  dynamic: boolean;
}

/** A source error passed over under `skip_source_errors` (`DATA_TYPE: "skipped_error"`). */
export interface ISkippedError {
  DATA_TYPE: 'skipped_error';
  checksum_algorithm: string | null;
  destination_path: string;
  error_code: 'PERMISSION_DENIED' | 'FILE_NOT_FOUND';
  error_details: string;
  error_time: string;
  external_checksum: string | null;
  is_delete_destination_extra: boolean;
  is_directory: boolean;
  is_symlink: boolean;
  source_path: string;
}

/** The engine's record of a task. */
export interface ITask {
  readonly id: string;
  readonly type: 'TRANSFER' | 'DELETE';
  readonly owner: IActor;
  readonly submissionId: string;
  readonly requestTime: number;
  readonly transfer?: ITransferRequest;
  readonly delete?: IDeleteRequest;
  status: 'ACTIVE' | 'SUCCEEDED' | 'FAILED';
  label: string | null;
  deadline: number;
  started: boolean;
  completionTime: number | null;
  fatalError: { code: string; description: string } | null;
  counters: ITaskCounters;
  /** Oldest first; the API shows them newest first. */
  events: ITaskEvent[];
  successful: ISuccessfulTransfer[];
  /** Source errors skipped under `skip_source_errors`, oldest first. */
  skipped: ISkippedError[];
}

/** The documented task counters. */
export interface ITaskCounters {
  files: number;
  directories: number;
  symlinks: number;
  files_skipped: number;
  files_transferred: number;
  bytes_transferred: number;
  bytes_checksummed: number;
  faults: number;
  subtasks_total: number;
  subtasks_pending: number;
  subtasks_retrying: number;
  subtasks_succeeded: number;
  subtasks_expired: number;
  subtasks_canceled: number;
  subtasks_failed: number;
  subtasks_skipped_errors: number;
}

/** Result of a submission. */
export interface ISubmitResult {
  /** `Duplicate` when the submission id was used before (no new task). */
  code: 'Accepted' | 'Duplicate';
  task: ITask;
}

/** A task-level failure with a Transfer event code (`FILE_NOT_FOUND`, …). */
class TaskFailure extends Error {
  constructor(
    readonly code: string,
    readonly details: string
  ) {
    super(details);
    this.name = 'TaskFailure';
  }
}

/** Thrown inside a run when the task was canceled or the engine closed. */
class TaskStopped extends Error {
  constructor() {
    super('stopped');
    this.name = 'TaskStopped';
  }
}

interface IPlannedFile {
  src: string;
  dst: string;
  size: number;
  mtimeMs: number;
}

const maxSleepMs = 1000;

/** Runs Transfer and delete tasks on the collection store. */
export class TaskEngine {
  private readonly tasks = new Map<string, ITask>();
  private readonly bySubmission = new Map<string, string>();
  private readonly aborts = new Map<string, AbortController>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly rate: number;
  /** Wall-clock start of each running task, for throttling (the shared clock may jump). */
  private readonly startedAt = new Map<string, number>();
  /** `<collection id>\n<path>` of files a task may not read (seeded by tests). */
  private readonly unreadable = new Set<string>();
  private closed = false;

  /**
   * @param options - store, clock, PRNG and the transfer rate
   */
  constructor(private readonly options: ITaskEngineOptions) {
    const rate = options.transferRate ?? Infinity;
    this.rate = rate > 0 ? rate : Infinity;
  }

  /** A fresh submission id (`GET /submission_id`). */
  newSubmissionId(): string {
    return uuidFromRandom(this.options.random);
  }

  /**
   * Submits a transfer. A submission id used before returns that task as `Duplicate`.
   * @param actor - the submitting user (permissions are checked as the task runs)
   */
  submitTransfer(req: ITransferRequest, actor: IActor): ISubmitResult {
    return this.submit(
      'TRANSFER',
      req.submissionId,
      actor,
      { transfer: req },
      req.label,
      req.deadline
    );
  }

  /** Submits a delete task (see `submitTransfer`). */
  submitDelete(req: IDeleteRequest, actor: IActor): ISubmitResult {
    return this.submit('DELETE', req.submissionId, actor, { delete: req }, req.label, req.deadline);
  }

  private submit(
    type: 'TRANSFER' | 'DELETE',
    submissionId: string,
    actor: IActor,
    body: { transfer?: ITransferRequest; delete?: IDeleteRequest },
    label: string | null,
    deadline: number | null
  ): ISubmitResult {
    const existing = this.bySubmission.get(submissionId);
    if (existing) return { code: 'Duplicate', task: this.tasks.get(existing) as ITask };
    const now = this.options.clock.now();
    const task: ITask = {
      id: uuidFromRandom(this.options.random),
      type,
      owner: actor,
      submissionId,
      requestTime: now,
      ...body,
      status: 'ACTIVE',
      label,
      deadline: deadline ?? now + 86_400_000,
      started: false,
      completionTime: null,
      fatalError: null,
      counters: {
        files: 0,
        directories: 0,
        symlinks: 0,
        files_skipped: 0,
        files_transferred: 0,
        bytes_transferred: 0,
        bytes_checksummed: 0,
        faults: 0,
        subtasks_total: 1,
        subtasks_pending: 1,
        subtasks_retrying: 0,
        subtasks_succeeded: 0,
        subtasks_expired: 0,
        subtasks_canceled: 0,
        subtasks_failed: 0,
        subtasks_skipped_errors: 0
      },
      events: [],
      successful: [],
      skipped: []
    };
    this.tasks.set(task.id, task);
    this.bySubmission.set(submissionId, task.id);
    this.aborts.set(task.id, new AbortController());
    void this.run(task);
    return { code: 'Accepted', task };
  }

  /**
   * Records finished transfer tasks without running them: a history for tests and
   * benchmarks that need many tasks (the admin seed route). Each one copied one file of
   * `bytes` and ended `status` (FAILED with a `PERMISSION_DENIED` fault); their request
   * times are one second apart, the last `count` seconds before now, so the list shows
   * them newest first in creation order reversed.
   * @param actor - the owner
   * @returns the tasks, oldest first
   */
  seedFinished(
    actor: IActor,
    spec: {
      count: number;
      label: string;
      sourceId: string;
      destinationId: string;
      status: 'SUCCEEDED' | 'FAILED';
      bytes: number;
    }
  ): ITask[] {
    const now = this.options.clock.now();
    const made: ITask[] = [];
    const width = String(spec.count).length;
    for (let i = 0; i < spec.count; i++) {
      const requestTime = now - (spec.count - i) * 1000;
      const completionTime = requestTime + 500;
      const ok = spec.status === 'SUCCEEDED';
      const submissionId = uuidFromRandom(this.options.random);
      const n = String(i + 1).padStart(width, '0');
      const transfer: ITransferRequest = {
        submissionId,
        label: `${spec.label} ${n}`,
        sourceId: spec.sourceId,
        destinationId: spec.destinationId,
        syncLevel: null,
        verifyChecksum: true,
        preserveTimestamp: false,
        encryptData: false,
        skipSourceErrors: false,
        failOnQuotaErrors: false,
        deleteDestinationExtra: false,
        recursiveSymlinks: 'ignore',
        filterRules: null,
        deadline: null,
        items: [
          {
            sourcePath: `/seeded/${n}.dat`,
            destinationPath: `/seeded/${n}.dat`,
            recursive: false
          }
        ]
      };
      const time = isoSeconds(completionTime);
      const task: ITask = {
        id: uuidFromRandom(this.options.random),
        type: 'TRANSFER',
        owner: actor,
        submissionId,
        requestTime,
        transfer,
        status: spec.status,
        label: transfer.label,
        deadline: requestTime + 86_400_000,
        started: true,
        completionTime,
        fatalError: ok
          ? null
          : { code: 'PERMISSION_DENIED', description: describe('PERMISSION_DENIED') },
        counters: {
          files: 1,
          directories: 0,
          symlinks: 0,
          files_skipped: 0,
          files_transferred: ok ? 1 : 0,
          bytes_transferred: ok ? spec.bytes : 0,
          bytes_checksummed: ok ? spec.bytes : 0,
          faults: ok ? 0 : 1,
          subtasks_total: 1,
          subtasks_pending: 0,
          subtasks_retrying: 0,
          subtasks_succeeded: ok ? 1 : 0,
          subtasks_expired: 0,
          subtasks_canceled: 0,
          subtasks_failed: ok ? 0 : 1,
          subtasks_skipped_errors: 0
        },
        events: [
          {
            DATA_TYPE: 'event',
            code: ok ? 'SUCCEEDED' : 'PERMISSION_DENIED',
            description: describe(ok ? 'SUCCEEDED' : 'PERMISSION_DENIED'),
            details: ok
              ? JSON.stringify({ files_succeeded: 1, files_skipped: 0 })
              : `Error (transfer)\nFile: /seeded/${n}.dat\nMessage: Permission denied`,
            is_error: !ok,
            time
          }
        ],
        successful: ok
          ? [
              {
                DATA_TYPE: 'successful_transfer',
                source_path: `/seeded/${n}.dat`,
                destination_path: `/seeded/${n}.dat`,
                size: spec.bytes,
                checksum: null,
                checksum_algorithm: null,
                dynamic: false
              }
            ]
          : [],
        skipped: []
      };
      this.tasks.set(task.id, task);
      this.bySubmission.set(submissionId, task.id);
      made.push(task);
    }
    return made;
  }

  /** A task by id, or undefined (a task past its deadline is expired first). */
  get(id: string): ITask | undefined {
    const task = this.tasks.get(id);
    if (task) this.expireIfDue(task);
    return task;
  }

  /** The tasks an actor owns (any identity of the set), newest first. */
  listFor(actor: IActor): ITask[] {
    const mine = [...this.tasks.values()].filter(t =>
      actor.identityIds.includes(t.owner.primaryId)
    );
    for (const t of mine) this.expireIfDue(t);
    return mine.sort((a, b) => b.requestTime - a.requestTime);
  }

  /**
   * Makes a file unreadable for transfer tasks (a test seeds a fault mid-task): a task
   * reaching it fails `PERMISSION_DENIED`, or records a skipped error under
   * `skip_source_errors`. The file itself is untouched (root reads any file, so file modes
   * would not do).
   * @param collectionId - the collection
   * @param path - the absolute collection path of the file
   */
  markUnreadable(collectionId: string, path: string): void {
    this.unreadable.add(`${collectionId}\n${path}`);
  }

  /**
   * Ends an ACTIVE task whose deadline the clock has passed: FAILED, an `EXPIRED` event,
   * pending subtasks counted as expired (Transfer cancels a task at its deadline).
   * @returns whether it expired now
   */
  expireIfDue(task: ITask): boolean {
    if (task.status !== 'ACTIVE' || this.options.clock.now() < task.deadline) return false;
    const c = task.counters;
    c.subtasks_expired += c.subtasks_pending;
    c.subtasks_pending = 0;
    const abort = this.aborts.get(task.id);
    this.addEvent(
      task,
      'EXPIRED',
      `The task deadline (${isoSeconds(task.deadline)}) passed before the task completed`,
      true
    );
    this.finish(task, 'FAILED', { code: 'EXPIRED', description: 'expired' });
    abort?.abort();
    return true;
  }

  /** Collection ids with an active task of the actor (`filter_scope=in-use`). */
  activeCollectionIds(actor: IActor): Set<string> {
    const ids = new Set<string>();
    for (const t of this.listFor(actor)) {
      if (t.status !== 'ACTIVE') continue;
      if (t.transfer) {
        ids.add(t.transfer.sourceId);
        ids.add(t.transfer.destinationId);
      }
      if (t.delete) ids.add(t.delete.endpointId);
    }
    return ids;
  }

  /**
   * Cancels a task: it ends FAILED with `fatal_error.code = CANCELED` and a CANCELED event.
   * @returns `Canceled`, or `TaskComplete` when it had already ended
   */
  cancel(id: string): 'Canceled' | 'TaskComplete' {
    const task = this.tasks.get(id);
    if (!task || task.status !== 'ACTIVE') return 'TaskComplete';
    const c = task.counters;
    c.subtasks_canceled += c.subtasks_pending;
    c.subtasks_pending = 0;
    const abort = this.aborts.get(id);
    this.addEvent(task, 'CANCELED', 'Canceled by the task owner', true);
    this.finish(task, 'FAILED', { code: 'CANCELED', description: 'canceled' });
    abort?.abort();
    return 'Canceled';
  }

  /** Events newest first (the API's order). */
  events(task: ITask): ITaskEvent[] {
    return [...task.events].reverse();
  }

  /**
   * One page of successful transfers (marker paging).
   * @param marker - index to start at (0 for the first page)
   */
  successfulTransfers(
    task: ITask,
    marker: number
  ): { DATA: ISuccessfulTransfer[]; marker: number; next_marker: number | null } {
    const size = this.options.successfulTransfersPageSize ?? 100;
    const DATA = task.successful.slice(marker, marker + size);
    const end = marker + DATA.length;
    return { DATA, marker, next_marker: end < task.successful.length ? end : null };
  }

  /**
   * One page of skipped errors (marker paging, as `successfulTransfers`).
   * @param marker - index to start at (0 for the first page)
   */
  skippedErrors(
    task: ITask,
    marker: number
  ): { DATA: ISkippedError[]; marker: number; next_marker: number | null } {
    const size = this.options.successfulTransfersPageSize ?? 100;
    const DATA = task.skipped.slice(marker, marker + size);
    const end = marker + DATA.length;
    return { DATA, marker, next_marker: end < task.skipped.length ? end : null };
  }

  /**
   * The pause info document (`DATA_TYPE: "pause_info_limited"`). The emulator has no pause
   * rules (no endpoint manager), so the list is empty and the messages null; the task
   * document's `is_paused` is always false.
   */
  pauseInfo(): Record<string, unknown> {
    return {
      DATA_TYPE: 'pause_info_limited',
      pause_rules: [],
      source_pause_message: null,
      destination_pause_message: null,
      source_pause_message_share: null,
      destination_pause_message_share: null
    };
  }

  /** The task document (`DATA_TYPE: "task"`) with every recorded field. */
  document(task: ITask): Record<string, unknown> {
    const active = task.status === 'ACTIVE';
    const store = this.options.collections;
    const src = task.transfer?.sourceId ?? task.delete?.endpointId ?? null;
    const dst = task.transfer?.destinationId ?? null;
    const canonical = (id: string | null) =>
      id ? ((store.document(id, undefined).canonical_name as string) ?? id) : null;
    const name = (id: string | null) => (id ? (store.get(id)?.displayName ?? null) : null);
    const now = task.completionTime ?? this.options.clock.now();
    const seconds = Math.max(1, (now - task.requestTime) / 1000);
    const t = task.transfer;
    return {
      DATA_TYPE: 'task',
      ...task.counters,
      canceled_by_admin: null,
      canceled_by_admin_message: null,
      command: 'API 0.10',
      completion_time: task.completionTime === null ? null : isoSeconds(task.completionTime),
      deadline: isoSeconds(task.deadline),
      delete_destination_extra: t?.deleteDestinationExtra ?? false,
      destination_endpoint: canonical(dst),
      destination_endpoint_display_name: name(dst),
      destination_endpoint_id: dst,
      effective_bytes_per_second: Math.floor(task.counters.bytes_transferred / seconds),
      encrypt_data: t?.encryptData ?? false,
      fail_on_quota_errors: t?.failOnQuotaErrors ?? false,
      fatal_error: task.fatalError,
      filter_rules: t?.filterRules ?? null,
      history_deleted: false,
      is_ok: active ? true : null,
      is_paused: false,
      key: active
        ? `active,${isoMicros(task.requestTime)}`
        : `complete,${isoMicros(task.completionTime ?? now)}`,
      label: task.label,
      nice_status: active ? (task.started ? 'OK' : 'Queued') : null,
      nice_status_details: null,
      nice_status_expires_in: active ? -1 : null,
      nice_status_short_description: active ? (task.started ? 'OK' : 'Queued') : null,
      owner_id: task.owner.primaryId,
      preserve_timestamp: t?.preserveTimestamp ?? false,
      recursive_symlinks: t ? t.recursiveSymlinks : null,
      request_time: isoSeconds(task.requestTime),
      skip_source_errors: t?.skipSourceErrors ?? false,
      source_endpoint: canonical(src),
      source_endpoint_display_name: name(src),
      source_endpoint_id: src,
      status: task.status,
      sync_level: t?.syncLevel ?? null,
      task_id: task.id,
      type: task.type,
      username: task.owner.username,
      verify_checksum: t?.verifyChecksum ?? false
    };
  }

  /** Stops every running task and clears every timer; the engine accepts no more work. */
  close(): void {
    this.closed = true;
    for (const ac of this.aborts.values()) ac.abort();
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer);
      resolve();
    }
    this.timers.clear();
  }

  // ---- running ----

  private async run(task: ITask): Promise<void> {
    try {
      // Queued for a moment, as a real task is, so a client sees ACTIVE before it ends.
      await this.sleep(5);
      this.check(task);
      task.started = true;
      this.startedAt.set(task.id, Date.now());
      if (task.transfer) {
        this.addEvent(
          task,
          'STARTED',
          JSON.stringify(
            { type: 'Emulated Transfer', concurrency: 1, parallelism: 1, pipelining: 1 },
            null,
            2
          ),
          false,
          'started'
        );
        await this.runTransfer(task, task.transfer);
      } else if (task.delete) {
        this.addEvent(
          task,
          'STARTED',
          JSON.stringify({ type: 'Delete' }, null, 2),
          false,
          'started'
        );
        await this.runDelete(task, task.delete);
      }
      this.check(task);
      const c = task.counters;
      c.subtasks_succeeded += c.subtasks_pending;
      c.subtasks_pending = 0;
      this.addEvent(
        task,
        'SUCCEEDED',
        JSON.stringify({ files_succeeded: c.files_transferred, files_skipped: c.files_skipped }),
        false
      );
      this.finish(task, 'SUCCEEDED', null);
    } catch (err) {
      if (err instanceof TaskStopped || task.status !== 'ACTIVE' || this.closed) return;
      const code = err instanceof TaskFailure ? err.code : 'UNKNOWN';
      const details = err instanceof TaskFailure ? err.details : 'Internal error in the emulator';
      const c = task.counters;
      c.faults++;
      c.subtasks_failed++;
      c.subtasks_canceled += Math.max(0, c.subtasks_pending - 1);
      c.subtasks_pending = 0;
      this.addEvent(task, code, details, true);
      this.finish(task, 'FAILED', { code, description: describe(code) });
    }
  }

  private finish(
    task: ITask,
    status: 'SUCCEEDED' | 'FAILED',
    fatal: { code: string; description: string } | null
  ): void {
    if (task.status !== 'ACTIVE') return;
    task.status = status;
    task.fatalError = fatal;
    task.completionTime = this.options.clock.now();
    this.aborts.delete(task.id);
    this.startedAt.delete(task.id);
  }

  private check(task: ITask): void {
    this.expireIfDue(task);
    if (this.closed || task.status !== 'ACTIVE') throw new TaskStopped();
  }

  private addEvent(
    task: ITask,
    code: string,
    details: string,
    isError: boolean,
    description?: string
  ): void {
    task.events.push({
      DATA_TYPE: 'event',
      code,
      description: description ?? describe(code),
      details,
      is_error: isError,
      time: isoSeconds(this.options.clock.now())
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise(resolve => {
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          resolve();
        },
        Math.min(Math.max(0, ms), maxSleepMs)
      );
      timer.unref();
      this.timers.set(timer, resolve);
    });
  }

  /**
   * Maps a store or file system error to a task failure with the event code Transfer uses.
   * A file system error is named by `fsFailure` (the collection path, never the host path).
   * Codes from Transfer's event inventory, as a Globus engineer listed it (`FILE_NOT_FOUND`,
   * `INVALID_PATH_NAME`, `PERMISSION_DENIED`, `ENDPOINT_ERROR`, …;
   * https://groups.google.com/a/globus.org/g/archive-developer-discuss/c/NR2guXS-9SI, and
   * https://docs.globus.org/api/transfer/task_events/).
   */
  private failure(raw: unknown, collectionId: string, path: string, op: string): TaskFailure {
    const spec = this.options.collections.get(collectionId);
    const where = `Error (${op})\nEndpoint: ${spec?.displayName ?? collectionId} (${collectionId})\nFile: ${path}\n`;
    if (!isCollectionError(raw) && !isFsError(raw)) {
      return new TaskFailure('UNKNOWN', `${where}Message: Internal error in the emulator`);
    }
    const err = fsFailure(raw, path);
    const codes: Partial<Record<typeof err.code, string>> = {
      PermissionDenied: 'PERMISSION_DENIED',
      NotFunctional: 'PERMISSION_DENIED',
      NotFound: 'FILE_NOT_FOUND',
      ParentMissing: 'FILE_NOT_FOUND',
      Exists: 'FILE_EXISTS',
      IsDirectory: 'IS_A_DIRECTORY',
      NotDirectory: 'NOT_A_DIRECTORY',
      StorageError: 'ENDPOINT_ERROR'
    };
    return new TaskFailure(
      codes[err.code] ?? 'INVALID_PATH_NAME',
      `${where}Message: ${err.message}`
    );
  }

  private async runTransfer(task: ITask, req: ITransferRequest): Promise<void> {
    const store = this.options.collections;
    const c = task.counters;
    const dirs: string[] = [];
    const files: IPlannedFile[] = [];
    // Plan: expand every item (recursive ones by walking the source tree now).
    for (const item of req.items) {
      this.check(task);
      let src;
      try {
        src = await store.locate(req.sourceId, item.sourcePath, task.owner, 'r', true);
      } catch (err) {
        if (req.skipSourceErrors && isCollectionError(err) && err.code === 'NotFound') {
          this.skip(task, 'FILE_NOT_FOUND', item.sourcePath, item.destinationPath, err.message);
          continue;
        }
        throw this.failure(err, req.sourceId, item.sourcePath, 'stat');
      }
      let st: Stats;
      try {
        st = await lstat(src.fsPath);
      } catch {
        if (req.skipSourceErrors) {
          this.skip(
            task,
            'FILE_NOT_FOUND',
            src.path,
            item.destinationPath,
            'No such file or directory'
          );
          continue;
        }
        throw new TaskFailure(
          'FILE_NOT_FOUND',
          `Error (transfer)\nEndpoint: ${src.spec.displayName} (${req.sourceId})\nFile: ${src.path}\nMessage: No such file or directory`
        );
      }
      const dstPath = normalizeFor(store, req.destinationId, task.owner, item.destinationPath);
      if (st.isSymbolicLink()) {
        c.symlinks++;
        continue;
      }
      if (st.isDirectory()) {
        if (!item.recursive) {
          throw new TaskFailure(
            'IS_A_DIRECTORY',
            `Error (transfer)\nFile: ${src.path}\nMessage: source is a directory; submit it with "recursive": true`
          );
        }
        dirs.push(dstPath);
        try {
          await this.walk(task, src.fsPath, src.path, dstPath, req.filterRules, dirs, files);
        } catch (err) {
          if (err instanceof TaskStopped) throw err;
          throw this.failure(err, req.sourceId, src.path, 'transfer');
        }
      } else if (st.isFile()) {
        files.push({ src: src.path, dst: dstPath, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
    c.files = files.length;
    c.directories = dirs.length;
    c.subtasks_total = req.items.length + files.length + dirs.length;
    c.subtasks_pending = c.subtasks_total - req.items.length;
    c.subtasks_succeeded = req.items.length;
    // Directories first, parents before children (walk order guarantees it).
    for (const dir of dirs) {
      this.check(task);
      try {
        const loc = await store.locate(req.destinationId, dir, task.owner, 'rw', true);
        await mkdir(loc.fsPath, { recursive: true });
      } catch (err) {
        throw this.failure(err, req.destinationId, dir, 'make directories');
      }
      c.subtasks_pending--;
      c.subtasks_succeeded++;
    }
    let lastProgress = Date.now();
    for (const file of files) {
      this.check(task);
      const copied = await this.copyFile(task, req, file);
      c.subtasks_pending--;
      if (copied) c.subtasks_succeeded++;
      if (Date.now() - lastProgress > 2000) {
        lastProgress = Date.now();
        this.addProgress(task);
      }
    }
  }

  private addProgress(task: ITask): void {
    this.addEvent(
      task,
      'PROGRESS',
      JSON.stringify({
        bytes_transferred: task.counters.bytes_transferred,
        files_transferred: task.counters.files_transferred
      }),
      false,
      'progress'
    );
  }

  private async walk(
    task: ITask,
    fsDir: string,
    srcDir: string,
    dstDir: string,
    rules: IFilterRule[] | null,
    dirs: string[],
    files: IPlannedFile[]
  ): Promise<void> {
    for (const name of (await readdir(fsDir)).sort()) {
      this.check(task);
      const fsPath = join(fsDir, name);
      const st = await lstat(fsPath);
      // recursive_symlinks "ignore": symlinks are neither followed nor copied.
      if (st.isSymbolicLink()) {
        task.counters.symlinks++;
        continue;
      }
      const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
      if (!kind || !included(rules, name, kind)) continue;
      const src = childPath(srcDir, name);
      const dst = childPath(dstDir, name);
      if (kind === 'dir') {
        dirs.push(dst);
        await this.walk(task, fsPath, src, dst, rules, dirs, files);
      } else {
        files.push({ src, dst, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
  }

  /** Records a skipped source error (`skip_source_errors`). */
  private skip(
    task: ITask,
    code: ISkippedError['error_code'],
    src: string,
    dst: string,
    message: string
  ): void {
    const spec = this.options.collections.get(task.transfer?.sourceId ?? '');
    task.counters.subtasks_skipped_errors++;
    task.skipped.push({
      DATA_TYPE: 'skipped_error',
      checksum_algorithm: null,
      destination_path: dst,
      error_code: code,
      error_details: `Error (transfer)\nEndpoint: ${spec?.displayName ?? ''} (${task.transfer?.sourceId ?? ''})\nFile: ${src}\nMessage: ${message}`,
      error_time: isoSeconds(this.options.clock.now()),
      external_checksum: null,
      is_delete_destination_extra: false,
      is_directory: false,
      is_symlink: false,
      source_path: src
    });
  }

  /** Copies one file; false when it was skipped as a source error. */
  private async copyFile(task: ITask, req: ITransferRequest, file: IPlannedFile): Promise<boolean> {
    const store = this.options.collections;
    const c = task.counters;
    let srcFs: string;
    let dstFs: string;
    try {
      srcFs = (await store.locate(req.sourceId, file.src, task.owner, 'r', true)).fsPath;
    } catch (err) {
      throw this.failure(err, req.sourceId, file.src, 'transfer');
    }
    if (this.unreadable.has(`${req.sourceId}\n${file.src}`)) {
      if (req.skipSourceErrors) {
        this.skip(task, 'PERMISSION_DENIED', file.src, file.dst, 'Permission denied');
        return false;
      }
      throw this.failure(
        new CollectionError('PermissionDenied', `Permission denied: '${file.src}'`),
        req.sourceId,
        file.src,
        'transfer'
      );
    }
    try {
      dstFs = (await store.locate(req.destinationId, file.dst, task.owner, 'rw', false)).fsPath;
      const parent = await store.locate(
        req.destinationId,
        parentPath(file.dst),
        task.owner,
        'rw',
        true
      );
      // Missing destination folders are made, for a file item too: a transfer task creates
      // the parent directories (a Globus SDK maintainer, globus/globus-sdk-python#273). One
      // that cannot be made (a file in the way) is FILE_NOT_FOUND, not an UNKNOWN error
      // quoting the host path.
      // (`mkdir -p` succeeds only when the folder is there afterwards: a file in the way is
      // EEXIST or ENOTDIR.)
      const made = await mkdir(parent.fsPath, { recursive: true }).then(
        () => true,
        () => false
      );
      if (!made) {
        throw new CollectionError('ParentMissing', `No such directory: '${parentPath(file.dst)}'`);
      }
    } catch (err) {
      throw this.failure(err, req.destinationId, file.dst, 'transfer');
    }
    if (req.syncLevel !== null && (await this.inSync(req.syncLevel, srcFs, dstFs))) {
      c.files_skipped++;
      return true;
    }
    // A 250-byte destination name still gets a temporary name that fits (cut, not failed).
    const tmp = join(dirname(dstFs), transferTempName(basename(dstFs), task.id));
    const hash = req.verifyChecksum ? createHash('md5') : undefined;
    const signal = this.aborts.get(task.id)?.signal;
    const chunkSize = Number.isFinite(this.rate)
      ? Math.max(1024, Math.min(65536, Math.floor(this.rate / 20)))
      : 65536;
    let fh: FileHandle;
    try {
      fh = await open(tmp, 'w');
    } catch (err) {
      throw this.failure(err, req.destinationId, file.dst, 'transfer');
    }
    let ok = false;
    try {
      for await (const chunk of createReadStream(srcFs, { highWaterMark: chunkSize, signal })) {
        this.check(task);
        const buf = chunk as Buffer;
        await fh.write(buf);
        hash?.update(buf);
        c.bytes_transferred += buf.length;
        await this.throttle(task);
      }
      await fh.close();
      this.check(task);
      await rename(tmp, dstFs);
      ok = true;
    } catch (err) {
      if (err instanceof TaskStopped || task.status !== 'ACTIVE') throw new TaskStopped();
      throw this.failure(err, req.destinationId, file.dst, 'transfer');
    } finally {
      if (!ok) {
        await fh.close().catch(() => undefined);
        await unlink(tmp).catch(() => undefined);
      }
    }
    if (req.preserveTimestamp) {
      const mtime = new Date(file.mtimeMs);
      await utimes(dstFs, mtime, mtime).catch(() => undefined);
    }
    if (hash) c.bytes_checksummed += file.size;
    c.files_transferred++;
    task.successful.push({
      DATA_TYPE: 'successful_transfer',
      source_path: file.src,
      destination_path: file.dst,
      size: file.size,
      checksum: hash ? hash.digest('hex') : null,
      checksum_algorithm: hash ? 'MD5' : null,
      dynamic: false
    });
    return true;
  }

  /** Waits so that the task's average speed stays at or under the configured rate. */
  private async throttle(task: ITask): Promise<void> {
    if (!Number.isFinite(this.rate)) return;
    const started = this.startedAt.get(task.id) ?? Date.now();
    const due = started + (task.counters.bytes_transferred / this.rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await this.sleep(wait);
  }

  private async inSync(level: 0 | 1 | 2 | 3, srcFs: string, dstFs: string): Promise<boolean> {
    let d: Stats;
    try {
      d = await stat(dstFs);
    } catch {
      return false;
    }
    if (!d.isFile()) return false;
    if (level === 0) return true;
    const s = await stat(srcFs);
    if (level === 1) return s.size === d.size;
    if (level === 2) return Math.floor(d.mtimeMs / 1000) >= Math.floor(s.mtimeMs / 1000);
    if (s.size !== d.size) return false;
    return (await md5(srcFs)) === (await md5(dstFs));
  }

  private async runDelete(task: ITask, req: IDeleteRequest): Promise<void> {
    const store = this.options.collections;
    const c = task.counters;
    const targets: string[] = [];
    for (const raw of req.items) {
      this.check(task);
      let path: string;
      try {
        path = normalizeFor(store, req.endpointId, task.owner, raw);
      } catch (err) {
        throw this.failure(err, req.endpointId, raw, 'delete');
      }
      const name = path.slice(path.lastIndexOf('/') + 1);
      if (req.interpretGlobs && hasGlob(name)) {
        const dir = parentPath(path);
        let names: string[] = [];
        try {
          const loc = await store.locate(req.endpointId, dir, task.owner, 'r', true);
          names = await readdir(loc.fsPath);
        } catch (err) {
          if (!req.ignoreMissing) throw this.failure(err, req.endpointId, dir, 'delete');
        }
        const re = globToRegExp(name);
        targets.push(
          ...names
            .filter(n => re.test(n))
            .sort()
            .map(n => childPath(dir, n))
        );
        continue;
      }
      targets.push(path);
    }
    c.subtasks_total = Math.max(1, targets.length);
    c.subtasks_pending = c.subtasks_total;
    for (const path of targets) {
      this.check(task);
      let fsPath: string;
      try {
        if (path === '/')
          throw new CollectionError('PermissionDenied', 'The collection root cannot be deleted');
        fsPath = (await store.locate(req.endpointId, path, task.owner, 'rw', false)).fsPath;
      } catch (err) {
        throw this.failure(err, req.endpointId, path, 'delete');
      }
      let st: Stats;
      try {
        st = await lstat(fsPath);
      } catch {
        if (req.ignoreMissing) {
          c.subtasks_pending--;
          c.subtasks_succeeded++;
          continue;
        }
        throw new TaskFailure(
          'FILE_NOT_FOUND',
          `Error (delete)\nEndpoint: ${store.get(req.endpointId)?.displayName} (${req.endpointId})\nFile: ${path}\nMessage: No such file or directory`
        );
      }
      if (st.isDirectory()) {
        let counts: { files: number; dirs: number };
        try {
          counts = await countTree(fsPath);
        } catch (err) {
          throw this.failure(err, req.endpointId, path, 'delete');
        }
        if (!req.recursive && counts.files + counts.dirs > 0) {
          throw new TaskFailure(
            'DIRECTORY_NOT_EMPTY',
            `Error (delete)\nFile: ${path}/\nMessage: Directory not empty; submit with "recursive": true`
          );
        }
        try {
          if (req.recursive) await rm(fsPath, { recursive: true, force: true });
          else await rmdir(fsPath);
        } catch (err) {
          throw this.failure(err, req.endpointId, path, 'delete');
        }
        c.files += counts.files;
        c.directories += counts.dirs + 1;
        c.subtasks_total += counts.files + counts.dirs;
      } else {
        await unlink(fsPath).catch((err: unknown) => {
          throw this.failure(err, req.endpointId, path, 'delete');
        });
        if (st.isSymbolicLink()) c.symlinks++;
        else c.files++;
      }
      c.subtasks_pending--;
      c.subtasks_succeeded++;
    }
  }
}

/** Normalises a request path against the actor's home on that collection (`/~/`). */
function normalizeFor(store: CollectionStore, id: string, actor: IActor, raw: string): string {
  return normalizePath(raw, store.home(id, actor));
}

function included(rules: IFilterRule[] | null, name: string, kind: 'file' | 'dir'): boolean {
  for (const rule of rules ?? []) {
    if (rule.type && rule.type !== kind) continue;
    if (globToRegExp(rule.name).test(name)) return rule.method === 'include';
  }
  return true;
}

async function countTree(dir: string): Promise<{ files: number; dirs: number }> {
  let files = 0;
  let dirs = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      dirs++;
      const sub = await countTree(join(dir, entry.name));
      files += sub.files;
      dirs += sub.dirs;
    } else files++;
  }
  return { files, dirs };
}

async function md5(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Lower-case description of an event code, as recorded (`PERMISSION_DENIED` → `permission denied`). */
function describe(code: string): string {
  return code.toLowerCase().replace(/_/g, ' ');
}
