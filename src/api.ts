/**
 * The one module that talks HTTP to the server extension. Everything else goes through
 * these functions, so tests can replace this module alone.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IApiErrorBody,
  ICollection,
  ICollectionSearchResult,
  IConsentsResult,
  ILsResult,
  IOperationResult,
  ITask,
  ITaskList
} from './documents';
import {
  IOidcLoginResult,
  IOidcLoginStart,
  IOidcStatus,
  IProvidersResult,
  IWorkspaceList,
  IWorkspaceLsResult
} from './provider-documents';
import { IGlobusStatus } from './tokens';

/** The route prefix the server extension serves. */
export const API_NAMESPACE = 'globus-kit';

/**
 * A request to the server extension failed; `status` is the HTTP status (0: no answer).
 * `code` is the route's stable code (`CONSENT_REQUIRED`, `TOKEN_EXPIRED`, `NOT_FOUND`, …,
 * the same codes as kernel-helpers) or ours (`server-unreachable`, `http-error`).
 */
export class GlobusKitApiError extends Error {
  /** Stable error code. */
  readonly code: string;
  /** HTTP status, or 0 when the server did not answer. */
  readonly status: number;
  /** The route's error body, when it sent one (consent URL, required scopes …). */
  readonly body: IApiErrorBody | null;

  /**
   * @param message - what failed and what to do.
   * @param code - stable code, e.g. `server-unreachable`, `http-error`, `NOT_FOUND`.
   * @param status - the HTTP status, 0 when there was no answer.
   * @param options - the original error as `cause`, the route's error body as `body`.
   */
  constructor(
    message: string,
    code: string,
    status: number,
    options?: { cause?: unknown; body?: IApiErrorBody }
  ) {
    super(message, options);
    this.name = 'GlobusKitApiError';
    this.code = code;
    this.status = status;
    this.body = options?.body ?? null;
  }

  /** Where to grant a missing consent, for `CONSENT_REQUIRED`. */
  get consentUrl(): string | null {
    return this.body?.consentUrl ?? null;
  }
}

/**
 * Call a `/globus-kit/<endPoint>` route and parse its JSON answer.
 *
 * @param endPoint - the path under `/globus-kit/`.
 * @param init - fetch options (method, body, signal).
 * @param settings - server connection settings; the default connects to the lab's server.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new GlobusKitApiError(
      `The Jupyter server did not answer ${API_NAMESPACE}/${endPoint}; is it running?`,
      'server-unreachable',
      0,
      { cause: error }
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let body: IApiErrorBody | undefined;
    try {
      const doc = JSON.parse(text) as Partial<IApiErrorBody>;
      if (typeof doc.message === 'string') {
        body = { ...doc, code: typeof doc.code === 'string' ? doc.code : '', message: doc.message };
      }
    } catch {
      // not JSON (e.g. an HTML error page): the status alone says enough
    }
    if (body?.code) {
      // A typed error of our routes: its message already names the operation and remedy.
      throw new GlobusKitApiError(body.message, body.code, response.status, { body });
    }
    throw new GlobusKitApiError(
      `${API_NAMESPACE}/${endPoint} failed (${response.status})${body ? `: ${body.message}` : ''}`,
      response.status === 404 ? 'server-extension-missing' : 'http-error',
      response.status
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new GlobusKitApiError(
      `${API_NAMESPACE}/${endPoint} answered with invalid JSON`,
      'invalid-json',
      response.status,
      {
        cause: error
      }
    );
  }
}

/** Fetch the identity and token status (never the tokens themselves). */
export function getStatus(init: RequestInit = {}): Promise<IGlobusStatus> {
  return requestAPI<IGlobusStatus>('status', init);
}

/** A query string from defined values (repeated keys for arrays). */
function query(params: Record<string, string | number | boolean | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') {
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      q.append(key, String(v));
    }
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** JSON POST options. */
function post(body: unknown, init: RequestInit = {}): RequestInit {
  return { ...init, method: 'POST', body: JSON.stringify(body) };
}

/**
 * Search collections (Transfer endpoint_search).
 *
 * @param options - fulltext `q`, `filterScope` (`my-endpoints`, `shared-with-me`,
 *   `recently-used`, `all` …), `limit`, `offset`.
 * @see https://docs.globus.org/api/transfer/endpoint_search/
 */
export function searchCollections(
  options: { q?: string; filterScope?: string; limit?: number; offset?: number },
  init: RequestInit = {}
): Promise<ICollectionSearchResult> {
  return requestAPI(
    `collections${query({
      q: options.q,
      filter_scope: options.filterScope,
      limit: options.limit,
      offset: options.offset
    })}`,
    init
  );
}

/**
 * One collection's document.
 *
 * @param id - the collection id.
 */
export function getCollection(id: string, init: RequestInit = {}): Promise<ICollection> {
  return requestAPI(`collections/${encodeURIComponent(id)}`, init);
}

