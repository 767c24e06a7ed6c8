/**
 * Recent Transfer tasks on a poll, UI-free. Emits `finished` once for every task it saw
 * running that has since ended, so the UI can notify the user.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { listTasks } from '../api';
import { ITask } from '../documents';
import { PollingModel } from './polling-model';

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
  if (task.status === 'FAILED') {
    // What was actually done: its failed subtasks are not progress (regression #17: a
    // failed task showed a full bar).
    const files = task.files ?? 0;
    if (task.type !== 'DELETE' && files > 0) {
      const done = (task.files_transferred ?? 0) + (task.files_skipped ?? 0);
      return Math.min(1, Math.max(0, done / files));
    }
    const all = task.subtasks_total ?? 0;
    return all > 0 ? Math.min(1, Math.max(0, (task.subtasks_succeeded ?? 0) / all)) : 0;
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
export class TasksModel extends PollingModel {
  /**
   * @param options - list size and poll intervals.
   */
  constructor(options: ITasksModelOptions = {}) {
    super();
    this._limit = options.limit ?? 10;
    this._activeInterval = options.activeInterval ?? 5;
    this._idleInterval = options.idleInterval ?? 60;
  }

  /** The tasks, newest first. */
  get tasks(): readonly ITask[] {
    return this._tasks;
  }

  /** Emitted once per task that ended since it was last seen running. */
  get finished(): ISignal<this, ITask> {
    return this._finished;
  }

  /** Seconds between polls while nothing runs; 0 disables polling. */
  get idleInterval(): number {
    return this._idleInterval;
  }
  set idleInterval(seconds: number) {
    this._idleInterval = Math.max(0, seconds);
    this.reschedule();
  }

  protected async fetch(): Promise<void> {
    this._ended = [];
    const answer = await listTasks({ limit: this._limit });
    const tasks = answer.tasks;
    this._ended = tasks.filter(t => this._running.has(t.task_id) && !RUNNING.has(t.status));
    // Tasks that left the list while running are forgotten, not reported.
    this._running = new Set(tasks.filter(t => RUNNING.has(t.status)).map(t => t.task_id));
    this._tasks = tasks;
  }

  protected nextPollSeconds(): number {
    return this._running.size > 0 ? this._activeInterval : this._idleInterval;
  }

  protected afterChanged(): void {
    const ended = this._ended;
    this._ended = [];
    for (const task of ended) {
      this._finished.emit(task);
    }
  }

  private _limit: number;
  private _activeInterval: number;
  private _idleInterval: number;
  private _tasks: ITask[] = [];
  private _running = new Set<string>();
  private _ended: ITask[] = [];
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
