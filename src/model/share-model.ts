/**
 * The Share dialog's state, UI-free (issue #16, Sharing): the access rules of one folder
 * of a guest collection, the identity look-up (as you type, with bounded requests), the
 * caller's groups, adding a rule and revoking one. Errors keep the route's typed message
 * (it names the remedy) and its consent URL.
 */
import { ISignal, Signal } from '@lumino/signaling';

import * as api from '../api';
import {
  IAccessRule,
  ICollection,
  IFileEntry,
  IGroup,
  IIdentity,
  INewAccessRule,
  PrincipalType
} from '../documents';

/** Entity types whose folders take access rules. */
export const GUEST_TYPES = new Set(['GCSv5_guest_collection', 'GCP_guest_collection']);
/** Roles that may manage access rules. */
export const MANAGER_ROLES = new Set(['administrator', 'access_manager']);
/** Shortest text the identity look-up sends. */
export const LOOKUP_MIN_CHARS = 3;
/** Wait after the last key before a look-up is sent, ms. */
export const LOOKUP_DEBOUNCE_MS = 300;
/** Look-ups remembered (text → identities). */
const LOOKUP_CACHE = 50;

/** Whether a folder can be shared, and if not why (the command's caption says it). */
export type Shareability = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Whether the Share action applies: a folder (the selected one, else the open one) on a
 * guest collection whose access rules the caller manages.
 *
 * @param collection - the pane's collection.
 * @param folder - the open folder.
 * @param selected - the selected entries.
 * @param pathOf - an entry's absolute path.
 */
export function shareability(
  collection: ICollection | null,
  folder: string,
  selected: readonly IFileEntry[],
  pathOf: (e: IFileEntry) => string
): Shareability {
  if (!collection) {
    return { ok: false, reason: 'Open a guest collection to share a folder.' };
  }
  if (!GUEST_TYPES.has(collection.entity_type ?? '')) {
    return {
      ok: false,
      reason: `Sharing is for guest collections; ${collection.display_name} is not one.`
    };
  }
  const roles = collection.my_effective_roles ?? [];
  if (collection.acl_editable !== true && !roles.some(r => MANAGER_ROLES.has(r))) {
    return {
      ok: false,
      reason: `You do not have the access_manager role on ${collection.display_name}.`
    };
  }
  if (selected.length > 1) {
    return { ok: false, reason: 'Select one folder (or none, to share the open folder).' };
  }
  if (selected.length === 1) {
    if (selected[0].type !== 'dir') {
      return { ok: false, reason: 'Access rules apply to folders: select a folder.' };
    }
    const p = pathOf(selected[0]);
    return { ok: true, path: p.endsWith('/') ? p : `${p}/` };
  }
  return { ok: true, path: folder.endsWith('/') ? folder : `${folder}/` };
}

/** The fixed labels of the principals without an id. */
export const PRINCIPAL_LABELS: Record<PrincipalType, string> = {
  identity: 'Identity',
  group: 'Group',
  all_authenticated_users: 'All authenticated users',
  anonymous: 'Anyone (public)'
};

/**
 * Who a rule names, for display: the username or group name (else the id), or the fixed
 * label. Always rendered as text.
 *
 * @param rule - the access rule.
 */
export function principalLabel(rule: IAccessRule): string {
  if (rule.principal_type === 'identity' || rule.principal_type === 'group') {
    return rule.principalName || rule.principal;
  }
  return PRINCIPAL_LABELS[rule.principal_type] ?? rule.principal_type;
}

/** An error as the dialog shows it. */
export interface IShareError {
  message: string;
  code: string;
  consentUrl: string | null;
}

/** A name cut to 80 characters for a status line (the table shows it whole). */
function short(name: string): string {
  return name.length > 80 ? `${name.slice(0, 79)}…` : name;
}

function shareError(e: unknown): IShareError {
  if (e instanceof api.GlobusKitApiError) {
    return { message: e.message, code: e.code, consentUrl: e.consentUrl };
  }
  return { message: e instanceof Error ? e.message : String(e), code: 'error', consentUrl: null };
}

/** What {@link ShareModel} needs. */
export interface IShareModelOptions {
  collection: ICollection;
  /** The folder (ends with `/`). */
  path: string;
  /** Debounce of the look-up, ms (tests pass 0). */
  debounceMs?: number;
}

/** The Share dialog's state. */
export class ShareModel {
  constructor(options: IShareModelOptions) {
    this.collection = options.collection;
    this.path = options.path.endsWith('/') ? options.path : `${options.path}/`;
    this._debounceMs = options.debounceMs ?? LOOKUP_DEBOUNCE_MS;
  }

  /** The guest collection. */
  readonly collection: ICollection;
  /** The folder shared. */
  readonly path: string;

  /** Emitted on every change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The folder's rules (null until loaded). */
  rules: IAccessRule[] | null = null;
  /** Notes of the last list (names that could not be resolved). */
  notes: string[] = [];
  /** The last error of the rules list, an add or a revoke. */
  error: IShareError | null = null;
  /** What the last add or revoke did, for the status line. */
  status = '';
  /** Whether an add or revoke is in flight. */
  busy = false;

