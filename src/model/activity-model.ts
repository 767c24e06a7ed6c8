/**
 * The Activity view's UI-free part (issue #17): every task, paged and filtered, and one
 * task's detail (events, skipped errors, copied files, pause info). Active tasks are
 * refreshed by a `@lumino/polling` Poll: every 5 s, with backoff after errors, and in
 * standby while the page is hidden.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  cancelTask,
  getPauseInfo,
  getSkippedErrors,
  getSuccessfulTransfers,
  getTaskDetail,
  getTaskEvents,
  IActivityTask,
  IPauseInfo,
  ITransferOptions,
  ISkippedError,
  ISuccessfulTransfer,
  ITaskDetail,
  ITaskEvent,
  listActivity
} from '../api';
import { ITransferSpec, SYNC_LEVELS } from './transfer-model';

/** The status filter's choices (Transfer's statuses). */
export const ACTIVITY_STATUSES = ['ACTIVE', 'INACTIVE', 'SUCCEEDED', 'FAILED'] as const;
/** The type filter's choices. */
export const ACTIVITY_TYPES = ['TRANSFER', 'DELETE'] as const;
/** Transfer lists at most this many tasks (`offset + limit`). */
export const ACTIVITY_WINDOW = 1000;

/** The list's filters. */
export interface IActivityFilter {
  /** Statuses shown (none: all). */
  status: string[];
  /** Types shown (none: all). */
  type: string[];
  /** A case-insensitive part of the label. */
  label: string;
}

/** Whether a task has not ended. */
export function isRunning(task: { status: string }): boolean {
  return task.status === 'ACTIVE' || task.status === 'INACTIVE';
}

/**
 * Seconds left for a running task, when its rate and size are known, else null.
 *
 * @param task - the task.
 */
export function timeLeft(task: IActivityTask): number | null {
  const rate = task.effective_bytes_per_second ?? 0;
  const files = task.files ?? 0;
  const done = task.files_transferred ?? 0;
  const bytes = task.bytes_transferred ?? 0;
  if (!isRunning(task) || rate <= 0 || files <= 0 || done <= 0 || done >= files) {
    return null;
  }
  // Bytes per file so far, times the files left, at the current rate.
  return Math.round(((bytes / done) * (files - done)) / rate);
}

/**
 * A finished task's options as the transfer dialog takes them (for Resubmit).
 *
 * @param task - the task detail.
 */
export function optionsOfTask(task: ITaskDetail): ITransferOptions {
  const out: ITransferOptions = {};
  if (typeof task.sync_level === 'number' && task.sync_level >= 0 && task.sync_level <= 3) {
    out.sync_level = SYNC_LEVELS[task.sync_level + 1];
  } else {
    out.sync_level = 'off';
  }
  for (const name of [
    'verify_checksum',
    'encrypt_data',
    'preserve_timestamp',
    'delete_destination_extra',
    'skip_source_errors',
    'fail_on_quota_errors'
  ] as const) {
    if (typeof task[name] === 'boolean') {
      out[name] = task[name];
    }
  }
  if (task.label) {
    out.label = task.label;
  }
  return out;
}

/** Why a task cannot be resubmitted from its document (a stable code and the reason). */
export interface IResubmitProblem {
  /** `NOT_A_TRANSFER`, `NO_FILE_LIST`, `MIXED_FOLDERS`. */
  code: string;
  message: string;
}

/** The folder part of a path (`/a/b.txt` → `/a/`). */
function folderOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1) || '/';
}

/**
 * What a task moved, rebuilt from its document and the files Transfer reports for it (for
 * Resubmit of a task not submitted from this session; Transfer keeps no item list).
 *
 * Every copied file (successful transfers) and every file skipped with an error maps a
 * source path to a destination path. They must share one source folder S and one
 * destination folder D (each destination is D plus the same relative path as its source
 * under S); a file directly in S becomes a file item, one deeper becomes the item of its
 * top folder under S (`S/sub/`, copied recursively again). Files a sync level skipped are
 * not reported by Transfer, so a file item skipped that way is not resubmitted.
 *
 * @param task - the task document.
 * @param files - its copied files (all pages read) and its skipped errors.
 * @returns the spec, or the problem that stops it.
 */
