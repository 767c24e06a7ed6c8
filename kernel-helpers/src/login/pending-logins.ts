/**
 * Logins started but not completed: the PKCE verifier and what was asked for, kept in
 * `pending-logins.json` next to the token file (mode 0600, same lock protocol), so that a
 * login started in a cell can be completed by the sidebar's paste box (the server
 * extension reads this file too) and vice versa. Entries expire after 15 minutes.
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

/**
 * Take (remove and return) a pending login: the one with `state`, else the newest.
 *
 * @param path - the pending-logins file
 * @param state - which login (default: the newest)
 */
export async function takePendingLogin(
  path: string,
  state?: string
): Promise<IPendingLogin | undefined> {
  try {
    await fs.access(path);
  } catch {
    return undefined;
  }
  return withFileLock(path, async () => {
    const all = fresh(await readAll(path));
    const chosen =
      state !== undefined
        ? all[state]
        : Object.values(all).sort((a, b) => b.created_at - a.created_at)[0];
    if (chosen) {
      delete all[chosen.state];
    }
    if (Object.keys(all).length === 0) {
      await fs.rm(path, { force: true });
    } else {
      await writeAtomically(path, `${JSON.stringify({ pending: all }, null, 2)}\n`);
    }
    return chosen;
  });
}

// Module internals (not exported).
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
