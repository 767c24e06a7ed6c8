import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { getStatus } from '../api';
import { IGlobusStatus, IGlobusStatusModel } from '../tokens';

/**
 * Holds the latest `/globus-kit/status` answer and refreshes it on a slow poll.
 * UI-free: views listen to `changed`.
 */
export class GlobusStatusModel implements IGlobusStatusModel, IDisposable {
  /**
   * @param options - how to fetch and how often.
   */
  constructor(options: IGlobusStatusModelOptions = {}) {
    this._fetch = options.fetchStatus ?? (() => getStatus());
    this._pollInterval = options.pollInterval ?? 60;
  }

  /** The last status fetched, or null before the first answer. */
  get status(): IGlobusStatus | null {
    return this._status;
  }

  /** The last fetch error, or null when the last fetch succeeded. */
  get error(): Error | null {
    return this._error;
  }

  /** Milliseconds to add to the local clock to get the server's clock. */
  get clockOffsetMs(): number {
    return this._clockOffsetMs;
  }

  /** Emitted after every fetch. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The poll interval in seconds; 0 stops polling. Setting it restarts the timer. */
  get pollInterval(): number {
    return this._pollInterval;
  }
  set pollInterval(seconds: number) {
    this._pollInterval = Math.max(0, seconds);
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
    try {
      const status = await this._fetch();
      this._status = status;
      this._error = null;
      this._clockOffsetMs = status.serverTime * 1000 - Date.now();
    } catch (error) {
      // Keep the last good status: a server restart should not blank the sidebar.
      this._error = error instanceof Error ? error : new Error(String(error));
    }
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _schedule(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    if (!this._started || this._isDisposed || this._pollInterval <= 0 || this._pending) {
      return;
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.refresh();
    }, this._pollInterval * 1000);
  }

  private _fetch: () => Promise<IGlobusStatus>;
  private _status: IGlobusStatus | null = null;
  private _error: Error | null = null;
  private _clockOffsetMs = 0;
  private _pollInterval: number;
  private _started = false;
  private _pending: Promise<void> | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

/** Options of {@link GlobusStatusModel} (an interface, not a namespace: the lint config rejects namespaces). */
export interface IGlobusStatusModelOptions {
  /** Replaces the HTTP call (tests). */
  fetchStatus?: () => Promise<IGlobusStatus>;
  /** Seconds between polls; 0 disables polling. Default 60. */
  pollInterval?: number;
}
