/**
 * The one module that talks HTTP to the server extension. Everything else goes through
 * these functions, so tests can replace this module alone.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IAccessCreateResult,
  IAccessList,
  IApiErrorBody,
  IBookmark,
  IBookmarkList,
  ICollection,
  ICollectionSearchResult,
  IConsentsResult,
  IDeleteResult,
  IGroupList,
  IIdentityLookup,
  ILsResult,
  INewAccessRule,
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
 * @param page - `limit` and `offset`; `showHidden` lists dot files too.
 * @see https://docs.globus.org/api/transfer/file_operations/#list_directory_contents
 */
export function ls(
  id: string,
  path: string,
  page: { limit?: number; offset?: number; showHidden?: boolean } = {},
  init: RequestInit = {}
): Promise<ILsResult> {
  return requestAPI(
    `collections/${encodeURIComponent(id)}/ls${query({
      path,
      limit: page.limit,
      offset: page.offset,
      show_hidden: page.showHidden
    })}`,
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
 * Delete files and folders with a Transfer delete task (folders recursively). The server
 * refuses a collection root. Follow the task with {@link getTask}.
 *
 * @param id - the collection id.
 * @param paths - absolute paths (folders with a trailing slash).
 * @param options - a task `label`.
 * @see https://docs.globus.org/api/transfer/task_submit/#submit_delete_task
 */
export function deleteItems(
  id: string,
  paths: readonly string[],
  options: { label?: string } = {},
  init: RequestInit = {}
): Promise<IDeleteResult> {
  return requestAPI(
    `collections/${encodeURIComponent(id)}/delete`,
    post({ paths, recursive: true, ...(options.label ? { label: options.label } : {}) }, init)
  );
}

/**
 * The caller's Transfer bookmarks.
 *
 * @see https://docs.globus.org/api/transfer/collection_bookmarks/#get_list_of_bookmarks
 */
export function listBookmarks(init: RequestInit = {}): Promise<IBookmarkList> {
  return requestAPI('bookmarks', init);
}

/**
 * Bookmark a folder.
 *
 * @param name - the bookmark's name (1–128 characters, unique per account).
 * @param collection - the collection id.
 * @param path - the folder.
 * @see https://docs.globus.org/api/transfer/collection_bookmarks/#create_bookmark
 */
export function createBookmark(
  name: string,
  collection: string,
  path: string,
  init: RequestInit = {}
): Promise<IBookmark> {
  return requestAPI('bookmarks', post({ name, collection, path }, init));
}

/**
 * Rename a bookmark.
 *
 * @param id - the bookmark id.
 * @param name - its new name.
 */
export function renameBookmark(
  id: string,
  name: string,
  init: RequestInit = {}
): Promise<IBookmark> {
  return requestAPI(`bookmarks/${encodeURIComponent(id)}`, {
    ...init,
    method: 'PUT',
    body: JSON.stringify({ name })
  });
}

/**
 * Remove a bookmark.
 *
 * @param id - the bookmark id.
 */
export function deleteBookmark(id: string, init: RequestInit = {}): Promise<IOperationResult> {
  return requestAPI(`bookmarks/${encodeURIComponent(id)}`, { ...init, method: 'DELETE' });
}

/**
 * The access rules of a guest collection (those of one folder when `path` is given), each
 * with the identity's username or the group's name when known.
 *
 * @param collection - the guest collection id.
 * @param path - a folder, or undefined for every rule.
 * @see https://docs.globus.org/api/transfer/acl/
 */
export function listAccessRules(
  collection: string,
  path?: string,
  init: RequestInit = {}
): Promise<IAccessList> {
  return requestAPI(`collections/${encodeURIComponent(collection)}/access${query({ path })}`, init);
}

/**
 * Add an access rule to a guest collection.
 *
 * @param collection - the guest collection id.
 * @param rule - who, which folder, `r` or `rw`, and the optional invitation.
 */
export function addAccessRule(
  collection: string,
  rule: INewAccessRule,
  init: RequestInit = {}
): Promise<IAccessCreateResult> {
  return requestAPI(`collections/${encodeURIComponent(collection)}/access`, post(rule, init));
}

/**
 * Revoke (delete) an access rule.
 *
 * @param collection - the guest collection id.
 * @param ruleId - the rule id.
 */
export function revokeAccessRule(
  collection: string,
  ruleId: string,
  init: RequestInit = {}
): Promise<IOperationResult> {
  return requestAPI(
    `collections/${encodeURIComponent(collection)}/access/${encodeURIComponent(ruleId)}`,
    { ...init, method: 'DELETE' }
  );
}

/**
 * Look a Globus identity up by username, email address (where it is the username) or id.
 *
 * @param q - what was typed.
 * @see https://docs.globus.org/api/auth/reference/#get_identities
 */
export function lookupIdentities(q: string, init: RequestInit = {}): Promise<IIdentityLookup> {
  return requestAPI(`identities${query({ q })}`, init);
}

/**
 * The caller's Globus groups (active memberships), by name.
 *
 * @see https://docs.globus.org/api/groups/reference/#get_my_groups_and_memberships
 */
export function listMyGroups(init: RequestInit = {}): Promise<IGroupList> {
  return requestAPI('groups', init);
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

// ---------------------------------------------------------------- transfers and activity (#17)

/** A sync level of the transfer dialog (`off`: always copy). */
export type SyncLevel = 'off' | 'exists' | 'size' | 'mtime' | 'checksum';

/** The transfer dialog's options; absent ones take the route's defaults (verify on). */
export interface ITransferOptions {
  /** At most 128 characters, no line break, no leading or trailing space. */
  label?: string;
  sync_level?: SyncLevel;
  verify_checksum?: boolean;
  encrypt_data?: boolean;
  preserve_timestamp?: boolean;
  /** Only with folder items. */
  delete_destination_extra?: boolean;
  skip_source_errors?: boolean;
  fail_on_quota_errors?: boolean;
  /** ISO 8601 in the future (`2030-01-31T09:30:00Z`; no zone is UTC). */
  deadline?: string;
  notify_on_succeeded?: boolean;
  notify_on_failed?: boolean;
  notify_on_inactive?: boolean;
}

/** One thing to transfer: an absolute path (ending in `/` for a folder) or the full form. */
export type TransferItem =
  string | { path: string; recursive?: boolean; destination_path?: string };

/** What `submitTransfer` sends. */
export interface ITransferRequest {
  source: { collection: string; path?: string };
  destination: { collection: string; path?: string };
  items: TransferItem[];
  options?: ITransferOptions;
  /** Reuse the id of a failed attempt (its error body's `submissionId`): exactly once. */
  submission_id?: string;
}

/** The answer of `POST tasks/transfer`. */
export interface ITransferSubmitted {
  /** `Accepted`, or `Duplicate` when this submission id had already made the task. */
  code: 'Accepted' | 'Duplicate';
  message: string | null;
  taskId: string;
  submissionId: string;
  /** The task in the Globus web app. */
  webAppUrl: string;
}

/** A task in the activity list: the trimmed task plus its web app link and more counters. */
export interface IActivityTask extends ITask {
  webAppUrl?: string;
  deadline?: string | null;
  is_paused?: boolean;
  nice_status_short_description?: string | null;
  source_endpoint_id?: string | null;
  destination_endpoint_id?: string | null;
  directories?: number;
  bytes_checksummed?: number;
  subtasks_pending?: number;
  subtasks_failed?: number;
  subtasks_canceled?: number;
  subtasks_expired?: number;
  subtasks_skipped_errors?: number;
  effective_bytes_per_second?: number;
  fatal_error?: { code: string; description: string } | null;
  faults?: number;
}

/** The task detail: the options it was submitted with, too. */
export interface ITaskDetail extends IActivityTask {
  sync_level?: number | null;
  verify_checksum?: boolean;
  encrypt_data?: boolean;
  preserve_timestamp?: boolean;
  delete_destination_extra?: boolean;
  skip_source_errors?: boolean;
  fail_on_quota_errors?: boolean;
  canceled_by_admin?: string | null;
  history_deleted?: boolean;
}

/** One page of `GET tasks`. */
export interface IActivityPage {
  total: number | null;
  offset: number;
  limit: number;
  tasks: IActivityTask[];
}

/** A task event; `is_error` flags a fault. */
export interface ITaskEvent {
  code: string;
  is_error: boolean;
  description?: string;
  details?: string;
  time?: string;
}

/** One page of `GET tasks/<id>/events`. */
export interface ITaskEventPage {
  taskId: string;
  total: number | null;
  offset: number;
  limit: number;
  events: ITaskEvent[];
}

/** A source error skipped under `skip_source_errors`. */
export interface ISkippedError {
  error_code: string;
  error_details?: string;
  error_time?: string;
  source_path: string;
  destination_path?: string;
  is_directory?: boolean;
  is_symlink?: boolean;
}

/** One file a task copied. */
export interface ISuccessfulTransfer {
  source_path: string;
  destination_path: string;
  size?: number;
  checksum?: string | null;
  checksum_algorithm?: string | null;
}

/** A marker-paged list; `nextMarker` null ends it. */
export interface IMarkerPage {
  taskId: string;
  marker: number;
  nextMarker: number | string | null;
}

/** Why a task is paused. */
export interface IPauseInfo {
  taskId: string;
  pause_rules: Array<{ message?: string | null; endpoint_display_name?: string | null }>;
  source_pause_message?: string | null;
  destination_pause_message?: string | null;
  source_pause_message_share?: string | null;
  destination_pause_message_share?: string | null;
}

/** A fresh submission id (`GET tasks/submission-id`), for a submission made exactly once. */
export function getSubmissionId(init: RequestInit = {}): Promise<{ submissionId: string }> {
  return requestAPI('tasks/submission-id', init);
}

/**
 * Submit a transfer exactly once (the route fetches a submission id unless one is given and
 * resends with it when the answer is lost). A failure's body carries `submissionId`: pass it
 * back as `submission_id` to retry without starting a second task.
 */
export function submitTransfer(
  request: ITransferRequest,
  init: RequestInit = {}
): Promise<ITransferSubmitted> {
  return requestAPI('tasks/transfer', post(request, init));
}

/**
 * One page of the activity list, newest first.
 *
 * @param options - `limit` 1–100, `offset` (`offset + limit` ≤ 1000), `status` and `type`
 *   lists, `label` (case-insensitive substring).
 */
export function listActivity(
  options: { limit?: number; offset?: number; status?: string[]; type?: string[]; label?: string },
  init: RequestInit = {}
): Promise<IActivityPage> {
  return requestAPI(
    `tasks${query({
      limit: options.limit,
      offset: options.offset,
      status: options.status,
      type: options.type,
      label: options.label
    })}`,
    init
  );
}

/** A task with its options. */
export function getTaskDetail(taskId: string, init: RequestInit = {}): Promise<ITaskDetail> {
  return requestAPI(`tasks/${encodeURIComponent(taskId)}`, init);
}

/** Change a running task's label and/or deadline. */
export function updateTask(
  taskId: string,
  changes: { label?: string; deadline?: string },
  init: RequestInit = {}
): Promise<IOperationResult> {
  return requestAPI(`tasks/${encodeURIComponent(taskId)}`, {
    ...init,
    method: 'PATCH',
    body: JSON.stringify(changes)
  });
}

/** One page of a task's events (`errors`: only faults, or only the others). */
export function getTaskEvents(
  taskId: string,
  options: { limit?: number; offset?: number; errors?: boolean } = {},
  init: RequestInit = {}
): Promise<ITaskEventPage> {
  return requestAPI(
    `tasks/${encodeURIComponent(taskId)}/events${query({
      limit: options.limit,
      offset: options.offset,
      errors: options.errors
    })}`,
    init
  );
}

/** One page of a task's skipped source errors (`marker`: the previous `nextMarker`). */
export function getSkippedErrors(
  taskId: string,
  marker?: number | string | null,
  init: RequestInit = {}
): Promise<IMarkerPage & { errors: ISkippedError[] }> {
  return requestAPI(
    `tasks/${encodeURIComponent(taskId)}/skipped-errors${query({
      marker: marker ?? undefined
    })}`,
    init
  );
}

/** One page of the files a task copied (`marker`: the previous `nextMarker`). */
export function getSuccessfulTransfers(
  taskId: string,
  marker?: number | string | null,
  init: RequestInit = {}
): Promise<IMarkerPage & { transfers: ISuccessfulTransfer[] }> {
  return requestAPI(
    `tasks/${encodeURIComponent(taskId)}/successful-transfers${query({
      marker: marker ?? undefined
    })}`,
    init
  );
}

/** Why a task is paused (rules and the collections' messages). */
export function getPauseInfo(taskId: string, init: RequestInit = {}): Promise<IPauseInfo> {
  return requestAPI(`tasks/${encodeURIComponent(taskId)}/pause-info`, init);
}

// ------------------------------------------------------------------ JupyterLab files (issue #16)

/** One file of a copy between the Jupyter root and a collection. */
export interface ILabTransferFile {
  /** Path relative to the Jupyter root. */
  local: string;
  /** Absolute path on the collection. */
  remote: string;
  /** Size in bytes (-1 before a download's size is known). */
  size: number;
  /** Bytes copied so far. */
  done: number;
  /** `pending`, `running`, `done`, `failed`, `cancelled` or `skipped`. */
  status: string;
}

/** A file that could not be copied (or the job's own failure, with an empty path). */
export interface ILabTransferError {
  path: string;
  code: string;
  message: string;
}

/** The progress of a copy job (`GET lab-transfers/<id>`). */
export interface ILabTransferJob {
  id: string;
  kind: 'upload' | 'download';
  collection: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  files: ILabTransferFile[];
  errors: ILabTransferError[];
}

/**
 * Upload files and folders (recursively) from the Jupyter root into a collection folder,
 * over the collection's HTTPS server. The server streams them; follow the job with
 * {@link getLabTransfer}.
 *
 * @param paths - paths relative to the Jupyter root (as the file browser names them).
 * @param collection - the collection id.
 * @param path - the absolute destination folder.
 * @param overwrite - replace files that exist on the collection.
 */
export function startUpload(
  paths: readonly string[],
  collection: string,
  path: string,
  overwrite = false,
  init: RequestInit = {}
): Promise<ILabTransferJob> {
  return requestAPI('lab-transfers/upload', post({ paths, collection, path, overwrite }, init));
}

/**
 * Download files from a collection into a folder of the Jupyter root. Without
 * `overwrite`, existing files fail the request with `EXISTS` (their paths in the error
 * body's `existing`).
 *
 * @param collection - the collection id.
 * @param paths - absolute file paths on the collection.
 * @param localDir - the folder, relative to the Jupyter root (`''`: the root).
 * @param overwrite - replace existing local files.
 */
export function startDownload(
  collection: string,
  paths: readonly string[],
  localDir: string,
  overwrite = false,
  init: RequestInit = {}
): Promise<ILabTransferJob> {
  return requestAPI(
    'lab-transfers/download',
    post({ collection, paths, localDir, overwrite }, init)
  );
}

/** A copy job's progress. */
export function getLabTransfer(id: string, init: RequestInit = {}): Promise<ILabTransferJob> {
  return requestAPI(`lab-transfers/${encodeURIComponent(id)}`, init);
}

/** Cancel a copy job: its streams stop, and no partial file is left at a final path. */
export function cancelLabTransfer(id: string, init: RequestInit = {}): Promise<ILabTransferJob> {
  return requestAPI(`lab-transfers/${encodeURIComponent(id)}/cancel`, post({}, init));
}

/** What a copy would move (`POST lab-transfers/plan`), for the HTTPS or Globus choice. */
export interface ILabTransferPlan {
  kind: 'upload' | 'download';
  /** Files after folders are expanded. */
  files: number;
  /** Their bytes (sizes the server could not learn count as 0). */
  bytes: number;
  /** Upload: the named local paths that are folders. */
  folders: string[];
  /** Download: the named items that already exist in the local folder. */
  existing: string[];
  /** The collection `GLOBUS_LOCAL_ENDPOINT` names, or null. */
  localEndpoint: string | null;
  /** Its display name, when it could be read. */
  localEndpointName: string | null;
}

/**
 * What an upload (local paths) or a download (remote paths into `localDir`) would move,
 * and the collection that serves this server's files.
 */
export function planLabTransfer(
  request:
    | { kind: 'upload'; paths: readonly string[] }
    | { kind: 'download'; collection: string; paths: readonly string[]; localDir: string },
  init: RequestInit = {}
): Promise<ILabTransferPlan> {
  return requestAPI('lab-transfers/plan', post(request, init));
}
