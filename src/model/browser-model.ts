/**
 * The collection browser's state, UI-free: collection search (fulltext and scope), the open
 * collection and folder, the listing (loaded page by page), sorting, selection, and the
 * file operations (mkdir, rename). Views listen to `changed`.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from '../api';
import { ICollection, IFileEntry, ILsResult } from '../documents';

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

/**
 * Entries asked for by a folder's first request: a few screenfuls. Transfer's cost grows
 * with the page, and the first page is what the user waits for.
 */
export const FIRST_PAGE = 500;

/** Rows fetched for the screen at a time (aligned blocks of this many rows). */
export const SCREEN_BLOCK = 250;

/**
 * Background page requests under way at a time (each of up to `pageSize` entries). Transfer
 * reads the whole folder again for every page, so the rest of a folder comes in as few
 * requests as the page size allows: against the emulator, one request for the 9,500 entries
 * after the first page let a request for the rows on screen through twice as fast as
 * five requests of 2,000, two at a time, and finished sooner.
 */
const BACKGROUND_REQUESTS = 2;

/** Requests for on-screen rows under way at a time. */
const SCREEN_REQUESTS = 2;

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

  /** Whether listings include hidden (dot) files. Set it, then {@link reload}. */
  showHidden = false;

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

  /**
   * The listing, sorted. While a large folder is still loading ({@link complete} false):
   * the entries loaded so far, in Transfer's order.
   */
  get entries(): readonly IFileEntry[] {
    if (this._complete) {
      return this._sorted;
    }
    return this._listing?.slots.filter(isEntry) ?? [];
  }

  /**
   * The rows to show: the sorted listing, or while a large folder is still loading, one slot
   * per entry of the folder in Transfer's order (its name order), `undefined` where that
   * entry has not arrived yet. Sorting applies once every entry is there.
   */
  get rows(): readonly (IFileEntry | undefined)[] {
    if (this._complete) {
      return this._sorted;
    }
    return this._listing?.slots ?? [];
  }

  /** Entries in the open folder (what Transfer reported, capped at {@link MAX_ENTRIES}). */
  get count(): number {
    return this.rows.length;
  }

  /** Entries of the open folder loaded so far. */
  get loadedCount(): number {
    return this._complete ? this._sorted.length : (this._listing?.loaded ?? 0);
  }

  /** Whether every entry of the open folder has arrived (then {@link rows} is sorted). */
  get complete(): boolean {
    return this._complete;
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
    let first: IFirstPage | null = null;
    if (typeof collection === 'string') {
      const id = collection;
      // Given a folder, its first page is asked for while the collection is looked up: one
      // round trip less before the listing shows (the browser's start-up folder).
      first = path === undefined ? null : this._firstPage(id, path);
      await this._run(async () => {
        doc = await api.getCollection(id);
      });
    }
    if (!doc) {
      return;
    }
    const opened: ICollection = doc;
    this._collection = opened;
    this._listTicket++;
    this._setComplete([]);
    // `/` rather than Transfer's `/~/`: paths under `/~/` have no HTTPS URL, and the
    // inserted cells fetch over HTTPS.
    await this._cd(path ?? opened.default_directory ?? '/', first);
  }

  /** Back to the search results. */
  close(): void {
    this._listTicket++;
    this._collection = null;
    this._setComplete([]);
    this._selected = null;
    this._error = null;
    this._emit();
  }

  /**
   * Open a folder of the current collection and load every page of it. The first page is
   * small and shown as soon as it arrives; when Transfer reports the folder's `total`, the
   * listing has its full length at once ({@link rows} holds `undefined` for rows not loaded
   * yet) and the rest loads in the background, up to two requests at a time, while
   * {@link requestRows} fetches the rows on screen ahead of it. Resolves when every page
   * has arrived (or loading stopped at an error or at {@link MAX_ENTRIES}).
   *
   * @param path - an absolute folder path.
   */
  cd(path: string): Promise<void> {
    return this._cd(path, null);
  }

  private async _cd(path: string, prefetched: IFirstPage | null): Promise<void> {
    const collection = this._collection;
    if (!collection) {
      return;
    }
    const ticket = ++this._listTicket;
    const folder = folderOf(path);
    this._selected = null;
    if (this._listing) {
      // The folder still loading is left: keep what arrived until the new one shows.
      this._finish(this._listing);
    }
    await this._run(async () => {
      const { listing, limit, page } =
        prefetched &&
        prefetched.listing.collection === collection.id &&
        prefetched.listing.folder === folder
          ? prefetched
          : this._firstPage(collection.id, folder);
      const first = await page;
      if (ticket !== this._listTicket) {
        return; // a newer cd() won
      }
      this._path = first.path || folder;
      listing.accept(first, 0);
      const done =
        listing.total === null
          ? first.entries.length < limit
          : listing.loaded >= listing.slots.length;
      if (done) {
        this._finish(listing);
        return;
      }
      this._listing = listing;
      this._showPartial();
      try {
        if (listing.total === null) {
          await this._loadSequentially(listing, ticket);
        } else {
          await this._loadRest(listing, ticket);
        }
      } finally {
        if (this._listing === listing) {
          this._finish(listing); // also after an error: keep what arrived
        }
      }
    });
  }

  /**
   * Fetch rows `start`…`end` (exclusive) ahead of the background loading, because they are
   * on screen. Rows already loaded or asked for are not fetched again; a few requests at
   * most are under way at a time, and the rows last asked for go next.
   *
   * @param start - first row.
   * @param end - one past the last row.
   */
  requestRows(start: number, end: number): void {
    const listing = this._listing;
    if (!listing || this._complete) {
      return;
    }
    this._wanted = { start, end };
    this._pumpWanted(listing);
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

  /** Ask for the first page of a folder. */
  private _firstPage(collection: string, path: string): IFirstPage {
    const listing = new Listing(collection, folderOf(path), this._pageSize, this.showHidden);
    const limit = Math.min(this._pageSize, FIRST_PAGE);
    const page = listing.fetch(0, limit);
    page.catch(() => undefined); // reported where it is awaited (if it still matters)
    return { listing, limit, page };
  }

  /** Show a complete listing of `entries` (sorted here). */
  private _setComplete(entries: IFileEntry[], truncated = false): void {
    this._listing?.close();
    this._listing = null;
    this._wanted = null;
    this._entries = entries;
    this._truncated = truncated;
    this._complete = true;
    this._resort();
  }

  /** The first page arrived: show the listing as it loads. */
  private _showPartial(): void {
    this._complete = false;
    this._truncated = this._listing?.truncated ?? false;
    this._entries = [];
    this._sorted = [];
    this._emit();
  }

  /** Every page arrived, or loading stopped: sort what is there. */
  private _finish(listing: Listing): void {
    listing.close();
    this._setComplete(listing.slots.filter(isEntry), listing.truncated);
  }

  /** Transfer did not report a total: page after page until a short page. */
  private async _loadSequentially(listing: Listing, ticket: number): Promise<void> {
    let offset = listing.slots.length;
    let last = listing.slots.length;
    while (last >= Math.min(this._pageSize, FIRST_PAGE) && offset < MAX_ENTRIES) {
      const page = await listing.fetch(offset, this._pageSize);
      if (ticket !== this._listTicket) {
        return;
      }
      listing.accept(page, offset);
      last = page.entries.length;
      offset += last;
      if (last < this._pageSize) {
        break;
      }
      this._emit();
    }
    listing.truncated = offset >= MAX_ENTRIES && last === this._pageSize;
  }

  /**
   * The total is known: the rows after the first page, in requests of `pageSize` entries,
   * {@link BACKGROUND_REQUESTS} at a time.
   */
  private async _loadRest(listing: Listing, ticket: number): Promise<void> {
    const count = listing.slots.length;
    const next = listing.loaded;
    const chunk = this._pageSize;
    const ranges: Array<[number, number]> = [];
    for (let start = next; start < count; start += chunk) {
      ranges.push([start, Math.min(count, start + chunk)]);
    }
    const worker = async (): Promise<void> => {
      for (let range = ranges.shift(); range; range = ranges.shift()) {
        const [start, end] = range;
        if (ticket !== this._listTicket) {
          return;
        }
        // The rows on screen first: wait while they are being fetched.
        await listing.screenIdle();
        if (ticket !== this._listTicket) {
          return;
        }
        if (listing.isLoaded(start, end)) {
          continue; // the screen's requests got there first
        }
        const page = await listing.fetch(start, end - start);
        if (ticket !== this._listTicket) {
          return;
        }
        listing.accept(page, start);
        this._emit();
      }
    };
    await Promise.all(Array.from({ length: BACKGROUND_REQUESTS }, worker));
  }

  /** Fetch the blocks of the rows last asked for that are neither loaded nor asked for. */
  private _pumpWanted(listing: Listing): void {
    const wanted = this._wanted;
    if (!wanted || listing.closed) {
      return;
    }
    const count = listing.slots.length;
    const first = Math.floor(Math.max(0, wanted.start) / SCREEN_BLOCK);
    const last = Math.ceil(Math.min(count, wanted.end) / SCREEN_BLOCK);
    for (let block = first; block < last; block++) {
      if (listing.screenInFlight >= SCREEN_REQUESTS) {
        return;
      }
      const start = block * SCREEN_BLOCK;
      const end = Math.min(count, start + SCREEN_BLOCK);
      if (listing.requested.has(block) || listing.isLoaded(start, end)) {
        continue;
      }
      listing.requested.add(block);
      // The block's limit is at most `pageSize` like every other request.
      const limit = Math.min(end - start, this._pageSize);
      listing
        .fetchForScreen(start, limit)
        .then(
          page => {
            if (!listing.closed) {
              listing.accept(page, start);
              this._emit();
            }
          },
          () => {
            // The background loading fetches these rows too and reports its errors.
            listing.requested.delete(block);
          }
        )
        .finally(() => this._pumpWanted(listing));
    }
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
  private _listing: Listing | null = null;
  private _complete = true;
  private _wanted: { start: number; end: number } | null = null;
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

/** One folder's listing while it loads: Transfer's order, a slot per entry. */
class Listing {
  /**
   * @param collection - the collection id.
   * @param folder - the folder as requested.
   * @param pageSize - the largest `limit` of a request.
   * @param showHidden - whether to list hidden (dot) files.
   */
  constructor(
    readonly collection: string,
    readonly folder: string,
    readonly pageSize: number,
    readonly showHidden = false
  ) {}

  /** The folder's entries as Transfer reported them on the first page, or null. */
  total: number | null = null;
  /** One slot per entry (capped at {@link MAX_ENTRIES}); `undefined` until it arrives. */
  slots: (IFileEntry | undefined)[] = [];
  /** Filled slots. */
  loaded = 0;
  /** Whether the folder has more than {@link MAX_ENTRIES} entries. */
  truncated = false;
  /** Whether the listing was replaced or finished: answers arriving now are dropped. */
  closed = false;
  /** Blocks of rows asked for for the screen. */
  requested = new Set<number>();
  /** Requests for the screen under way. */
  get screenInFlight(): number {
    return this._screenInFlight;
  }

  /** One page from the server. */
  fetch(offset: number, limit: number): Promise<ILsResult> {
    return api.ls(this.collection, this.folder, {
      limit,
      offset,
      ...(this.showHidden ? { showHidden: true } : {})
    });
  }

  /** One page for the screen: counted in {@link screenInFlight}. */
  async fetchForScreen(offset: number, limit: number): Promise<ILsResult> {
    this._screenInFlight++;
    try {
      return await this.fetch(offset, limit);
    } finally {
      if (--this._screenInFlight === 0) {
        for (const resolve of this._idle.splice(0)) {
          resolve();
        }
      }
    }
  }

  /** Resolves when no request for the screen is under way (or the listing closed). */
  screenIdle(): Promise<void> {
    if (this._screenInFlight === 0 || this.closed) {
      return Promise.resolve();
    }
    return new Promise(resolve => this._idle.push(resolve));
  }

  /** Put a page's entries in their slots (the first page also sizes the listing). */
  accept(page: ILsResult, offset: number): void {
    if (this.closed) {
      return;
    }
    if (offset === 0 && this.slots.length === 0 && typeof page.total === 'number') {
      this.total = page.total;
      this.truncated = page.total > MAX_ENTRIES;
      this.slots = new Array<IFileEntry | undefined>(Math.min(page.total, MAX_ENTRIES));
      this.slots.fill(undefined);
    }
    const entries = page.entries;
    const end = Math.min(offset + entries.length, MAX_ENTRIES);
    if (this.total === null && end > this.slots.length) {
      // No total: the listing grows page by page.
      this.slots.length = end;
    }
    for (let i = offset; i < Math.min(end, this.slots.length); i++) {
      if (this.slots[i] === undefined) {
        this.loaded++;
      }
      this.slots[i] = entries[i - offset];
    }
  }

  /** Whether every slot of `start`…`end` is filled. */
  isLoaded(start: number, end: number): boolean {
    for (let i = start; i < end; i++) {
      if (this.slots[i] === undefined) {
        return false;
      }
    }
    return true;
  }

  /** Stop taking answers. */
  close(): void {
    this.closed = true;
    for (const resolve of this._idle.splice(0)) {
      resolve();
    }
  }

  private _screenInFlight = 0;
  private _idle: Array<() => void> = [];
}

/** A folder's first page, asked for. */
interface IFirstPage {
  listing: Listing;
  limit: number;
  page: Promise<ILsResult>;
}

/** A folder path with its trailing slash. */
function folderOf(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

function isEntry(entry: IFileEntry | undefined): entry is IFileEntry {
  return entry !== undefined;
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
