/**
 * Logins started but not completed: the PKCE verifier and what was asked for, kept in
 * `pending-logins.json` next to the token file (mode 0600, same lock protocol), so that a
 * login started in one cell (or process) can be completed in another. Globus logins and
 * the OIDC provider's share the file; the server extension's OIDC login in the sidebar
 * reads it too (its Globus logins wait next to its own token file). Entries expire after
 * 15 minutes.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { withFileLock } from './file-lock';
import { writeAtomically } from './token-file';

/** One pending login. Holds the PKCE verifier (a secret until used). */
export interface IPendingLogin {
  state: string;
  code_verifier: string;
  scopes: string[];
  redirect_uri: string;
  client_id: string;
  auth_base_url: string;
  /** Epoch seconds. */
  created_at: number;
}

/** How long a started login can be completed, in seconds. */
export const PENDING_LOGIN_TTL_SECONDS = 900;

/** The pending-logins file for a token file. */
export function pendingLoginsPath(tokenFilePath: string): string {
  return join(dirname(tokenFilePath), 'pending-logins.json');
}

/**
 * Add a pending login (dropping expired ones).
 *
 * @param path - the pending-logins file
 * @param entry - the login
 */
export async function addPendingLogin(path: string, entry: IPendingLogin): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await withFileLock(path, async () => {
    const all = fresh(await readAll(path));
    all[entry.state] = entry;
    await writeAtomically(path, `${JSON.stringify({ pending: all }, null, 2)}\n`);
  });
}

/** Whose logins a call may see: the file is shared by every provider (Globus, OIDC). */
export interface IPendingLoginOwner {
  /** The authorization server (Globus Auth's base URL, or an OIDC issuer). */
  auth_base_url: string;
  /** Only this client's logins (default: any client of that server). */
  client_id?: string;
}

/**
 * Find a pending login of the given owner, leaving it in the file: the one with `state`,
 * else the newest (never another provider's: Globus and OIDC logins share this file). A
 * caller drops it with {@link dropPendingLogin} only once its code was accepted, so a
 * wrong or crafted code does not use up the user's real login.
 *
 * @param path - the pending-logins file
 * @param state - which login (default: the owner's newest)
 * @param owner - only this client's logins are found
 */
export async function findPendingLogin(
  path: string,
  state?: string,
  owner?: IPendingLoginOwner
): Promise<IPendingLogin | undefined> {
  try {
    await fs.access(path);
  } catch {
    return undefined;
  }
  const all = fresh(await withFileLock(path, () => readAll(path)));
  // Only the owner's: another provider's login cannot be finished here (its code goes to
  // another token endpoint).
  const mine = Object.values(all).filter(p => owner === undefined || ownedBy(p, owner));
  return state !== undefined
    ? mine.find(p => p.state === state)
    : mine.sort((a, b) => b.created_at - a.created_at)[0];
}

/**
 * Remove the pending login with `state` (its code was exchanged: it cannot be used again).
 *
 * @param path - the pending-logins file
 * @param state - the login's state
 */
export async function dropPendingLogin(path: string, state: string): Promise<void> {
  try {
    await fs.access(path);
  } catch {
    return;
  }
  await withFileLock(path, async () => {
    const all = fresh(await readAll(path));
    delete all[state];
    await writeAll(path, all);
  });
}

/**
 * Forget every pending login of one owner (a logout); other providers' logins stay.
 *
 * @param path - the pending-logins file
 * @param owner - whose logins to drop
 * @returns how many were dropped
 */
export async function forgetPendingLogins(
  path: string,
  owner: IPendingLoginOwner
): Promise<number> {
  try {
    await fs.access(path);
  } catch {
    return 0;
  }
  return withFileLock(path, async () => {
    const all = fresh(await readAll(path));
    let dropped = 0;
    for (const [k, v] of Object.entries(all)) {
      if (ownedBy(v, owner)) {
        delete all[k];
        dropped++;
      }
    }
    await writeAll(path, all);
    return dropped;
  });
}

// Module internals (not exported).
function ownedBy(p: IPendingLogin, owner: IPendingLoginOwner): boolean {
  return (
    p.auth_base_url === owner.auth_base_url &&
    (owner.client_id === undefined || p.client_id === owner.client_id)
  );
}

async function writeAll(path: string, all: Record<string, IPendingLogin>): Promise<void> {
  if (Object.keys(all).length === 0) {
    await fs.rm(path, { force: true });
  } else {
    await writeAtomically(path, `${JSON.stringify({ pending: all }, null, 2)}\n`);
  }
}

async function readAll(path: string): Promise<Record<string, IPendingLogin>> {
  try {
    const doc = JSON.parse(await fs.readFile(path, 'utf8')) as { pending?: unknown };
    const pending = doc.pending;
    return typeof pending === 'object' && pending !== null && !Array.isArray(pending)
      ? (pending as Record<string, IPendingLogin>)
      : {};
  } catch {
    // Missing or unreadable: pending logins are disposable (the user just starts again).
    return {};
  }
}

function fresh(all: Record<string, IPendingLogin>): Record<string, IPendingLogin> {
  const cutoff = Date.now() / 1000 - PENDING_LOGIN_TTL_SECONDS;
  const out: Record<string, IPendingLogin> = {};
  for (const [k, v] of Object.entries(all)) {
    if (v && typeof v.created_at === 'number' && v.created_at >= cutoff && v.state === k) {
      out[k] = v;
    }
  }
  return out;
}
