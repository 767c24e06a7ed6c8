/**
 * The collection store: every endpoint and collection the emulator knows, each
 * collection's own folder under `<dataDir>/collections/<id>/`, its access rules, and the
 * users' bookmarks. Routes stay thin: they parse a request, call one method here, and map a
 * `CollectionError` to their service's error format.
 *
 * Create it with `await CollectionStore.create({ dataDir, clock, random, seed })`: it removes
 * the temporary files a killed run left (`removeLeftoverTempFiles`) and seeds the tutorial
 * world (files are only written where missing, so a reused `--data` folder keeps what users
 * stored in it).
 */
import { existsSync, lstatSync } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, stat, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IActor } from './actor.js';
import {
  endpointDocument,
  seedCollections,
  type IAccessRule,
  type ICollectionSpec
} from './collection-seed.js';
import {
  CollectionError,
  baseName,
  checkNameLengths,
  childPath,
  echoDirPath,
  fsFailure,
  isInside,
  normalizePath,
  parentPath,
  resolveInside
} from './collection-paths.js';
import { removeLeftoverTempFiles } from './temp-names.js';
import { isoSeconds, lsTime, uuidFromRandom } from './transfer-format.js';
import type { IClock } from './types.js';

export { CollectionError, isCollectionError } from './collection-paths.js';
export type { IAccessRule, ICollectionSpec, EntityType } from './collection-seed.js';

/** A file document as Transfer's `ls` and `stat` return it (`DATA_TYPE: "file"`). */
export interface IFileDocument {
  DATA_TYPE: 'file';
  group: string;
  last_modified: string;
  link_group: string | null;
  link_last_modified: string | null;
  link_size: number | null;
  link_target: string | null;
  link_user: string | null;
  name: string;
  permissions: string;
  size: number;
  type: 'file' | 'dir' | 'invalid_symlink' | 'chr' | 'blk' | 'pipe' | 'other';
  user: string;
}

/** A bookmark document (`DATA_TYPE: "bookmark"`). */
export interface IBookmark {
  DATA_TYPE: 'bookmark';
  id: string;
  name: string;
  endpoint_id: string;
  path: string;
  pinned: boolean;
}

/** A path resolved on a collection for one actor. */
export interface ILocatedPath {
  /** The collection. */
  spec: ICollectionSpec;
  /** Normalised virtual path (no trailing slash, `/` for the root). */
  path: string;
  /** The path inside the collection folder. */
  fsPath: string;
  /** The actor's home on this collection. */
  home: string;
}

/** Search parameters of `endpoint_search`, already validated by the route. */
export interface ISearchQuery {
  fulltext?: string;
  scope: string;
  ownerId?: string;
  hostEndpoint?: string;
  nonFunctional?: boolean;
  entityTypes?: string[];
  /** Collections with an active task of the actor (for `in-use`). */
  inUse?: ReadonlySet<string>;
}

/** Scopes `endpoint_search` accepts. */
export const searchScopes = [
  'all',
  'my-endpoints',
  'my-gcp-endpoints',
  'recently-used',
  'in-use',
  'shared-by-me',
  'shared-with-me',
  'administered-by-me',
  'hide-no-permissions'
] as const;

/** Store of the emulator's collections. */
export class CollectionStore {
  private readonly specs = new Map<string, ICollectionSpec>();
  private readonly roots = new Map<string, string>();
  private readonly https = new Map<string, string>();
  private readonly rules = new Map<string, IAccessRule[]>();
  private readonly bookmarkLists = new Map<string, IBookmark[]>();
  private readonly recent = new Map<string, string[]>();
  private readonly homesMade = new Set<string>();
  private authServerUrl = 'https://auth.globus.org';

  private constructor(private readonly options: ICollectionStoreOptions) {}

  /**
   * Creates the store and seeds its world: one folder per collection under
   * `<dataDir>/collections/`, the weather CSVs, the tutorial files and access rules.
   * @param options - data folder, clock, PRNG and seed
   */
  static async create(options: ICollectionStoreOptions): Promise<CollectionStore> {
    const store = new CollectionStore(options);
    const base = join(options.dataDir, 'collections');
    await mkdir(base, { recursive: true });
    // A run killed mid-copy (a reused `--data` folder) left its temporary files behind.
    await removeLeftoverTempFiles(base);
    for (const spec of seedCollections(options.seed ?? 0)) await store.install(spec);
    return store;
  }

