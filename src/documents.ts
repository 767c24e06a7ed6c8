/**
 * The JSON documents the `/globus-kit/*` routes answer. Globus fields keep the API's own
 * snake_case names; the envelope fields are ours (camelCase).
 */

/** A collection (Transfer endpoint document, trimmed by the server). */
export interface ICollection {
  /** The collection id (a UUID). */
  id: string;
  /** Its display name. */
  display_name: string;
  /** `GCSv5_guest_collection`, `GCSv5_mapped_collection`, … */
  entity_type?: string;
  /** The owner's username. */
  owner_string?: string;
  /** Free text. */
  description?: string | null;
  /** Owning organization. */
  organization?: string | null;
  /** Base URL of its HTTPS server, when it has one. */
  https_server?: string | null;
  /** Whether it is high assurance. */
  high_assurance?: boolean;
  /** Where `/~/` points, when set. */
  default_directory?: string | null;
  /** The caller's roles on it (`administrator`, `access_manager`, …). */
  my_effective_roles?: string[] | null;
  /** Whether the caller may edit its access rules. */
  acl_editable?: boolean | null;
}

/** The answer of `GET collections`. */
export interface ICollectionSearchResult {
  /** The Transfer `filter_scope` used. */
  filterScope: string;
  /** Offset of the first result. */
  offset: number;
  /** Whether more results exist. */
  hasNextPage: boolean;
  /** The collections found. */
  collections: ICollection[];
}

/** One entry of a folder listing (Transfer `file` document). */
export interface IFileEntry {
  /** The entry's name (any characters a file system allows: render as text only). */
  name: string;
  /** `file`, `dir`, `link` or `invalid_symlink`. */
  type: string;
  /** Size in bytes. */
  size: number;
  /** `YYYY-MM-DD hh:mm:ss+00:00`. */
  last_modified: string | null;
  /** Octal permissions, e.g. `0644`. */
  permissions?: string;
  /** Symlink target, when a link. */
  link_target?: string | null;
}

/** The answer of `GET collections/<id>/ls`. */
export interface ILsResult {
  /** The collection id. */
  collection: string;
  /** The folder, with a trailing slash. */
  path: string;
  /** Offset of the first entry. */
  offset: number;
  /** Entries in the whole folder, when Transfer said. */
  total: number | null;
  /** This page of entries. */
  entries: IFileEntry[];
}

/** The answer of `mkdir`, `rename` and `cancel`. */
export interface IOperationResult {
  /** Transfer's result code, e.g. `DirectoryCreated`. */
  code: string;
  /** Transfer's message. */
  message: string;
}

/** The answer of `POST collections/<id>/delete`: the delete task submitted. */
export interface IDeleteResult {
  /** Transfer's result code, `Accepted`. */
  code: string;
  /** Transfer's message. */
  message: string;
  /** The delete task's id (follow it with `GET tasks/<id>`). */
  taskId: string;
  /** The submission id used. */
  submissionId: string;
}

/** A Transfer bookmark: a folder on a collection, visible to its owner only. */
export interface IBookmark {
  /** The bookmark id (a UUID). */
  id: string;
  /** Its name (free text: render as text only). */
  name: string;
  /** The collection id. */
  endpoint_id: string;
  /** The folder, with a trailing slash. */
  path: string;
  /** Whether it is pinned in the Globus web app. */
  pinned?: boolean;
}

/** The answer of `GET bookmarks`. */
export interface IBookmarkList {
  /** The caller's bookmarks. */
  bookmarks: IBookmark[];
}

/** A Transfer task (trimmed). */
export interface ITask {
  /** Task id. */
  task_id: string;
  /** `TRANSFER` or `DELETE`. */
  type: string;
  /** `ACTIVE`, `INACTIVE`, `SUCCEEDED` or `FAILED`. */
  status: string;
  /** Human status detail (`Queued`, `OK`, …). */
  nice_status?: string | null;
  /** The user's label. */
  label?: string | null;
  /** ISO time of submission. */
  request_time?: string;
  /** ISO time of completion. */
  completion_time?: string | null;
  /** Source collection name. */
  source_endpoint_display_name?: string | null;
  /** Destination collection name. */
  destination_endpoint_display_name?: string | null;
  /** Files found. */
  files?: number;
  /** Files copied. */
  files_transferred?: number;
  /** Files skipped. */
  files_skipped?: number;
  /** Bytes copied. */
  bytes_transferred?: number;
  /** Subtasks (files, directories, items) in all. */
  subtasks_total?: number;
  /** Subtasks done. */
  subtasks_succeeded?: number;
  /** Subtasks failed. */
  subtasks_failed?: number;
  /** Why it failed. */
  fatal_error?: { code?: string; description?: string } | null;
}

