import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { SidePanel } from '@jupyterlab/ui-components';
import { AccordionPanel, Widget } from '@lumino/widgets';

import { ProviderId, ProviderModel } from '../model/provider-model';
import { el } from './element';

/** Options of {@link ProviderSwitcher}. */
export interface IProviderSwitcherOptions {
  /** Which providers exist and which one is shown. */
  model: ProviderModel;
  /** The sidebar whose sections are swapped (its current sections are Globus'). */
  sidebar: SidePanel;
  /** The sections shown for the OIDC provider. */
  oidcSections: Widget[];
  /** Relative sizes of the OIDC sections. */
  oidcSizes?: number[];
  /** The translator. */
  translator?: ITranslator;
}

/**
 * The provider switcher at the top of the sidebar: `Globus | <OIDC provider>` as a pair of
 * toggle buttons, hidden while only Globus is configured. Switching takes one provider's
 * sections out of the sidebar's accordion and puts the other's in (hiding a section would
 * only fold it and leave its title), keeping each section's state and size.
 */
export class ProviderSwitcher extends Widget {
  /**
   * @param options - model, sidebar, OIDC sections, translator.
   */
  constructor(options: IProviderSwitcherOptions) {
    super();
    this._model = options.model;
    this._sidebar = options.sidebar;
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
    this._sections = {
      globus: [...this._sidebar.widgets],
      oidc: options.oidcSections
    };
    this._sizes.oidc = options.oidcSizes ?? options.oidcSections.map(() => 1);
    this.addClass('jp-GlobusKit-ProviderSwitcher');
    this.node.setAttribute('role', 'group');
    this.node.setAttribute('aria-label', this._trans.__('Provider'));
    this._model.changed.connect(this._render, this);
    this._render();
  }

  /** Which provider's sections are in the sidebar. */
  get shown(): ProviderId {
    return this._shown;
  }

  private _render(): void {
    const model = this._model;
    this.setHidden(!model.hasChoice);
    const oidc = model.oidc;
    const choices: Array<[ProviderId, string, string]> = [
      ['globus', this._trans.__('Globus'), this._trans.__('Show Globus')],
      [
        'oidc',
        oidc?.label ?? 'OIDC',
        this._trans.__('Show the OIDC provider %1', oidc?.issuer ?? '')
      ]
    ];
    this.node.replaceChildren(
      ...choices.map(([id, label, title]) => {
        const button = el('button', 'jp-GlobusKit-ProviderSwitcher-choice', [label]);
        button.type = 'button';
        button.title = title;
        button.dataset.provider = id;
        button.setAttribute('aria-pressed', String(model.current === id));
        button.classList.toggle('jp-mod-active', model.current === id);
        button.disabled = id === 'oidc' && !oidc;
        button.addEventListener('click', () => model.select(id));
        return button;
      })
    );
    this._swap(model.current);
  }

  private _swap(to: ProviderId): void {
    if (to === this._shown) {
      return;
    }
    const content = this._sidebar.content as AccordionPanel;
    const total = content.widgets.length;
    if (total > 0) {
      // Remember how the user sized the outgoing sections.
      const sizes = content.relativeSizes();
      this._sizes[this._shown] = sizes.slice(0, total);
    }
    for (const widget of this._sections[this._shown]) {
      widget.parent = null;
    }
    for (const widget of this._sections[to]) {
      this._sidebar.addWidget(widget);
    }
    const sizes = this._sizes[to];
    if (sizes && sizes.length === this._sections[to].length) {
      content.setRelativeSizes(sizes);
    }
    this._shown = to;
  }

  private _model: ProviderModel;
  private _sidebar: SidePanel;
  private _trans: TranslationBundle;
  private _sections: Record<ProviderId, Widget[]>;
  private _sizes: Partial<Record<ProviderId, number[]>> = {};
  private _shown: ProviderId = 'globus';
}