  /**
   * Test seeding (the admin origin's `POST /seed/collections`): adds a collection while the
   * emulator runs, with its folder, files and access rules, exactly as seeded ones get them.
   * @param spec - the collection; its id must be new
   */
  async addCollection(spec: ICollectionSpec): Promise<void> {
    if (this.specs.has(spec.id)) throw new Error(`Collection ${spec.id} already exists`);
    await this.install(spec);
  }

  /**
   * Test seeding: renames or redescribes a collection (e.g. a hostile `display_name`).
   * @param id - collection id
   * @param patch - the fields to change
   * @throws CollectionError `NotFound`
   */
  updateCollection(
    id: string,
    patch: Partial<
      Pick<
        ICollectionSpec,
        | 'displayName'
        | 'description'
        | 'organization'
        | 'department'
        | 'keywords'
        | 'highAssurance'
        | 'sessionDomain'
      >
    >
  ): ICollectionSpec {
    const spec = this.require(id);
    Object.assign(spec, patch);
    return spec;
  }

  /**
   * Test seeding: writes a file into a collection's folder, creating its parents. The path
   * is a collection path; a `..` segment or a NUL byte is refused, so seeding cannot write
   * outside the collection.
   * @param id - collection id
   * @param path - absolute collection path of the file
   * @param content - the bytes or text
   * @throws CollectionError `NotFound` (no such collection) or `BadPath`
   */
  async seedFile(id: string, path: string, content: string | Uint8Array): Promise<string> {
    this.require(id);
    const root = this.roots.get(id);
    const segs = path.split('/').filter(s => s !== '' && s !== '.');
    if (
      !root ||
      !path.startsWith('/') ||
      segs.length === 0 ||
      segs.includes('..') ||
      path.includes('\0')
    ) {
      throw new CollectionError('BadPath', `Invalid seed path '${path}'`);
    }
    checkNameLengths(segs.join('/'));
    const target = join(root, ...segs);
    if (!isInside(target, root))
      throw new CollectionError('BadPath', `Invalid seed path '${path}'`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    return '/' + segs.join('/');
  }

  /** Registers a spec: rules with ids, and (unless an endpoint) its folder and seed files. */
  private async install(spec: ICollectionSpec): Promise<void> {
    const { random, clock, dataDir } = this.options;
    this.specs.set(spec.id, spec);
    this.rules.set(
      spec.id,
      spec.rules.map(r => ({
        DATA_TYPE: 'access' as const,
        id: uuidFromRandom(random),
        role_id: null,
        role_type: null,
        create_time: isoSeconds(clock.now()),
        expiration_date: null,
        ...r
      }))
    );
    if (spec.policy === 'endpoint') return;
    const dir = join(dataDir, 'collections', spec.id);
    await mkdir(dir, { recursive: true });
    const root = await realpath(dir);
    this.roots.set(spec.id, root);
    for (const [path, content] of Object.entries(spec.files)) {
      const target = join(root, ...path.split('/').filter(Boolean));
      if (existsSync(target)) continue;
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, typeof content === 'function' ? content() : content);
    }
  }

  /** Every collection and endpoint id, in seed order. */
  ids(): string[] {
    return [...this.specs.keys()];
  }

  /** The collection's spec, or undefined. */
  get(id: string): ICollectionSpec | undefined {
    return this.specs.get(id);
  }

  /** Ids of the collections served over GCS HTTPS (one origin each). */
  httpsCollectionIds(): string[] {
    return [...this.specs.values()].filter(s => s.https).map(s => s.id);
  }

  /**
   * Records the GCS HTTPS origin serving a collection; it appears as `https_server`.
   * @param id - collection id (one of `httpsCollectionIds()`)
   * @param url - `http://127.0.0.1:<port>`, no trailing slash
   */
  setHttpsServer(id: string, url: string): void {
    if (!this.specs.get(id)?.https) throw new Error(`Collection ${id} is not served over HTTPS`);
    this.https.set(id, url.replace(/\/+$/, ''));
  }

  /** The collection's HTTPS origin, or null. */
  httpsServer(id: string): string | null {
    return this.https.get(id) ?? null;
  }

  /**
   * Records the Auth origin GCS HTTPS sends unauthenticated browsers to (302 login).
   * @param url - the emulator's Auth base URL
   */
  setAuthServer(url: string): void {
    this.authServerUrl = url.replace(/\/+$/, '');
  }

