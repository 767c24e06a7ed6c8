import { MainAreaWidget } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { CommandToolbarButton } from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { Panel, Widget } from '@lumino/widgets';

import { CommandIDs } from '../tokens';
import { IBookmark, ICollection, IFileEntry } from '../documents';
import { globusIcon } from '../icons';
import { FileManagerModel, PaneModel } from '../model/file-manager-model';
import { breadcrumbNav, fileRow, sortHeaders, toolButton } from './browser-parts';
import { collectionList, collectionSearchForm, errorBox, placeholderRow } from './collection-parts';
import { el } from './element';
import { VirtualList } from './VirtualList';

/** Below this width (px) a pane shows each entry on two lines. */
const NARROW_PANE = 380;

/** What a pane asks of the manager around it. */
export interface IPaneHost {
  /** The command registry (context menu and keys run the manager's commands). */
  commands: CommandRegistry;
  /** The manager's id (the commands' `managerId`). */
  managerId: string;
  /** The manager's model (bookmarks, recent collections). */
  manager: FileManagerModel;
  /** The default collection id from the settings, or ''. */
  defaultCollection: () => string;
  /** The default folder on it. */
  defaultPath: () => string;
}

/**
 * One pane of the file manager: a collection picker (search, bookmarks, recent, the
 * default collection), breadcrumbs, sortable columns and a virtualised, multi-select
 * listing (a `listbox` of `option` rows with `aria-selected`). Keys: arrows (shift
 * extends), Home/End, Enter opens a folder, Backspace goes up, Delete asks to delete,
 * F2 renames, Ctrl+A selects all. Every name is a text node.
 */
export class FilePane extends Panel {
  /**
   * @param pane - the pane's model.
   * @param index - 0 or 1 (its label says "Pane 1" or "Pane 2").
   * @param host - the manager around it.
   * @param trans - UI strings.
   */
  constructor(
    readonly pane: PaneModel,
    readonly index: number,
    private _host: IPaneHost,
    private _trans: TranslationBundle
  ) {
    super();
    const t = _trans;
    this.addClass('jp-GlobusKit-FilePane');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', t.__('Pane %1', index + 1));
    this._top = new Widget();
    this._top.addClass('jp-GlobusKit-FilePane-top');
    this._list = new VirtualList<IFileEntry | undefined>({
      label: t.__('Files'),
      role: 'listbox',
      rowRole: 'option',
      rowHeight: 26,
      renderRow: (entry, i) => (entry ? this._renderRow(entry, i) : placeholderRow(t, i))
    });
    this._list.node.setAttribute('aria-multiselectable', 'true');
    this._list.rangeRendered.connect((_, range) => {
      if (!pane.browser.complete) {
        pane.browser.requestRows(range.start, range.end);
      }
    }, this);
    this._footer = new Widget();
    this._footer.addClass('jp-GlobusKit-FilePane-footer');
    this._footer.node.setAttribute('aria-live', 'polite');
    this.addWidget(this._top);
    this.addWidget(this._list);
    this.addWidget(this._footer);

    const list = this._list.node;
    for (const type of ['mousedown', 'click', 'dblclick', 'contextmenu'] as const) {
      list.addEventListener(type, this._onMouse);
    }
    list.addEventListener('keydown', this._onKey);
    this.node.addEventListener('focusin', this._onActivate);
    this.node.addEventListener('mousedown', this._onActivate);
    // A narrow pane shows each entry on two lines (name above, size and date below), so
    // the name keeps the pane's width instead of a few pixels beside fixed columns.
    this._resizeObserver =
      typeof ResizeObserver === 'function' ? new ResizeObserver(this._onResize) : null;
    this._resizeObserver?.observe(this.node);
    pane.changed.connect(this._render, this);
    _host.manager.changed.connect(this._onManagerChanged, this);
    this._render();
  }

  /** The listing (tests and the benchmark read its rendered rows). */
  get list(): VirtualList<IFileEntry | undefined> {
    return this._list;
  }

  /** Whether the collection picker shows. */
  get pickerOpen(): boolean {
    return this._pickerOpen || !this.pane.browser.collection;
  }

