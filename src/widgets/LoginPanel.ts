import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { LoginModel } from '../model/login-model';
import { alertBox, el } from './element';
import { codeForm, credentialsLine, openAuthorizeTab, sectionButton } from './login-parts';

/** The server route that finishes a Globus login itself. */
const CALLBACK_PATH = '/globus-kit/login/callback';

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
    root.appendChild(credentialsLine(t, this._sourceLabel(source)));
    for (const problem of [summary?.problem, model.error]) {
      if (problem) {
        root.appendChild(alertBox(problem.message));
      }
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
      ? pending.redirectUri.includes(CALLBACK_PATH)
        ? t.__('Finish logging in in the new tab; this panel updates when you are done.')
        : t.__('After approving, copy the code Globus shows and paste it here.')
      : t.__('Started a login in a notebook cell? Paste the code here.');
    root.appendChild(el('p', 'jp-GlobusKit-Login-hint', [hint]));
    root.appendChild(
      codeForm(t, t.__('Authorization code'), model.busy, code => void model.complete(code))
    );
  }

  private _button(label: string, onClick: () => void, extra = ''): HTMLButtonElement {
    return sectionButton(label, onClick, this._model.busy, extra);
  }

  private _start(addScopes?: readonly string[]): Promise<void> {
    return openAuthorizeTab(
      () => this._model.start(addScopes),
      CALLBACK_PATH,
      () => void this._model.settle()
    );
  }

  private _model: LoginModel;
  private _missing: () => readonly string[];
  private _trans: TranslationBundle;
}
