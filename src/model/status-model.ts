import { getStatus } from '../api';
import { IGlobusStatus, IGlobusStatusModel } from '../tokens';
import { PollingModel } from './polling-model';

/**
 * Holds the latest `/globus-kit/status` answer and refreshes it on a slow poll.
 * UI-free: views listen to `changed`.
 */
export class GlobusStatusModel extends PollingModel implements IGlobusStatusModel {
  /**
   * @param options - how to fetch and how often.
   */
  constructor(options: IGlobusStatusModelOptions = {}) {
    super();
    this._fetch = options.fetchStatus ?? (() => getStatus());
    this._pollInterval = options.pollInterval ?? 60;
  }

  /** The last status fetched, or null before the first answer. */
  get status(): IGlobusStatus | null {
    return this._status;
  }

  /** Milliseconds to add to the local clock to get the server's clock. */
  get clockOffsetMs(): number {
    return this._clockOffsetMs;
  }

  /** The poll interval in seconds; 0 stops polling. Setting it restarts the timer. */
  get pollInterval(): number {
    return this._pollInterval;
  }
  set pollInterval(seconds: number) {
    this._pollInterval = Math.max(0, seconds);
    this.reschedule();
  }

  protected async fetch(): Promise<void> {
    const status = await this._fetch();
    this._status = status;
    this._clockOffsetMs = status.serverTime * 1000 - Date.now();
  }

  protected nextPollSeconds(): number {
    return this._pollInterval;
  }

  private _fetch: () => Promise<IGlobusStatus>;
  private _status: IGlobusStatus | null = null;
  private _clockOffsetMs = 0;
  private _pollInterval: number;
}

/** Options of {@link GlobusStatusModel} (an interface, not a namespace: the lint config rejects namespaces). */
export interface IGlobusStatusModelOptions {
  /** Replaces the HTTP call (tests). */
  fetchStatus?: () => Promise<IGlobusStatus>;
  /** Seconds between polls; 0 disables polling. Default 60. */
  pollInterval?: number;
}

/** `problem.code` of a status whose hub gave no tokens (`tokens: {}` or `''`). */
export const NO_HUB_TOKENS = 'no-hub-tokens';

/**
 * The heading the sidebar shows over a status problem, by its stable code. The problem's
 * message (written by the server) says what is known and what to do; neither claims a
 * cause the server cannot know (an empty hub token set may be a revoking logout or a hub
 * that never gave tokens).
 *
 * @param code - the problem's stable code
 */
export function problemTitle(code: string): string {
  switch (code) {
    case 'no-globus-data':
      return 'No Globus login in this server';
    case NO_HUB_TOKENS:
      return 'The hub gave this server no Globus tokens';
    default:
      return 'Globus login data could not be read';
  }
}

/**
 * What the sidebar's Tokens section shows: `list` (one card per token), `empty` (a
 * "No tokens." line) or `none` (no section: nothing was decoded, or the problem box
 * already says there are no tokens).
 *
 * @param status - the last status
 */
export function tokenSection(status: IGlobusStatus): 'list' | 'empty' | 'none' {
  if (!status.available) {
    return 'none';
  }
  if (status.tokens.length > 0) {
    return 'list';
  }
  return status.problem ? 'none' : 'empty';
}