  /** The Auth origin for GCS HTTPS login redirects (default the real Globus Auth). */
  get authServer(): string {
    return this.authServerUrl;
  }

  /**
   * True when Transfer and HTTPS access need a `data_access` consent: a GCSv5 mapped
   * collection that is not high assurance.
   */
  requiresDataAccess(id: string): boolean {
    const spec = this.specs.get(id);
    return !!spec && spec.entityType === 'GCSv5_mapped_collection' && !spec.highAssurance;
  }

  /** True when the actor owns the collection (through any identity of the set). */
  isOwner(id: string, actor: IActor | undefined): boolean {
    const spec = this.specs.get(id);
    return !!spec && !!actor && actor.identityIds.includes(spec.ownerId);
  }

  /**
   * The Transfer endpoint document, as seen by `actor` (roles, ACL editability).
   * @param usernameOf - resolves an owner identity id to its username for `owner_string`
   * @throws CollectionError `NotFound`
   */
  document(
    id: string,
    actor: IActor | undefined,
    usernameOf?: (identityId: string) => string | undefined
  ): Record<string, unknown> {
    const spec = this.require(id);
    const host = spec.hostCollectionId ? this.specs.get(spec.hostCollectionId) : undefined;
    const endpoint = spec.endpointId ? this.specs.get(spec.endpointId) : undefined;
    const doc = endpointDocument(
      spec,
      this.httpsServer(id),
      host?.displayName ?? null,
      endpoint?.displayName ?? null
    );
    const owner = this.isOwner(id, actor);
    doc.my_effective_roles = owner ? ['administrator'] : [];
    doc.acl_editable = owner && spec.policy === 'rules';
    if (spec.ownerId !== spec.endpointId && spec.ownerId !== spec.id) {
      doc.owner_string = usernameOf?.(spec.ownerId) ?? doc.owner_string;
    }
    return doc;
  }

