/**
 * Folders that uploads in this session have made (or found) on a collection, remembered
 * for a short while: a loop that saves a file per iteration into one folder then asks
 * Transfer for `mkdir -p` once, not once per file (a Transfer round trip that reaches the
 * collection's server each time).
 */
import type { TransferClient } from '../services/transfer/transfer-client';

/** How long a folder is trusted to exist without asking again (ms). */
export const KNOWN_FOLDER_TTL_MS = 60_000;

/** Most folders remembered per session (the oldest go first). */
const MAX_FOLDERS = 256;

/**
 * Folders known to exist, per collection, each until its time runs out. A folder whose
 * sub-folder is known exists too. Whoever finds one gone (an upload answered 404) forgets
 * it and everything under it.
 */
export class KnownFolders {
  private readonly _until = new Map<string, number>();

  /**
   * @param ttlMs - how long a folder is trusted
   * @param now - clock in ms (tests pass a fake one)
   */
  constructor(
    private readonly _ttlMs = KNOWN_FOLDER_TTL_MS,
    private readonly _now: () => number = Date.now
  ) {}

  /**
   * Whether the folder (or one below it) was made or found recently.
   *
   * @param collection - collection id
   * @param folder - absolute folder path, no trailing slash
   */
  has(collection: string, folder: string): boolean {
    const key = keyOf(collection, folder);
    const now = this._now();
    for (const [known, until] of this._until) {
      if (until <= now) {
        this._until.delete(known);
      } else if (known === key || known.startsWith(`${key}/`)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Remember that the folder exists now.
   *
   * @param collection - collection id
   * @param folder - absolute folder path, no trailing slash
   */
  remember(collection: string, folder: string): void {
    const key = keyOf(collection, folder);
    this._until.delete(key);
    this._until.set(key, this._now() + this._ttlMs);
    while (this._until.size > MAX_FOLDERS) {
      this._until.delete(this._until.keys().next().value as string);
    }
  }

  /**
   * Forget the folder and every folder below it (it was found missing).
   *
   * @param collection - collection id
   * @param folder - absolute folder path, no trailing slash
   */
  forget(collection: string, folder: string): void {
    const key = keyOf(collection, folder);
    for (const known of [...this._until.keys()]) {
      if (known === key || known.startsWith(`${key}/`)) {
        this._until.delete(known);
      }
    }
  }
}

function keyOf(collection: string, folder: string): string {
  return `${collection}:${folder.replace(/\/+$/, '')}`;
}

/** One memory per session (its Transfer client), never process-wide. */
const perSession = new WeakMap<TransferClient, KnownFolders>();

/**
 * The known folders of a session.
 *
 * @param transfer - the session's Transfer client
 */
export function knownFolders(transfer: TransferClient): KnownFolders {
  let folders = perSession.get(transfer);
  if (!folders) {
    folders = new KnownFolders();
    perSession.set(transfer, folders);
  }
  return folders;
}
