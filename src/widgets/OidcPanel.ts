import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { OidcModel, tokenCountdown } from '../model/oidc-model';
import { alertBox, el } from './element';
import { codeForm, credentialsLine, openAuthorizeTab, sectionButton } from './login-parts';
import { formatDuration } from './GlobusSidebar';

/** Options of {@link OidcPanel}. */
export interface IOidcPanelOptions {
  /** The OIDC status and login. */
  model: OidcModel;
  /** Seconds before expiry a token is flagged `expiring`. Default 60 (the server renews it then). */
  expiringSeconds?: number;
  /** The translator. */
  translator?: ITranslator;
}

/**
 * The OIDC provider's section: who is logged in, the token's scopes with a live "expires
 * in" countdown and a badge, and log in (PKCE, finished by the server callback or a pasted
 * code) and log out. Every value from the server is written as text.
 */
export class OidcPanel extends Widget {
  /**
   * @param options - model, warning window, translator.
   */
  constructor(options: IOidcPanelOptions) {
    super();
    this._model = options.model;
    this._expiringSeconds = options.expiringSeconds ?? 60;
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
    this.addClass('jp-GlobusKit-OidcPanel');
    this.title.label = this._trans.__('Identity and token');
    this._model.changed.connect(this._render, this);
    this._render();
    this._tick = setInterval(() => this._updateCountdown(), 1000);
  }

  /** Stop the countdown (the model's signal is disconnected by `Widget.dispose`). */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    clearInterval(this._tick);
    super.dispose();
  }

  private _sourceLabel(source: string): string {
    const t = this._trans;
    switch (source) {
      case 'client-credentials':
        return t.__('Application (client credentials)');
      case 'stored-login':
        return t.__('Your login (stored on this server)');
      default:
        return t.__('none');
    }
  }

  private _render(): void {
    const t = this._trans;
    const model = this._model;
    const status = model.status;
    const root = this.node;
    root.replaceChildren();
    this._countdown = null;
    for (const error of [model.error, model.actionError]) {
      if (error) {
        root.appendChild(alertBox(error.message));
      }
    }
    if (!status) {
      if (!model.error) {
        root.appendChild(el('div', 'jp-GlobusKit-loading', [t.__('Loading…')]));
      }
      return;
    }
    const provider = el('p', 'jp-GlobusKit-Oidc-provider', [
      el('span', 'jp-GlobusKit-label', [t.__('Provider:') + ' ']),
      status.issuer ?? ''
    ]);
    root.appendChild(provider);
    root.appendChild(credentialsLine(t, this._sourceLabel(status.source)));
    if (status.problem) {
      const box = el('div', 'jp-GlobusKit-problem', [
        el('p', 'jp-GlobusKit-problem-message', [status.problem.message])
      ]);
      box.dataset.code = status.problem.code;
      box.setAttribute('role', 'alert');
      root.appendChild(box);
    }
    if (status.identity) {
      const id = status.identity;
      const card = el('section', 'jp-GlobusKit-identity', [
        el('div', 'jp-GlobusKit-identity-name', [id.name || id.preferred_username || id.sub]),
        el('div', 'jp-GlobusKit-identity-username', [id.preferred_username ?? '']),
        el('div', 'jp-GlobusKit-identity-provider', [id.email ?? ''])
      ]);
      card.setAttribute('aria-label', t.__('OIDC identity'));
      root.appendChild(card);
    }
    if (status.token) {
      const expires = el('span', 'jp-GlobusKit-expires');
      const badge = el('span', 'jp-GlobusKit-badge');
      const scopes = el(
        'ul',
        'jp-GlobusKit-scopes',
        status.token.scopes.map(s => el('li', '', [s]))
      );
      scopes.setAttribute('aria-label', t.__('Scopes'));
      const card = el('div', 'jp-GlobusKit-tokenRow jp-GlobusKit-Oidc-token', [
        el('div', 'jp-GlobusKit-tokenRow-head', [
          el('span', 'jp-GlobusKit-resourceServer', [t.__('Access token')]),
          badge
        ]),
        el('div', 'jp-GlobusKit-tokenRow-expiry', [
          el('span', 'jp-GlobusKit-label', [t.__('Expires in') + ' ']),
          expires
        ]),
        scopes
      ]);
      card.setAttribute('aria-label', t.__('OIDC token'));
      root.appendChild(card);
      this._countdown = { expires, badge };
      this._updateCountdown();
    }
    if (status.loginAvailable) {
      root.appendChild(this._loginControls());
    }
  }

  private _loginControls(): HTMLElement {
    const t = this._trans;
    const model = this._model;
    const status = model.status;
    const box = el('div', 'jp-GlobusKit-Oidc-login');
    const buttons = el('div', 'jp-GlobusKit-Login-buttons');
    const loggedIn = status?.source === 'stored-login';
    buttons.appendChild(
      this._button(
        loggedIn ? t.__('Log in again') : t.__('Log in'),
        () => void this._start(),
        'jp-mod-accept'
      )
    );
    if (loggedIn) {
      buttons.appendChild(this._button(t.__('Log out'), () => void model.logout()));
    }
    box.appendChild(buttons);
    const pending = model.pending;
    if (pending) {
      box.appendChild(
        el('p', 'jp-GlobusKit-Login-hint', [
          t.__('Finish logging in in the new tab; this panel updates when you come back.')
        ])
      );
    }
    box.appendChild(
      codeForm(t, t.__('OIDC authorization code'), model.busy, code => void model.complete(code))
    );
    return box;
  }

  private _button(label: string, onClick: () => void, extra = ''): HTMLButtonElement {
    return sectionButton(label, onClick, this._model.busy, extra);
  }

  private _start(): Promise<void> {
    return openAuthorizeTab(
      () => this._model.login('callback'),
      '/globus-kit/oidc/login/callback',
      () => void this._model.settle()
    );
  }

  private _updateCountdown(): void {
    const token = this._model.status?.token;
    const parts = this._countdown;
    if (!token || !parts) {
      return;
    }
    const t = this._trans;
    const { remainingMs, state } = tokenCountdown(
      token,
      Date.now(),
      this._model.clockOffsetMs,
      this._expiringSeconds
    );
    parts.expires.textContent =
      remainingMs === null
        ? t.__('unknown')
        : remainingMs > 0
          ? formatDuration(remainingMs)
          : t.__('expired');
    const labels = {
      ok: t.__('active'),
      expiring: t.__('expiring'),
      expired: t.__('expired'),
      unknown: t.__('unknown')
    };
    if (parts.badge.dataset.state !== state) {
      parts.badge.dataset.state = state;
      // The Globus section's badge classes: `active` is this section's `ok`.
      parts.badge.className = `jp-GlobusKit-badge jp-mod-${state === 'ok' ? 'active' : state}`;
      parts.badge.textContent = labels[state];
    }
  }

  private _model: OidcModel;
  private _trans: TranslationBundle;
  private _expiringSeconds: number;
  private _tick: ReturnType<typeof setInterval>;
  private _countdown: { expires: HTMLElement; badge: HTMLElement } | null = null;
}
