/**
 * Parts the two login sections share (Globus's `LoginPanel` and the OIDC provider's
 * `OidcPanel`): the credentials line, a button, the form for a pasted
 * authorization code, and opening the authorize page in a new tab.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { el } from './element';

/** `Credentials: <label>`. */
export function credentialsLine(t: TranslationBundle, label: string): HTMLElement {
  return el('p', 'jp-GlobusKit-Login-source', [
    el('span', 'jp-GlobusKit-label', [t.__('Credentials:') + ' ']),
    label
  ]);
}

/** A section button, disabled while its model is busy. */
export function sectionButton(
  label: string,
  onClick: () => void,
  disabled: boolean,
  extra = ''
): HTMLButtonElement {
  const button = el('button', `jp-mod-styled jp-GlobusKit-button ${extra}`.trim(), [label]);
  button.type = 'button';
  button.disabled = disabled;
  button.addEventListener('click', onClick);
  return button;
}

/**
 * The form for the code an authorize page shows: a text field and "Complete login"; an
 * empty field sends nothing.
 *
 * @param t - the translation bundle
 * @param ariaLabel - the field's accessible name
 * @param busy - whether the model is busy (the button is disabled then)
 * @param complete - called with the code
 */
export function codeForm(
  t: TranslationBundle,
  ariaLabel: string,
  busy: boolean,
  complete: (code: string) => void
): HTMLFormElement {
  const form = el('form', 'jp-GlobusKit-Login-paste');
  const input = el('input', 'jp-mod-styled jp-GlobusKit-Login-code');
  input.type = 'text';
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.placeholder = t.__('Authorization code');
  input.setAttribute('aria-label', ariaLabel);
  const submit = el('button', 'jp-mod-styled jp-GlobusKit-button', [t.__('Complete login')]);
  submit.type = 'submit';
  submit.disabled = busy;
  form.append(input, submit);
  form.addEventListener('submit', event => {
    event.preventDefault();
    if (input.value.trim()) {
      complete(input.value);
    }
  });
  return form;
}

/** A started login: where to send the user, and where the provider sends them back. */
export interface IStartedLogin {
  url: string;
  redirectUri: string;
}

/**
 * Open the authorize page in a new tab. The tab is opened inside the click (popup
 * blockers allow that), then pointed at the URL once the server has started the login;
 * when the server's own callback (`callbackPath`) finishes the login, `settle` runs as the
 * user comes back to this tab. A login that did not start closes the empty tab.
 *
 * @param start - asks the server to start the login
 * @param callbackPath - the path of the server's callback route
 * @param settle - refreshes the section once the user is back
 */
export async function openAuthorizeTab(
  start: () => Promise<IStartedLogin | null>,
  callbackPath: string,
  settle: () => void
): Promise<void> {
  const tab = window.open('', '_blank');
  const started = await start();
  if (!started || !tab) {
    tab?.close();
    return;
  }
  tab.opener = null;
  tab.location.href = started.url;
  if (started.redirectUri.includes(callbackPath)) {
    window.addEventListener('focus', settle, { once: true });
  }
}
