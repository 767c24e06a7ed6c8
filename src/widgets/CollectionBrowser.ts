import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import { Panel, Widget } from '@lumino/widgets';

import { ICollection, IFileEntry } from '../documents';
import { BrowserModel } from '../model/browser-model';
import { CommandIDs } from '../tokens';
import { breadcrumbNav, fileRow, listenToRows, sortHeaders, toolButton } from './browser-parts';
import { collectionList, collectionSearchForm, errorBox, placeholderRow } from './collection-parts';
import { el } from './element';
import { VirtualList } from './VirtualList';

/**
 * The collection browser: search collections (text and scope), then browse a collection
 * with breadcrumbs, sortable columns and a virtualised listing. Right-click a row for the
 * file commands (the app's context menu reads `model.selected`). Every name is a text node.
 */
export class CollectionBrowser extends Panel {
  /**
   * @param options - the model, the command registry (toolbar buttons run commands) and
   *   the translator.
   */
  constructor(options: ICollectionBrowserOptions) {
    super();
    this._model = options.model;
    this._commands = options.commands;
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
    this.addClass('jp-GlobusKit-CollectionBrowser');
    this.title.label = this._trans.__('Collections');

    this._top = new Widget();
    this._top.addClass('jp-GlobusKit-CollectionBrowser-top');
    this._list = new VirtualList<IFileEntry | undefined>({
      label: this._trans.__('Files'),
      renderRow: (entry, index) =>
        entry ? this._renderRow(entry, index) : placeholderRow(this._trans, index)
    });
    // Rows on screen that have not arrived are fetched ahead of the background loading.
    this._list.rangeRendered.connect((_, range) => {
      if (!this._model.complete) {
        this._model.requestRows(range.start, range.end);
      }
    }, this);
    this._footer = new Widget();
    this._footer.addClass('jp-GlobusKit-CollectionBrowser-footer');
    this._footer.node.setAttribute('aria-live', 'polite');
    this.addWidget(this._top);
    this.addWidget(this._list);
    this.addWidget(this._footer);

    const model = this._model;
    listenToRows(this._list.node, {
      rows: () => model.rows,
      selected: () => model.selected,
      // A row still loading cannot be selected (rows() has no entry for it yet).
      select: entry => (model.selected = entry),
      open: entry => void model.cd(model.pathOf(entry)),
      scrollTo: index => this._list.scrollToIndex(index)
    });
    this._model.changed.connect(this._render, this);
    this._render();
  }

  /** The listing widget (tests and the benchmark read its rendered row count). */
  get list(): VirtualList<IFileEntry | undefined> {
    return this._list;
  }

  private _render(): void {
    const model = this._model;
    const top = this._top.node;
    // Keep the search input (and its focus and caret) across renders.
    top.replaceChildren();
    if (model.collection) {
      top.appendChild(this._folderHeader(model.collection));
    } else {
      // One form for the widget's life: re-creating it would drop focus and caret.
      this._form ??= collectionSearchForm(this._trans, model);
      top.appendChild(this._form);
      top.appendChild(
        collectionList(this._trans, model.results, c => void model.open(c), { busy: model.busy })
      );
    }
    const error = model.error;
    if (error) {
      top.appendChild(errorBox(this._trans, error));
    }
    this._list.setHidden(!model.collection);
    if (this._shown !== model.rows) {
      this._shown = model.rows;
      this._list.items = model.rows;
    } else {
      this._list.update(); // selection changed, or more rows arrived
    }
    const t = this._trans;
    let footer = '';
    const count = model.count;
    if (model.collection && !model.complete) {
      // A large folder shows (and scrolls) at its full length while the rest arrives.
      footer = `${t._n('%1 item', '%1 items', count)} · ${t.__('%1 loaded…', model.loadedCount)}`;
    } else if (model.busy) {
      footer = t.__('Loading…');
    } else if (model.collection) {
      footer = t._n('%1 item', '%1 items', count);
      if (model.truncated) {
        footer += ` ${t.__('(stopped at %1)', count)}`;
      }
    }
    this._footer.node.textContent = footer;
    this.toggleClass('jp-mod-busy', model.busy);
  }

  private _folderHeader(collection: ICollection): HTMLElement {
    const t = this._trans;
    const model = this._model;
    const back = toolButton(t.__('Collections'), t.__('Back to the collection search'), () =>
      model.close()
    );
    const name = el('span', 'jp-GlobusKit-collection-name', [collection.display_name]);
    const head = el('div', 'jp-GlobusKit-folder-head', [back, name]);

    const crumbs = breadcrumbNav(
      t.__('Breadcrumbs'),
      model.breadcrumbs().map(c => ({ label: c.label, target: c.path, title: c.path })),
      path => void model.cd(path)
    );

    const tools = el('div', 'jp-GlobusKit-folder-tools', [
      toolButton(t.__('Up'), t.__('Open the parent folder'), () => void model.up()),
      toolButton(t.__('New folder'), t.__('Create a folder here'), () =>
        this._commands.execute(CommandIDs.mkdir)
      ),
      toolButton(t.__('Refresh'), t.__('Reload this folder'), () => void model.reload())
    ]);

    const header = sortHeaders(t, model, key => model.sortBy(key));
    return el('div', 'jp-GlobusKit-folder', [head, crumbs, tools, header]);
  }

  private _renderRow(entry: IFileEntry, index: number): HTMLElement {
    const t = this._trans;
    const row = fileRow(entry, index, entry === this._model.selected);
    row.dataset.type = entry.type;
    const modified = entry.last_modified ? ` · ${entry.last_modified}` : '';
    row.title =
      entry.type === 'dir'
        ? `${entry.name}${modified} · ${t.__('double-click to open')}`
        : `${entry.name}${modified}`;
    return row;
  }

  private _model: BrowserModel;
  private _commands: CommandRegistry;
  private _trans: TranslationBundle;
  private _top: Widget;
  private _list: VirtualList<IFileEntry | undefined>;
  private _footer: Widget;
  private _shown: readonly (IFileEntry | undefined)[] | null = null;
  private _form: HTMLElement | null = null;
}

/** Options of {@link CollectionBrowser}. */
export interface ICollectionBrowserOptions {
  /** The browser state. */
  model: BrowserModel;
  /** Runs the toolbar's commands (new folder). */
  commands: CommandRegistry;
  /** UI strings. */
  translator?: ITranslator;
}