  /** The caller's groups (null until loaded). */
  groups: IGroup[] | null = null;
  /** Why the groups could not be listed. */
  groupsError: IShareError | null = null;

  /** The look-up's text as last given. */
  query = '';
  /** The identities found for {@link query}. */
  candidates: IIdentity[] = [];
  /** `idle`, `waiting` (debounce), `searching`, `done` or `error`. */
  lookupState: 'idle' | 'waiting' | 'searching' | 'done' | 'error' = 'idle';
  /** Why the look-up failed. */
  lookupError: IShareError | null = null;
  /** Look-up requests sent (what the bound is checked on). */
  lookupRequests = 0;

  /** Load the folder's rules. */
  async refresh(): Promise<void> {
    try {
      const list = await api.listAccessRules(this.collection.id, this.path);
      this.rules = list.rules;
      this.notes = list.notes ?? [];
      this.error = null;
    } catch (e) {
      this.rules = this.rules ?? [];
      this.error = shareError(e);
    }
    this._emit();
  }

  /** Load the caller's groups (once; again after a failure). */
  async loadGroups(): Promise<void> {
    if (this.groups) {
      return;
    }
    try {
      this.groups = (await api.listMyGroups()).groups;
      this.groupsError = null;
    } catch (e) {
      this.groupsError = shareError(e);
    }
    this._emit();
  }

  /**
   * The look-up text changed: after {@link LOOKUP_DEBOUNCE_MS} without another change,
   * one request (the previous one aborted), none under {@link LOOKUP_MIN_CHARS}
   * characters, and none for a text already answered.
   *
   * @param text - what is typed.
   */
  lookup(text: string): Promise<void> {
    const q = text.trim();
    this.query = q;
    clearTimeout(this._timer);
    this._abort?.abort();
    this._abort = null;
    if (q.length < LOOKUP_MIN_CHARS || /[\s,]/.test(q)) {
      this.candidates = [];
      this.lookupState = 'idle';
      this.lookupError = null;
      this._emit();
      return Promise.resolve();
    }
    const cached = this._cache.get(q.toLowerCase());
    if (cached) {
      this.candidates = cached;
      this.lookupState = 'done';
      this.lookupError = null;
      this._emit();
      return Promise.resolve();
    }
    this.lookupState = 'waiting';
    this._emit();
    return new Promise(resolve => {
      this._timer = setTimeout(() => {
        void this._send(q).then(resolve);
      }, this._debounceMs);
    });
  }

  private async _send(q: string): Promise<void> {
    const abort = new AbortController();
    this._abort = abort;
    this.lookupState = 'searching';
    this.lookupRequests++;
    this._emit();
    try {
      const found = (await api.lookupIdentities(q, { signal: abort.signal })).identities;
      if (abort.signal.aborted || q !== this.query) {
        return;
      }
      this._cache.set(q.toLowerCase(), found);
      if (this._cache.size > LOOKUP_CACHE) {
        this._cache.delete(this._cache.keys().next().value as string);
      }
      this.candidates = found;
      this.lookupState = 'done';
      this.lookupError = null;
    } catch (e) {
      if (abort.signal.aborted || q !== this.query) {
        return;
      }
      this.candidates = [];
      this.lookupState = 'error';
      this.lookupError = shareError(e);
    } finally {
      if (this._abort === abort) {
        this._abort = null;
      }
    }
    this._emit();
  }

  /**
   * Add a rule for this folder, then reload the list.
   *
   * @param rule - who and how (the path is this folder's).
   * @param who - who it names, for the status line.
   * @returns whether it was added.
   */
  async add(rule: Omit<INewAccessRule, 'path'>, who: string): Promise<boolean> {
    return this._change(
      () => api.addAccessRule(this.collection.id, { ...rule, path: this.path }),
      `${short(who)} can now ${rule.permissions === 'rw' ? 'read and write' : 'read'} ${short(this.path)}`
    );
  }

  /**
   * Revoke a rule, then reload the list.
   *
   * @param rule - the rule (it must have an id).
   */
  async revoke(rule: IAccessRule): Promise<boolean> {
    if (!rule.id) {
      return false;
    }
    const id = rule.id;
    return this._change(
      () => api.revokeAccessRule(this.collection.id, id),
      `Revoked the access of ${short(principalLabel(rule))}.`
    );
  }

  /**
   * Run one change of the folder's rules while busy, then reload the list: on success the
   * status line says `done`; on failure the typed error is kept and the status cleared.
   */
  private async _change(work: () => Promise<unknown>, done: string): Promise<boolean> {
    this.busy = true;
    this._emit();
    try {
      await work();
      this.error = null;
      this.status = done;
      await this.refresh();
      return true;
    } catch (e) {
      this.error = shareError(e);
      this.status = '';
      return false;
    } finally {
      this.busy = false;
      this._emit();
    }
  }

  /** Stop a pending look-up. */
  dispose(): void {
    clearTimeout(this._timer);
    this._abort?.abort();
    this._abort = null;
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _debounceMs: number;
  private _timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _abort: AbortController | null = null;
  private _cache = new Map<string, IIdentity[]>();
}
