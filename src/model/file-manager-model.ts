/**
 * The Globus file manager's state, UI-free (issue #16): one or two panes, each a
 * {@link BrowserModel} (search, paging of large folders, sort) with a multi-selection, a
 * hidden-files switch and the delete task it follows; the bookmarks; and the JSON state a
 * reload restores.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from '../api';
import { IBookmark, ICollection, IFileEntry, ITask } from '../documents';
import { BrowserModel } from './browser-model';

/** Where a pane is: a collection and a folder (what a reload restores). */
export interface IPaneState {
  /** The collection id, or null while picking one. */
  collection: string | null;
  /** The folder (absolute, trailing slash). */
  path: string;
  /** Whether hidden files are listed. */
  showHidden?: boolean;
}

/** A file manager's state (the restorer's args). */
export interface IFileManagerState {
  /** Whether two panes show side by side. */
  twoPane: boolean;
  /** The panes (the second is kept while one pane shows). */
  panes: IPaneState[];
  /** The pane the toolbar acts on (0 or 1). */
  active?: number;
}

/** Modifier keys of a click or key press that selects. */
export interface ISelectModifiers {
  /** Shift: select the range from the anchor. */
  shift?: boolean;
  /** Ctrl or Cmd: add or remove one row. */
  toggle?: boolean;
}

/** A delete task the pane follows. */
export interface IDeleteProgress {
  /** The task id. */
  taskId: string;
  /** What goes (absolute paths). */
  paths: string[];
  /** `ACTIVE`, `INACTIVE`, `SUCCEEDED` or `FAILED` (`SUBMITTED` before the first poll). */
  status: string;
  /** The last task document, once polled. */
  task: ITask | null;
}

/** Poll interval of a delete task, in ms (doubling up to {@link DELETE_POLL_MAX}). */
export const DELETE_POLL_FIRST = 500;
/** Longest wait between two polls of a delete task, in ms. */
export const DELETE_POLL_MAX = 5000;

/** Paths that name a collection root; a delete of them is refused here and by the server. */
const ROOTS = new Set(['/', '/~/', '/~']);

/**
 * The Globus web app's file manager at a folder.
 *
 * @param collection - the collection id.
 * @param path - the folder.
 * @see https://app.globus.org/file-manager
 */
export function webAppUrlOf(collection: string, path: string): string {
  const q = new URLSearchParams({ origin_id: collection, origin_path: path });
  return `https://app.globus.org/file-manager?${q.toString()}`;
}

/**
 * A range of rows `a`…`b` (either order), inclusive.
 *
 * @param a - one end.
 * @param b - the other end.
 */
function rangeOf(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = Math.min(a, b); i <= Math.max(a, b); i++) {
    out.push(i);
  }
  return out;
}

/** Whether two sets hold the same names. */
function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) {
    return false;
  }
  for (const x of a) {
    if (!b.has(x)) {
      return false;
    }
  }
  return true;
}

/**
 * One pane: a browser model, the selected entries (by name: names are unique in a folder
 * and survive a reload), the focused row, the hidden-files switch and a delete task.
 */
export class PaneModel implements IDisposable {
  /**
   * @param options - the page size of listings.
   */
  constructor(options: { pageSize?: number } = {}) {
    this.browser = new BrowserModel({ pageSize: options.pageSize });
    this.browser.changed.connect(this._onBrowserChanged, this);
  }

  /** The collection browser behind the pane. */
  readonly browser: BrowserModel;

  /** Emitted when anything of the pane or its browser changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when the pane's collection or folder changes (the state to save). */
  get locationChanged(): ISignal<this, void> {
    return this._locationChanged;
  }

  /** Whether the pane is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Names of the selected entries of the open folder. */
  get selectedNames(): ReadonlySet<string> {
    return this._selected;
  }

  /** The focused row (keyboard), or -1. */
  get focus(): number {
    return this._focus;
  }

  /** The delete task under way or last ended, or null. */
  get deleting(): IDeleteProgress | null {
    return this._deleting;
  }

  /** Whether hidden (dot) files are listed. */
  get showHidden(): boolean {
    return this.browser.showHidden;
  }

  /** Whether an entry is selected. */
  isSelected(entry: IFileEntry | undefined): boolean {
    return !!entry && this._selected.has(entry.name);
  }

  /** The selected entries, in row order. */
  selectedEntries(): IFileEntry[] {
    if (this._selected.size === 0) {
      return [];
    }
    return this.browser.rows.filter(
      (e): e is IFileEntry => e !== undefined && this._selected.has(e.name)
    );
  }

