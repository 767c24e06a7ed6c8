import { ITranslator } from '@jupyterlab/translation';

import { ConsentModel } from '../model/consent-model';
import { ModelSection } from './model-section';
import { el, externalLink } from './element';

/**
 * The consents section: each required scope (from the settings) granted or missing, with
 * a "Grant consent" link opening the consent URL for a missing one.
 */
export class ConsentsPanel extends ModelSection<ConsentModel> {
  /**
   * @param options - the consent model and the translator.
   */
  constructor(options: IConsentsPanelOptions) {
    super(options.model, options.translator, 'jp-GlobusKit-Consents');
    this.title.label = this.trans.__('Consents');
    this.render();
  }

  protected render(): void {
    const t = this.trans;
    const error = this.model.error;
    const root = this.resetWithError(
      error ? t.__('Could not check consents: %1', error.message) : null
    );
    if (this.model.requiredScopes.length === 0) {
      root.appendChild(
        el('p', 'jp-GlobusKit-empty', [t.__('No required scopes are set in the settings.')])
      );
      return;
    }
    const list = el('ul', 'jp-GlobusKit-consentList');
    list.setAttribute('aria-label', t.__('Required scopes'));
    const labels = {
      granted: t.__('granted'),
      missing: t.__('missing'),
      unverified: t.__('not verified')
    };
    // Consents that need action first (a stable sort keeps the settings' order otherwise).
    const rank = { missing: 0, unverified: 1, granted: 2 };
    const entries = [...this.model.entries].sort((a, b) => rank[a.status] - rank[b.status]);
    for (const entry of entries) {
      const badge = el('span', `jp-GlobusKit-badge jp-mod-${entry.status}`, [labels[entry.status]]);
      const scope = el('span', 'jp-GlobusKit-consent-scope', [entry.scope]);
      scope.title = entry.scope;
      const item = el('li', 'jp-GlobusKit-consent', [
        el('div', 'jp-GlobusKit-consent-head', [scope, badge])
      ]);
      item.dataset.status = entry.status;
      if (entry.missingDependencies.length > 0) {
        item.appendChild(
          el('div', 'jp-GlobusKit-consent-detail', [
            t.__('Missing: %1', entry.missingDependencies.join(' '))
          ])
        );
      }
      if (entry.status === 'unverified' && entry.detail) {
        item.appendChild(el('div', 'jp-GlobusKit-consent-detail', [entry.detail]));
      }
      if (entry.status === 'missing' && entry.consentUrl) {
        const link = externalLink(
          entry.consentUrl,
          t.__('Grant consent'),
          'jp-GlobusKit-button jp-GlobusKit-consent-link'
        );
        if (link) {
          link.setAttribute('aria-label', t.__('Grant consent for %1', entry.scope));
          item.appendChild(link);
          item.appendChild(
            el('div', 'jp-GlobusKit-consent-detail', [
              t.__('Then log out of the hub and back in so your server gets the new token.')
            ])
          );
        }
      }
      list.appendChild(item);
    }
    root.appendChild(list);
  }
}

/** Options of {@link ConsentsPanel}. */
export interface IConsentsPanelOptions {
  /** The consent status to show. */
  model: ConsentModel;
  /** UI strings. */
  translator?: ITranslator;
}
