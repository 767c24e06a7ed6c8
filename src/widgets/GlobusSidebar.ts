import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon, SidePanel, ToolbarButton } from '@jupyterlab/ui-components';
import { AccordionPanel, Widget } from '@lumino/widgets';

import { globusIcon } from '../icons';
import { problemTitle, tokenSection } from '../model/status-model';
import { IGlobusStatusModel, IGlobusTokenStatus } from '../tokens';
import { alertBox, el } from './element';

/**
 * The Globus sidebar: who is logged in and, per resource server, the scopes, a live
 * "expires in" countdown and a status badge. Everything from the server is written as
 * text nodes, never as HTML.
 */
export class GlobusSidebar extends SidePanel {
  /**
   * @param options - the model to show and the translator.
   */
  constructor(options: IGlobusSidebarOptions) {
    const translator = options.translator ?? nullTranslator;
    super({ translator });
    this._bundle = translator.load('jupyterlab_globus_kit');
    this._model = options.model;
    this._expiryWarningMinutes = options.expiryWarningMinutes ?? 10;
    this.id = 'jp-GlobusKit-sidebar';
    this.addClass('jp-GlobusKit-Sidebar');
    this.title.icon = globusIcon;
    this.title.caption = this._bundle.__('Globus');
    const heading = new Widget();
    heading.addClass('jp-GlobusKit-Sidebar-title');
    heading.node.textContent = this._bundle.__('Globus');
    this.header.addWidget(heading);
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: this._bundle.__('Refresh Globus status'),
        onClick: () => void this._model.refresh()
      })
    );
    this._body = new Widget();
    this._body.addClass('jp-GlobusKit-Sidebar-body');
    this._body.title.label = this._bundle.__('Identity and tokens');
    this.addWidget(this._body);
    for (const section of options.sections ?? []) {
      this.addWidget(section);
    }
    if (options.sections?.length) {
      // The collection browser (third) needs the most room; the rest fit in less.
      const sizes = [3, 2, 6, 2, 2, 2].slice(0, options.sections.length + 1);
      (this.content as AccordionPanel).setRelativeSizes(sizes);
    }
    this._model.changed.connect(this._onModelChanged, this);
    this._render();
    this._tick = setInterval(() => this._updateCountdowns(), 1000);
  }

  /** Minutes before expiry at which a token is flagged as expiring. */
  get expiryWarningMinutes(): number {
    return this._expiryWarningMinutes;
  }
  set expiryWarningMinutes(minutes: number) {
    this._expiryWarningMinutes = minutes;
    this._updateCountdowns();
  }

  /** Stop the countdown timer (`Widget.dispose` disconnects the model's signal). */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    clearInterval(this._tick);
    super.dispose();
  }

  private _onModelChanged(): void {
    this._render();
  }

  private _render(): void {
    const trans = this._bundle;
    const root = this._body.node;
    root.replaceChildren();
    this._countdowns = [];
    this._expiredBox = null;
    const status = this._model.status;
    const error = this._model.error;

    if (error) {
      root.appendChild(
        alertBox(
          status
            ? trans.__('Could not refresh (%1). Showing the last known status.', error.message)
            : trans.__('Could not load the Globus status: %1', error.message)
        )
      );
    }
    if (!status) {
      if (!error) {
        root.appendChild(el('div', 'jp-GlobusKit-loading', [trans.__('Loading…')]));
      }
      return;
    }
    if (status.problem) {
      const box = el('div', 'jp-GlobusKit-problem', [
        el('div', 'jp-GlobusKit-problem-title', [trans.__(problemTitle(status.problem.code))]),
        el('p', 'jp-GlobusKit-problem-message', [status.problem.message])
      ]);
      box.dataset.code = status.problem.code;
      root.appendChild(box);
    }

    if (status.identity) {
      const id = status.identity;
      const card = el('section', 'jp-GlobusKit-identity', [
        el('div', 'jp-GlobusKit-identity-name', [id.name || id.preferred_username || id.sub || '']),
        el('div', 'jp-GlobusKit-identity-username', [id.preferred_username ?? '']),
        el('div', 'jp-GlobusKit-identity-provider', [
          id.identity_provider_display_name ?? id.organization ?? ''
        ])
      ]);
      card.setAttribute('aria-label', trans.__('Globus identity'));
      root.appendChild(card);
    }

    const section = tokenSection(status);
    if (section !== 'none') {
      // Shown by the countdown once every token has expired (also between two polls).
      this._expiredBox = el('div', 'jp-GlobusKit-problem jp-GlobusKit-expired', [
        el('div', 'jp-GlobusKit-problem-title', [trans.__('Your Globus tokens have expired')]),
        el('p', 'jp-GlobusKit-problem-message', [
          trans.__(
            'On JupyterHub: restart your server from the hub control panel (File > Hub Control Panel), or log out of the hub and log in again. Notebook cells and the collection browser fail until then.'
          )
        ])
      ]);
      this._expiredBox.setAttribute('role', 'alert');
      this._expiredBox.hidden = true;
      root.appendChild(this._expiredBox);
      root.appendChild(el('h3', 'jp-GlobusKit-section-title', [trans.__('Tokens')]));
      if (section === 'empty') {
        root.appendChild(el('p', 'jp-GlobusKit-empty', [trans.__('No tokens.')]));
      } else {
        root.appendChild(this._tokenList(status.tokens));
      }
    }
    this._updateCountdowns();
  }

  /**
   * One card per token: a table would need four columns, too many for a sidebar. A list
   * of labelled items reads the same to a screen reader.
   */
  private _tokenList(tokens: IGlobusTokenStatus[]): HTMLElement {
    const trans = this._bundle;
    const list = el('ul', 'jp-GlobusKit-tokens');
    list.setAttribute('aria-label', trans.__('Globus tokens'));
    for (const token of tokens) {
      const expires = el('span', 'jp-GlobusKit-expires');
      const badge = el('span', 'jp-GlobusKit-badge');
      const scopes = el(
        'ul',
        'jp-GlobusKit-scopes',
        token.scopes.map(s => el('li', '', [s]))
      );
      scopes.setAttribute('aria-label', trans.__('Scopes'));
      const item = el('li', 'jp-GlobusKit-tokenRow', [
        el('div', 'jp-GlobusKit-tokenRow-head', [
          el('span', 'jp-GlobusKit-resourceServer', [token.resourceServer]),
          badge
        ]),
        el('div', 'jp-GlobusKit-tokenRow-expiry', [
          el('span', 'jp-GlobusKit-label', [trans.__('Expires in') + ' ']),
          expires
        ]),
        scopes
      ]);
      item.dataset.resourceServer = token.resourceServer;
      list.appendChild(item);
      this._countdowns.push({ token, expires, badge });
    }
    return list;
  }

  private _updateCountdowns(): void {
    const trans = this._bundle;
    const now = Date.now() + this._model.clockOffsetMs;
    let expiredCount = 0;
    for (const { token, expires, badge } of this._countdowns) {
      let state: 'active' | 'expiring' | 'expired' | 'unknown';
      if (token.expiresAt === null) {
        state = 'unknown';
        expires.textContent = trans.__('unknown');
        expires.title = trans.__('This hub does not record when the token was issued.');
      } else {
        const remaining = token.expiresAt * 1000 - now;
        const approx = token.expiresAtSource === 'estimated' ? '~' : '';
        expires.textContent =
          remaining > 0 ? approx + formatDuration(remaining) : trans.__('expired');
        expires.title = new Date(token.expiresAt * 1000).toLocaleString();
        state =
          remaining <= 0
            ? 'expired'
            : remaining <= this._expiryWarningMinutes * 60_000
              ? 'expiring'
              : 'active';
      }
      const labels = {
        active: trans.__('active'),
        expiring: trans.__('expiring'),
        expired: trans.__('expired'),
        unknown: trans.__('unknown')
      };
      if (state === 'expired') {
        expiredCount++;
      }
      if (badge.dataset.state !== state) {
        badge.dataset.state = state;
        badge.className = `jp-GlobusKit-badge jp-mod-${state}`;
        badge.textContent = labels[state];
      }
    }
    if (this._expiredBox) {
      this._expiredBox.hidden = !(
        this._countdowns.length > 0 && expiredCount === this._countdowns.length
      );
    }
  }

  private _model: IGlobusStatusModel;
  private _bundle: TranslationBundle;
  private _body: Widget;
  private _tick: ReturnType<typeof setInterval>;
  private _expiryWarningMinutes: number;
  private _expiredBox: HTMLElement | null = null;
  private _countdowns: Array<{
    token: IGlobusTokenStatus;
    expires: HTMLElement;
    badge: HTMLElement;
  }> = [];
}

/** Options of {@link GlobusSidebar}. */
export interface IGlobusSidebarOptions {
  /** The status to show. */
  model: IGlobusStatusModel;
  /** Minutes before expiry to flag a token. Default 10. */
  expiryWarningMinutes?: number;
  /** The translator for UI strings. */
  translator?: ITranslator;
  /** More accordion sections below identity and tokens (consents, browser, tasks). */
  sections?: Widget[];
}

/**
 * Format milliseconds as `2d 3h`, `1h 05m` or `4m 09s`.
 *
 * @param ms - a positive duration.
 */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h ${pad(m)}m`;
  if (h > 0) return `${h}h ${pad(m)}m ${pad(sec)}s`;
  return `${m}m ${pad(sec)}s`;
}
