/**
 * The workspace browser's state (issue #9), UI-free: the S3 workspaces of the OIDC login,
 * the open workspace and folder, its listing (loaded page by page with S3 continuation
 * markers), sorting and selection. Views listen to `changed`.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from '../api';
import { IWorkspace, IWorkspaceEntry } from '../provider-documents';
import { SortKey, sortEntries } from './browser-model';

/** Most entries loaded for one folder; the listing says when it stopped. */
export const MAX_WORKSPACE_ENTRIES = 100_000;

/** A breadcrumb of a workspace folder. */
export interface IWorkspaceCrumb {
  /** Shown text: the workspace name for the top, else the folder name. */
  label: string;
  /** The folder relative to the workspace (`""` or ending with `/`). */
  prefix: string;
}

/**
 * The breadcrumbs of a folder in a workspace.
 *
 * @param workspace - the workspace name (the first crumb).
 * @param prefix - the folder, `""` or ending with `/`.
 */
export function workspaceCrumbs(workspace: string, prefix: string): IWorkspaceCrumb[] {
  const crumbs: IWorkspaceCrumb[] = [{ label: workspace, prefix: '' }];
  let acc = '';
  for (const part of prefix.split('/').filter(Boolean)) {
    acc += `${part}/`;
    crumbs.push({ label: part, prefix: acc });
  }
  return crumbs;
}

/** Options of {@link WorkspaceModel}. */
export interface IWorkspaceModelOptions {
  /** Entries per `ls` request (1–1000). Default 1000. */
  pageSize?: number;
  /** Most entries loaded per folder. Default {@link MAX_WORKSPACE_ENTRIES}. */
  maxEntries?: number;
}

/**
 * State of the workspace browser.
 */
export class WorkspaceModel implements IDisposable {
  /**
   * @param options - page size and limit.
   */
  constructor(options: IWorkspaceModelOptions = {}) {
    this._pageSize = Math.min(1000, Math.max(1, options.pageSize ?? 1000));
    this._maxEntries = options.maxEntries ?? MAX_WORKSPACE_ENTRIES;
  }

  /** Emitted whenever anything below changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The workspaces of the login. */
  get workspaces(): readonly IWorkspace[] {
    return this._workspaces;
  }

  /** The open workspace, or null while the list is shown. */
  get workspace(): IWorkspace | null {
    return this._workspace;
  }

  /** The open folder, relative to the workspace (`""` or ending with `/`). */
  get prefix(): string {
    return this._prefix;
  }

  /** The listing, sorted (folders first). */
  get entries(): readonly IWorkspaceEntry[] {
    return this._sorted;
  }

  /** Whether loading stopped at the entry limit. */
  get truncated(): boolean {
    return this._truncated;
  }

  /** The sort column. */
  get sortKey(): SortKey {
    return this._sortKey;
  }

  /** Whether the sort is ascending. */
  get sortAscending(): boolean {
    return this._ascending;
  }

  /** Whether a request is in flight. */
  get busy(): boolean {
    return this._busy;
  }

  /** The last error, or null. */
  get error(): Error | null {
    return this._error;
  }

  /** The selected entry (the context menu and the insert commands act on it). */
  get selected(): IWorkspaceEntry | null {
    return this._selected;
  }
  set selected(entry: IWorkspaceEntry | null) {
    if (entry !== this._selected) {
      this._selected = entry;
      this._emit();
    }
  }

  /** Fetch the workspaces of the login (and leave an open workspace as it is). */
  async loadWorkspaces(): Promise<void> {
    const ticket = ++this._listTicket;
    await this._run(async () => {
      const result = await api.listWorkspaces();
      if (ticket === this._listTicket) {
        this._workspaces = Array.isArray(result.workspaces) ? result.workspaces : [];
      }
    });
  }

  /**
   * Open a workspace at a folder.
   *
   * @param workspace - the workspace or its name.
   * @param prefix - the folder (default the top).
   */
  async open(workspace: IWorkspace | string, prefix = ''): Promise<void> {
    const found =
      typeof workspace === 'string'
        ? (this._workspaces.find(w => w.name === workspace) ?? {
            name: workspace,
            storage_type: null,
            bucket: null,
            prefix: '',
            endpoint: null,
            region: null,
            scopes: []
          })
        : workspace;
    this._workspace = found;
    await this.cd(prefix);
  }