  /** Absolute paths of the selected entries (folders with a trailing slash). */
  selectedPaths(): string[] {
    return this.selectedEntries().map(e => this.browser.pathOf(e));
  }

  /**
   * Select by pointer or keyboard: a plain click selects one row, `toggle` adds or removes
   * it, `shift` selects the range from the anchor (added to the selection with `toggle`).
   * A row still loading is focused but not selected.
   *
   * @param index - the row.
   * @param modifiers - shift and ctrl/cmd.
   */
  select(index: number, modifiers: ISelectModifiers = {}): void {
    const rows = this.browser.rows;
    if (index < 0 || index >= rows.length) {
      return;
    }
    const entry = rows[index];
    const before = { selected: this._selected, focus: this._focus, anchor: this._anchor };
    if (modifiers.shift && this._anchor >= 0) {
      const names = rangeOf(this._anchor, index)
        .map(i => rows[i]?.name)
        .filter((n): n is string => n !== undefined);
      this._selected = new Set(modifiers.toggle ? [...this._selected, ...names] : names);
    } else if (modifiers.toggle) {
      const next = new Set(this._selected);
      if (entry) {
        if (next.has(entry.name)) {
          next.delete(entry.name);
        } else {
          next.add(entry.name);
        }
      }
      this._selected = next;
      this._anchor = index;
    } else {
      this._selected = new Set(entry ? [entry.name] : []);
      this._anchor = index;
    }
    this._focus = index;
    if (
      before.focus === this._focus &&
      before.anchor === this._anchor &&
      sameSet(before.selected, this._selected)
    ) {
      // Nothing changed (the second click of a double-click): no re-render, which would
      // replace the row under the pointer before its `dblclick` arrives.
      this._selected = before.selected;
      return;
    }
    this.browser.selected = entry ?? null; // emits
    this._emit();
  }

  /**
   * Move the focus by `delta` rows (clamped), selecting the row reached, or extending the
   * selection from the anchor with `extend` (shift+arrows).
   *
   * @param delta - rows to move (negative: up).
   * @param extend - keep the anchor and select the range.
   * @returns the row now focused, or -1 for an empty listing.
   */
  move(delta: number, extend = false): number {
    const count = this.browser.rows.length;
    if (count === 0) {
      return -1;
    }
    const from = this._focus < 0 ? (delta > 0 ? -1 : count) : this._focus;
    const to = Math.max(0, Math.min(count - 1, from + delta));
    if (extend && this._anchor < 0) {
      this._anchor = Math.max(0, Math.min(count - 1, from));
    }
    this.select(to, { shift: extend });
    return to;
  }

  /** Select every loaded entry. */
  selectAll(): void {
    this._selected = new Set(
      this.browser.rows.filter((e): e is IFileEntry => e !== undefined).map(e => e.name)
    );
    this._emit();
  }

  /** Select nothing. */
  clearSelection(): void {
    if (this._selected.size || this._focus >= 0) {
      this._selected = new Set();
      this._focus = -1;
      this._anchor = -1;
      this.browser.selected = null;
      this._emit();
    }
  }

  /** The focused entry, when it has arrived. */
  focusedEntry(): IFileEntry | null {
    return this.browser.rows[this._focus] ?? null;
  }

  /**
   * Open the focused entry when it is a folder.
   *
   * @returns whether a folder was opened.
   */
  openFocused(): boolean {
    const entry = this.focusedEntry();
    if (entry?.type !== 'dir') {
      return false;
    }
    void this.browser.cd(this.browser.pathOf(entry));
    return true;
  }

  /**
   * List hidden files or not, and reload.
   *
   * @param show - whether to list them.
   */
  setShowHidden(show: boolean): Promise<void> {
    if (show === this.browser.showHidden) {
      return Promise.resolve();
    }
    this.browser.showHidden = show;
    this._locationChanged.emit();
    return this.browser.collection ? this.browser.reload() : Promise.resolve();
  }

  /** Where the pane is, for the restorer. */
  toJSON(): IPaneState {
    const state: IPaneState = {
      collection: this.browser.collection?.id ?? null,
      path: this.browser.path
    };
    if (this.browser.showHidden) {
      state.showHidden = true;
    }
    return state;
  }

