/**
 * The collection browser's state, UI-free: collection search (fulltext and scope), the open
 * collection and folder, the listing (loaded page by page), sorting, selection, and the
 * file operations (mkdir, rename). Views listen to `changed`.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from '../api';
import { ICollection, IFileEntry } from '../documents';

/** The search scopes offered (Transfer `filter_scope` values). */
export const SEARCH_SCOPES = ['my-endpoints', 'shared-with-me', 'recently-used', 'all'] as const;

/** One of {@link SEARCH_SCOPES}. */
export type SearchScope = (typeof SEARCH_SCOPES)[number];

/** Sortable columns. */
export type SortKey = 'name' | 'size' | 'last_modified';

/** A breadcrumb: its label and the folder it opens. */
export interface IBreadcrumb {
  /** Shown text (the folder name, or the collection name for `/`). */
  label: string;
  /** Absolute folder path with a trailing slash. */
  path: string;
}

/** Most entries loaded for one folder; the listing says when it stopped. */
export const MAX_ENTRIES = 100_000;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Sort entries: folders first, then by `key`, names breaking ties. Returns a new array.
 *
 * @param entries - the listing.
 * @param key - the column.
 * @param ascending - the direction.
 */
export function sortEntries(
  entries: readonly IFileEntry[],
  key: SortKey,
  ascending: boolean
): IFileEntry[] {
  const dir = ascending ? 1 : -1;
  return [...entries].sort((a, b) => {
    const folderA = a.type === 'dir' ? 0 : 1;
    const folderB = b.type === 'dir' ? 0 : 1;
    if (folderA !== folderB) {
      return folderA - folderB;
    }
    let c = 0;
    if (key === 'size') {
      c = (a.size ?? 0) - (b.size ?? 0);
    } else if (key === 'last_modified') {
      c = (a.last_modified ?? '').localeCompare(b.last_modified ?? '');
    }
    return (c || collator.compare(a.name, b.name)) * dir;
  });
}

/**
 * The breadcrumbs of a folder path.
 *
 * @param path - an absolute folder path.
 * @param rootLabel - the label of `/`.
 */
export function breadcrumbsOf(path: string, rootLabel: string): IBreadcrumb[] {
  const crumbs: IBreadcrumb[] = [{ label: rootLabel, path: '/' }];
  let acc = '/';
  for (const part of path.split('/').filter(Boolean)) {
    acc += `${part}/`;
    crumbs.push({ label: part, path: acc });
  }
  return crumbs;
}

/**
 * The absolute path of an entry in a folder (folders get a trailing slash).
 *
 * @param folder - the folder, with a trailing slash.
 * @param entry - the entry.
 */
export function entryPath(folder: string, entry: IFileEntry): string {
  const base = folder.endsWith('/') ? folder : `${folder}/`;
  return `${base}${entry.name}${entry.type === 'dir' ? '/' : ''}`;
}

/**
 * The HTTPS URL of a path on a collection's HTTPS server, or null when it has none.
 * Each segment is percent-encoded, so a name with `#`, `?` or spaces stays one path.
 *
 * @param collection - the collection document.
 * @param path - an absolute path (`/~/` is not resolvable over HTTPS and gives null).
 */
export function httpsUrlOf(collection: ICollection, path: string): string | null {
  const server = collection.https_server;
  if (!server || !/^https?:\/\//.test(server) || path.startsWith('/~/')) {
    return null;
  }
  const encoded = path
    .split('/')
    .map(s => encodeURIComponent(s))
    .join('/');
  return `${server.replace(/\/+$/, '')}${encoded}`;
}

/**
 * State of the collection browser.
 */
export class BrowserModel implements IDisposable {
  /**
   * @param options - page size and where `/` starts.
   */
  constructor(options: IBrowserModelOptions = {}) {
    this._pageSize = options.pageSize ?? 10_000;
  }

