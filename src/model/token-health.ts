import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { getCollection } from '../api';
import { IGlobusTokenStatus } from '../tokens';

/** A token's state at a given time, as its badge shows it. */
export type TokenState = 'active' | 'expiring' | 'expired' | 'unknown';

/**
 * The state of one token at `nowMs` (server clock, milliseconds).
 *
 * @param token - the token
 * @param nowMs - the server's time
 * @param warningMinutes - minutes before expiry at which a token is `expiring`
 */
export function tokenState(
  token: IGlobusTokenStatus,
  nowMs: number,
  warningMinutes: number
): TokenState {
  if (token.expiresAt === null) {
    return 'unknown';
  }
  const remaining = token.expiresAt * 1000 - nowMs;
  if (remaining <= 0) {
    return 'expired';
  }
  return remaining <= warningMinutes * 60_000 ? 'expiring' : 'active';
}

/** The token list reduced to what one line can say. */
export interface ITokenHealth {
  /** `ok` (all active), `expiring`, `expired` (at least one), `unknown` or `empty`. */
  state: 'ok' | 'expiring' | 'expired' | 'unknown' | 'empty';
  count: number;
  expired: number;
  expiring: number;
  unknown: number;
  /** Milliseconds until the next expiry among the tokens not yet expired, or null. */
  nextExpiryMs: number | null;
}

/**
 * Count the tokens by state and find the next expiry.
 *
 * @param tokens - the tokens
 * @param nowMs - the server's time (milliseconds)
 * @param warningMinutes - minutes before expiry at which a token is `expiring`
 */
export function tokenHealth(
  tokens: readonly IGlobusTokenStatus[],
  nowMs: number,
  warningMinutes: number
): ITokenHealth {
  const health: ITokenHealth = {
    state: 'empty',
    count: tokens.length,
    expired: 0,
    expiring: 0,
    unknown: 0,
    nextExpiryMs: null
  };
  for (const token of tokens) {
    const state = tokenState(token, nowMs, warningMinutes);
    if (state === 'expired') health.expired++;
    else if (state === 'expiring') health.expiring++;
    else if (state === 'unknown') health.unknown++;
    if (state === 'active' || state === 'expiring') {
      const remaining = (token.expiresAt as number) * 1000 - nowMs;
      if (health.nextExpiryMs === null || remaining < health.nextExpiryMs) {
        health.nextExpiryMs = remaining;
      }
    }
  }
  if (tokens.length > 0) {
    health.state = health.expired
      ? 'expired'
      : health.expiring
        ? 'expiring'
        : health.unknown
          ? 'unknown'
          : 'ok';
  }
  return health;
}

/**
 * A short duration for the summary line: `1d 23h`, `2h 05m`, `4 min`, `30 s`.
 *
 * @param ms - a positive duration
 */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/** The part of a translation bundle the summary line needs. */
export type HealthTranslator = Pick<TranslationBundle, '__' | '_n'>;

/**
 * The one-line token summary: `4 tokens · all active · next expiry in 1d 23h`, or the
 * problem first: `4 tokens · 1 expired`, `2 tokens · expiring in 4 min`.
 *
 * @param health - from {@link tokenHealth}
 * @param t - the translation bundle
 */
export function healthLine(health: ITokenHealth, t: HealthTranslator): string {
  if (health.count === 0) {
    return t.__('No tokens');
  }
  const parts = [t._n('%1 token', '%1 tokens', health.count)];
  if (health.expired > 0) {
    parts.push(
      health.expired === health.count ? t.__('all expired') : t.__('%1 expired', health.expired)
    );
  }
  if (health.expiring > 0 && health.nextExpiryMs !== null) {
    parts.push(t.__('expiring in %1', shortDuration(health.nextExpiryMs)));
  }
  if (health.unknown > 0) {
    parts.push(t.__('%1 with unknown expiry', health.unknown));
  }
  if (health.state === 'ok') {
    parts.push(t.__('all active'));
  }
  if (health.expiring === 0 && health.nextExpiryMs !== null) {
    parts.push(t.__('next expiry in %1', shortDuration(health.nextExpiryMs)));
  }
  return parts.join(' · ');
}

/** Display names of Globus's own resource servers. */
const SERVICE_NAMES: Record<string, string> = {
  'auth.globus.org': 'Globus Auth',
  'transfer.api.globus.org': 'Globus Transfer',
  'groups.api.globus.org': 'Globus Groups',
  'search.api.globus.org': 'Globus Search',
  'timer.automate.globus.org': 'Globus Timers',
  'timers.globus.org': 'Globus Timers',
  'flows.globus.org': 'Globus Flows',
  'compute.api.globus.org': 'Globus Compute'
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Display names of the resource servers tokens are for: Globus's services by a fixed
 * name, a collection (a UUID: its HTTPS/data_access token) by the display name its
 * collection document gives, fetched once and cached. A failed lookup is not retried
 * and the UUID stands in.
 */
export class ResourceNames {
  /**
   * @param fetchName - replaces the collection lookup (tests)
   */
  constructor(fetchName?: (id: string) => Promise<string>) {
    this._fetch = fetchName ?? (async id => (await getCollection(id)).display_name);
  }

  /** Emitted when a looked-up name arrives. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * The display name of a resource server, or null when none is known (yet).
   *
   * @param resourceServer - e.g. `transfer.api.globus.org` or a collection id
   */
  name(resourceServer: string): string | null {
    return SERVICE_NAMES[resourceServer] ?? this._names.get(resourceServer) ?? null;
  }

  /**
   * Look up the collections among `resourceServers` not asked for before.
   *
   * @param resourceServers - the tokens' resource servers
   * @returns when every lookup started by this call has settled
   */
  async resolve(resourceServers: readonly string[]): Promise<void> {
    const wanted = resourceServers.filter(rs => UUID.test(rs) && !this._asked.has(rs));
    await Promise.all(
      wanted.map(async id => {
        this._asked.add(id);
        try {
          const name = await this._fetch(id);
          if (name) {
            this._names.set(id, name);
            this._changed.emit();
          }
        } catch {
          // No access or no such collection: the UUID stays the label.
        }
      })
    );
  }

  private _fetch: (id: string) => Promise<string>;
  private _names = new Map<string, string>();
  private _asked = new Set<string>();
  private _changed = new Signal<this, void>(this);
}