  /** Show or hide the collection picker. */
  set pickerOpen(open: boolean) {
    this._pickerOpen = open;
    if (open) {
      void this._host.manager.loadBookmarks();
    }
    this._render();
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    (this.pickerOpen
      ? this._top.node.querySelector<HTMLElement>('input')
      : this._list.node
    )?.focus();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._resizeObserver?.disconnect();
    Signal.disconnectReceiver(this);
    super.dispose();
  }

  private _onResize = (): void => {
    const width = this.node.clientWidth;
    if (width === 0) {
      return; // hidden
    }
    const narrow = width < NARROW_PANE;
    if (narrow !== this.hasClass('jp-mod-narrow')) {
      this.toggleClass('jp-mod-narrow', narrow);
      this._list.rowHeight = narrow ? 40 : 26;
    }
  };

  private _onActivate = (): void => {
    this._host.manager.activeIndex = this.index;
  };

  private _rowIndex(event: Event): number {
    const row = (event.target as HTMLElement).closest<HTMLElement>('[data-index]');
    return row ? Number(row.dataset.index) : -1;
  }

  private _onMouse = (event: MouseEvent): void => {
    const pane = this.pane;
    if (event.type === 'mousedown') {
      if (event.shiftKey) {
        event.preventDefault(); // a shift-click selects rows, not text
      }
      return;
    }
    // Selection happens on `click`, not `mousedown`: a re-render between the two clicks
    // of a double-click would replace the row and lose the `dblclick`.
    const index = this._rowIndex(event);
    if (index < 0) {
      if (event.type === 'click') {
        pane.clearSelection();
      }
      return;
    }
    const entry = pane.browser.rows[index];
    if (event.type === 'contextmenu') {
      // The menu acts on the selection: a row outside it becomes the selection.
      if (!pane.isSelected(entry)) {
        pane.select(index);
      }
      return;
    }
    if (event.type === 'dblclick') {
      if (entry?.type === 'dir') {
        void pane.browser.cd(pane.browser.pathOf(entry));
      }
      return;
    }
    pane.select(index, { shift: event.shiftKey, toggle: event.ctrlKey || event.metaKey });
  };

  private _onKey = (event: KeyboardEvent): void => {
    const pane = this.pane;
    const page = Math.max(1, Math.floor(this._list.node.clientHeight / this._list.rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: -Infinity,
      End: Infinity
    };
    const run = (id: string): void => {
      event.preventDefault();
      void this._host.commands.execute(id, { managerId: this._host.managerId });
    };
    if (event.key in moves) {
      event.preventDefault();
      const delta = moves[event.key];
      const count = pane.browser.rows.length;
      const to = pane.move(
        Number.isFinite(delta) ? delta : delta > 0 ? count : -count,
        event.shiftKey
      );
      if (to >= 0) {
        this._list.scrollToIndex(to);
      }
    } else if (event.key === 'Enter') {
      event.preventDefault();
      pane.openFocused();
    } else if (event.key === 'Backspace') {
      event.preventDefault();
      void pane.browser.up();
    } else if (event.key === 'Delete') {
      run(CommandIDs.fmDelete);
    } else if (event.key === 'F2') {
      run(CommandIDs.fmRename);
    } else if (event.key === ' ' && pane.focus >= 0) {
      event.preventDefault();
      pane.select(pane.focus, { toggle: event.ctrlKey || event.metaKey });
    } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'a') {
      event.preventDefault();
      pane.selectAll();
    } else if (event.key === 'Escape') {
      pane.clearSelection();
    }
  };

  /** The manager changed (active pane, bookmarks, recent): only what shows them. */
  private _onManagerChanged(): void {
    this.toggleClass('jp-mod-active', this._host.manager.active === this.pane);
    if (this.pickerOpen) {
      this._renderTop();
    }
  }

  private _render(): void {
    const pane = this.pane;
    const model = pane.browser;
    this.toggleClass('jp-mod-active', this._host.manager.active === pane);
    this._renderTop();
    this._list.setHidden(this.pickerOpen);
    if (this._shown !== model.rows) {
      this._shown = model.rows;
      this._list.items = model.rows;
    } else {
      this._list.update();
    }
    this._footer.node.textContent = this._footerText();
    this.toggleClass('jp-mod-busy', model.busy);
  }