  /** Emitted whenever anything below changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Whether the model is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Entries per `ls` request (1–100000). */
  get pageSize(): number {
    return this._pageSize;
  }
  set pageSize(value: number) {
    this._pageSize = Math.min(100_000, Math.max(1, Math.floor(value) || 10_000));
  }

  /** The search text. */
  query = '';
  /** The search scope. */
  scope: SearchScope = 'my-endpoints';

  /** The last search's collections. */
  get results(): readonly ICollection[] {
    return this._results;
  }

  /** The open collection, or null while searching. */
  get collection(): ICollection | null {
    return this._collection;
  }

  /** The open folder (absolute, trailing slash). */
  get path(): string {
    return this._path;
  }

  /** The listing, sorted. */
  get entries(): readonly IFileEntry[] {
    return this._sorted;
  }

  /** Whether the listing stopped at {@link MAX_ENTRIES}. */
  get truncated(): boolean {
    return this._truncated;
  }

  /** The sort column. */
  get sortKey(): SortKey {
    return this._sortKey;
  }

  /** The sort direction. */
  get sortAscending(): boolean {
    return this._sortAscending;
  }

  /** Whether a request is under way. */
  get busy(): boolean {
    return this._busy > 0;
  }

  /** The last error, or null. Cleared by the next successful request. */
  get error(): Error | null {
    return this._error;
  }

  /** The selected entry (the row last clicked or right-clicked), or null. */
  get selected(): IFileEntry | null {
    return this._selected;
  }
  set selected(entry: IFileEntry | null) {
    if (entry !== this._selected) {
      this._selected = entry;
      this._emit();
    }
  }

  /** The breadcrumbs of the open folder. */
  breadcrumbs(): IBreadcrumb[] {
    return breadcrumbsOf(this._path, this._collection?.display_name ?? '/');
  }

  /** Absolute path of an entry of the open folder. */
  pathOf(entry: IFileEntry): string {
    return entryPath(this._path, entry);
  }

  /** HTTPS URL of an entry of the open folder, or null. */
  httpsUrlOf(entry: IFileEntry): string | null {
    return this._collection ? httpsUrlOf(this._collection, this.pathOf(entry)) : null;
  }

  /** Search collections with {@link query} and {@link scope}. */
  async search(): Promise<void> {
    const q = this.query.trim();
    if (this.scope === 'all' && !q) {
      this._results = [];
      this._error = new Error('Type a search text to search all collections.');
      this._emit();
      return;
    }
    const ticket = ++this._searchTicket;
    await this._run(async () => {
      const answer = await api.searchCollections({ q, filterScope: this.scope, limit: 50 });
      if (ticket === this._searchTicket) {
        this._results = answer.collections;
      }
    });
  }

  /**
   * Open a collection at a folder (default: its default directory, else `/`).
   *
   * @param collection - a search result, or an id to look up.
   * @param path - the folder to open.
   */
  async open(collection: ICollection | string, path?: string): Promise<void> {
    let doc: ICollection | null = typeof collection === 'string' ? null : collection;
    if (typeof collection === 'string') {
      const id = collection;
      await this._run(async () => {
        doc = await api.getCollection(id);
      });
    }
    if (!doc) {
      return;
    }
    const opened: ICollection = doc;
    this._collection = opened;
    this._entries = [];
    this._sorted = [];
    // `/` rather than Transfer's `/~/`: paths under `/~/` have no HTTPS URL, and the
    // inserted cells fetch over HTTPS.
    await this.cd(path ?? opened.default_directory ?? '/');
  }

  /** Back to the search results. */
  close(): void {
    this._listTicket++;
    this._collection = null;
    this._entries = [];
    this._sorted = [];
    this._selected = null;
    this._error = null;
    this._emit();
  }

