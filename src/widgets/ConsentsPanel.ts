import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ConsentModel } from '../model/consent-model';
import { el, externalLink } from './element';

/**
 * The consents section: each required scope (from the settings) granted or missing, with
 * a "Grant consent" link opening the consent URL for a missing one.
 */
export class ConsentsPanel extends Widget {
  /**
   * @param options - the consent model and the translator.
   */
  constructor(options: IConsentsPanelOptions) {
    super();
    this._model = options.model;
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
    this.addClass('jp-GlobusKit-Consents');
    this.title.label = this._trans.__('Consents');
    this._model.changed.connect(this._render, this);
    this._render();
  }

  /** Disconnect from the model. */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._model.changed.disconnect(this._render, this);
    super.dispose();
  }

  private _render(): void {
    const t = this._trans;
    const root = this.node;
    root.replaceChildren();
    if (this._model.error) {
      const box = el('div', 'jp-GlobusKit-error', [
        t.__('Could not check consents: %1', this._model.error.message)
      ]);
      box.setAttribute('role', 'alert');
      root.appendChild(box);
    }
    if (this._model.requiredScopes.length === 0) {
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
    for (const entry of this._model.entries) {
      const badge = el('span', `jp-GlobusKit-badge jp-mod-${entry.status}`, [labels[entry.status]]);
      const item = el('li', 'jp-GlobusKit-consent', [
        el('div', 'jp-GlobusKit-consent-head', [
          el('span', 'jp-GlobusKit-consent-scope', [entry.scope]),
          badge
        ])
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

  private _model: ConsentModel;
  private _trans: TranslationBundle;
}

/** Options of {@link ConsentsPanel}. */
export interface IConsentsPanelOptions {
  /** The consent status to show. */
  model: ConsentModel;
  /** UI strings. */
  translator?: ITranslator;
}
