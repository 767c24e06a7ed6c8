/**
 * The parts the collection browser and the workspace browser share: tool buttons,
 * breadcrumbs, sortable column headers, a file row and keyboard selection. Every name is
 * a text node (see `el`).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { fileIcon, folderIcon } from '@jupyterlab/ui-components';

import type { SortKey } from '../model/browser-model';
import { el } from './element';

/** A listing entry as the rows show it. */
export interface IListingEntry {
  name: string;
  type: string;
  size: number;
  last_modified?: string | null;
}

/** One breadcrumb: its label, where it leads and its tooltip. */
export interface ICrumb<T> {
  label: string;
  target: T;
  title: string;
}

/**
 * A toolbar button.
 *
 * @param label - its text.
 * @param title - its tooltip.
 * @param onClick - what it does.
 */
export function toolButton(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', 'jp-GlobusKit-button', [label]);
  b.type = 'button';
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

/**
 * Breadcrumbs: one button per level, the last marked as the current location.
 *
 * @param label - the accessible name of the navigation.
 * @param crumbs - the levels, outermost first.
 * @param open - opens a level.
 */
export function breadcrumbNav<T>(
  label: string,
  crumbs: readonly ICrumb<T>[],
  open: (target: T) => void
): HTMLElement {
  const nav = el('nav', 'jp-GlobusKit-breadcrumbs');
  nav.setAttribute('aria-label', label);
  crumbs.forEach((crumb, i) => {
    if (i > 0) {
      nav.appendChild(el('span', 'jp-GlobusKit-breadcrumb-sep', ['/']));
    }
    const b = toolButton(crumb.label, crumb.title, () => open(crumb.target));
    b.className = 'jp-GlobusKit-breadcrumb';
    if (i === crumbs.length - 1) {
      b.setAttribute('aria-current', 'location');
    }
    nav.appendChild(b);
  });
  return nav;
}

/**
 * The Name / Size / Modified headers; the active one shows its direction.
 *
 * @param trans - UI strings.
 * @param sort - the current sort key and direction.
 * @param sortBy - sorts by a key (again: reverses).
 */
export function sortHeaders(
  trans: TranslationBundle,
  sort: { sortKey: SortKey; sortAscending: boolean },
  sortBy: (key: SortKey) => void
): HTMLElement {
  const header = el('div', 'jp-GlobusKit-columns');
  header.setAttribute('role', 'group');
  header.setAttribute('aria-label', trans.__('Sort by'));
  const columns: Array<[SortKey, string]> = [
    ['name', trans.__('Name')],
    ['size', trans.__('Size')],
    ['last_modified', trans.__('Modified')]
  ];
  for (const [key, label] of columns) {
    const b = toolButton(label, trans.__('Sort by %1', label), () => sortBy(key));
    b.className = `jp-GlobusKit-column jp-GlobusKit-column-${key}`;
    if (sort.sortKey === key) {
      b.classList.add('jp-mod-active');
      b.setAttribute('aria-pressed', 'true');
      b.dataset.direction = sort.sortAscending ? 'ascending' : 'descending';
      b.appendChild(document.createTextNode(sort.sortAscending ? ' ▲' : ' ▼'));
    } else {
      b.setAttribute('aria-pressed', 'false');
    }
    header.appendChild(b);
  }
  return header;
}

/**
 * A file row: icon, name, size (not for folders) and date.
 *
 * @param entry - the entry.
 * @param index - its place in the listing (`data-index`).
 * @param selected - whether it is the selected row.
 * @param options - `time`: the date column shows the time of day too (in a
 *   `jp-GlobusKit-fileRow-time` span, which narrow layouts may hide).
 */
export function fileRow(
  entry: IListingEntry,
  index: number,
  selected: boolean,
  options: { time?: boolean } = {}
): HTMLElement {
  const modified = entry.last_modified ?? '';
  const date: Array<Node | string> = [modified.slice(0, 10)];
  if (options.time && modified.length >= 16) {
    date.push(el('span', 'jp-GlobusKit-fileRow-time', [` ${modified.slice(11, 16)}`]));
  }
  const icon = (entry.type === 'dir' ? folderIcon : fileIcon).element({
    tag: 'span',
    className: 'jp-GlobusKit-fileRow-icon'
  });
  const row = el('div', 'jp-GlobusKit-fileRow', [
    icon,
    el('span', 'jp-GlobusKit-fileRow-name', [entry.name]),
    el('span', 'jp-GlobusKit-fileRow-size', [entry.type === 'dir' ? '' : formatBytes(entry.size)]),
    el('span', 'jp-GlobusKit-fileRow-date', date)
  ]);
  row.dataset.index = String(index);
  if (selected) {
    row.classList.add('jp-mod-selected');
    row.setAttribute('aria-selected', 'true');
  }
  return row;
}

/**
 * Arrow keys move the selection, Enter opens a selected folder. Rows still loading
 * (`undefined`) can be scrolled to but not selected.
 *
 * @param event - the key event on the listing.
 * @param rows - the listing.
 * @param selected - the selected entry, if any.
 * @param actions - select an entry, open a folder, scroll to a row.
 */
export function moveSelection<T extends { type: string }>(
  event: KeyboardEvent,
  rows: readonly (T | undefined)[],
  selected: T | null | undefined,
  actions: { select(entry: T): void; open(entry: T): void; scrollTo(index: number): void }
): void {
  if (rows.length === 0) {
    return;
  }
  const current = selected ? rows.indexOf(selected) : -1;
  const entry = rows[current];
  let next = current;
  if (event.key === 'ArrowDown') {
    next = Math.min(rows.length - 1, current + 1);
  } else if (event.key === 'ArrowUp') {
    next = Math.max(0, current - 1);
  } else if (event.key === 'Enter' && entry?.type === 'dir') {
    actions.open(entry);
    return;
  } else {
    return;
  }
  event.preventDefault();
  actions.scrollTo(next);
  const target = rows[next];
  if (target) {
    actions.select(target);
  }
}

/** What a listing's rows do: the model behind {@link listenToRows}. */
export interface IRowActions<T extends { type: string }> {
  /** The listing (a row still loading is `undefined`). */
  rows(): readonly (T | undefined)[];
  /** The selected entry, if any. */
  selected(): T | null | undefined;
  select(entry: T): void;
  /** Open a folder. */
  open(entry: T): void;
  scrollTo(index: number): void;
}

/**
 * Mouse and keyboard on a listing of {@link fileRow}s: a click, a double-click and a
 * right-click select their row (so the context menu's commands act on the row clicked), a
 * double-click opens a folder, and the keys move the selection ({@link moveSelection}).
 *
 * @param list - the element holding the rows.
 * @param actions - the listing and what selecting and opening do.
 */
export function listenToRows<T extends { type: string }>(
  list: HTMLElement,
  actions: IRowActions<T>
): void {
  const onMouse = (event: MouseEvent): void => {
    const row = (event.target as HTMLElement).closest<HTMLElement>('.jp-GlobusKit-fileRow');
    const entry = row ? actions.rows()[Number(row.dataset.index)] : undefined;
    if (!entry) {
      return;
    }
    actions.select(entry);
    if (event.type === 'dblclick' && entry.type === 'dir') {
      actions.open(entry);
    }
  };
  for (const type of ['click', 'dblclick', 'contextmenu'] as const) {
    list.addEventListener(type, onMouse);
  }
  list.addEventListener('keydown', event =>
    moveSelection(event, actions.rows(), actions.selected(), actions)
  );
}

/**
 * `1.2 MB`-style sizes (decimal units, as Globus shows them).
 *
 * @param bytes - a size.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) {
    return '';
  }
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${i === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}
