/**
 * Transfer file operations on a collection: ls (all pages), mkdir (and `mkdir -p`),
 * rename, through `@globus/sdk`'s `transfer.fileOperations` (see `../sdk-call.ts`).
 */
import { GlobusApiError, isGlobusApiError } from '../../errors/api-error';
import { sdkCall } from '../sdk-call';
import { callOptions, ICallOptions } from '../service-context';
import { collectionId } from './collection-names';
import { ITransferScope, transferToken } from './transfer-scope';
import { CollectionRef, IFileDocument, IFileListDocument, IResultDocument } from './types';
import { requireCollectionPath } from '../collection-path';

/** Options of a directory listing. */
export interface ILsOptions extends ICallOptions {
  /** Include dot files (the API's default is true). */
  showHidden?: boolean;
  /** Transfer filter expression, e.g. `type:file` or `name:~*.csv`. */
  filter?: string;
  /** Sort, e.g. `name ASC`. */
  orderby?: string;
  /** Entries per request (default and API maximum 100000). */
  pageSize?: number;
}

/** Largest ls page the API serves. */
const MAX_LS_PAGE = 100000;
/** Bound on pages fetched, so a misbehaving server cannot make us loop forever. */
const MAX_LS_PAGES = 10000;

function requireAbsolute(path: string, what: string): void {
  requireCollectionPath(path, what);
}

/**
 * Iterate a directory's entries, fetching pages as needed.
 *
 * @param scope - Transfer client state
 * @param collection - id or document
 * @param path - absolute directory path (`/~/` for home)
 * @param options - hidden files, filter, order, page size, signal
 * @see https://docs.globus.org/api/transfer/file_operations/#list_directory_contents
 */
export async function* iterateDirectory(
  scope: ITransferScope,
  collection: CollectionRef,
  path: string,
  options: ILsOptions = {}
): AsyncGenerator<IFileDocument, void, undefined> {
  requireAbsolute(path, 'ls path');
  const id = collectionId(collection);
  const token = transferToken(scope, 'ls');
  const pageSize = Math.max(1, Math.min(options.pageSize ?? MAX_LS_PAGE, MAX_LS_PAGE));
  let offset = 0;
  for (let page = 0; page < MAX_LS_PAGES; page++) {
    const res = await sdkCall<IFileListDocument>(
      scope.ctx,
      'transfer',
      {
        operation: 'ls',
        resource: scope.names.describe(collection, path),
        token,
        ...callOptions(options)
      },
      (sdk, o) =>
        sdk.transfer.fileOperations.ls(
          encodeURIComponent(id),
          {
            query: {
              path,
              show_hidden:
                options.showHidden === undefined
                  ? undefined
                  : options.showHidden
                    ? 'true'
                    : 'false',
              filter: options.filter,
              orderby: options.orderby,
              limit: pageSize,
              offset
            }
          },
          o
        )
    );
    const entries = res.data?.DATA ?? [];
    // A 200 whose DATA is not a list (a proxy's or a broken server's answer) is a typed error.
    if (!Array.isArray(entries)) {
      throw new GlobusApiError({
        code: 'MALFORMED_RESPONSE',
        status: res.status,
        service: 'transfer',
        operation: 'list directory',
        resource: scope.names.describe(collection, path),
        serverMessage: 'the response has no list of files'
      });
    }
    for (const entry of entries) {
      yield entry;
    }
    offset += entries.length;
    const total = res.data?.total;
    if (entries.length === 0 || typeof total !== 'number' || offset >= total) {
      return;
    }
  }
}

/**
 * List a whole directory (all pages).
 *
 * @param scope - Transfer client state
 * @param collection - id or document
 * @param path - absolute directory path
 * @param options - hidden files, filter, order, page size, signal
 * @see https://docs.globus.org/api/transfer/file_operations/#list_directory_contents
 */
export async function listDirectory(
  scope: ITransferScope,
  collection: CollectionRef,
  path: string,
  options: ILsOptions = {}
): Promise<IFileDocument[]> {
  const out: IFileDocument[] = [];
  for await (const entry of iterateDirectory(scope, collection, path, options)) {
    out.push(entry);
  }
  return out;
}

/** Options of mkdir. */
export interface IMkdirOptions extends ICallOptions {
  /** Create missing parents and accept an existing directory (`mkdir -p`). */
  parents?: boolean;
}