export function specOfTask(
  task: ITaskDetail,
  files: { source_path: string; destination_path?: string }[]
): ITransferSpec | IResubmitProblem {
  if (task.type !== 'TRANSFER' || !task.source_endpoint_id || !task.destination_endpoint_id) {
    return {
      code: 'NOT_A_TRANSFER',
      message: 'Only transfer tasks can be resubmitted here (a delete task moves no files).'
    };
  }
  const pairs = files.filter(
    (f): f is { source_path: string; destination_path: string } =>
      typeof f.source_path === 'string' &&
      typeof f.destination_path === 'string' &&
      f.source_path.startsWith('/') &&
      f.destination_path.startsWith('/')
  );
  if (task.history_deleted || pairs.length === 0) {
    return {
      code: 'NO_FILE_LIST',
      message:
        'Transfer reports no files for this task (nothing was copied, or its history was deleted after 30 days), so its items are unknown: start it again from the file manager.'
    };
  }
  // The shortest source folder that explains every pair; its destination counterpart.
  let source = '';
  let destination = '';
  for (const { source_path: s, destination_path: d } of pairs) {
    const a = s.split('/');
    const b = d.split('/');
    let same = 0;
    while (
      same < a.length - 1 &&
      same < b.length - 1 &&
      a[a.length - 1 - same] === b[b.length - 1 - same]
    ) {
      same++;
    }
    const from = `${a.slice(0, a.length - same).join('/')}`;
    const to = `${b.slice(0, b.length - same).join('/')}`;
    const sFolder = folderOf(from.endsWith('/') ? from : `${from}/`);
    const dFolder = folderOf(to.endsWith('/') ? to : `${to}/`);
    if (!source || sFolder.length < source.length) {
      source = sFolder;
      destination = dFolder;
    }
  }
  const items = new Set<string>();
  for (const { source_path: s, destination_path: d } of pairs) {
    const rel = s.slice(source.length);
    if (
      !s.startsWith(source) ||
      !d.startsWith(destination) ||
      d.slice(destination.length) !== rel
    ) {
      return {
        code: 'MIXED_FOLDERS',
        message:
          'The files of this task went from or to different folders, so they do not make one transfer here: start it again from the file manager.'
      };
    }
    const cut = rel.indexOf('/');
    items.add(cut < 0 ? s : `${source}${rel.slice(0, cut + 1)}`);
  }
  return {
    source: {
      collection: task.source_endpoint_id,
      path: source,
      name: task.source_endpoint_display_name ?? undefined
    },
    destination: {
      collection: task.destination_endpoint_id,
      path: destination,
      name: task.destination_endpoint_display_name ?? undefined
    },
    items: [...items].sort()
  };
}

/** One task's detail and its lists. */
export interface ITaskDetailState {
  task: ITaskDetail;
  events: ITaskEvent[];
  eventsTotal: number | null;
  skipped: ISkippedError[];
  transfers: ISuccessfulTransfer[];
  /** The marker of the next page of copied files, or null at the end. */
  transfersNext: number | string | null;
  pause: IPauseInfo | null;
}

/**
 * The activity list and the task open in the detail view.
 */
export class ActivityModel implements IDisposable {
  /**
   * @param options - page size and poll interval.
   */
  constructor(options: IActivityModelOptions = {}) {
    this.pageSize = Math.min(100, Math.max(1, options.pageSize ?? 25));
    const interval = (options.interval ?? 5) * 1000;
    this._poll = new Poll({
      auto: false,
      factory: () => this._tick(),
      frequency: { interval, backoff: true, max: interval * 12 },
      name: 'jupyterlab-globus-kit:activity',
      standby: options.standby ?? 'when-hidden'
    });
  }

  /** Tasks per page. */
  readonly pageSize: number;

  /** Emitted after every change of the list or the detail. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The poll (tests watch its ticks). */
  get poll(): Poll {
    return this._poll;
  }