  /**
   * The collection bar, then the picker or the breadcrumbs and columns, then the error.
   * The picker's node (with the search form) stays in the DOM across renders, so typing
   * in the search box keeps its focus and caret while answers arrive.
   */
  private _renderTop(): void {
    const pane = this.pane;
    const model = pane.browser;
    const t = this._trans;
    const top = this._top.node;
    const body: HTMLElement[] = [];
    if (this.pickerOpen) {
      this._pickerNode ??= this._pickerShell();
      this._fillPicker(this._pickerLists);
      body.push(this._pickerNode);
    } else if (model.collection) {
      body.push(
        breadcrumbNav(
          t.__('Breadcrumbs'),
          model.breadcrumbs().map(c => ({ label: c.label, target: c.path, title: c.path })),
          path => void model.cd(path)
        ),
        sortHeaders(t, model, key => model.sortBy(key))
      );
    }
    const error = pane.error;
    const wanted = [this._collectionBar(), ...body, ...(error ? [errorBox(t, error)] : [])];
    // Replace every child but a picker already in place.
    for (const child of Array.from(top.children)) {
      if (child !== this._pickerNode || !this.pickerOpen) {
        child.remove();
      }
    }
    wanted.forEach((node, i) => {
      if (top.children[i] !== node) {
        top.insertBefore(node, top.children[i] ?? null);
      }
    });
  }

  private _footerText(): string {
    const t = this._trans;
    const pane = this.pane;
    const model = pane.browser;
    const parts: string[] = [];
    if (model.collection && !model.complete) {
      parts.push(t._n('%1 item', '%1 items', model.count));
      parts.push(t.__('%1 loaded…', model.loadedCount));
    } else if (model.busy) {
      parts.push(t.__('Loading…'));
    } else if (model.collection) {
      parts.push(t._n('%1 item', '%1 items', model.count));
      if (model.truncated) {
        parts.push(t.__('stopped at %1', model.count));
      }
    }
    const selected = pane.selectedNames.size;
    if (selected) {
      parts.push(t._n('%1 selected', '%1 selected', selected));
    }
    const del = pane.deleting;
    if (del) {
      const n = del.paths.length;
      if (del.status === 'SUCCEEDED') {
        parts.push(t._n('deleted %1 item', 'deleted %1 items', n));
      } else if (del.status === 'FAILED') {
        parts.push(t.__('delete task failed'));
      } else {
        parts.push(t._n('deleting %1 item… (%2)', 'deleting %1 items… (%2)', n, del.status));
      }
    }
    return parts.join(' · ');
  }

  /** The collection's name and the button that opens the picker. */
  private _collectionBar(): HTMLElement {
    const t = this._trans;
    const model = this.pane.browser;
    const name = model.collection
      ? el('span', 'jp-GlobusKit-collection-name', [model.collection.display_name])
      : el('span', 'jp-GlobusKit-collection-name jp-mod-placeholder', [t.__('Pick a collection')]);
    if (model.collection) {
      name.title = model.collection.id;
    }
    const bar = el('div', 'jp-GlobusKit-FilePane-collection', [name]);
    if (model.collection) {
      const change = toolButton(
        this._pickerOpen ? t.__('Back to the folder') : t.__('Change collection'),
        this._pickerOpen
          ? t.__('Close the collection picker')
          : t.__('Search collections, bookmarks and recent collections'),
        () => (this.pickerOpen = !this._pickerOpen)
      );
      change.setAttribute('aria-expanded', String(this._pickerOpen));
      bar.appendChild(change);
    }
    return bar;
  }

  /** The picker's lasting node: the search form and a container for the lists. */
  private _pickerShell(): HTMLElement {
    const t = this._trans;
    const picker = el('div', 'jp-GlobusKit-picker');
    picker.setAttribute('role', 'group');
    picker.setAttribute('aria-label', t.__('Collection picker'));
    picker.append(collectionSearchForm(t, this.pane.browser), this._pickerLists);
    return picker;
  }

