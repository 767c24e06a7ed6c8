/**
 * The OIDC provider's identity, token status and login (issue #9), UI-free: a slow poll of
 * `oidc/status` plus the actions (start a PKCE login, paste the code, log out). Tokens and
 * the PKCE verifier stay on the server.
 */
import { ISignal, Signal } from '@lumino/signaling';

import * as api from '../api';
import { IOidcLoginStart, IOidcStatus, IOidcTokenStatus } from '../provider-documents';
import { PollingModel } from './polling-model';

/** What a token's countdown shows. */
export interface ITokenCountdown {
  /** Milliseconds left (0 when expired), or null when the expiry is unknown. */
  remainingMs: number | null;
  /** `ok`, `expiring` (inside the warning window), `expired` or `unknown`. */
  state: 'ok' | 'expiring' | 'expired' | 'unknown';
}

/**
 * The countdown of a token at a moment.
 *
 * @param token - the token status from the server.
 * @param nowMs - the local clock (`Date.now()`).
 * @param clockOffsetMs - server clock minus local clock.
 * @param warningSeconds - how long before expiry the token counts as expiring.
 */
export function tokenCountdown(
  token: IOidcTokenStatus,
  nowMs: number,
  clockOffsetMs: number,
  warningSeconds: number
): ITokenCountdown {
  if (token.expires_at === null || token.expires_at === undefined) {
    return { remainingMs: null, state: 'unknown' };
  }
  const remaining = token.expires_at * 1000 - (nowMs + clockOffsetMs);
  if (remaining <= 0) {
    return { remainingMs: 0, state: 'expired' };
  }
  return { remainingMs: remaining, state: remaining <= warningSeconds * 1000 ? 'expiring' : 'ok' };
}

/** Options of {@link OidcModel}. */
export interface IOidcModelOptions {
  /** Seconds between polls; 0 disables polling. Default 60. */
  pollInterval?: number;
}

/**
 * Status and login of the OIDC provider.
 */
export class OidcModel extends PollingModel {
  /**
   * @param options - the poll interval.
   */
  constructor(options: IOidcModelOptions = {}) {
    super();
    this._pollInterval = options.pollInterval ?? 60;
  }

  /** The last status, or null before the first answer. */
  get status(): IOidcStatus | null {
    return this._status;
  }

  /** Milliseconds to add to the local clock to get the server's. */
  get clockOffsetMs(): number {
    return this._clockOffsetMs;
  }

  /** The poll interval in seconds; 0 stops polling. */
  get pollInterval(): number {
    return this._pollInterval;
  }
  set pollInterval(seconds: number) {
    this._pollInterval = Math.max(0, seconds);
    this.reschedule();
  }

  /** A login started here and not finished yet. */
  get pending(): IOidcLoginStart | null {
    return this._login;
  }

  /** Whether an action is in flight. */
  get busy(): boolean {
    return this._busy;
  }

  /** The last action's error (start, complete, logout), or null. */
  get actionError(): Error | null {
    return this._actionError;
  }

  /** Emitted after a login completed or a logout: the workspaces may have changed. */
  get credentialsChanged(): ISignal<this, void> {
    return this._credentialsChanged;
  }

  /**
   * Start a PKCE login (not `start()`: that starts the status poll).
   *
   * @param redirect - `callback` (the server finishes it) or `paste`.
   * @returns the authorize URL to open, or null on error (see `actionError`).
   */
  async login(redirect: 'callback' | 'paste' = 'callback'): Promise<IOidcLoginStart | null> {
    let result: IOidcLoginStart | null = null;
    await this._act(async () => {
      result = await api.startOidcLogin(redirect);
      this._login = result;
    });
    return result;
  }

  /**
   * Finish a login with the code the provider showed.
   *
   * @param code - the code.
   */
  async complete(code: string): Promise<boolean> {
    const ok = await this._act(async () => {
      await api.completeOidcLogin(code.trim(), this._login?.state);
      this._login = null;
    });
    if (ok) {
      await this.refresh();
      this._credentialsChanged.emit();
    }
    return ok;
  }

  /** After a login that returned through the server callback: re-read and announce. */
  async settle(): Promise<void> {
    if (!this._login) {
      return;
    }
    this._login = null;
    await this.refresh();
    if (this._status?.source === 'stored-login') {
      this._credentialsChanged.emit();
    }
  }

  /** Revoke and delete the stored login. */
  async logout(): Promise<boolean> {
    const ok = await this._act(async () => {
      await api.oidcLogout();
      this._login = null;
    });
    if (ok) {
      await this.refresh();
      this._credentialsChanged.emit();
    }
    return ok;
  }

  protected async fetch(): Promise<void> {
    const status = await api.getOidcStatus();
    this._status = status;
    if (typeof status.serverTime === 'number') {
      this._clockOffsetMs = status.serverTime * 1000 - Date.now();
    }
  }

  protected nextPollSeconds(): number {
    // Renew the display at least as often as the token lifetime needs (the server renews
    // the token itself; a short poll shows the new expiry).
    const left = this._status?.token?.expires_in;
    if (this._pollInterval > 0 && typeof left === 'number' && left > 0) {
      return Math.min(this._pollInterval, Math.max(5, left - 30));
    }
    return this._pollInterval;
  }

  private async _act(work: () => Promise<void>): Promise<boolean> {
    this._busy = true;
    this._actionError = null;
    this._emit();
    let ok = false;
    try {
      await work();
      ok = true;
    } catch (error) {
      this._actionError = error instanceof Error ? error : new Error(String(error));
    } finally {
      this._busy = false;
      this._emit();
    }
    return ok;
  }

  private _emit(): void {
    if (!this.isDisposed) {
      (this.changed as Signal<this, void>).emit();
    }
  }

  private _status: IOidcStatus | null = null;
  private _clockOffsetMs = 0;
  private _pollInterval: number;
  private _login: IOidcLoginStart | null = null;
  private _busy = false;
  private _actionError: Error | null = null;
  private _credentialsChanged = new Signal<this, void>(this);
}
