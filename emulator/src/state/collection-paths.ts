/**
 * Collection paths: the one place that turns an untrusted Globus path (`/~/data/x.csv`,
 * `share/godata/`) into a file system path inside a collection's folder. Every file
 * operation of Transfer, the task engine and GCS HTTPS goes through `resolveInside`, so a
 * `..` segment or a symlink pointing out of the collection can never reach the disk.
 */
import { lstat, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** Why a collection operation was refused; routes map each code to their service's error. */
export type CollectionErrorCode =
  | 'BadPath'
  | 'NotFound'
  | 'NotDirectory'
  | 'IsDirectory'
  | 'Exists'
  | 'ParentMissing'
  | 'PermissionDenied'
  | 'NotFunctional'
  | 'NotSupported'
  | 'NameTooLong'
  | 'StorageError';

/** A refused collection operation, with a stable `code` (never carries tokens). */
export class CollectionError extends Error {
  /**
   * @param code - stable reason, mapped to a Globus error code by each route
   * @param message - human text naming the path and the collection
   */
  constructor(
    readonly code: CollectionErrorCode,
    message: string
  ) {
    super(message);
    this.name = 'CollectionError';
  }
}

/** True when `err` is a `CollectionError` (checks `name` too, across module copies). */
export function isCollectionError(err: unknown): err is CollectionError {
  return err instanceof CollectionError || (err as Error | undefined)?.name === 'CollectionError';
}

/** Longest path we accept; real servers have similar limits (PATH_MAX). */
export const maxPathLength = 4096;

/** Longest name of one file or folder, in UTF-8 bytes (NAME_MAX of Linux file systems). */
export const maxNameBytes = 255;

/**
 * Refuses a path with a name the storage cannot hold (over `maxNameBytes`), before the
 * file system answers ENAMETOOLONG with the host path in its message. It is the storage's
 * limit, not Transfer's path grammar, so `normalizePath` does not apply it: a transfer
 * submission naming such a destination is accepted and its task fails, as on Globus.
 * @param path - a normalised virtual path
 * @throws CollectionError `NameTooLong`
 */
export function checkNameLengths(path: string): void {
  for (const name of path.split('/')) {
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes > maxNameBytes) {
      const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
      throw new CollectionError(
        'NameTooLong',
        `File name too long: '${shown}' is ${bytes} bytes; a file or folder name may have at most ${maxNameBytes} bytes`
      );
    }
  }
}

/** True for an error a Node file system call throws (`code` `ENOENT`, `ENAMETOOLONG`, …). */
export function isFsError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

/**
 * Turns a file system error into a `CollectionError` that names the virtual path only:
 * Node's messages carry the host path (`ENAMETOOLONG: name too long, mkdir '/tmp/…'`),
 * which must never reach a client, an event or a log.
 * @param err - what an `fs` call threw (a `CollectionError` is returned unchanged)
 * @param virtualPath - the collection path the operation was on
 */
export function fsFailure(err: unknown, virtualPath: string): CollectionError {
  if (isCollectionError(err)) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENAMETOOLONG':
      return new CollectionError('NameTooLong', `File name too long: '${virtualPath}'`);
    case 'ENOENT':
      return new CollectionError('NotFound', `No such file or directory: '${virtualPath}'`);
    case 'ENOTDIR':
      return new CollectionError('ParentMissing', `Not a directory: a parent of '${virtualPath}'`);
    case 'EEXIST':
    case 'ENOTEMPTY':
      return new CollectionError('Exists', `Path already exists: '${virtualPath}'`);
    case 'EISDIR':
      return new CollectionError('IsDirectory', `Is a directory: '${virtualPath}'`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new CollectionError('PermissionDenied', `Permission denied: '${virtualPath}'`);
    default:
      return new CollectionError(
        'StorageError',
        `The storage failed on '${virtualPath}'${typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? ` (${code})` : ''}`
      );
  }
}

/**
 * Normalises a Globus path to an absolute virtual path without trailing slash (`/` for the
 * root). `/~/`, `~` and `~/x` resolve against `home`; a relative path is taken relative to
 * `home` too, as Transfer does with the default directory.
 * @param raw - the untrusted path from a request
 * @param home - the actor's home on this collection, already normalised
 * @throws CollectionError `BadPath` on `..`, NUL bytes, or over-long paths
 */
export function normalizePath(raw: string, home: string): string {
  if (typeof raw !== 'string' || raw.length === 0) {
    throw new CollectionError('BadPath', 'A path is required');
  }
  if (raw.length > maxPathLength || raw.includes('\0')) {
    throw new CollectionError('BadPath', 'Invalid path');
  }
  let rest = raw;
  let base = '/';
  if (rest === '~' || rest === '/~' || rest.startsWith('~/') || rest.startsWith('/~/')) {
    base = home;
    rest = rest.replace(/^\/?~/, '');
  } else if (!rest.startsWith('/')) {
    base = home;
  }
  const segs = base.split('/').filter(Boolean);
  for (const seg of rest.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      throw new CollectionError('BadPath', `Invalid path '${raw}': '..' is not allowed`);
    }
    segs.push(seg);
  }
  return '/' + segs.join('/');
}

/**
 * The path as Transfer echoes it back: trailing slash, and `/~/…` kept when the request
 * used the home shorthand (the recorded `ls` of `/~/` answers `"path": "/~/"`).
 */
export function echoDirPath(raw: string, normalized: string, home: string): string {
  if (/^\/?~(\/|$)/.test(raw)) {
    const under = normalized === home ? '' : normalized.slice(home === '/' ? 1 : home.length + 1);
    return under ? `/~/${under}/` : '/~/';
  }
  return normalized === '/' ? '/' : `${normalized}/`;
}

/** Joins a directory virtual path and a child name. */
export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** The parent of a normalised virtual path (`/` for the root). */
export function parentPath(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** The last segment of a normalised virtual path (`''` for the root). */
export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** True when `candidate` (a real path) is `root` or lies below it. */
export function isInside(candidate: string, root: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Maps a normalised virtual path to a file system path under `root`, refusing any symlink
 * on the way that leads out of `root` (or dangles, since following a dangling link on write
 * would create a file wherever it points).
 * @param root - the collection folder, already a real path
 * @param virtualPath - output of `normalizePath`
 * @param followFinal - also check the last segment (false when the operation acts on a
 *   symlink itself, e.g. rename or delete, or replaces it by rename)
 * @throws CollectionError `PermissionDenied` for a symlink out of the collection,
 *   `NotFound` for a dangling symlink in the middle of the path
 */
export async function resolveInside(
  root: string,
  virtualPath: string,
  followFinal: boolean
): Promise<string> {
  const segs = virtualPath.split('/').filter(Boolean);
  const target = join(root, ...segs);
  for (let i = 1; i <= segs.length; i++) {
    const p = join(root, ...segs.slice(0, i));
    let isLink: boolean;
    try {
      isLink = (await lstat(p)).isSymbolicLink();
    } catch {
      // The rest does not exist: nothing further to follow.
      break;
    }
    if (!isLink) continue;
    if (i === segs.length && !followFinal) break;
    let real: string;
    try {
      real = await realpath(p);
    } catch {
      if (i === segs.length) {
        throw new CollectionError('NotFound', `Path '${virtualPath}' is a dangling symlink`);
      }
      throw new CollectionError('NotFound', `No such file or directory: '${virtualPath}'`);
    }
    if (!isInside(real, root)) {
      throw new CollectionError(
        'PermissionDenied',
        `Path '${virtualPath}' leads outside the collection`
      );
    }
  }
  return target;
}