  /** The default collection, bookmarks, recent collections and search results. */
  private _fillPicker(into: HTMLElement): void {
    const t = this._trans;
    const model = this.pane.browser;
    const manager = this._host.manager;
    const open = (collection: ICollection | string, path?: string): void => {
      this._pickerOpen = false;
      void model.open(collection, path);
    };
    const parts: HTMLElement[] = [];
    const defaultId = this._host.defaultCollection();
    if (defaultId) {
      const b = toolButton(t.__('Default collection'), defaultId, () =>
        open(defaultId, this._host.defaultPath() || undefined)
      );
      b.classList.add('jp-GlobusKit-picker-default');
      parts.push(b);
    }
    const columns = el('div', 'jp-GlobusKit-picker-columns');
    const marks = el('section', 'jp-GlobusKit-picker-section', [
      el('h3', '', [t.__('Bookmarks')]),
      this._bookmarkList(manager.bookmarks, b => open(b.endpoint_id, b.path))
    ]);
    if (manager.bookmarkError) {
      marks.appendChild(errorBox(t, manager.bookmarkError));
    }
    columns.appendChild(marks);
    if (manager.recent.length) {
      columns.appendChild(
        el('section', 'jp-GlobusKit-picker-section', [
          el('h3', '', [t.__('Recent in this manager')]),
          collectionList(t, manager.recent, c => open(c), { label: t.__('Recent collections') })
        ])
      );
    }
    columns.appendChild(
      el('section', 'jp-GlobusKit-picker-section', [
        el('h3', '', [t.__('Search results')]),
        collectionList(t, model.results, c => open(c), { busy: model.busy })
      ])
    );
    parts.push(columns);
    into.replaceChildren(...parts);
  }

  private _bookmarkList(
    bookmarks: readonly IBookmark[],
    open: (bookmark: IBookmark) => void
  ): HTMLElement {
    const t = this._trans;
    const list = el('ul', 'jp-GlobusKit-bookmarks');
    list.setAttribute('aria-label', t.__('Bookmarks'));
    for (const b of bookmarks) {
      const go = toolButton(b.name, b.path, () => open(b));
      go.className = 'jp-GlobusKit-bookmark-open';
      const rename = toolButton(t.__('Rename'), t.__('Rename this bookmark'), () => {
        void this._host.commands.execute(CommandIDs.fmRenameBookmark, {
          managerId: this._host.managerId,
          bookmark: b.id
        });
      });
      rename.setAttribute('aria-label', t.__('Rename bookmark %1', b.name));
      const remove = toolButton(t.__('Remove'), t.__('Remove this bookmark'), () => {
        void this._host.manager.removeBookmark(b.id);
      });
      remove.setAttribute('aria-label', t.__('Remove bookmark %1', b.name));
      const item = el('li', 'jp-GlobusKit-bookmark', [
        go,
        el('span', 'jp-GlobusKit-bookmark-path', [b.path]),
        rename,
        remove
      ]);
      item.dataset.bookmarkId = b.id;
      list.appendChild(item);
    }
    if (bookmarks.length === 0) {
      list.appendChild(el('li', 'jp-GlobusKit-empty', [t.__('No bookmarks yet.')]));
    }
    return list;
  }

  private _renderRow(entry: IFileEntry, index: number): HTMLElement {
    const pane = this.pane;
    const selected = pane.isSelected(entry);
    const row = fileRow(entry, index, selected, { time: true });
    row.dataset.type = entry.type;
    // Files drag onto JupyterLab's file browser; files and folders onto the other pane.
    row.draggable = true;
    row.setAttribute('aria-selected', String(selected));
    if (index === pane.focus) {
      row.classList.add('jp-mod-focused');
    }
    row.title = entry.last_modified ? `${entry.name} · ${entry.last_modified}` : entry.name;
    return row;
  }

  private _top: Widget;
  private _list: VirtualList<IFileEntry | undefined>;
  private _footer: Widget;
  private _shown: readonly (IFileEntry | undefined)[] | null = null;
  private _resizeObserver: ResizeObserver | null;
  private _pickerNode: HTMLElement | null = null;
  private _pickerLists = el('div', 'jp-GlobusKit-picker-lists');
  private _pickerOpen = false;
}

