/**
 * Recent Transfer tasks on a poll, UI-free. Emits `finished` once for every task it saw
 * running that has since ended, so the UI can notify the user.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { listTasks } from '../api';
import { ITask } from '../documents';

/** Statuses of a task that has not ended. */
const RUNNING = new Set(['ACTIVE', 'INACTIVE']);

/**
 * Progress of a task from 0 to 1, or null when unknown.
 *
 * @param task - the task document.
 */
export function taskProgress(task: ITask): number | null {
  if (task.status === 'SUCCEEDED') {
    return 1;
  }
  const total = task.subtasks_total ?? 0;
  if (total <= 0) {
    return null;
  }
  const done = (task.subtasks_succeeded ?? 0) + (task.subtasks_failed ?? 0);
  return Math.min(1, Math.max(0, done / total));
}

/**
 * Holds the latest task list and polls it: every `activeInterval` seconds while a task
 * runs, every `idleInterval` seconds otherwise.
 */
export class TasksModel implements IDisposable {
  /**
   * @param options - list size and poll intervals.
   */
  constructor(options: ITasksModelOptions = {}) {
    this._limit = options.limit ?? 10;
    this._activeInterval = options.activeInterval ?? 5;
    this._idleInterval = options.idleInterval ?? 60;
  }

  /** The tasks, newest first. */
  get tasks(): readonly ITask[] {
    return this._tasks;
  }

  /** The last error, or null. */
  get error(): Error | null {
    return this._error;
  }

  /** Emitted after every fetch. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted once per task that ended since it was last seen running. */
  get finished(): ISignal<this, ITask> {
    return this._finished;
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Seconds between polls while nothing runs; 0 disables polling. */
  get idleInterval(): number {
    return this._idleInterval;
  }
  set idleInterval(seconds: number) {
    this._idleInterval = Math.max(0, seconds);
    this._schedule();
  }

  /** Start polling (the first fetch happens at once). */
  start(): void {
    this._started = true;
    void this.refresh();
  }

  /** Fetch now; concurrent calls share one request. */
  refresh(): Promise<void> {
    if (this._isDisposed) {
      return Promise.resolve();
    }
    if (!this._pending) {
      this._pending = this._doRefresh().finally(() => {
        this._pending = null;
        this._schedule();
      });
    }
    return this._pending;
  }

  /** Stop polling and drop listeners. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    Signal.clearData(this);
  }

  private async _doRefresh(): Promise<void> {
    let ended: ITask[] = [];
    try {
      const answer = await listTasks({ limit: this._limit });
      const tasks = answer.tasks;
      ended = tasks.filter(t => this._running.has(t.task_id) && !RUNNING.has(t.status));
      // Tasks that left the list while running are forgotten, not reported.
      this._running = new Set(tasks.filter(t => RUNNING.has(t.status)).map(t => t.task_id));
      this._tasks = tasks;
      this._error = null;
    } catch (error) {
      this._error = error instanceof Error ? error : new Error(String(error));
    }
    if (this._isDisposed) {
      return;
    }
    this._changed.emit();
    for (const task of ended) {
      this._finished.emit(task);
    }
  }

  private _schedule(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    const interval = this._running.size > 0 ? this._activeInterval : this._idleInterval;
    if (!this._started || this._isDisposed || this._pending || interval <= 0) {
      return;
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.refresh();
    }, interval * 1000);
  }

  private _limit: number;
  private _activeInterval: number;
  private _idleInterval: number;
  private _tasks: ITask[] = [];
  private _running = new Set<string>();
  private _error: Error | null = null;
  private _started = false;
  private _pending: Promise<void> | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _finished = new Signal<this, ITask>(this);
}

/** Options of {@link TasksModel}. */
export interface ITasksModelOptions {
  /** Tasks listed. Default 10. */
  limit?: number;
  /** Seconds between polls while a task runs. Default 5. */
  activeInterval?: number;
  /** Seconds between polls otherwise; 0 disables. Default 60. */
  idleInterval?: number;
}
