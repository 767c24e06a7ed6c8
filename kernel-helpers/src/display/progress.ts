/**
 * `ProgressReporter`: one updatable display per operation, refreshed at most about ten
 * times a second, with the final state always shown.
 */
import type { IDisplay, IDisplaySink } from './sink';
import { progressHtml, type IProgressState } from './progress-html';

/** Options for {@link ProgressReporter}. */
export interface IProgressReporterOptions {
  /** Least time between two renders, in ms (default 100: about 10 Hz). */
  intervalMs?: number;
  /** Clock in ms (default `Date.now`); tests pass a fake one. */
  now?: () => number;
}

/** What {@link ProgressReporter.update} takes: any counts, without label or status. */
export type ProgressUpdate = Omit<IProgressState, 'label' | 'status'>;

/**
 * Shows an operation's progress in one updatable display.
 *
 * Updates may come as often as the work produces them (per chunk, per row batch); the
 * reporter renders the first at once, then at most one per `intervalMs`, always the
 * latest (a pending one is flushed by a timer that never keeps the process alive).
 * {@link ProgressReporter.finish} renders at once, whatever the throttle. Without a sink
 * (plain Node, tests) it only keeps the state. A display that throws (e.g. outside a
 * running cell) is dropped: progress must never break the operation it reports on.
 */
export class ProgressReporter {
  /**
   * @param sink - where to display (none: no output)
   * @param label - what is running, e.g. `Downloading 1952.csv`
   * @param options - throttle interval and clock
   */
  constructor(
    sink: IDisplaySink | undefined,
    label: string,
    options: IProgressReporterOptions = {}
  ) {
    this._sink = sink;
    this._state = { label, status: 'running' };
    this._interval = Math.max(0, options.intervalMs ?? 100);
    this._now = options.now ?? Date.now;
    this._start = this._now();
  }

  /** The latest state (with the computed rate). */
  get state(): Readonly<IProgressState> {
    return this._withRate();
  }

  /** Whether {@link ProgressReporter.finish} was called. */
  get finished(): boolean {
    return this._finished;
  }

  /**
   * Record new counts; renders now, or later if the last render was under `intervalMs` ago.
   *
   * @param update - counts to merge into the state
   */
  update(update: ProgressUpdate): void {
    if (this._finished) {
      return;
    }
    this._state = { ...this._state, ...update };
    if (!this._sink) {
      return;
    }
    const now = this._now();
    const wait = this._lastRender === undefined ? 0 : this._lastRender + this._interval - now;
    if (wait <= 0) {
      this._clearTimer();
      this._render(now);
    } else if (!this._timer) {
      this._timer = setTimeout(() => {
        this._timer = undefined;
        if (!this._finished) {
          this._render(this._now());
        }
      }, wait);
      this._timer.unref();
    }
  }

  /**
   * Show the final state at once and stop; later updates are ignored.
   *
   * @param status - how it ended (default `done`)
   * @param update - last counts and an optional message
   */
  finish(status: 'done' | 'failed' | 'cancelled' = 'done', update: ProgressUpdate = {}): void {
    if (this._finished) {
      return;
    }
    this._state = { ...this._state, ...update, status };
    this._finished = true;
    this._clearTimer();
    if (this._sink) {
      this._render(this._now());
    }
  }

  private _render(now: number): void {
    this._lastRender = now;
    try {
      this._display ??= this._sink!.newDisplay();
      this._display.html(progressHtml(this._withRate(now))['text/html']);
    } catch {
      this._sink = undefined; // no display here (e.g. not in a running cell): keep working
      this._clearTimer();
    }
  }

  /** The state with `rate` from bytes over elapsed time, unless the caller gave one. */
  private _withRate(now = this._now()): IProgressState {
    if (this._state.rate !== undefined || this._state.bytes === undefined) {
      return this._state;
    }
    const seconds = (now - this._start) / 1000;
    return seconds > 0 ? { ...this._state, rate: this._state.bytes / seconds } : this._state;
  }

  private _clearTimer(): void {
    if (this._timer) {
      clearTimeout(this._timer);
      this._timer = undefined;
    }
  }

  private _sink: IDisplaySink | undefined;
  private _display: IDisplay | undefined;
  private _state: IProgressState;
  private readonly _interval: number;
  private readonly _now: () => number;
  private readonly _start: number;
  private _lastRender: number | undefined;
  private _timer: NodeJS.Timeout | undefined;
  private _finished = false;
}
