import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { LoginModel } from '../model/login-model';
import { el } from './element';

/** Options of {@link LoginPanel}. */
export interface ILoginPanelOptions {
  /** The login model. */
  model: LoginModel;
  /** Scopes a step-up login should add (e.g. the consents panel's missing ones). */
  missingScopes?: () => readonly string[];
  /** The translator. */
  translator?: ITranslator;
}

/**
 * The login section: which credentials the server uses, "Log in with Globus" (opens the
 * authorize page in a new tab), a field for the code Globus shows (also completes a login
 * started in a notebook cell), a step-up button for missing consents, and "Log out".
 */
export class LoginPanel extends Widget {
  /**
   * @param options - model, missing scopes, translator
   */
  constructor(options: ILoginPanelOptions) {
    super();
    this._model = options.model;
    this._missing = options.missingScopes ?? (() => []);
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
    this.addClass('jp-GlobusKit-Login');
    this.title.label = this._trans.__('Login');
    this._model.changed.connect(this._render, this);
    this._render();
  }

  /** Re-render (e.g. when the missing consents changed). */
  update(): void {
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

  private _sourceLabel(source: string): string {
    const t = this._trans;
    switch (source) {
      case 'hub-api':
        return t.__('JupyterHub (current auth state from the hub API)');
      case 'GLOBUS_DATA':
        return t.__('JupyterHub (GLOBUS_DATA given at server start)');
      case 'stored-login':
        return t.__('Your Globus login (stored on this server)');
      default:
        return t.__('none');
    }
  }

  private _render(): void {
    const t = this._trans;
    const model = this._model;
    const summary = model.summary;
    const root = this.node;
    root.replaceChildren();
    const source = summary?.source ?? 'none';
    root.appendChild(
      el('p', 'jp-GlobusKit-Login-source', [
        el('span', 'jp-GlobusKit-label', [t.__('Credentials:') + ' ']),
        this._sourceLabel(source)
      ])
    );
    if (summary?.problem) {
      const box = el('div', 'jp-GlobusKit-error', [summary.problem.message]);
      box.setAttribute('role', 'alert');
      root.appendChild(box);
    }
    if (model.error) {
      const box = el('div', 'jp-GlobusKit-error', [model.error.message]);
      box.setAttribute('role', 'alert');
      root.appendChild(box);
    }
    if (!summary) {
      return;
    }
    if (!summary.loginAvailable) {
      if (source === 'none') {
        root.appendChild(
          el('p', 'jp-GlobusKit-empty', [
            t.__(
              'Logging in from here needs a Globus native-app client id (GLOBUS_KIT_CLIENT_ID) on the server.'
            )
          ])
        );
      }
      return;
    }
    const buttons = el('div', 'jp-GlobusKit-Login-buttons');
    const loginLabel =
      source === 'stored-login' && !summary.problem
        ? t.__('Log in again with Globus')
        : t.__('Log in with Globus');
    buttons.appendChild(this._button(loginLabel, () => this._start(), 'jp-mod-accept'));
    const missing = this._missing();
    if (missing.length > 0) {
      buttons.appendChild(
        this._button(t.__('Log in adding the missing consents (%1)', missing.length), () =>
          this._start(missing)
        )
      );
    }
    if (source === 'stored-login') {
      buttons.appendChild(this._button(t.__('Log out'), () => void model.logout()));
    }
    root.appendChild(buttons);

    const pending = model.pending;
    const hint = pending
      ? pending.redirectUri.includes('/globus-kit/login/callback')
        ? t.__('Finish logging in in the new tab; this panel updates when you are done.')
        : t.__('After approving, copy the code Globus shows and paste it here.')
      : t.__('Started a login in a notebook cell? Paste the code here.');
    root.appendChild(el('p', 'jp-GlobusKit-Login-hint', [hint]));
    const form = el('form', 'jp-GlobusKit-Login-paste');
    const input = el('input', 'jp-mod-styled jp-GlobusKit-Login-code');
    input.type = 'text';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.setAttribute('aria-label', t.__('Authorization code'));
    input.placeholder = t.__('Authorization code');
    const submit = el('button', 'jp-mod-styled jp-GlobusKit-button', [t.__('Complete login')]);
    submit.type = 'submit';
    submit.disabled = model.busy;
    form.append(input, submit);
    form.addEventListener('submit', event => {
      event.preventDefault();
      if (input.value.trim()) {
        void model.complete(input.value);
      }
    });
    root.appendChild(form);
  }

  private _button(label: string, onClick: () => void, extra = ''): HTMLButtonElement {
    const button = el('button', `jp-mod-styled jp-GlobusKit-button ${extra}`.trim(), [label]);
    button.type = 'button';
    button.disabled = this._model.busy;
    button.addEventListener('click', onClick);
    return button;
  }

  private async _start(addScopes?: readonly string[]): Promise<void> {
    // Open the tab inside the click (popup blockers), then point it at the authorize URL.
    const tab = window.open('', '_blank');
    const started = await this._model.start(addScopes);
    if (started && tab) {
      tab.opener = null;
      tab.location.href = started.url;
      if (started.redirectUri.includes('/globus-kit/login/callback')) {
        // The server finishes the login itself; when the user comes back, show it.
        window.addEventListener('focus', () => void this._model.settle(), { once: true });
      }
    } else {
      tab?.close();
    }
  }

  private _model: LoginModel;
  private _missing: () => readonly string[];
  private _trans: TranslationBundle;
}