  /**
   * Go back to a saved place.
   *
   * @param state - a {@link toJSON} value.
   */
  async restore(state: IPaneState): Promise<void> {
    // Saved state comes back from the workspace as plain JSON: take only what fits.
    this.browser.showHidden = state.showHidden === true;
    const path = typeof state.path === 'string' && state.path.startsWith('/') ? state.path : '';
    if (typeof state.collection === 'string' && state.collection) {
      await this.browser.open(state.collection, path || undefined);
    }
  }

  /**
   * Delete the selected entries (or `paths`) with a Transfer delete task and follow it
   * until it ends, then reload the folder. A collection root is refused before any
   * request.
   *
   * @param paths - what to delete; default the selection.
   * @returns the ended task, or null when nothing was submitted.
   */
  async deleteSelected(paths: string[] = this.selectedPaths()): Promise<ITask | null> {
    const collection = this.browser.collection;
    if (!collection || paths.length === 0) {
      return null;
    }
    const root = paths.find(p => ROOTS.has(p));
    if (root) {
      this._error = new Error(`'${root}' is the root of the collection and cannot be deleted.`);
      this._emit();
      return null;
    }
    let taskId: string;
    try {
      taskId = (await api.deleteItems(collection.id, paths)).taskId;
    } catch (error) {
      this._error = error instanceof Error ? error : new Error(String(error));
      this._emit();
      return null;
    }
    this._error = null;
    const progress: IDeleteProgress = { taskId, paths, status: 'SUBMITTED', task: null };
    this._deleting = progress;
    this._emit();
    let wait = DELETE_POLL_FIRST;
    while (!this._isDisposed) {
      await new Promise(resolve => setTimeout(resolve, wait));
      wait = Math.min(DELETE_POLL_MAX, wait * 2);
      if (this._isDisposed) {
        break;
      }
      try {
        const task = await api.getTask(taskId);
        progress.task = task;
        progress.status = task.status;
      } catch (error) {
        // A poll that fails is tried again; the error shows meanwhile.
        this._error = error instanceof Error ? error : new Error(String(error));
      }
      this._emit();
      if (progress.status === 'SUCCEEDED' || progress.status === 'FAILED') {
        if (progress.status === 'FAILED') {
          const why = progress.task?.fatal_error?.description ?? progress.task?.nice_status;
          this._error = new Error(`The delete task failed${why ? `: ${why}` : ''}.`);
        } else {
          this._error = null;
        }
        if (this.browser.collection?.id === collection.id) {
          await this.browser.reload();
        }
        return progress.task;
      }
    }
    return null;
  }

  /** The pane's own last error (delete), else the browser's. */
  get error(): Error | null {
    return this._error ?? this.browser.error;
  }

  /** Drop listeners and stop following a delete task. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.browser.dispose();
    Signal.clearData(this);
  }

  private _onBrowserChanged(): void {
    const where = `${this.browser.collection?.id ?? ''}\n${this.browser.path}`;
    if (where !== this._where) {
      // Another folder: the selection named entries of the old one.
      this._where = where;
      this._selected = new Set();
      this._focus = -1;
      this._anchor = -1;
      this._error = null;
      this._locationChanged.emit();
    }
    this._emit();
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _selected = new Set<string>();
  private _focus = -1;
  private _anchor = -1;
  private _where = '';
  private _deleting: IDeleteProgress | null = null;
  private _error: Error | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _locationChanged = new Signal<this, void>(this);
}

/**
 * A file manager: two panes (the second shown on demand), the active one, the bookmarks and
 * the collections opened recently.
 */
export class FileManagerModel implements IDisposable {
  /**
   * @param options - the listing page size and the initial state.
   */
  constructor(options: IFileManagerModelOptions = {}) {
    this.panes = [0, 1].map(() => new PaneModel({ pageSize: options.pageSize }));
    for (const pane of this.panes) {
      pane.changed.connect(() => this._changed.emit(), this);
      pane.locationChanged.connect(() => {
        this._noteRecent(pane.browser.collection);
        this._stateChanged.emit();
      }, this);
    }
    this._twoPane = !!options.state?.twoPane;
    this._active = options.state?.active === 1 && this._twoPane ? 1 : 0;
  }

  /** Both panes (the second shows when {@link twoPane}). */
  readonly panes: readonly PaneModel[];

  /** Emitted when anything changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when the state to save changes (panes, places, the two-pane switch). */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Whether two panes show. */
  get twoPane(): boolean {
    return this._twoPane;
  }
  set twoPane(value: boolean) {
    if (value !== this._twoPane) {
      this._twoPane = value;
      if (!value) {
        this._active = 0;
      }
      this._stateChanged.emit();
      this._changed.emit();
    }
  }

