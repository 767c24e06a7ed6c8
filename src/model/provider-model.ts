/**
 * Which provider the sidebar shows (issue #9): Globus, or the OIDC provider the server is
 * configured for. UI-free; the switcher listens to `changed`.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { getProviders } from '../api';
import { IProviderInfo, IProvidersResult } from '../provider-documents';

/** The providers the sidebar can show. */
export type ProviderId = 'globus' | 'oidc';

/** Options of {@link ProviderModel}. */
export interface IProviderModelOptions {
  /** Replaces the HTTP call (tests). */
  fetchProviders?: () => Promise<IProvidersResult>;
}

/**
 * The configured providers and the one selected.
 */
export class ProviderModel implements IDisposable {
  /**
   * @param options - how to fetch the providers.
   */
  constructor(options: IProviderModelOptions = {}) {
    this._fetch = options.fetchProviders ?? (() => getProviders());
  }

  /** Every provider the server reported, configured or not. */
  get providers(): readonly IProviderInfo[] {
    return this._providers;
  }

  /** The OIDC provider when it is configured, else null. */
  get oidc(): IProviderInfo | null {
    return this._providers.find(p => p.id === 'oidc' && p.configured) ?? null;
  }

  /** Whether there is a choice to make (the switcher is hidden otherwise). */
  get hasChoice(): boolean {
    return this.oidc !== null;
  }

  /** The provider shown. */
  get current(): ProviderId {
    return this._current;
  }

  /** The last fetch error, or null. */
  get error(): Error | null {
    return this._error;
  }

  /** Emitted when the providers or the selection change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Fetch the providers. A selection that is no longer configured falls back to Globus;
   * when Globus is not configured and the OIDC provider is, the OIDC provider is shown
   * (until the user chooses).
   */
  async refresh(): Promise<void> {
    try {
      const result = await this._fetch();
      this._providers = Array.isArray(result.providers) ? result.providers : [];
      this._error = null;
    } catch (error) {
      this._error = error instanceof Error ? error : new Error(String(error));
    }
    if (this._current === 'oidc' && !this.oidc) {
      this._current = 'globus';
    }
    const globus = this._providers.find(p => p.id === 'globus');
    if (!this._chosen && this.oidc && globus && !globus.configured) {
      // Nothing to show for Globus (no GLOBUS_DATA, no login possible): open the provider
      // the server is set up for, until the user picks one.
      this._current = 'oidc';
    }
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  /**
   * Show a provider; ignored when it is not configured.
   *
   * @param id - `globus` or `oidc`.
   */
  select(id: ProviderId): void {
    if (id === this._current || (id === 'oidc' && !this.oidc)) {
      return;
    }
    this._current = id;
    this._chosen = true;
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

  private _fetch: () => Promise<IProvidersResult>;
  private _providers: IProviderInfo[] = [];
  private _current: ProviderId = 'globus';
  private _chosen = false;
  private _error: Error | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}
