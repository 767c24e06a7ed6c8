import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon, SidePanel, ToolbarButton } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { AccordionPanel, Widget } from '@lumino/widgets';

import { globusIcon } from '../icons';
import { problemTitle, tokenSection } from '../model/status-model';
import { healthLine, ResourceNames, tokenHealth, tokenState } from '../model/token-health';
import { IGlobusStatusModel, IGlobusTokenStatus } from '../tokens';
import { alertBox, el } from './element';

/**
 * The Globus sidebar: who is logged in, one line of token health and, behind "Details",
 * one card per resource server (its display name, a live "expires in" countdown, a status
 * badge, the scopes folded into a count). Everything from the server is written as text
 * nodes, never as HTML.
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
    this._names = options.resourceNames ?? new ResourceNames();
    this._names.changed.connect(this._onModelChanged, this);
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
    // Each open section gets the height its content needs, up to four rows of its list
    // (sectionNeed), and scrolls on its own (style/base.css). When the open sections need
    // more than the column has, opening one closes the one opened longest ago, so no open
    // section is left with fewer than four visible rows. Sizes are re-fitted when what a
    // section shows changes its need (that never closes a section).
    const panel = this.content as AccordionPanel;
    // Only opening a section closes another (never a start-up or a resize, which only
    // re-size). Opened "longest ago" at start: login, then consents; identity last.
    this._opened = [1, 2, 3, 4, 0].filter(i => i < panel.widgets.length);
    panel.expansionToggled.connect((_, index) => {
      this._opened = this._opened.filter(i => i !== index);
      if (panel.widgets[index] && !panel.widgets[index].isHidden) {
        this._opened.push(index);
      }
      this._scheduleFit(true);
    }, this);
    this._observer = new MutationObserver(() => this._scheduleFit(false));
    this._observer.observe(panel.node, { childList: true, subtree: true });
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
    this._observer.disconnect();
    cancelAnimationFrame(this._fitFrame);
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._lastNeeds = '';
    this._scheduleFit(false);
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._lastNeeds = '';
    this._scheduleFit(false);
  }

  private _scheduleFit(mayClose: boolean): void {
    this._mayClose ||= mayClose;
    cancelAnimationFrame(this._fitFrame);
    this._fitFrame = requestAnimationFrame(() => {
      const close = this._mayClose;
      this._mayClose = false;
      this._fit(close);
    });
  }

  /**
   * Size the open sections by what they need (only when a need changed); with `mayClose`,
   * first close the sections opened longest ago while the open ones need more than fits.
   */
  private _fit(mayClose: boolean): void {
    if (this.isDisposed || !this.isVisible) {
      return;
    }
    const panel = this.content as AccordionPanel;
    const needs = panel.widgets.map(w => (w.isVisible ? sectionNeed(w.node) : 0));
    if (mayClose) {
      const titles = panel.titles.reduce((sum, t) => sum + t.offsetHeight, 0);
      const room = panel.node.clientHeight - titles;
      const total = needs.reduce((a, b) => a + b, 0);
      const open = this._opened.filter(i => panel.widgets[i] && !panel.widgets[i].isHidden);
      if (room > 0 && total > room && open.length > 1) {
        panel.collapse(open[0]); // its toggle schedules the next fit
        return;
      }
    }
    const key = needs.join(',');
    if (key === this._lastNeeds || needs.every(n => n === 0)) {
      return;
    }
    this._lastNeeds = key;
    panel.setRelativeSizes(needs.map(n => Math.max(n, 1)));
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
    this._healthText = null;
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
            'On JupyterHub: restart your server from the hub control panel (File > Hub Control Panel), or log out of the hub and log in again. Notebook cells and the file manager fail until then.'
          )
        ])
      ]);
      this._expiredBox.setAttribute('role', 'alert');
      this._expiredBox.hidden = true;
      root.appendChild(this._expiredBox);
      this._healthText = el('span', 'jp-GlobusKit-health-text');
      const line = el('div', 'jp-GlobusKit-health', [this._healthText]);
      line.setAttribute('aria-live', 'polite');
      root.appendChild(line);
      if (section === 'list') {
        const list = this._tokenList(status.tokens);
        list.id = `${this.id}-tokens`;
        list.hidden = !this._detailsOpen;
        const toggle = el('button', 'jp-mod-styled jp-GlobusKit-link jp-GlobusKit-details', [
          trans.__('Details')
        ]);
        toggle.type = 'button';
        toggle.setAttribute('aria-expanded', String(this._detailsOpen));
        toggle.setAttribute('aria-controls', list.id);
        toggle.addEventListener('click', () => {
          this._detailsOpen = !this._detailsOpen;
          toggle.setAttribute('aria-expanded', String(this._detailsOpen));
          list.hidden = !this._detailsOpen;
        });
        line.appendChild(toggle);
        root.appendChild(list);
        void this._names.resolve(status.tokens.map(t => t.resourceServer));
      }
    }
    this._updateCountdowns();
  }

  /**
   * One card per token: a table would need four columns, too many for a sidebar. A list
   * of labelled items reads the same to a screen reader. A collection's token is labelled
   * by the collection's display name, with its id in the tooltip.
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
      const scopeDetails = el('details', 'jp-GlobusKit-scopeDetails', [
        el('summary', '', [trans._n('%1 scope', '%1 scopes', token.scopes.length)]),
        scopes
      ]);
      const name = el('span', 'jp-GlobusKit-resourceServer', [
        this._names.name(token.resourceServer) ?? token.resourceServer
      ]);
      name.title = token.resourceServer;
      const item = el('li', 'jp-GlobusKit-tokenRow', [
        el('div', 'jp-GlobusKit-tokenRow-head', [name, badge]),
        el('div', 'jp-GlobusKit-tokenRow-expiry', [
          el('span', 'jp-GlobusKit-label', [trans.__('Expires in') + ' ']),
          expires
        ]),
        scopeDetails
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
      const state = tokenState(token, now, this._expiryWarningMinutes);
      if (token.expiresAt === null) {
        expires.textContent = trans.__('unknown');
        expires.title = trans.__('This hub does not record when the token was issued.');
      } else {
        const remaining = token.expiresAt * 1000 - now;
        const approx = token.expiresAtSource === 'estimated' ? '~' : '';
        expires.textContent =
          remaining > 0 ? approx + formatDuration(remaining) : trans.__('expired');
        expires.title = new Date(token.expiresAt * 1000).toLocaleString();
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
    const tokens = this._model.status?.tokens ?? [];
    if (this._healthText) {
      const health = tokenHealth(tokens, now, this._expiryWarningMinutes);
      this._healthText.textContent = healthLine(health, trans);
      this._healthText.dataset.state = health.state;
    }
    if (this._expiredBox) {
      this._expiredBox.hidden = !(
        this._countdowns.length > 0 && expiredCount === this._countdowns.length
      );
    }
  }

  private _observer: MutationObserver;
  private _fitFrame = 0;
  private _mayClose = false;
  private _opened: number[] = [];
  private _lastNeeds = '';
  private _model: IGlobusStatusModel;
  private _bundle: TranslationBundle;
  private _body: Widget;
  private _tick: ReturnType<typeof setInterval>;
  private _expiryWarningMinutes: number;
  private _expiredBox: HTMLElement | null = null;
  private _healthText: HTMLElement | null = null;
  private _detailsOpen = false;
  private _names: ResourceNames;
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
  /** Display names of the tokens' resource servers (default: looked up by collection id). */
  resourceNames?: ResourceNames;
  /** More accordion sections below identity and tokens (consents, browser, tasks). */
  sections?: Widget[];
}

