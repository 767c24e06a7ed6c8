/**
 * The `{ workspace, key }` form of the notebook verbs `fetchCsv`, `upload` and `link`: the
 * verbs in `flow/` hand such a target over to these functions, and an OIDC session calls
 * them directly. `workspace` is a `Workspace`, or its name on a session that can resolve
 * names (an OIDC session).
 */
import type { IDisplaySink } from '../display/sink';
import { BadInputError } from '../errors/bad-input-error';
import { type ICsvSource, type IFetchCsvOptions, readCsv } from '../flow/read-csv';
import type { Table } from '../flow/table';
import { runVerb, showHtml } from '../flow/verb-context';
import { Workspace } from './workspace';
import { signedUrlCard } from './workspace-cards';
import type {
  ISignedUrl,
  ISignedUrlOptions,
  IWorkspaceUploadOptions,
  IWorkspaceUploadResult,
  WorkspaceUploadInput
} from './workspace-types';

/** An object in a workspace: `{ workspace, key }` (key relative to the workspace). */
export interface IWorkspaceKey {
  /** A `Workspace`, or its name on an OIDC session. */
  workspace: Workspace | string;
  /** The key relative to the workspace, e.g. `weather/station-1.csv`. */
  key: string;
}

/** Options of `upload(data, { workspace, key })`. */
export interface IWorkspaceUploadVerbOptions extends IWorkspaceUploadOptions, IWorkspaceKey {}

/** Options of `link({ workspace, key }, options)`. */
export type IWorkspaceLinkOptions = ISignedUrlOptions;

/** What the workspace form of the verbs needs from a session. */
export interface IWorkspaceVerbContext {
  readonly display: IDisplaySink | undefined;
  /** Resolves a workspace name (an OIDC session has it; a Globus session does not). */
  workspace?(name: string): Promise<Workspace>;
}

/**
 * Whether a verb's target is the `{ workspace, key }` form.
 *
 * @param value - the target
 */
export function isWorkspaceKey(value: unknown): value is IWorkspaceKey {
  return typeof value === 'object' && value !== null && 'workspace' in value;
}

/**
 * The workspace of a target.
 *
 * @param ctx - the session
 * @param target - `{ workspace, key }`
 * @throws BadInputError `BAD_WORKSPACE`
 */
export async function resolveWorkspace(
  ctx: IWorkspaceVerbContext,
  target: IWorkspaceKey
): Promise<Workspace> {
  const ws = target.workspace;
  if (ws instanceof Workspace) {
    return ws;
  }
  if (typeof ws === 'string' && ws !== '') {
    if (typeof ctx.workspace === 'function') {
      return ctx.workspace(ws);
    }
    throw new BadInputError(
      `A workspace name (${JSON.stringify(ws)}) works only on an OIDC session; here pass the Workspace itself: { workspace: await oidc.workspace(name), key }.`,
      { code: 'BAD_WORKSPACE' }
    );
  }
  throw new BadInputError('{ workspace, key } needs a Workspace or a workspace name.', {
    code: 'BAD_WORKSPACE'
  });
}

/**
 * `fetchCsv({ workspace, key })`: stream a CSV object into a `Table` with byte and row
 * progress (the same parser as for collections), and show a head/tail preview.
 *
 * @param ctx - the session
 * @param source - `{ workspace, key }`
 * @param options - parser options, preview size, signal
 */
export function fetchWorkspaceCsv(
  ctx: IWorkspaceVerbContext,
  source: IWorkspaceKey,
  options: IFetchCsvOptions = {}
): Promise<Table> {
  return readCsv(ctx, workspaceCsvSource(ctx, source), options);
}

/**
 * The `fetchCsv` adapter of a workspace object: the workspace's download as the body.
 *
 * @param ctx - the session
 * @param source - `{ workspace, key }`
 */
export function workspaceCsvSource(ctx: IWorkspaceVerbContext, source: IWorkspaceKey): ICsvSource {
  const key = typeof source.key === 'string' ? source.key : '';
  return {
    name: key.slice(key.lastIndexOf('/') + 1) || 'CSV',
    open: async ({ signal }) => {
      const ws = await resolveWorkspace(ctx, source);
      const dl = await ws.download(source.key, { signal });
      return { stream: dl.stream, size: dl.size, title: `${ws.name}: ${key}` };
    }
  };
}

/**
 * `upload(data, { workspace, key })`: the workspace's upload (multipart for large bodies,
 * progress in one display).
 *
 * @param ctx - the session
 * @param data - what to upload
 * @param options - `workspace`, `key`, progress callback, content type, signal
 */
export async function uploadToWorkspace(
  ctx: IWorkspaceVerbContext,
  data: WorkspaceUploadInput,
  options: IWorkspaceUploadVerbOptions
): Promise<IWorkspaceUploadResult> {
  const ws = await resolveWorkspace(ctx, options);
  const { workspace: _w, key, ...rest } = options;
  return ws.upload(data, key, rest);
}

/**
 * `link({ workspace, key }, { expiresIn })`: show and return a presigned download URL and
 * when it expires.
 *
 * @param ctx - the session
 * @param target - `{ workspace, key }`
 * @param options - `expiresIn` seconds, signal
 */
export function linkWorkspace(
  ctx: IWorkspaceVerbContext,
  target: IWorkspaceKey,
  options: IWorkspaceLinkOptions = {}
): Promise<ISignedUrl> {
  return runVerb(ctx, `Link to ${String(target.key)}`, async () => {
    const ws = await resolveWorkspace(ctx, target);
    const signed = await ws.signedUrl(target.key, options);
    showHtml(ctx.display, signedUrlCard(signed));
    return signed;
  });
}