  /**
   * Open a folder of the current collection, loading every page of it.
   *
   * @param path - an absolute folder path.
   */
  async cd(path: string): Promise<void> {
    const collection = this._collection;
    if (!collection) {
      return;
    }
    const ticket = ++this._listTicket;
    const folder = path.endsWith('/') ? path : `${path}/`;
    this._selected = null;
    await this._run(async () => {
      const entries: IFileEntry[] = [];
      let resolved = folder;
      let truncated = false;
      for (;;) {
        const page = await api.ls(collection.id, folder, {
          limit: this._pageSize,
          offset: entries.length
        });
        if (ticket !== this._listTicket) {
          return; // a newer cd() won
        }
        resolved = page.path || folder;
        entries.push(...page.entries);
        const total = page.total ?? entries.length;
        if (page.entries.length < this._pageSize || entries.length >= total) {
          break;
        }
        if (entries.length >= MAX_ENTRIES) {
          truncated = true;
          break;
        }
      }
      this._path = resolved;
      this._entries = entries;
      this._truncated = truncated;
      this._resort();
    });
  }

  /** Open the parent folder. */
  up(): Promise<void> {
    const parts = this._path.split('/').filter(Boolean);
    parts.pop();
    return this.cd(`/${parts.join('/')}${parts.length ? '/' : ''}`);
  }

  /** Reload the open folder. */
  reload(): Promise<void> {
    return this.cd(this._path);
  }

  /**
   * Sort by `key`; the same key again flips the direction.
   *
   * @param key - the column.
   */
  sortBy(key: SortKey): void {
    if (key === this._sortKey) {
      this._sortAscending = !this._sortAscending;
    } else {
      this._sortKey = key;
      this._sortAscending = key === 'name';
    }
    this._resort();
    this._emit();
  }

  /**
   * Create a folder in the open folder, then reload.
   *
   * @param name - the new folder's name (no `/`).
   */
  async mkdir(name: string): Promise<boolean> {
    const collection = this._collection;
    if (!collection || !validName(name)) {
      this._error = new Error(`'${name}' is not a valid folder name.`);
      this._emit();
      return false;
    }
    const ok = await this._run(() => api.mkdir(collection.id, `${this._path}${name}/`));
    if (ok) {
      await this.reload();
    }
    return ok;
  }

  /**
   * Rename an entry of the open folder, then reload.
   *
   * @param entry - what to rename.
   * @param name - its new name (no `/`).
   */
  async rename(entry: IFileEntry, name: string): Promise<boolean> {
    const collection = this._collection;
    if (!collection || !validName(name)) {
      this._error = new Error(`'${name}' is not a valid name.`);
      this._emit();
      return false;
    }
    const ok = await this._run(() =>
      api.rename(collection.id, this.pathOf(entry), `${this._path}${name}`)
    );
    if (ok) {
      await this.reload();
    }
    return ok;
  }

  /** Drop listeners. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private async _run(work: () => Promise<unknown>): Promise<boolean> {
    this._busy++;
    this._emit();
    try {
      await work();
      this._error = null;
      return true;
    } catch (error) {
      this._error = error instanceof Error ? error : new Error(String(error));
      return false;
    } finally {
      this._busy--;
      this._emit();
    }
  }

  private _resort(): void {
    this._sorted = sortEntries(this._entries, this._sortKey, this._sortAscending);
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _pageSize: number;
  private _results: ICollection[] = [];
  private _collection: ICollection | null = null;
  private _path = '/~/';
  private _entries: IFileEntry[] = [];
  private _sorted: IFileEntry[] = [];
  private _truncated = false;
  private _sortKey: SortKey = 'name';
  private _sortAscending = true;
  private _selected: IFileEntry | null = null;
  private _busy = 0;
  private _error: Error | null = null;
  private _searchTicket = 0;
  private _listTicket = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

/** A file or folder name the server will accept. */
function validName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !!name && name !== '.' && name !== '..' && !/[/\u0000-\u001f]/.test(name);
}

/** Options of {@link BrowserModel}. */
export interface IBrowserModelOptions {
  /** Entries per `ls` request. Default 10,000. */
  pageSize?: number;
}
