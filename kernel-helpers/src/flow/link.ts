/**
 * `globus.link(collection, path)` or `globus.link({ collection, path })`: the file's HTTPS
 * URL and its Globus web app page.
 */
import { joinHtml, keyValueHtml, linkHtml } from '../display/html';
import { BadInputError } from '../errors/bad-input-error';
import { encodeCollectionPath } from '../services/gcs/https-client';
import type { IEndpointDocument } from '../services/transfer/types';
import {
  collectionArguments,
  collectionLabel,
  type CollectionInput,
  type ICollectionPath,
  labelPath,
  resolveCollection
} from './resolve-collection';
import { type IVerbContext, type IVerbOptions, runVerb, showHtml } from './verb-context';
import type { ISignedUrl } from '../workspaces/workspace-types';
import {
  isWorkspaceKey,
  linkWorkspace,
  type IWorkspaceKey,
  type IWorkspaceLinkOptions
} from '../workspaces/workspace-verbs';

/** The Globus web app's file manager. */
export const WEB_APP_FILE_MANAGER = 'https://app.globus.org/file-manager';

/** What `link()` returns. */
export interface ILinkResult {
  /** Collection id. */
  collection: string;
  /** Collection display name, if it has one. */
  collectionName: string | null;
  /** The path as given. */
  path: string;
  /** The HTTPS URL (opening it in a browser asks the user to log in to the collection); null when the collection has no HTTPS server. */
  url: string | null;
  /** The Globus web app page of the folder holding the path. */
  webAppUrl: string;
}

/**
 * The Globus web app link: the file manager at the path's folder (a file's own folder,
 * since the file manager shows folders).
 *
 * @param collectionId - the collection id
 * @param path - an absolute path
 */
export function webAppUrl(collectionId: string, path: string): string {
  const folder = path.endsWith('/') ? path : path.slice(0, path.lastIndexOf('/') + 1) || '/';
  const q = new URLSearchParams({ origin_id: collectionId, origin_path: folder });
  return `${WEB_APP_FILE_MANAGER}?${q.toString()}`;
}

/**
 * Build the links of a path on a resolved collection (no request).
 *
 * @param doc - the collection document
 * @param path - an absolute path
 */
export function linksFor(doc: IEndpointDocument, path: string): ILinkResult {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new BadInputError(`A collection path must start with '/' (got ${JSON.stringify(path)})`, {
      code: 'BAD_PATH'
    });
  }
  const server = doc.https_server ? doc.https_server.replace(/\/+$/, '') : null;
  return {
    collection: doc.id,
    collectionName: doc.display_name,
    path,
    url: server === null ? null : `${server}${encodeCollectionPath(path)}`,
    webAppUrl: webAppUrl(doc.id, path)
  };
}

/**
 * Show and return the HTTPS URL and the web app link of a path.
 *
 * @param ctx - the session
 * @param collection - id or display name
 * @param path - absolute path
 * @param options - signal
 */
export function link(
  ctx: IVerbContext,
  collection: CollectionInput,
  path: string,
  options?: IVerbOptions
): Promise<ILinkResult>;
/**
 * Show and return a presigned download URL of an object in an S3 workspace, with its
 * expiry: `link({ workspace, key }, { expiresIn })`.
 *
 * @param ctx - the session
 * @param target - `{ workspace, key }`
 * @param options - `expiresIn` seconds, signal
 */
export function link(
  ctx: IVerbContext,
  target: IWorkspaceKey,
  options?: IWorkspaceLinkOptions
): Promise<ISignedUrl>;
/**
 * Show and return the links of a path given as `{ collection, path }` (the form
 * `fetchCsv` and `upload` take).
 *
 * @param ctx - the session
 * @param target - `{ collection, path }`
 * @param options - signal
 */
export function link(
  ctx: IVerbContext,
  target: ICollectionPath,
  options?: IVerbOptions
): Promise<ILinkResult>;
export function link(
  ctx: IVerbContext,
  collection: CollectionInput | ICollectionPath | IWorkspaceKey,
  path?: string | IWorkspaceLinkOptions | IVerbOptions,
  options?: IVerbOptions
): Promise<ILinkResult | ISignedUrl> {
  if (isWorkspaceKey(collection)) {
    return linkWorkspace(
      ctx,
      collection,
      typeof path === 'object' ? (path as IWorkspaceLinkOptions) : (options ?? {})
    );
  }
  return linkCollection(ctx, collection, path as string | IVerbOptions | undefined, options);
}

function linkCollection(
  ctx: IVerbContext,
  first: CollectionInput | ICollectionPath,
  second: string | IVerbOptions | undefined,
  third: IVerbOptions | undefined
): Promise<ILinkResult> {
  return runVerb(ctx, `Link to ${labelPath(first, second)}`, async () => {
    const { collection, path, options = {} } = collectionArguments('link', first, second, third);
    const doc = await resolveCollection(ctx.transfer, collection, { signal: options.signal });
    const result = linksFor(doc, path);
    showHtml(ctx.display, linksCard(doc, result));
    return result;
  });
}

/**
 * A small card with the collection, path and both links.
 *
 * @param doc - the collection
 * @param result - the links
 */
export function linksCard(doc: IEndpointDocument, result: ILinkResult) {
  return joinHtml(
    [
      keyValueHtml([
        ['Collection', collectionLabel(doc)],
        ['Path', result.path],
        ['HTTPS', result.url === null ? 'no HTTPS server' : linkHtml(result.url, result.url)],
        ['Globus web app', linkHtml('Open in the Globus web app', result.webAppUrl)]
      ])
    ],
    { className: 'jp-GlobusKit-Links' }
  );
}
