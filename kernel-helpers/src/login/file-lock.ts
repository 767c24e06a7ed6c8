/**
 * A cross-process lock next to a file: `<file>.lock`, created with O_EXCL, so two kernels
 * or scripts of one user never refresh or rewrite the token file at the same time. A lock
 * older than `staleMs` belongs to a process that died mid-write and is broken.
 *
 * The Globus token file is kernel-helpers' own (the server extension keeps its own since
 * issue #18); the OIDC provider's token file and `pending-logins.json` are still shared
 * with the server extension's sidebar login (its broker never hands out another provider's
 * token), which follows the same protocol (token_store.py).
 *
 * Why not a library: proper-lockfile and friends use mkdir locks that Python would have to
 * copy anyway; the protocol is 40 lines and both sides must agree on it exactly.
 */
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { LoginError } from './login-error';

/** Options of {@link withFileLock}. */
export interface IFileLockOptions {
  /** Give up after this many ms (default 10000). */
  timeoutMs?: number;
  /** A lock file older than this many ms is stale and removed (default 30000). */
  staleMs?: number;
}

/** Default wait for a lock. */
export const LOCK_TIMEOUT_MS = 10000;
/** Default age after which a lock is stale (longer than any refresh round trip). */
export const LOCK_STALE_MS = 30000;

/**
 * Run `fn` while holding `<path>.lock`.
 *
 * @param path - the file to protect
 * @param fn - the critical section
 * @param options - time limits
 * @throws LoginError `TOKEN_FILE_LOCKED` when the lock stays taken
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: IFileLockOptions = {}
): Promise<T> {
  const lockPath = `${path}.lock`;
  const timeoutMs = options.timeoutMs ?? LOCK_TIMEOUT_MS;
  const staleMs = options.staleMs ?? LOCK_STALE_MS;
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(
          JSON.stringify({ pid: process.pid, host: hostname(), created: Date.now() / 1000 })
        );
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    try {
      const st = await fs.stat(lockPath);
      if (Date.now() - st.mtimeMs > staleMs) {
        await fs.rm(lockPath, { force: true });
        continue;
      }
    } catch {
      continue; // released between open and stat
    }
    if (Date.now() > deadline) {
      throw new LoginError({
        code: 'TOKEN_FILE_LOCKED',
        message: `The token file is locked by another process (${lockPath}).`,
        remedy: `Try again; if no other Jupyter process is running, delete ${lockPath}.`
      });
    }
    await new Promise(resolve => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}
