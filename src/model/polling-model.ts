import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

/**
 * The poll lifecycle the sidebar's models share: `start()` fetches at once and then on a
 * timer, `refresh()` fetches on demand (concurrent calls share one request), the timer is
 * re-armed after every fetch with the interval the subclass asks for, and `dispose()`
 * stops it. A failed fetch keeps the last good data and sets `error`: a server restart
 * must not blank the sidebar.
 */
export abstract class PollingModel implements IDisposable {
  /** The last fetch error, or null when the last fetch succeeded. */
  get error(): Error | null {
    return this._error;
  }

  /** Emitted after every fetch. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
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
        this.reschedule();
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
    this._clearTimer();
    Signal.clearData(this);
  }

  /** Fetches and stores the new data; throws on failure (recorded as `error`). */
  protected abstract fetch(): Promise<void>;

  /** Seconds until the next poll; 0 or less means no poll. */
  protected abstract nextPollSeconds(): number;

  /** Called after `changed` was emitted for a fetch (subclasses emit their own signals). */
  protected afterChanged(): void {
    // Nothing by default.
  }

  /** Re-arms the timer with the current interval (call after an interval changes). */
  protected reschedule(): void {
    this._clearTimer();
    const seconds = this.nextPollSeconds();
    if (!this._started || this._isDisposed || this._pending || seconds <= 0) {
      return;
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.refresh();
    }, seconds * 1000);
  }

  private async _doRefresh(): Promise<void> {
    try {
      await this.fetch();
      this._error = null;
    } catch (error) {
      this._error = error instanceof Error ? error : new Error(String(error));
    }
    if (!this._isDisposed) {
      this._changed.emit();
      this.afterChanged();
    }
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _error: Error | null = null;
  private _started = false;
  private _pending: Promise<void> | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}