/** Rows of a section's list that its need is measured in. */
const ROWS_SHOWN = 4;

/**
 * The height a sidebar section needs: all of its content when that is short, else the
 * content above its list plus four rows of it (and what sits below a list that scrolls on
 * its own, like the collection browser's footer). Rows are the outermost visible list
 * items (`li`, or a virtual list's `listitem` or `option` rows).
 *
 * @param node - the section's node
 */
export function sectionNeed(node: HTMLElement): number {
  const box = node.getBoundingClientRect();
  // The content's own height, not the section's (scrollHeight is at least what it is given).
  const bottoms = Array.from(node.children, c => c.getBoundingClientRect().bottom);
  const natural = Math.ceil(
    Math.max(box.top, ...bottoms) -
      box.top +
      node.scrollTop +
      parseFloat(getComputedStyle(node).paddingBottom || '0')
  );
  const row = 'li, [role="listitem"], [role="option"]';
  const rows = Array.from(node.querySelectorAll<HTMLElement>(row)).filter(
    r => r.offsetParent !== null && !r.parentElement?.closest(row)
  );
  const list = rows[0]?.parentElement;
  if (!list) {
    return natural;
  }
  const scrolls = list.scrollHeight > list.clientHeight + 1;
  if (rows.length <= ROWS_SHOWN && !scrolls) {
    return natural;
  }
  const listBox = list.getBoundingClientRect();
  const first = rows[0].getBoundingClientRect();
  const fourth = rows[Math.min(ROWS_SHOWN, rows.length) - 1].getBoundingClientRect();
  // From the list's top to half a row below the fourth row (virtual lists start at 0).
  const rowsHeight = fourth.bottom - first.top + (fourth.height >> 1);
  const listTop = listBox.top - box.top + node.scrollTop;
  const below = scrolls ? Math.max(0, box.bottom - listBox.bottom) : 0;
  return Math.ceil(listTop + (scrolls ? 0 : first.top - listBox.top) + rowsHeight + below);
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
