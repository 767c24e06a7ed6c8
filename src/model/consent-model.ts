/**
 * Which required scopes (from the settings) the server's tokens grant, UI-free. Each
 * missing one comes with the consent URL the server built for it.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { getConsents } from '../api';
import { IConsentEntry } from '../documents';

/**
 * Holds the consent status of the required scopes.
 */
export class ConsentModel implements IDisposable {
  /** The required scopes; setting them refetches. */
  get requiredScopes(): readonly string[] {
    return this._required;
  }
  set requiredScopes(scopes: readonly string[]) {
    const next = scopes.map(s => s.trim()).filter(Boolean);
    if (next.join('\n') === this._required.join('\n')) {
      return;
    }
    this._required = next;
    void this.refresh();
  }

  /** One entry per required scope (empty before the first answer). */
  get entries(): readonly IConsentEntry[] {
    return this._entries;
  }

  /** Entries that need a consent. */
  get missing(): readonly IConsentEntry[] {
    return this._entries.filter(e => e.status === 'missing');
  }

  /** The last error, or null. */
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

  /** Fetch now; a call during a fetch runs once more after it (the scopes may differ). */
  async refresh(): Promise<void> {
    if (this._isDisposed) {
      return;
    }
    const ticket = ++this._ticket;
    const scopes = [...this._required];
    if (scopes.length === 0) {
      this._entries = [];
      this._error = null;
      this._changed.emit();
      return;
    }
    try {
      const answer = await getConsents(scopes);
      if (ticket !== this._ticket || this._isDisposed) {
        return; // a newer refresh owns the result
      }
      this._entries = answer.consents;
      this._error = null;
    } catch (error) {
      if (ticket !== this._ticket || this._isDisposed) {
        return;
      }
      this._error = error instanceof Error ? error : new Error(String(error));
    }
    this._changed.emit();
  }

  /** Drop listeners. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _required: string[] = [];
  private _entries: IConsentEntry[] = [];
  private _error: Error | null = null;
  private _ticket = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}
