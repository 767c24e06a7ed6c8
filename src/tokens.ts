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

export { CommandIDs } from './commands';