/**
 * One page of a folder listing (Transfer ls).
 *
 * @param id - the collection id.
 * @param path - an absolute folder path (`/~/` is the home).
 * @param page - `limit` and `offset`.
 * @see https://docs.globus.org/api/transfer/file_operations/#list_directory_contents
 */
export function ls(
  id: string,
  path: string,
  page: { limit?: number; offset?: number } = {},
  init: RequestInit = {}
): Promise<ILsResult> {
  return requestAPI(
    `collections/${encodeURIComponent(id)}/ls${query({ path, limit: page.limit, offset: page.offset })}`,
    init
  );
}

/**
 * Create one folder (its parent must exist).
 *
 * @param id - the collection id.
 * @param path - the new folder's absolute path.
 */
export function mkdir(id: string, path: string, init: RequestInit = {}): Promise<IOperationResult> {
  return requestAPI(`collections/${encodeURIComponent(id)}/mkdir`, post({ path }, init));
}

/**
 * Rename or move a file or folder within a collection.
 *
 * @param id - the collection id.
 * @param oldPath - its absolute path.
 * @param newPath - the new absolute path.
 */
export function rename(
  id: string,
  oldPath: string,
  newPath: string,
  init: RequestInit = {}
): Promise<IOperationResult> {
  return requestAPI(
    `collections/${encodeURIComponent(id)}/rename`,
    post({ old_path: oldPath, new_path: newPath }, init)
  );
}

/**
 * Recent Transfer tasks, newest first.
 *
 * @param options - `limit` (1–100), `status` filter.
 */
export function listTasks(
  options: { limit?: number; status?: string } = {},
  init: RequestInit = {}
): Promise<ITaskList> {
  return requestAPI(`tasks${query({ limit: options.limit, status: options.status })}`, init);
}

/**
 * One Transfer task.
 *
 * @param taskId - the task id.
 */
export function getTask(taskId: string, init: RequestInit = {}): Promise<ITask> {
  return requestAPI(`tasks/${encodeURIComponent(taskId)}`, init);
}

/**
 * Cancel a Transfer task.
 *
 * @param taskId - the task id.
 */
export function cancelTask(taskId: string, init: RequestInit = {}): Promise<IOperationResult> {
  return requestAPI(`tasks/${encodeURIComponent(taskId)}/cancel`, post({}, init));
}

/**
 * Which of `scopes` the server's tokens grant, with a consent URL for each missing one.
 *
 * @param scopes - required scopes (dependencies in brackets allowed).
 */
export function getConsents(scopes: string[], init: RequestInit = {}): Promise<IConsentsResult> {
  return requestAPI(`consents${query({ scope: scopes })}`, init);
}

/** The providers the server is configured for (Globus and, optionally, one OIDC provider). */
export function getProviders(init: RequestInit = {}): Promise<IProvidersResult> {
  return requestAPI('providers', init);
}

/** The OIDC provider's identity and token status (never the token). */
export function getOidcStatus(init: RequestInit = {}): Promise<IOidcStatus> {
  return requestAPI('oidc/status', init);
}

/**
 * Start a PKCE login at the OIDC provider.
 *
 * @param redirect - `callback` (the server finishes it) or `paste` (a code page).
 */
export function startOidcLogin(
  redirect: 'callback' | 'paste' = 'callback',
  init: RequestInit = {}
): Promise<IOidcLoginStart> {
  return requestAPI('oidc/login', post({ redirect }, init));
}

/**
 * Finish an OIDC login with the code the provider showed.
 *
 * @param code - the authorization code.
 * @param state - the login's state (default: the newest login).
 */
export function completeOidcLogin(
  code: string,
  state?: string,
  init: RequestInit = {}
): Promise<IOidcLoginResult> {
  return requestAPI('oidc/login/complete', post(state ? { code, state } : { code }, init));
}

/** Revoke and delete the stored OIDC login. */
export function oidcLogout(init: RequestInit = {}): Promise<{ removed: boolean }> {
  return requestAPI('oidc/logout', post({}, init));
}

/** The S3 workspaces of the OIDC login (or application). */
export function listWorkspaces(init: RequestInit = {}): Promise<IWorkspaceList> {
  return requestAPI('workspaces', init);
}

/**
 * One page of a workspace folder (S3 ListObjectsV2, delimiter `/`).
 *
 * @param name - the workspace name.
 * @param page - `prefix` (relative to the workspace, `""` or ending with `/`), `marker`
 *   (the previous page's `next_marker`), `limit` (1–1000).
 */
export function lsWorkspace(
  name: string,
  page: { prefix?: string; marker?: string | null; limit?: number } = {},
  init: RequestInit = {}
): Promise<IWorkspaceLsResult> {
  return requestAPI(
    `workspaces/${encodeURIComponent(name)}/ls${query({
      prefix: page.prefix,
      marker: page.marker ?? undefined,
      limit: page.limit
    })}`,
    init
  );
}
