/**
 * The parts the sidebar's collection browser and the file manager's panes share: the
 * collection search form, the list of collections found, the error box with its consent
 * link, and the row of an entry still loading. Every name is a text node (see `el`).
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import { GlobusKitApiError } from '../api';
import type { ICollection } from '../documents';
import { BrowserModel, SEARCH_SCOPES, SearchScope } from '../model/browser-model';
import { el, externalLink } from './element';

/**
 * The collection search: text, scope (`my-endpoints`, `shared-with-me`, `recently-used`,
 * `all`) and a Search button, bound to a browser model. Build it once per view: rebuilding
 * would drop the focus and the caret.
 *
 * @param trans - UI strings.
 * @param model - the browser model searched.
 */
export function collectionSearchForm(trans: TranslationBundle, model: BrowserModel): HTMLElement {
  const form = el('form', 'jp-GlobusKit-search');
  form.setAttribute('role', 'search');
  const input = el('input', 'jp-GlobusKit-search-input jp-mod-styled');
  input.type = 'search';
  input.placeholder = trans.__('Search collections');
  input.setAttribute('aria-label', trans.__('Search collections'));
  input.value = model.query;
  input.addEventListener('input', () => (model.query = input.value));
  const select = el('select', 'jp-GlobusKit-search-scope jp-mod-styled');
  select.setAttribute('aria-label', trans.__('Collection scope'));
  const labels: Record<SearchScope, string> = {
    'my-endpoints': trans.__('My collections'),
    'shared-with-me': trans.__('Shared with me'),
    'recently-used': trans.__('Recently used'),
    all: trans.__('All collections')
  };
  for (const scope of SEARCH_SCOPES) {
    const option = el('option', '', [labels[scope]]);
    option.value = scope;
    option.selected = scope === model.scope;
    select.appendChild(option);
  }
  select.addEventListener('change', () => {
    model.scope = select.value as SearchScope;
    void model.search();
  });
  const button = el('button', 'jp-GlobusKit-button jp-mod-styled', [trans.__('Search')]);
  button.type = 'submit';
  form.addEventListener('submit', event => {
    event.preventDefault();
    void model.search();
  });
  form.append(input, select, button);
  return form;
}

/**
 * A list of collections, one button each (display name; description or id as tooltip),
 * with owner and type below.
 *
 * @param trans - UI strings.
 * @param results - the collections.
 * @param open - opens one.
 * @param options - the list's accessible name; `busy` hides the empty message.
 */
export function collectionList(
  trans: TranslationBundle,
  results: readonly ICollection[],
  open: (collection: ICollection) => void,
  options: { label?: string; busy?: boolean } = {}
): HTMLElement {
  const list = el('ul', 'jp-GlobusKit-collections');
  list.setAttribute('aria-label', options.label ?? trans.__('Collections'));
  for (const c of results) {
    const button = el('button', 'jp-GlobusKit-collection-open', [c.display_name || c.id]);
    button.type = 'button';
    button.title = c.description ?? c.id;
    button.addEventListener('click', () => open(c));
    const meta = el('div', 'jp-GlobusKit-collection-meta', [
      [c.owner_string, c.entity_type?.replace(/^GCSv5_/, '').replace(/_/g, ' ')]
        .filter(Boolean)
        .join(' · ')
    ]);
    const item = el('li', 'jp-GlobusKit-collection', [button, meta]);
    item.dataset.collectionId = c.id;
    list.appendChild(item);
  }
  if (results.length === 0 && !options.busy) {
    list.appendChild(el('li', 'jp-GlobusKit-empty', [trans.__('No collections to show.')]));
  }
  return list;
}

/**
 * An error box screen readers announce; a `CONSENT_REQUIRED` error gets its consent link.
 *
 * @param trans - UI strings.
 * @param error - the error.
 */
export function errorBox(trans: TranslationBundle, error: Error): HTMLElement {
  const box = el('div', 'jp-GlobusKit-error', [el('p', '', [error.message])]);
  box.setAttribute('role', 'alert');
  if (error instanceof GlobusKitApiError) {
    box.dataset.code = error.code;
    if (error.code === 'CONSENT_REQUIRED' && error.consentUrl) {
      const link = externalLink(
        error.consentUrl,
        trans.__('Grant consent'),
        'jp-GlobusKit-button jp-GlobusKit-consent-link'
      );
      if (link) {
        box.appendChild(link);
      }
    }
  }
  return box;
}

/**
 * The row of an entry that has not arrived yet: its place, nothing to act on.
 *
 * @param trans - UI strings.
 * @param index - the row.
 */
export function placeholderRow(trans: TranslationBundle, index: number): HTMLElement {
  const row = el('div', 'jp-GlobusKit-fileRow-placeholder', [trans.__('Loading…')]);
  row.dataset.index = String(index);
  row.setAttribute('aria-busy', 'true');
  return row;
}
