import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';

/** The identity of the logged-in Globus user, as the server extension reports it. */
export interface IGlobusIdentity {
  /** The identity id (a UUID). */
  sub?: string;
  /** The display name. */
  name?: string;
  /** The Globus username, e.g. `user@example.edu`. */
  preferred_username?: string;
  /** The e-mail address, when the `email` scope was granted. */
  email?: string;
  /** The identity provider's id. */
  identity_provider?: string;
  /** The identity provider's display name. */
  identity_provider_display_name?: string;
  /** The organization, when known. */
  organization?: string;
}

/** Where a token's expiry time comes from; `estimated` and `unknown` are best effort. */
export type ExpirySource = 'absolute' | 'id_token' | 'estimated' | 'unknown';

/** One resource server's token, without the token itself. */
export interface IGlobusTokenStatus {
  /** The resource server, e.g. `transfer.api.globus.org`. */
  resourceServer: string;
  /** The scopes the token carries. */
  scopes: string[];
  /** Expiry time in seconds since the epoch, or null when unknown. */
  expiresAt: number | null;
  /** How `expiresAt` was derived. */
  expiresAtSource: ExpirySource;
  /** The server's view: `expired` once past `expiresAt`. */
  status: 'active' | 'expired' | 'unknown';
  /** Whether the server holds a refresh token for it. */
  hasRefreshToken: boolean;
  /** `tokens` (the hub's filtered list) or `token_response` (the raw response). */
  origin: 'tokens' | 'token_response';
}

/** A problem the user can act on, with a stable code and a message saying what to do. */
export interface IGlobusProblem {
  /** Stable code, e.g. `no-globus-data`, `globus-data-malformed`. */
  code: string;
  /** What is wrong and the remedy. */
  message: string;
}

/** The answer of `GET /globus-kit/status`. */
export interface IGlobusStatus {
  /** The server's clock, seconds since the epoch (countdowns correct for skew with it). */
  serverTime: number;
  /** Where the tokens came from. */
  source: 'hub-api' | 'GLOBUS_DATA' | 'stored-login' | 'none';
  /** Whether tokens were decoded. */
  available: boolean;
  /** Base URLs of the Globus services in use, when overridden. */
  serviceUrls: Record<string, string>;
  /** The auth_state shape: `pre-0.12`, `0.12-15` or `16+`. */
  shape: string | null;
  /** The hub's client id. */
  clientId: string | null;
  /** The user, when known. */
  identity: IGlobusIdentity | null;
  /** One entry per resource server. */
  tokens: IGlobusTokenStatus[];
  /** Globus group ids the hub recorded. */
  groups: string[];
  /** Set when there is nothing to show, with what to do. */
  problem: IGlobusProblem | null;
}

/** The UI-free status model shared by the sidebar and commands. */
export interface IGlobusStatusModel extends IDisposable {
  /** The last status fetched, or null before the first answer. */
  readonly status: IGlobusStatus | null;
  /** The last fetch error, or null when the last fetch succeeded. */
  readonly error: Error | null;
  /** Milliseconds to add to the local clock to get the server's clock. */
  readonly clockOffsetMs: number;
  /** Emitted after every fetch, successful or not. */
  readonly changed: ISignal<IGlobusStatusModel, void>;
  /** Fetch the status now. */
  refresh(): Promise<void>;
  /** The poll interval in seconds (0 disables polling). */
  pollInterval: number;
}

/** The status model token. */
export const IGlobusStatusModel = new Token<IGlobusStatusModel>(
  'jupyterlab-globus-kit:IGlobusStatusModel',
  'Globus identity and token status, refreshed on a poll.'
);

