import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';

import { WorkspaceModel } from '../model/workspace-model';
import { IWorkspace, IWorkspaceEntry } from '../provider-documents';
import { breadcrumbNav, fileRow, listenToRows, sortHeaders, toolButton } from './browser-parts';
import { el } from './element';
import { VirtualList } from './VirtualList';

/** Options of {@link WorkspaceBrowser}. */
export interface IWorkspaceBrowserOptions {
  /** The browser state. */
  model: WorkspaceModel;
  /** The translator. */
  translator?: ITranslator;
}

/**
 * The workspace browser: the S3 workspaces of the OIDC login, then one workspace's folders
 * with breadcrumbs, sortable columns and the same virtualised list as the collection
 * browser. Every name is a text node.
 */
export class WorkspaceBrowser extends Panel {
  /**
   * @param options - the model and the translator.
   */
  constructor(options: IWorkspaceBrowserOptions) {
    super();
    this._model = options.model;
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
    this.addClass('jp-GlobusKit-WorkspaceBrowser');
    this.addClass('jp-GlobusKit-CollectionBrowser'); // same layout and row styles
    this.title.label = this._trans.__('Workspaces');
    this._top = new Widget();
    this._top.addClass('jp-GlobusKit-CollectionBrowser-top');
    this._list = new VirtualList<IWorkspaceEntry>({
      label: this._trans.__('Workspace files'),
      renderRow: (entry, index) => this._renderRow(entry, index)
    });
    this._footer = new Widget();
    this._footer.addClass('jp-GlobusKit-CollectionBrowser-footer');
    this._footer.node.setAttribute('aria-live', 'polite');
    this.addWidget(this._top);
    this.addWidget(this._list);
    this.addWidget(this._footer);
    const model = this._model;
    listenToRows(this._list.node, {
      rows: () => model.entries,
      selected: () => model.selected,
      select: entry => (model.selected = entry),
      open: entry => void model.cd(model.keyOf(entry)),
      scrollTo: index => this._list.scrollToIndex(index)
    });
    this._model.changed.connect(this._render, this);
    this._render();
  }

  /** The listing widget. */
  get list(): VirtualList<IWorkspaceEntry> {
    return this._list;
  }

  private _render(): void {
    const t = this._trans;
    const model = this._model;
    const top = this._top.node;
    top.replaceChildren();
    if (model.workspace) {
      top.appendChild(this._folderHeader(model.workspace));
    } else {
      top.appendChild(this._workspaceList(model.workspaces));
    }
    if (model.error) {
      const box = el('div', 'jp-GlobusKit-error', [el('p', '', [model.error.message])]);
      box.setAttribute('role', 'alert');
      const code = (model.error as Error & { code?: unknown }).code;
      if (typeof code === 'string') {
        box.dataset.code = code;
      }
      top.appendChild(box);
    }
    this._list.setHidden(!model.workspace);
    if (this._shown !== model.entries) {
      this._shown = model.entries;
      this._list.items = model.entries;
    } else {
      this._list.update();
    }
    let footer = '';
    if (model.busy) {
      footer = t.__('Loading…');
    } else if (model.workspace) {
      footer = t._n('%1 item', '%1 items', model.entries.length);
      if (model.truncated) {
        footer += ` ${t.__('(stopped at %1)', model.entries.length)}`;
      }
    }
    this._footer.node.textContent = footer;
    this.toggleClass('jp-mod-busy', model.busy);
  }

  private _workspaceList(workspaces: readonly IWorkspace[]): HTMLElement {
    const t = this._trans;
    const box = el('div', 'jp-GlobusKit-workspaces-box');
    const refresh = toolButton(t.__('Refresh'), t.__('Reload the workspace list'), () => {
      void this._model.loadWorkspaces();
    });
    box.appendChild(el('div', 'jp-GlobusKit-folder-tools', [refresh]));
    const list = el('ul', 'jp-GlobusKit-collections jp-GlobusKit-workspaces');
    list.setAttribute('aria-label', t.__('Workspaces'));
    for (const w of workspaces) {
      const open = el('button', 'jp-GlobusKit-collection-open', [w.name]);
      open.type = 'button';
      open.title = w.bucket ? `s3://${w.bucket}/${w.prefix}` : w.name;
      open.disabled = Boolean(w.problem);
      open.addEventListener('click', () => void this._model.open(w));
      const meta = el('div', 'jp-GlobusKit-collection-meta', [
        w.problem
          ? w.problem.message
          : [w.storage_type?.toUpperCase(), w.bucket ? `${w.bucket}/${w.prefix}` : '']
              .filter(Boolean)
              .join(' · ')
      ]);
      const item = el('li', 'jp-GlobusKit-collection jp-GlobusKit-workspace', [open, meta]);
      item.dataset.workspace = w.name;
      list.appendChild(item);
    }
    if (workspaces.length === 0 && !this._model.busy) {
      list.appendChild(el('li', 'jp-GlobusKit-empty', [t.__('No workspaces to show.')]));
    }
    box.appendChild(list);
    return box;
  }

  private _folderHeader(workspace: IWorkspace): HTMLElement {
    const t = this._trans;
    const model = this._model;
    const back = toolButton(t.__('Workspaces'), t.__('Back to the workspace list'), () =>
      model.close()
    );
    const name = el('span', 'jp-GlobusKit-collection-name', [workspace.name]);
    const head = el('div', 'jp-GlobusKit-folder-head', [back, name]);
    const crumbs = breadcrumbNav(
      t.__('Workspace breadcrumbs'),
      model.breadcrumbs().map(c => ({ label: c.label, target: c.prefix, title: c.prefix || '/' })),
      prefix => void model.cd(prefix)
    );
    const tools = el('div', 'jp-GlobusKit-folder-tools', [
      toolButton(t.__('Up'), t.__('Open the parent folder'), () => void model.up()),
      toolButton(t.__('Refresh'), t.__('Reload this folder'), () => void model.reload())
    ]);
    const header = sortHeaders(t, model, key => model.sortBy(key));
    return el('div', 'jp-GlobusKit-folder', [head, crumbs, tools, header]);
  }

  private _renderRow(entry: IWorkspaceEntry, index: number): HTMLElement {
    const row = fileRow(entry, index, entry === this._model.selected);
    // Not `data-type`: the collection browser's context-menu selectors match that.
    row.dataset.entryType = entry.type;
    row.title = this._model.keyOf(entry);
    return row;
  }

  private _model: WorkspaceModel;
  private _trans: TranslationBundle;
  private _top: Widget;
  private _list: VirtualList<IWorkspaceEntry>;
  private _footer: Widget;
  private _shown: readonly IWorkspaceEntry[] | null = null;
}