  /**
   * Finds collections for `endpoint_search`, best match first (paging is the route's).
   * @returns the matching specs with their rank
   */
  search(query: ISearchQuery, actor: IActor | undefined): Array<{ id: string; rank: number }> {
    const tokens = (query.fulltext ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const out: Array<{ id: string; rank: number; order: number }> = [];
    let order = 0;
    const recent = actor ? (this.recent.get(actor.primaryId) ?? []) : [];
    for (const spec of this.specs.values()) {
      order++;
      if (!this.inScope(spec, query, actor, recent)) continue;
      if (query.ownerId && spec.ownerId !== query.ownerId) continue;
      if (
        query.hostEndpoint &&
        spec.hostCollectionId !== query.hostEndpoint &&
        spec.endpointId !== query.hostEndpoint
      ) {
        continue;
      }
      if (
        query.nonFunctional !== undefined &&
        (spec.entityType === 'GCSv5_endpoint') !== query.nonFunctional
      ) {
        continue;
      }
      if (query.entityTypes && !query.entityTypes.includes(spec.entityType)) continue;
      let rank = 1;
      if (tokens.length) {
        const name = spec.displayName.toLowerCase();
        const rest = [spec.description, spec.organization, spec.department, spec.keywords, spec.id]
          .filter(Boolean)
          .join(' ')
          .toLowerCase();
        let matched = true;
        rank = 0;
        for (const t of tokens) {
          if (name.includes(t)) rank += 2;
          else if (rest.includes(t)) rank += 1;
          else matched = false;
        }
        if (!matched) continue;
      }
      if (query.scope === 'recently-used') rank = 1 / (1 + recent.indexOf(spec.id));
      out.push({ id: spec.id, rank, order });
    }
    out.sort((a, b) => b.rank - a.rank || a.order - b.order);
    return out.map(({ id, rank }) => ({ id, rank }));
  }

  private inScope(
    spec: ICollectionSpec,
    query: ISearchQuery,
    actor: IActor | undefined,
    recent: string[]
  ): boolean {
    const owner = !!actor && actor.identityIds.includes(spec.ownerId);
    switch (query.scope) {
      case 'my-endpoints':
      case 'administered-by-me':
        return owner;
      case 'my-gcp-endpoints':
        return owner && spec.entityType === 'GCP_mapped_collection';
      case 'recently-used':
        return recent.includes(spec.id);
      case 'in-use':
        return !!query.inUse?.has(spec.id);
      case 'shared-by-me':
        return owner && spec.entityType === 'GCSv5_guest_collection';
      case 'shared-with-me':
        return (
          !owner &&
          spec.entityType === 'GCSv5_guest_collection' &&
          (this.rules.get(spec.id) ?? []).some(
            r =>
              (r.principal_type === 'identity' && !!actor?.identityIds.includes(r.principal)) ||
              (r.principal_type === 'group' && !!actor?.groupIds.includes(r.principal))
          )
        );
      case 'hide-no-permissions':
        return spec.policy !== 'endpoint' && this.mayAccess(spec, '/', actor, 'r', true);
      default:
        return true;
    }
  }

  /**
   * Remembers that the actor used a collection (for `filter_scope=recently-used`).
   */
  markUsed(actor: IActor | undefined, id: string): void {
    if (!actor) return;
    const list = (this.recent.get(actor.primaryId) ?? []).filter(x => x !== id);
    list.unshift(id);
    this.recent.set(actor.primaryId, list.slice(0, 50));
  }

  /** The actor's home directory on a collection (`/~/`). */
  home(id: string, actor: IActor | undefined): string {
    const spec = this.require(id);
    return spec.policy === 'mapped' && actor ? `/home/${actor.localName}` : '/';
  }

  /**
   * Whether the actor may read (`r`) or write (`rw`) at a virtual path.
   * @param anywhere - for reads: true if any rule grants something under the collection
   */
  mayAccess(
    spec: ICollectionSpec,
    path: string,
    actor: IActor | undefined,
    mode: 'r' | 'rw',
    anywhere = false
  ): boolean {
    const owner = !!actor && actor.identityIds.includes(spec.ownerId);
    switch (spec.policy) {
      case 'endpoint':
        return false;
      case 'owner':
        return owner;
      case 'mapped': {
        if (!actor) return false;
        if (mode === 'r') return true;
        const home = `/home/${actor.localName}`;
        return path === home || path.startsWith(`${home}/`);
      }
      case 'rules': {
        if (owner) return true;
        const now = this.options.clock.now();
        const dir = path === '/' ? '/' : `${path}/`;
        return (this.rules.get(spec.id) ?? []).some(r => {
          if (mode === 'rw' && r.permissions !== 'rw') return false;
          if (r.expiration_date && Date.parse(r.expiration_date) <= now) return false;
          if (!(anywhere || dir.startsWith(r.path))) return false;
          switch (r.principal_type) {
            case 'anonymous':
              return true;
            case 'all_authenticated_users':
              return !!actor;
            case 'identity':
              return !!actor?.identityIds.includes(r.principal);
            case 'group':
              return !!actor?.groupIds.includes(r.principal);
          }
          return false;
        });
      }
    }
  }

  /**
   * Resolves an untrusted path on a collection for an actor and checks access.
   * @param mode - `r` to read, `rw` to write (the check applies to `path` itself)
   * @param followFinal - see `resolveInside`
   * @throws CollectionError `NotFound` (collection), `NotFunctional`, `BadPath`,
   *   `PermissionDenied`
   */
  async locate(
    id: string,
    rawPath: string,
    actor: IActor | undefined,
    mode: 'r' | 'rw',
    followFinal = true
  ): Promise<ILocatedPath> {
    const spec = this.require(id);
    const root = this.roots.get(id);
    if (spec.policy === 'endpoint' || !root) {
      throw new CollectionError(
        'NotFunctional',
        `Endpoint '${spec.displayName}' (${id}) is a GCSv5 endpoint and cannot be used for data operations`
      );
    }
    const home = this.home(id, actor);
    const path = normalizePath(rawPath, home);
    checkNameLengths(path);
    if (!this.mayAccess(spec, path, actor, mode)) {
      throw new CollectionError(
        'PermissionDenied',
        `Permission denied: ${mode === 'r' ? 'read' : 'write'} access to '${path}' on '${spec.displayName}'`
      );
    }
    if (home !== '/' && !this.homesMade.has(`${id}:${home}`)) {
      // Account mapping creates the home directory on first use, as GCS's home policies do.
      await mkdir(join(root, ...home.split('/').filter(Boolean)), { recursive: true });
      this.homesMade.add(`${id}:${home}`);
    }
    const fsPath = await resolveInside(root, path, followFinal);
    return { spec, path, fsPath, home };
  }

  /**
   * Lists a directory (every entry; hidden-file filtering, filters and paging are the route's).
   * @returns the echo path (trailing slash, `/~/` kept) and the entries
   * @throws CollectionError `NotFound`, `NotDirectory`, and those of `locate`
   */
  async list(
    id: string,
    rawPath: string,
    actor: IActor | undefined
  ): Promise<{ path: string; entries: IFileDocument[] }> {
    const loc = await this.locate(id, rawPath, actor, 'r');
    const st = await this.statOrThrow(loc);
    if (!st.isDirectory()) {
      throw new CollectionError('NotDirectory', `Path '${loc.path}' is not a directory`);
    }
    const root = this.roots.get(id) as string;
    const entries: IFileDocument[] = [];
    for (const name of (await readdir(loc.fsPath)).sort()) {
      entries.push(
        await this.fileDocument(loc.spec, root, childPath(loc.path, name), join(loc.fsPath, name))
      );
    }
    return { path: echoDirPath(rawPath, loc.path, loc.home), entries };
  }

  /**
   * Lists a directory cheaply: names and types come from one `readdir` (only symlinks are
   * resolved now, as their type is their target's); the full document of an entry, which
   * needs an `lstat`, is built when asked for. So a page of a 10,000-entry folder costs
   * the stats of that page, not of the folder.
   * @returns the echo path and the entries, sorted by name as `list` sorts them
   * @throws CollectionError `NotFound`, `NotDirectory`, and those of `locate`
   */
  async listEntries(
    id: string,
    rawPath: string,
    actor: IActor | undefined
  ): Promise<{ path: string; entries: IListedEntry[] }> {
    const loc = await this.locate(id, rawPath, actor, 'r');
    const st = await this.statOrThrow(loc);
    if (!st.isDirectory()) {
      throw new CollectionError('NotDirectory', `Path '${loc.path}' is not a directory`);
    }
    const root = this.roots.get(id) as string;
    const dirents = await readdir(loc.fsPath, { withFileTypes: true });
    // The default sort of `list` (UTF-16 code units), on the names.
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const entries: IListedEntry[] = [];
    const documentOf = (name: string): Promise<IFileDocument> =>
      this.fileDocument(loc.spec, root, childPath(loc.path, name), join(loc.fsPath, name));
    // A plain entry's document needs one lstat; done synchronously it costs a few µs, while
    // an asynchronous one waits its turn in the small shared thread pool (a 10,000-entry page
    // took 3-4 times as long). A symlink, or an entry gone since the readdir, takes the
    // asynchronous path (which resolves the link, or fails as before).
    const plainDocumentOf = (name: string): Promise<IFileDocument> => {
      const path = childPath(loc.path, name);
      let ls: Stats;
      try {
        ls = lstatSync(join(loc.fsPath, name));
      } catch {
        return documentOf(name);
      }
      return ls.isSymbolicLink()
        ? documentOf(name)
        : Promise.resolve(this.plainDocument(loc.spec, path, ls));
    };
    for (const dirent of dirents) {
      const name = dirent.name;
      if (dirent.isSymbolicLink()) {
        const doc = await documentOf(name);
        entries.push({ name: doc.name, type: doc.type, document: () => Promise.resolve(doc) });
      } else {
        entries.push({ name, type: fileType(dirent), document: () => plainDocumentOf(name) });
      }
    }
    return { path: echoDirPath(rawPath, loc.path, loc.home), entries };
  }

  /**
   * One file document (`operation/endpoint/{id}/stat`).
   * @throws CollectionError `NotFound` and those of `locate`
   */
  async stat(id: string, rawPath: string, actor: IActor | undefined): Promise<IFileDocument> {
    const loc = await this.locate(id, rawPath, actor, 'r', false);
    await this.lstatOrThrow(loc);
    return this.fileDocument(loc.spec, this.roots.get(id) as string, loc.path, loc.fsPath);
  }

  /**
   * Creates one directory; parents are not created.
   * @throws CollectionError `Exists`, `ParentMissing`, and those of `locate`
   */
  async mkdir(id: string, rawPath: string, actor: IActor | undefined): Promise<string> {
    const loc = await this.locate(id, rawPath, actor, 'rw', false);
    if (loc.path === '/' || (await this.exists(loc.fsPath))) {
      throw new CollectionError('Exists', `Path already exists: '${loc.path}/'`);
    }
    await this.requireParentDir(loc);
    await mkdir(loc.fsPath).catch((err: unknown) => {
      throw fsFailure(err, loc.path);
    });
    return loc.path;
  }

  /**
   * Renames a file or directory (a symlink is renamed itself).
   * @throws CollectionError `NotFound`, `Exists`, `ParentMissing`, `BadPath`
   */
  async rename(
    id: string,
    oldRaw: string,
    newRaw: string,
    actor: IActor | undefined
  ): Promise<void> {
    const from = await this.locate(id, oldRaw, actor, 'rw', false);
    const to = await this.locate(id, newRaw, actor, 'rw', false);
    if (from.path === '/' || to.path === '/') {
      throw new CollectionError('BadPath', 'The collection root cannot be renamed');
    }
    await this.lstatOrThrow(from);
    if (to.path === from.path || to.path.startsWith(`${from.path}/`)) {
      throw new CollectionError('BadPath', `Cannot rename '${from.path}' into itself`);
    }
    if (await this.exists(to.fsPath)) {
      throw new CollectionError('Exists', `Destination already exists: '${to.path}'`);
    }
    await this.requireParentDir(to);
    await rename(from.fsPath, to.fsPath).catch((err: unknown) => {
      throw fsFailure(err, to.path);
    });
  }

  /** Real path of a collection's folder (undefined for endpoints). */
  rootOf(id: string): string | undefined {
    return this.roots.get(id);
  }

  /** Builds the file document of one path (symlinks reported as their target's type). */
  async fileDocument(
    spec: ICollectionSpec,
    root: string,
    path: string,
    fsPath: string
  ): Promise<IFileDocument> {
    const ls = await lstat(fsPath);
    const doc = this.plainDocument(spec, path, ls);
    if (!ls.isSymbolicLink()) return doc;
    const owner = doc.user;
    let real: string;
    try {
      real = await realpath(fsPath);
    } catch {
      return { ...doc, type: 'invalid_symlink' };
    }
    if (!isInside(real, root)) return { ...doc, type: 'invalid_symlink' };
    const target = await stat(real);
    return {
      ...doc,
      type: fileType(target),
      size: target.size,
      permissions: (target.mode & 0o7777).toString(8).padStart(4, '0'),
      last_modified: lsTime(target.mtimeMs),
      link_group: 'tutorial',
      link_last_modified: lsTime(ls.mtimeMs),
      link_size: ls.size,
      link_target:
        '/' +
        real
          .slice(root.length + 1)
          .split(/[\\/]/)
          .join('/'),
      link_user: owner
    };
  }

  /** The file document of a path from its `lstat` (a symlink as the link itself). */
  private plainDocument(spec: ICollectionSpec, path: string, ls: Stats): IFileDocument {
    const owner = this.fileOwner(spec, path);
    return {
      DATA_TYPE: 'file',
      group: 'tutorial',
      last_modified: lsTime(ls.mtimeMs),
      link_group: null,
      link_last_modified: null,
      link_size: null,
      link_target: null,
      link_user: null,
      name: baseName(path),
      permissions: (ls.mode & 0o7777).toString(8).padStart(4, '0'),
      size: ls.size,
      type: fileType(ls),
      user: owner
    };
  }

  private fileOwner(spec: ICollectionSpec, path: string): string {
    if (spec.policy === 'mapped') {
      const m = /^\/home\/([^/]+)/.exec(path);
      return m ? m[1] : 'root';
    }
    return 'tutorial';
  }

  // ---- access rules (guest collections) ----

  /**
   * The access rules of a guest collection.
   * @throws CollectionError `NotFound`, `NotSupported` (not a guest collection)
   */
  accessRules(id: string): IAccessRule[] {
    const spec = this.require(id);
    if (spec.policy !== 'rules') {
      throw new CollectionError(
        'NotSupported',
        `Access rules are only supported on guest collections; '${spec.displayName}' is ${spec.entityType}`
      );
    }
    return this.rules.get(id) ?? [];
  }

  /**
   * Adds an access rule (fields validated by the route).
   * @throws CollectionError `Exists` for a rule with the same principal and path
   */
  addAccessRule(
    id: string,
    fields: Pick<IAccessRule, 'principal_type' | 'principal' | 'path' | 'permissions'> & {
      expiration_date?: string | null;
    }
  ): IAccessRule {
    const list = this.accessRules(id);
    if (
      list.some(
        r =>
          r.principal_type === fields.principal_type &&
          r.principal === fields.principal &&
          r.path === fields.path
      )
    ) {
      throw new CollectionError('Exists', 'An access rule with the same principal and path exists');
    }
    const rule: IAccessRule = {
      DATA_TYPE: 'access',
      id: uuidFromRandom(this.options.random),
      principal_type: fields.principal_type,
      principal: fields.principal,
      path: fields.path,
      permissions: fields.permissions,
      role_id: null,
      role_type: null,
      create_time: isoSeconds(this.options.clock.now()),
      expiration_date: fields.expiration_date ?? null
    };
    list.push(rule);
    this.rules.set(id, list);
    return rule;
  }

  /** Removes an access rule; false when there was none with that id. */
  removeAccessRule(id: string, ruleId: string): boolean {
    const list = this.accessRules(id);
    const i = list.findIndex(r => r.id === ruleId);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  // ---- bookmarks ----

  /** The bookmarks of a user (by primary identity id); the array is live. */
  bookmarks(ownerId: string): IBookmark[] {
    let list = this.bookmarkLists.get(ownerId);
    if (!list) {
      list = [];
      this.bookmarkLists.set(ownerId, list);
    }
    return list;
  }

  /** Adds a bookmark for a user. */
  addBookmark(
    ownerId: string,
    fields: { name: string; endpoint_id: string; path: string }
  ): IBookmark {
    const bm: IBookmark = {
      DATA_TYPE: 'bookmark',
      id: uuidFromRandom(this.options.random),
      name: fields.name,
      endpoint_id: fields.endpoint_id,
      path: fields.path,
      pinned: false
    };
    this.bookmarks(ownerId).push(bm);
    return bm;
  }

  // ---- helpers ----

  private require(id: string): ICollectionSpec {
    const spec = this.specs.get(id);
    if (!spec) throw new CollectionError('NotFound', `No such endpoint '${id}'`);
    return spec;
  }

  private async exists(fsPath: string): Promise<boolean> {
    try {
      await lstat(fsPath);
      return true;
    } catch {
      return false;
    }
  }

  private async statOrThrow(loc: ILocatedPath): Promise<Stats> {
    try {
      return await stat(loc.fsPath);
    } catch {
      throw new CollectionError('NotFound', `Directory '${loc.path}' not found`);
    }
  }

  private async lstatOrThrow(loc: ILocatedPath): Promise<Stats> {
    try {
      return await lstat(loc.fsPath);
    } catch {
      throw new CollectionError('NotFound', `Path '${loc.path}' not found`);
    }
  }

  private async requireParentDir(loc: ILocatedPath): Promise<void> {
    const parent = parentPath(loc.path);
    const root = this.roots.get(loc.spec.id) as string;
    const parentFs = await resolveInside(root, parent, true);
    let ok = false;
    try {
      ok = (await stat(parentFs)).isDirectory();
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new CollectionError(
        'ParentMissing',
        `No such file or directory: parent '${parent}' of '${loc.path}' does not exist`
      );
    }
  }
}

function fileType(
  st: Pick<
    Stats,
    'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isCharacterDevice' | 'isBlockDevice' | 'isFIFO'
  >
): IFileDocument['type'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'invalid_symlink';
  if (st.isCharacterDevice()) return 'chr';
  if (st.isBlockDevice()) return 'blk';
  if (st.isFIFO()) return 'pipe';
  return 'other';
}

/** One entry of `listEntries`: what needs no stat, and its full document on demand. */
export interface IListedEntry {
  /** As in the file document. */
  name: string;
  /** As in the file document (a symlink's is its target's, or `invalid_symlink`). */
  type: IFileDocument['type'];
  /** The entry's file document. */
  document(): Promise<IFileDocument>;
}

/** What a `CollectionStore` is created from. */
export interface ICollectionStoreOptions {
  /** The emulator's data folder; collections live in `<dataDir>/collections/<id>/`. */
  dataDir: string;
  /** The shared clock (rule create times, expirations). */
  clock: IClock;
  /** The shared seeded PRNG (rule and bookmark ids). */
  random: () => number;
  /** The emulator seed (weather CSV values); default 0. */
  seed?: number;
}