/** Command ids. */
export const CommandIDs = {
  /** Show the Globus sidebar. */
  openSidebar: 'globus-kit:open-sidebar',
  /** Re-fetch the Globus status. */
  refreshStatus: 'globus-kit:refresh-status',
  /** Insert a `whoami` cell. */
  insertWhoami: 'globus-kit:insert-whoami',
  /** Insert a `fetchCsv` cell for the selected (or default) CSV. */
  insertFetchCsv: 'globus-kit:insert-fetch-csv',
  /** Insert a fetch + `plot` cell. */
  insertPlot: 'globus-kit:insert-plot',
  /** Insert an `upload` cell into the open (or default) folder. */
  insertUpload: 'globus-kit:insert-upload',
  /** Insert a `link` cell (HTTPS and web-app links). */
  insertLink: 'globus-kit:insert-link',
  /** Insert a `transfer` cell to the default collection. */
  insertTransfer: 'globus-kit:insert-transfer',
  /** Context menu: insert a cell fetching the selected file. */
  insertFetchFile: 'globus-kit:insert-fetch-file',
  /** Context menu: insert a cell listing the selected folder. */
  insertListFolder: 'globus-kit:insert-list-folder',
  /** Insert the `connectOidc` cell (issue #9). */
  insertConnectOidc: 'globus-kit:insert-connect-oidc',
  /** Insert an `oidc.workspaces()` cell. */
  insertListWorkspaces: 'globus-kit:insert-list-workspaces',
  /** Insert a cell listing the open (or selected) workspace folder. */
  insertWorkspaceLs: 'globus-kit:insert-workspace-ls',
  /** Context menu on a workspace file: insert a `fetchCsv` cell for it. */
  insertWorkspaceFetch: 'globus-kit:insert-workspace-fetch',
  /** Open a Globus file manager (issue #16); args `{ collection?, path?, twoPane? }`. */
  openFileManager: 'globus-kit:open-file-manager',
  /** File manager: one or two panes. */
  fmTwoPane: 'globus-kit:file-manager-two-pane',
  /** File manager: list hidden files in the active pane. */
  fmShowHidden: 'globus-kit:file-manager-show-hidden',
  /** File manager: the active pane's parent folder. */
  fmUp: 'globus-kit:file-manager-up',
  /** File manager: reload the active pane. */
  fmRefresh: 'globus-kit:file-manager-refresh',
  /** File manager: a new folder in the active pane's folder. */
  fmNewFolder: 'globus-kit:file-manager-new-folder',
  /** File manager: rename the selected entry. */
  fmRename: 'globus-kit:file-manager-rename',
  /** File manager: delete the selection (a Transfer delete task, after a confirmation). */
  fmDelete: 'globus-kit:file-manager-delete',
  /** File manager: copy the selected paths (else the folder's). */
  fmCopyPath: 'globus-kit:file-manager-copy-path',
  /** File manager: copy the HTTPS links of the selection. */
  fmCopyLink: 'globus-kit:file-manager-copy-link',
  /** File manager: open the folder (or selected folder) in the Globus web app. */
  fmOpenWebApp: 'globus-kit:file-manager-open-web-app',
  /** File manager: bookmark the active pane's folder. */
  fmBookmark: 'globus-kit:file-manager-bookmark',
  /** File manager: share the selected (else the open) folder of a guest collection. */
  fmShare: 'globus-kit:file-manager-share',
  /** File manager: rename a bookmark (args `{ bookmark }`). */
  fmRenameBookmark: 'globus-kit:file-manager-rename-bookmark',
  /** Upload JupyterLab files to a collection (args `{ paths, destination }`; else asks). */
  uploadToGlobus: 'globus-kit:upload-to-globus',
  /** Download collection files into JupyterLab (args `{ collection, paths, localDir }`). */
  downloadToJupyterLab: 'globus-kit:download-to-jupyterlab',
  /** Download a collection file and open it in JupyterLab (args `{ collection, path }`). */
  openInJupyterLab: 'globus-kit:open-in-jupyterlab',
  /** Transfer dialog, or a direct submit with `confirm: false` (issue #17); see docs. */
  transfer: 'globus-kit:transfer',
  /** File manager: transfer the selection (to the other pane in two-pane mode). */
  fmTransfer: 'globus-kit:file-manager-transfer',
  /** Open the Activity view (args `{ taskId? }`). */
  openActivity: 'globus-kit:open-activity'
} as const;