  /** The tasks of the current page, newest first. */
  get tasks(): readonly IActivityTask[] {
    return this._tasks;
  }

  /** Tasks matching the filter (null: unknown). */
  get total(): number | null {
    return this._total;
  }

  /** The page shown, from 0. */
  get page(): number {
    return this._page;
  }

  /** Pages there are (at least 1), within Transfer's 1000-task window. */
  get pageCount(): number {
    const total = Math.min(this._total ?? 0, ACTIVITY_WINDOW);
    return Math.max(1, Math.ceil(total / this.pageSize));
  }

  /** The filters. */
  get filter(): Readonly<IActivityFilter> {
    return this._filter;
  }

  /** The last list error, or null. */
  get error(): Error | null {
    return this._error;
  }

  /** Whether a list request is under way. */
  get loading(): boolean {
    return this._loading;
  }

  /** The task open in the detail view, or null. */
  get detail(): ITaskDetailState | null {
    return this._detail;
  }

  /** The last detail error (a task not found, a failed cancel), or null. */
  get detailError(): Error | null {
    return this._detailError;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Start polling. The first load is asked for before this returns, not at the poll's
   * first timer: a timer waits for whatever the page does next (building and laying out
   * the view took 250 ms on a loaded host), and the request need not. The poll's first
   * tick comes one interval later.
   */
  start(): Promise<void> {
    const phase = this._poll.state.phase;
    if (phase !== 'constructed' && phase !== 'standby' && phase !== 'stopped') {
      return Promise.resolve(); // already polling
    }
    void this.refresh().catch(() => undefined); // shown by the list's error box
    return this._poll.schedule({
      cancel: ({ phase }) => phase !== 'constructed' && phase !== 'standby' && phase !== 'stopped',
      interval: this._poll.frequency.interval,
      phase: 'started'
    });
  }

  /** Change the filters; back to the first page. */
  setFilter(filter: Partial<IActivityFilter>): Promise<void> {
    this._filter = { ...this._filter, ...filter };
    this._page = 0;
    return this.refresh();
  }

  /** Show page `page` (clamped). */
  goToPage(page: number): Promise<void> {
    this._page = Math.max(0, Math.min(page, this.pageCount - 1));
    return this.refresh();
  }

  /** Reload the page (and the open task). */
  async refresh(): Promise<void> {
    const seq = ++this._seq;
    this._loading = true;
    try {
      const answer = await listActivity({
        limit: this.pageSize,
        offset: this._page * this.pageSize,
        status: this._filter.status.length ? this._filter.status : undefined,
        type: this._filter.type.length ? this._filter.type : undefined,
        label: this._filter.label.trim() || undefined
      });
      if (seq !== this._seq) {
        return; // a newer request (another page or filter) answers instead
      }
      this._tasks = answer.tasks;
      this._total = answer.total;
      this._error = null;
    } catch (error) {
      if (seq === this._seq) {
        this._error = error as Error;
      }
      throw error;
    } finally {
      if (seq === this._seq) {
        this._loading = false;
        this._changed.emit();
      }
    }
  }

  /**
   * Open one task's detail: the task, its first 100 events, its skipped errors, the first
   * page of copied files, and why it is paused when it is.
   *
   * @param taskId - the task id.
   */
  async openTask(taskId: string): Promise<void> {
    this._detailId = taskId;
    this._detailError = null;
    if (this._detail && this._detail.task.task_id !== taskId) {
      // Another task: never show the previous one's events under the new click.
      this._detail = null;
      this._changed.emit();
    }
    try {
      const task = await getTaskDetail(taskId);
      const [events, skipped, transfers, pause] = await Promise.all([
        getTaskEvents(taskId, { limit: 100 }),
        task.type === 'TRANSFER'
          ? getSkippedErrors(taskId)
          : Promise.resolve({ errors: [] as ISkippedError[] }),
        task.type === 'TRANSFER'
          ? getSuccessfulTransfers(taskId)
          : Promise.resolve({ transfers: [] as ISuccessfulTransfer[], nextMarker: null }),
        task.is_paused ? getPauseInfo(taskId) : Promise.resolve(null)
      ]);
      if (this._detailId !== taskId) {
        return;
      }
      this._detail = {
        task,
        events: events.events,
        eventsTotal: events.total,
        skipped: skipped.errors,
        transfers: transfers.transfers,
        transfersNext: transfers.nextMarker,
        pause
      };
    } catch (error) {
      if (this._detailId === taskId) {
        this._detailError = error as Error;
      }
    }
    this._changed.emit();
  }

  /** Close the detail view. */
  closeTask(): void {
    this._detailId = null;
    this._detail = null;
    this._detailError = null;
    this._changed.emit();
  }

  /** The next page of the open task's copied files. */
  async moreTransfers(): Promise<void> {
    const detail = this._detail;
    if (!detail || detail.transfersNext === null) {
      return;
    }
    const page = await getSuccessfulTransfers(detail.task.task_id, detail.transfersNext);
    if (this._detail === detail) {
      detail.transfers = [...detail.transfers, ...page.transfers];
      detail.transfersNext = page.nextMarker;
      this._changed.emit();
    }
  }

  /**
   * Every file a task copied (all pages, at most `maxPages`) and its skipped errors: what
   * {@link specOfTask} rebuilds a resubmit from.
   */
  async filesOfTask(
    taskId: string,
    maxPages = 10
  ): Promise<{ source_path: string; destination_path?: string }[]> {
    const files: { source_path: string; destination_path?: string }[] = [];
    let marker: number | string | null | undefined = undefined;
    for (let page = 0; page < maxPages; page++) {
      const answer: Awaited<ReturnType<typeof getSuccessfulTransfers>> =
        await getSuccessfulTransfers(taskId, marker);
      files.push(...answer.transfers);
      marker = answer.nextMarker;
      if (marker === null || marker === undefined) {
        break;
      }
    }
    const skipped = await getSkippedErrors(taskId);
    files.push(...skipped.errors.filter(e => !e.is_directory));
    return files;
  }

  /** Cancel a task, then reload the list and the detail. */
  async cancel(taskId: string): Promise<void> {
    try {
      await cancelTask(taskId);
    } catch (error) {
      this._detailError = error as Error;
    }
    await Promise.allSettled([
      this.refresh(),
      this._detailId === taskId ? this.openTask(taskId) : Promise.resolve()
    ]);
  }

  /** Remember what a task moved (so it can be resubmitted from this view). */
  remember(taskId: string, spec: ITransferSpec): void {
    this._specs.set(taskId, spec);
    if (this._specs.size > 200) {
      this._specs.delete(this._specs.keys().next().value as string);
    }
  }

  /** What a task moved, when it was submitted from this browser. */
  specOf(taskId: string): ITransferSpec | null {
    return this._specs.get(taskId) ?? null;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  /**
   * One poll: reload the list (a task from a cell appears), and the open task while it
   * runs. A rejection makes the Poll back off.
   */
  private async _tick(): Promise<void> {
    await this.refresh();
    const detail = this._detail;
    if (detail && isRunning(detail.task)) {
      await this.openTask(detail.task.task_id);
    }
  }

  private _poll: Poll;
  private _tasks: IActivityTask[] = [];
  private _total: number | null = null;
  private _page = 0;
  private _filter: IActivityFilter = { status: [], type: [], label: '' };
  private _error: Error | null = null;
  private _loading = false;
  private _seq = 0;
  private _detail: ITaskDetailState | null = null;
  private _detailId: string | null = null;
  private _detailError: Error | null = null;
  private _specs = new Map<string, ITransferSpec>();
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

/** Options of {@link ActivityModel}. */
export interface IActivityModelOptions {
  /** Tasks per page (1–100). Default 25. */
  pageSize?: number;
  /** Seconds between polls. Default 5. */
  interval?: number;
  /** When the poll stands by. Default `when-hidden`. */
  standby?: Poll.Standby;
}