/**
 * The panes of one file manager side by side (the second on demand), as a main-area
 * widget's content.
 */
export class FileManagerPanel extends Panel {
  /**
   * @param options - the model, the commands, the manager id and the settings it reads.
   */
  constructor(options: IFileManagerOptions) {
    super();
    this.model = options.model;
    this.addClass('jp-GlobusKit-FileManager-panes');
    const trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
    const host: IPaneHost = {
      commands: options.commands,
      managerId: options.id,
      manager: options.model,
      defaultCollection: options.defaultCollection,
      defaultPath: options.defaultPath
    };
    this.panes = this.model.panes.map((pane, i) => new FilePane(pane, i, host, trans));
    for (const view of this.panes) {
      this.addWidget(view);
    }
    this.model.changed.connect(this._arrange, this);
    this._arrange();
  }

  /** The manager's state. */
  readonly model: FileManagerModel;

  /** Both pane views. */
  readonly panes: readonly FilePane[];

  /** The active pane's view. */
  get activePane(): FilePane {
    return this.panes[this.model.activeIndex];
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this.activePane.activate();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  private _arrange(): void {
    this.panes[1].setHidden(!this.model.twoPane);
    this.toggleClass('jp-mod-twoPane', this.model.twoPane);
  }
}

/** Options of {@link FileManagerPanel} and {@link createFileManager}. */
export interface IFileManagerOptions {
  /** The widget id (also the commands' `managerId`). */
  id: string;
  /** The manager's state. */
  model: FileManagerModel;
  /** Runs the toolbar's and the keys' commands. */
  commands: CommandRegistry;
  /** The default collection id, or ''. */
  defaultCollection: () => string;
  /** The default folder. */
  defaultPath: () => string;
  /** UI strings. */
  translator?: ITranslator;
}

/** The toolbar's commands, in order; `|` is a spacer. */
const TOOLBAR: readonly string[] = [
  CommandIDs.fmTransfer,
  '|',
  CommandIDs.fmTwoPane,
  CommandIDs.fmShowHidden,
  '|',
  CommandIDs.fmUp,
  CommandIDs.fmRefresh,
  CommandIDs.fmNewFolder,
  CommandIDs.fmRename,
  CommandIDs.fmDelete,
  '|',
  CommandIDs.fmCopyPath,
  CommandIDs.fmCopyLink,
  CommandIDs.fmOpenWebApp,
  CommandIDs.fmBookmark,
  CommandIDs.fmShare
];

/**
 * A Globus file manager: a main-area widget whose toolbar runs the manager's commands
 * (with its id as `managerId`) on the active pane.
 *
 * @param options - the model, commands, id and settings.
 */
export function createFileManager(options: IFileManagerOptions): MainAreaWidget<FileManagerPanel> {
  const trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
  const content = new FileManagerPanel(options);
  const widget = new MainAreaWidget({ content });
  widget.id = options.id;
  widget.addClass('jp-GlobusKit-FileManager');
  // The tab names the active pane's collection, so several managers can be told apart.
  const retitle = (): void => {
    const browser = options.model.active.browser;
    const name = browser.collection?.display_name;
    widget.title.label = name ? trans.__('Globus: %1', name) : trans.__('Globus File Manager');
    widget.title.caption = name ? `${name} ${browser.path}` : trans.__('Globus File Manager');
  };
  options.model.changed.connect(retitle);
  retitle();
  widget.title.icon = globusIcon;
  widget.title.closable = true;
  widget.toolbar.node.setAttribute('aria-label', trans.__('File manager toolbar'));
  TOOLBAR.forEach((id, i) => {
    if (id === '|') {
      const spacer = new Widget();
      spacer.addClass('jp-GlobusKit-FileManager-sep');
      widget.toolbar.addItem(`sep-${i}`, spacer);
      return;
    }
    widget.toolbar.addItem(
      id,
      new CommandToolbarButton({
        commands: options.commands,
        id,
        args: { managerId: options.id },
        label: options.commands.label(id, { managerId: options.id })
      })
    );
  });
  return widget;
}