/** The answer of `GET tasks`. */
export interface ITaskList {
  /** Tasks in all. */
  total: number | null;
  /** Newest first. */
  tasks: ITask[];
}

/** One required scope and whether the tokens grant it. */
export interface IConsentEntry {
  /** The scope as required (dependencies included). */
  scope: string;
  /** Its top-level name. */
  name: string;
  /** The resource server it belongs to, when known. */
  resourceServer: string | null;
  /** `unverified`: granted at top level, dependencies not checkable. */
  status: 'granted' | 'missing' | 'unverified';
  /** Dependent scopes without consent. */
  missingDependencies: string[];
  /** Where to grant it, when missing. */
  consentUrl: string | null;
  /** Why it could not be verified. */
  detail?: string | null;
}

/** The answer of `GET consents`. */
export interface IConsentsResult {
  /** One entry per required scope. */
  consents: IConsentEntry[];
}

/** The error body of every route: a stable code and a message with the remedy. */
export interface IApiErrorBody {
  /** `CONSENT_REQUIRED`, `TOKEN_EXPIRED`, `UNAUTHORIZED`, `NOT_FOUND`, `BAD_PATH`, … */
  code: string;
  /** What failed and what to do. */
  message: string;
  /** For `CONSENT_REQUIRED`: where to grant it. */
  consentUrl?: string;
  /** For `CONSENT_REQUIRED`: the scopes asked for. */
  requiredScopes?: string[];
  /** `POST tasks/transfer`: the submission id to retry with (exactly once). */
  submissionId?: string;
  /** `EXISTS` of `lab-transfers/download`: the local paths that exist. */
  existing?: string[];
  /** The error code Globus answered (e.g. `ExternalError.MkdirFailed.Exists`). */
  globusCode?: string;
  /** For `SESSION_REQUIRED`: what a new login must satisfy (`POST login` takes it as is). */
  authorizationParameters?: IAuthorizationParameters;
}

/**
 * The session requirements of a Globus Auth Requirements Error (a high-assurance
 * collection, an authentication policy): the login route's `authorizationParameters`.
 */
export interface IAuthorizationParameters {
  session_message?: string;
  session_required_identities?: string[];
  session_required_policies?: string[];
  session_required_single_domain?: string[];
  session_required_mfa?: boolean;
}

/** Who an access rule grants access to (Transfer's `principal_type`). */
export type PrincipalType = 'identity' | 'group' | 'all_authenticated_users' | 'anonymous';

/** One access rule of a guest collection (`GET collections/<id>/access`). */
export interface IAccessRule {
  /** The rule id; absent for a role's implicit access (then `role_id` is set). */
  id?: string | null;
  principal_type: PrincipalType;
  /** An identity or group id; `''` for all authenticated users and anyone. */
  principal: string;
  /** The folder (ends with `/`). */
  path: string;
  /** `r` or `rw`. */
  permissions: string;
  role_id?: string | null;
  role_type?: string | null;
  create_time?: string | null;
  expiration_date?: string | null;
  /** The identity's username or the group's name, when known (render as text). */
  principalName: string | null;
}

/** The answer of `GET collections/<id>/access`. */
export interface IAccessList {
  collection: string;
  /** The folder asked about, or null for every rule. */
  path: string | null;
  rules: IAccessRule[];
  /** What could not be resolved (e.g. names without an Auth token). */
  notes: string[];
}

/** The body of `POST collections/<id>/access`. */
export interface INewAccessRule {
  principalType: PrincipalType;
  /** An identity or group id (empty for the other two types). */
  principal?: string;
  path: string;
  permissions: 'r' | 'rw';
  /** Where Transfer sends the invitation. */
  notifyEmail?: string;
  /** The invitation's text (needs `notifyEmail`). */
  notifyMessage?: string;
}

/** The answer of `POST collections/<id>/access`. */
export interface IAccessCreateResult {
  code: string;
  message: string;
  accessId: string;
}

/** A Globus identity (`GET identities?q=`). */
export interface IIdentity {
  id: string;
  username: string;
  name?: string | null;
  email?: string | null;
  organization?: string | null;
  status?: string | null;
}

/** The answer of `GET identities?q=`. */
export interface IIdentityLookup {
  q: string;
  identities: IIdentity[];
}

/** One of the caller's groups (`GET groups`). */
export interface IGroup {
  id: string;
  name: string;
  description: string | null;
  /** The caller's roles in it (`member`, `manager`, `admin`). */
  roles: string[];
}

/** The answer of `GET groups`. */
export interface IGroupList {
  groups: IGroup[];
}