  /**
   * Open a folder of the open workspace (all pages, up to the limit).
   *
   * @param prefix - the folder, `""` or ending with `/`.
   */
  async cd(prefix: string): Promise<void> {
    const workspace = this._workspace;
    if (!workspace) {
      return;
    }
    const folder = prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
    const ticket = ++this._lsTicket;
    this._prefix = folder;
    this._entries = [];
    this._sorted = [];
    this._selected = null;
    this._truncated = false;
    await this._run(async () => {
      let marker: string | null = null;
      const all: IWorkspaceEntry[] = [];
      do {
        const page = await api.lsWorkspace(workspace.name, {
          prefix: folder,
          marker,
          limit: this._pageSize
        });
        if (ticket !== this._lsTicket) {
          return; // another folder was opened meanwhile
        }
        all.push(...page.entries);
        marker = page.next_marker;
        if (all.length >= this._maxEntries) {
          this._truncated = marker !== null || all.length > this._maxEntries;
          all.length = Math.min(all.length, this._maxEntries);
          break;
        }
      } while (marker);
      this._entries = all;
      this._sorted = this._sort(all);
    });
  }

  /** Open the parent folder (the top stays the top). */
  async up(): Promise<void> {
    const parts = this._prefix.split('/').filter(Boolean);
    parts.pop();
    await this.cd(parts.length ? `${parts.join('/')}/` : '');
  }

  /** Reload the open folder. */
  async reload(): Promise<void> {
    await this.cd(this._prefix);
  }

  /** Back to the workspace list. */
  close(): void {
    ++this._lsTicket;
    this._workspace = null;
    this._prefix = '';
    this._entries = [];
    this._sorted = [];
    this._selected = null;
    this._error = null;
    this._emit();
  }

  /** Forget everything (after a logout or a change of login). */
  reset(): void {
    ++this._listTicket;
    this._workspaces = [];
    this.close();
  }

  /**
   * Sort by a column; the same column again flips the direction.
   *
   * @param key - the column.
   */
  sortBy(key: SortKey): void {
    if (key === this._sortKey) {
      this._ascending = !this._ascending;
    } else {
      this._sortKey = key;
      this._ascending = true;
    }
    this._sorted = this._sort(this._entries);
    this._emit();
  }

  /** The breadcrumbs of the open folder. */
  breadcrumbs(): IWorkspaceCrumb[] {
    return this._workspace ? workspaceCrumbs(this._workspace.name, this._prefix) : [];
  }

  /**
   * An entry's key relative to the workspace (folders end with `/`).
   *
   * @param entry - an entry of the open folder.
   */
  keyOf(entry: IWorkspaceEntry): string {
    return `${this._prefix}${entry.name}${entry.type === 'dir' ? '/' : ''}`;
  }

  /** Drop listeners. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _sort(entries: readonly IWorkspaceEntry[]): IWorkspaceEntry[] {
    return sortEntries(entries, this._sortKey, this._ascending) as IWorkspaceEntry[];
  }

  private async _run(work: () => Promise<void>): Promise<void> {
    this._busy = true;
    this._error = null;
    this._emit();
    try {
      await work();
    } catch (error) {
      this._error = error instanceof Error ? error : new Error(String(error));
    } finally {
      this._busy = false;
      this._emit();
    }
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _pageSize: number;
  private _maxEntries: number;
  private _workspaces: IWorkspace[] = [];
  private _workspace: IWorkspace | null = null;
  private _prefix = '';
  private _entries: IWorkspaceEntry[] = [];
  private _sorted: IWorkspaceEntry[] = [];
  private _truncated = false;
  private _sortKey: SortKey = 'name';
  private _ascending = true;
  private _busy = false;
  private _error: Error | null = null;
  private _selected: IWorkspaceEntry | null = null;
  private _listTicket = 0;
  private _lsTicket = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}
