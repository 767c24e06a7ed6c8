/**
 * The sidebar's login state, UI-free: which credential source the server uses, whether a
 * standalone login is possible, a login in progress, and the actions (start, paste the
 * code, log out). Talks to the server only through `requestAPI` (api.ts); tokens and the
 * PKCE verifier stay on the server.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { requestAPI } from '../api';

/** `GET /globus-kit/login`. */
export interface ILoginSummary {
  /** `hub-api`, `GLOBUS_DATA`, `stored-login` or `none`. */
  source: string;
  /** Whether the server has a native-app client id for logins. */
  loginAvailable: boolean;
  /** Where the token file is. */
  tokenFile: string;
  /** Why the hub's auth_state is not used, if the hub is configured. */
  hubNote: string | null;
  /** A token-file or refresh problem (`LOGIN_REQUIRED`, `TOKEN_FILE_CORRUPT`, …). */
  problem: { code: string; message: string } | null;
}

/** `POST /globus-kit/login`. */
export interface ILoginStartResult {
  /** The authorize URL to open. */
  url: string;
  /** Identifies the login. */
  state: string;
  /** Scopes asked for. */
  scopes: string[];
  /** Where Auth sends the browser back (the server callback or the code page). */
  redirectUri: string;
}

/** `POST /globus-kit/login/complete`. */
export interface ILoginCompleteResult {
  identity: { sub: string; preferred_username?: string; name?: string } | null;
  resourceServers: string[];
}

/** A function with the shape of `requestAPI` (tests pass a fake). */
export type LoginRequest = <T>(endPoint: string, init?: RequestInit) => Promise<T>;

/** Options of {@link LoginModel}. */
export interface ILoginModelOptions {
  /** How to call the server (default `requestAPI`). */
  request?: LoginRequest;
}

/**
 * Login state and actions for the sidebar.
 */
export class LoginModel implements IDisposable {
  /**
   * @param options - the request function
   */
  constructor(options: ILoginModelOptions = {}) {
    this._request = options.request ?? (<T>(e: string, i?: RequestInit) => requestAPI<T>(e, i));
  }

  /** The last summary, or null before the first answer. */
  get summary(): ILoginSummary | null {
    return this._summary;
  }

  /** The login started from here and not completed yet. */
  get pending(): ILoginStartResult | null {
    return this._pending;
  }

  /** Whether a request is in flight. */
  get busy(): boolean {
    return this._busy;
  }

  /** The last action's error, or null. */
  get error(): Error | null {
    return this._error;
  }

  /** Emitted on every state change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted after a login completed or a logout: the credentials changed. */
  get credentialsChanged(): ISignal<this, void> {
    return this._credentialsChanged;
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Fetch the summary. */
  async refresh(): Promise<void> {
    await this._run(async () => {
      this._summary = await this._request<ILoginSummary>('login');
    });
  }

  /**
   * Start a login. With `addScopes`, the stored login's scopes plus these (step-up
   * consent, e.g. a collection's `data_access`).
   *
   * @param addScopes - scopes to add
   * @returns the authorize URL to open, or null on error (see `error`)
   */
  async start(addScopes?: readonly string[]): Promise<ILoginStartResult | null> {
    let result: ILoginStartResult | null = null;
    await this._run(async () => {
      result = await this._request<ILoginStartResult>('login', {
        method: 'POST',
        body: JSON.stringify(addScopes?.length ? { addScopes } : {})
      });
      this._pending = result;
    });
    return result;
  }

  /**
   * Finish a login started here with the code from Globus' page.
   *
   * @param code - the code, or the whole address of the code page
   */
  async complete(code: string): Promise<ILoginCompleteResult | null> {
    let result: ILoginCompleteResult | null = null;
    await this._run(async () => {
      result = await this._request<ILoginCompleteResult>('login/complete', {
        method: 'POST',
        body: JSON.stringify({ code: code.trim() })
      });
      this._pending = null;
      this._summary = await this._request<ILoginSummary>('login');
    });
    if (result) {
      this._credentialsChanged.emit();
    }
    return result;
  }

  /**
   * After a login that returns through the server callback: forget the pending login,
   * re-read the summary and announce new credentials (the server stored them already).
   */
  async settle(): Promise<void> {
    if (!this._pending) {
      return;
    }
    this._pending = null;
    await this.refresh();
    this._credentialsChanged.emit();
  }

  /** Revoke the stored login's tokens and delete them. */
  async logout(): Promise<void> {
    let ok = false;
    await this._run(async () => {
      await this._request('logout', { method: 'POST', body: '{}' });
      this._pending = null;
      this._summary = await this._request<ILoginSummary>('login');
      ok = true;
    });
    if (ok) {
      this._credentialsChanged.emit();
    }
  }

  /** Dispose the model. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private async _run(work: () => Promise<void>): Promise<void> {
    this._busy = true;
    this._error = null;
    this._changed.emit();
    try {
      await work();
    } catch (error) {
      this._error = error instanceof Error ? error : new Error(String(error));
    } finally {
      this._busy = false;
      if (!this._isDisposed) {
        this._changed.emit();
      }
    }
  }

  private _request: LoginRequest;
  private _summary: ILoginSummary | null = null;
  private _pending: ILoginStartResult | null = null;
  private _busy = false;
  private _error: Error | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _credentialsChanged = new Signal<this, void>(this);
}