/** Whether an error says the directory already exists. */
function isExists(error: unknown): boolean {
  return isGlobusApiError(error) && /(^|\.)Exists$/.test(error.globusCode ?? '');
}

/** Whether an error says the parent is missing. */
function isMissingParent(error: unknown): boolean {
  return (
    isGlobusApiError(error) &&
    (error.status === 404 ||
      /NotFound|NoSuchFile/i.test(error.globusCode ?? '') ||
      /No such file or directory/i.test(error.serverMessage ?? ''))
  );
}

function parentOf(path: string): string | undefined {
  const trimmed = path.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  if (cut <= 0) {
    return undefined;
  }
  const parent = `${trimmed.slice(0, cut)}/`;
  return parent === '/~/' || parent === '/' ? undefined : parent;
}

/**
 * Make a directory; with `parents`, also its missing parents, and an existing directory is
 * not an error.
 *
 * @param scope - Transfer client state
 * @param collection - id or document
 * @param path - absolute directory path
 * @param options - `parents`, signal
 * @returns the result of the last mkdir (`DirectoryCreated`), or a synthetic `Exists` result
 * @see https://docs.globus.org/api/transfer/file_operations/#make_directory
 */
export async function makeDirectory(
  scope: ITransferScope,
  collection: CollectionRef,
  path: string,
  options: IMkdirOptions = {}
): Promise<IResultDocument> {
  requireAbsolute(path, 'mkdir path');
  const id = collectionId(collection);
  const once = async (p: string): Promise<IResultDocument> => {
    const res = await sdkCall<IResultDocument>(
      scope.ctx,
      'transfer',
      {
        operation: 'mkdir',
        resource: scope.names.describe(collection, p),
        token: transferToken(scope, 'mkdir'),
        // Repeating a mkdir is harmless: at worst it answers Exists, which -p accepts.
        idempotent: options.parents === true,
        ...callOptions(options)
      },
      (sdk, o) =>
        sdk.transfer.fileOperations.mkdir(encodeURIComponent(id), { payload: { path: p } }, o)
    );
    return res.data;
  };
  if (!options.parents) {
    return once(path);
  }
  const existsResult = (p: string, error: GlobusApiError): IResultDocument => ({
    DATA_TYPE: 'mkdir_result',
    code: 'Exists',
    message: `The directory ${p} already exists`,
    request_id: error.requestId
  });
  // Try the deepest first (the common case: the parent exists); walk up only on demand.
  const pending: string[] = [];
  let current: string | undefined = path;
  for (let depth = 0; current !== undefined && depth < 256; depth++) {
    try {
      const result = await once(current);
      if (pending.length === 0) {
        return result;
      }
      break;
    } catch (error) {
      if (isExists(error)) {
        if (pending.length === 0) {
          return existsResult(current, error as GlobusApiError);
        }
        break;
      }
      if (!isMissingParent(error)) {
        throw error;
      }
      pending.push(current);
      current = parentOf(current);
      if (current === undefined) {
        throw error;
      }
    }
  }
  let last: IResultDocument | undefined;
  while (pending.length > 0) {
    const next = pending.pop() as string;
    try {
      last = await once(next);
    } catch (error) {
      if (!isExists(error)) {
        throw error;
      }
      last = existsResult(next, error as GlobusApiError);
    }
  }
  return last as IResultDocument;
}

/**
 * Rename (move within the collection) a file or directory.
 *
 * @param scope - Transfer client state
 * @param collection - id or document
 * @param oldPath - current absolute path
 * @param newPath - new absolute path (its parent must exist)
 * @param options - signal, timeout, retry
 * @see https://docs.globus.org/api/transfer/file_operations/#rename
 */
export async function renamePath(
  scope: ITransferScope,
  collection: CollectionRef,
  oldPath: string,
  newPath: string,
  options: ICallOptions = {}
): Promise<IResultDocument> {
  requireAbsolute(oldPath, 'rename source');
  requireAbsolute(newPath, 'rename destination');
  const id = collectionId(collection);
  const res = await sdkCall<IResultDocument>(
    scope.ctx,
    'transfer',
    {
      operation: 'rename',
      resource: scope.names.describe(collection, oldPath),
      token: transferToken(scope, 'rename'),
      ...callOptions(options)
    },
    (sdk, o) =>
      sdk.transfer.fileOperations.rename(
        encodeURIComponent(id),
        { payload: { old_path: oldPath, new_path: newPath } },
        o
      )
  );
  return res.data;
}
