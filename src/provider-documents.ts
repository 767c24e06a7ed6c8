/**
 * Answers of the provider, OIDC and workspace routes (issue #9), as the server extension
 * sends them (`jupyterlab_globus_kit/oidc_handlers.py`, `workspaces_handlers.py`). None of
 * them holds a token or an S3 key.
 */

/** One entry of `GET /globus-kit/providers`. */
export interface IProviderInfo {
  /** `globus` or `oidc`. */
  id: string;
  /** What the switcher shows: `Globus`, or the OIDC issuer's host. */
  label: string;
  /** Whether the server has credentials (or can log in) for it. */
  configured: boolean;
  /** The OIDC issuer URL. */
  issuer?: string | null;
  /** Whether a workspace API is configured (OIDC only). */
  platform?: boolean;
}

/** `GET /globus-kit/providers`. */
export interface IProvidersResult {
  providers: IProviderInfo[];
}

/** The identity the OIDC provider reports (userinfo or the stored login). */
export interface IOidcIdentity {
  sub: string;
  preferred_username: string | null;
  name: string | null;
  email: string | null;
}

/** The OIDC token's status, never the token. */
export interface IOidcTokenStatus {
  /** Seconds left when the server answered (null: unknown). */
  expires_in: number | null;
  /** Expiry as seconds since the epoch, server clock (null: unknown). */
  expires_at: number | null;
  /** Granted scopes. */
  scopes: string[];
  /** `ok`, `expiring` (within a minute: it is renewed on next use) or `expired`. */
  status: 'ok' | 'expiring' | 'expired';
}

/** `GET /globus-kit/oidc/status`. */
export interface IOidcStatus {
  /** Whether an OIDC provider is configured. */
  configured: boolean;
  /** Its issuer URL. */
  issuer: string | null;
  /** The issuer's host, for labels. */
  label: string | null;
  /** `client-credentials` (an app), `stored-login` (a person) or `none`. */
  source: 'client-credentials' | 'stored-login' | 'none';
  identity: IOidcIdentity | null;
  token: IOidcTokenStatus | null;
  /** A renewal, discovery or token-file problem the sidebar shows. */
  problem: { code: string; message: string } | null;
  /** Whether a login can be started from the sidebar. */
  loginAvailable: boolean;
  /** Whether a workspace API is configured. */
  platform: boolean;
  /** The server's clock (seconds), to correct the countdown for skew. */
  serverTime: number;
}

/** `POST /globus-kit/oidc/login`. */
export interface IOidcLoginStart {
  /** The authorize URL to open. */
  url: string;
  /** Identifies the login. */
  state: string;
  /** Where the provider sends the browser back (the server callback or a code page). */
  redirectUri: string;
  /** Scopes asked for. */
  scopes: string[];
}

/** `POST /globus-kit/oidc/login/complete`. */
export interface IOidcLoginResult {
  identity: IOidcIdentity | null;
  source: string;
}

/** One S3 workspace of `GET /globus-kit/workspaces` (no credentials). */
export interface IWorkspace {
  name: string;
  storage_type: string | null;
  bucket: string | null;
  /** The workspace's key prefix in its bucket. */
  prefix: string;
  endpoint: string | null;
  region: string | null;
  scopes: string[];
  /** Set when the workspace could not be described. */
  problem?: { code: string; message: string };
}

/** `GET /globus-kit/workspaces`. */
export interface IWorkspaceList {
  workspaces: IWorkspace[];
}

/** One entry of a workspace folder. */
export interface IWorkspaceEntry {
  /** The name inside the folder (no slash for files; a folder's name without its `/`). */
  name: string;
  type: 'dir' | 'file';
  size: number;
  /** ISO 8601, or null for folders. */
  last_modified: string | null;
}

/** `GET /globus-kit/workspaces/<name>/ls`. */
export interface IWorkspaceLsResult {
  workspace: string;
  /** The folder, relative to the workspace (`""` or ending with `/`). */
  prefix: string;
  entries: IWorkspaceEntry[];
  /** Pass as `marker` for the next page; null on the last page. */
  next_marker: string | null;
}