  /** The panes shown. */
  get visiblePanes(): readonly PaneModel[] {
    return this._twoPane ? this.panes : this.panes.slice(0, 1);
  }

  /** The index of the pane the toolbar acts on. */
  get activeIndex(): number {
    return this._active;
  }
  set activeIndex(index: number) {
    const next = this._twoPane && index === 1 ? 1 : 0;
    if (next !== this._active) {
      this._active = next;
      this._stateChanged.emit();
      this._changed.emit();
    }
  }

  /** The pane the toolbar acts on. */
  get active(): PaneModel {
    return this.panes[this._active];
  }

  /** The bookmarks, as last loaded. */
  get bookmarks(): readonly IBookmark[] {
    return this._bookmarks;
  }

  /** The last bookmark error, or null. */
  get bookmarkError(): Error | null {
    return this._bookmarkError;
  }

  /** Collections opened in this manager, newest first (at most 8). */
  get recent(): readonly ICollection[] {
    return this._recent;
  }

  /** Load the bookmarks. */
  async loadBookmarks(): Promise<void> {
    await this._bookmarkCall(async () => {
      this._bookmarks = (await api.listBookmarks()).bookmarks;
    });
  }

  /**
   * Bookmark the active pane's folder (or `pane`'s).
   *
   * @param name - the bookmark's name.
   * @param pane - the pane; default the active one.
   */
  async addBookmark(name: string, pane: PaneModel = this.active): Promise<IBookmark | null> {
    const collection = pane.browser.collection;
    if (!collection) {
      return null;
    }
    let made: IBookmark | null = null;
    await this._bookmarkCall(async () => {
      made = await api.createBookmark(name, collection.id, pane.browser.path);
      this._bookmarks = [...this._bookmarks, made];
    });
    return made;
  }

  /**
   * Rename a bookmark.
   *
   * @param id - the bookmark id.
   * @param name - the new name.
   */
  async renameBookmark(id: string, name: string): Promise<boolean> {
    return this._bookmarkCall(async () => {
      const renamed = await api.renameBookmark(id, name);
      this._bookmarks = this._bookmarks.map(b => (b.id === id ? { ...b, ...renamed } : b));
    });
  }

  /**
   * Remove a bookmark.
   *
   * @param id - the bookmark id.
   */
  async removeBookmark(id: string): Promise<boolean> {
    return this._bookmarkCall(async () => {
      await api.deleteBookmark(id);
      this._bookmarks = this._bookmarks.filter(b => b.id !== id);
    });
  }

  /** The state a reload restores. */
  toJSON(): IFileManagerState {
    return {
      twoPane: this._twoPane,
      panes: this.panes.map(p => p.toJSON()),
      active: this._active
    };
  }

  /**
   * Restore saved panes (or open `collection`/`path` in the first).
   *
   * @param state - a {@link toJSON} value.
   */
  async restore(state: Partial<IFileManagerState>): Promise<void> {
    this.twoPane = state.twoPane === true;
    const panes = (Array.isArray(state.panes) ? state.panes : []).map(p =>
      p && typeof p === 'object' ? p : null
    );
    await Promise.all(
      this.panes.map((pane, i) => (panes[i] ? pane.restore(panes[i]) : Promise.resolve()))
    );
    this.activeIndex = typeof state.active === 'number' ? state.active : 0;
  }

  /** Drop listeners. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const pane of this.panes) {
      pane.dispose();
    }
    Signal.clearData(this);
  }

  private _noteRecent(collection: ICollection | null): void {
    if (!collection || this._recent[0]?.id === collection.id) {
      return;
    }
    this._recent = [collection, ...this._recent.filter(c => c.id !== collection.id)].slice(0, 8);
  }

  private async _bookmarkCall(work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      this._bookmarkError = null;
      return true;
    } catch (error) {
      this._bookmarkError = error instanceof Error ? error : new Error(String(error));
      return false;
    } finally {
      if (!this._isDisposed) {
        this._changed.emit();
      }
    }
  }

  private _twoPane: boolean;
  private _active: number;
  private _bookmarks: IBookmark[] = [];
  private _bookmarkError: Error | null = null;
  private _recent: ICollection[] = [];
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _stateChanged = new Signal<this, void>(this);
}

/** Options of {@link FileManagerModel}. */
export interface IFileManagerModelOptions {
  /** Entries per `ls` request. */
  pageSize?: number;
  /** The two-pane switch and active pane to start with (places load with `restore`). */
  state?: Partial<IFileManagerState>;
}
