/**
 * The token file: one JSON document per user holding kernel-helpers' standalone login
 * (plain Node, tslab outside JupyterLab). It is kernel-helpers' own: under JupyterLab the
 * server extension owns the live credentials, keeps them in its own file and hands a
 * kernel access tokens through its token broker (issue #18); the server reads this file
 * once, when it finds no login of its own, to carry over a login made before the two
 * were separated.
 *
 * - Location: `GLOBUS_KIT_TOKEN_FILE`, else `<jupyter data dir>/globus-kit/tokens.json`,
 *   with the data dir found the way jupyter_core does (`JUPYTER_DATA_DIR`, else the
 *   platform default).
 * - Mode 0600 in a 0700 folder; every write is a temp file + rename, so a reader never sees
 *   half a document; every read-modify-write holds `<file>.lock` (see file-lock.ts) and
 *   bumps `revision`.
 * - A file that is not JSON, or JSON that is not ours, is moved aside (never deleted: it
 *   may hold someone's tokens) and reported as a `LoginError`.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { IFileLockOptions, withFileLock } from './file-lock';
import { LoginError, RELOGIN_REMEDY } from './login-error';

/** The `format` marker of the token file. */
export const TOKEN_FILE_FORMAT = 'jupyterlab-globus-kit/tokens';
/** The format version this code writes (and the newest it reads). */
export const TOKEN_FILE_VERSION = 1;

/** One stored token (snake_case, as the server's file and Globus's token responses). Holds secrets. */
export interface IStoredToken {
  resource_server: string;
  access_token: string;
  refresh_token: string | null;
  scope: string;
  /** Absolute expiry, epoch seconds. */
  expires_at_seconds: number | null;
  token_type: string;
}

/** Who logged in (from the id_token claims or userinfo); no secrets. */
export interface IStoredIdentity {
  sub: string;
  preferred_username?: string;
  name?: string;
  email?: string;
  organization?: string;
  identity_provider_display_name?: string;
}

/** The whole token file. Holds secrets: never print it. */
export interface ITokenFileDocument {
  format: typeof TOKEN_FILE_FORMAT;
  format_version: number;
  /** Bumped by every write; lets a reader tell that someone else wrote in between. */
  revision: number;
  /** Epoch seconds of the last write. */
  updated_at: number;
  /** The native-app client the tokens were issued to. */
  client_id: string;
  /** The Auth origin that issued them (production or an emulator). */
  auth_base_url: string;
  identity: IStoredIdentity | null;
  /** The id_token of the login, when `openid` was granted. */
  id_token: string | null;
  /** One token per resource server. */
  tokens: Record<string, IStoredToken>;
}

/**
 * The Jupyter data directory, computed as jupyter_core's `jupyter_data_dir()` does.
 *
 * @param env - the environment
 * @param platform - the OS (default: this one)
 */
export function jupyterDataDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform
): string {
  if (env.JUPYTER_DATA_DIR) {
    return env.JUPYTER_DATA_DIR;
  }
  const home = env.HOME || homedir();
  if (platform === 'darwin') {
    return join(home, 'Library', 'Jupyter');
  }
  if (platform === 'win32') {
    return env.APPDATA ? join(env.APPDATA, 'jupyter') : join(home, '.jupyter', 'data');
  }
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'jupyter');
}

/**
 * Where the token file lives: `GLOBUS_KIT_TOKEN_FILE`, else
 * `<jupyter data dir>/globus-kit/tokens.json`.
 *
 * @param env - the environment
 */
export function tokenFilePath(
  env: Readonly<Record<string, string | undefined>> = process.env
): string {
  return env.GLOBUS_KIT_TOKEN_FILE || join(jupyterDataDir(env), 'globus-kit', 'tokens.json');
}

/**
 * The token file at one path: validated reads, locked atomic updates, removal.
 */
export class TokenFile {
  /** The file's path. */
  readonly path: string;
  readonly #lock: IFileLockOptions;

  /**
   * @param path - where the file is (see {@link tokenFilePath})
   * @param lock - lock time limits
   */
  constructor(path: string, lock: IFileLockOptions = {}) {
    this.path = path;
    this.#lock = lock;
  }

  /**
   * The document, or `undefined` when there is no file.
   *
   * @throws LoginError `TOKEN_FILE_CORRUPT` / `TOKEN_FILE_FOREIGN` (the file was moved
   *   aside) or `TOKEN_FILE_UNSUPPORTED`
   */
  async read(): Promise<ITokenFileDocument | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
    return this.#validate(text);
  }

  /**
   * Read-modify-write under the lock. `change` gets the current document (or `undefined`)
   * and returns the new one, `undefined` to leave the file as it is, or `null` to delete it.
   * The written document gets `revision + 1` and a fresh `updated_at`.
   *
   * @param change - the modification
   * @returns the document now on disk (`undefined` when none)
   */
  async update(
    change: (
      current: ITokenFileDocument | undefined
    ) => ITokenFileDocument | undefined | null | Promise<ITokenFileDocument | undefined | null>
  ): Promise<ITokenFileDocument | undefined> {
    await fs.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    return withFileLock(
      this.path,
      async () => {
        const current = await this.read();
        const next = await change(current);
        if (next === undefined) {
          return current;
        }
        if (next === null) {
          await fs.rm(this.path, { force: true });
          return undefined;
        }
        const doc: ITokenFileDocument = {
          ...next,
          format: TOKEN_FILE_FORMAT,
          format_version: TOKEN_FILE_VERSION,
          revision: (current?.revision ?? 0) + 1,
          updated_at: Math.floor(Date.now() / 1000)
        };
        await writeAtomically(this.path, `${JSON.stringify(doc, null, 2)}\n`);
        return doc;
      },
      this.#lock
    );
  }

  /** Delete the file (under the lock). */
  async remove(): Promise<void> {
    await this.update(() => null).catch(async error => {
      // A corrupt file was already moved aside by read(); nothing is left to delete.
      if ((error as { code?: string }).code === 'TOKEN_FILE_UNSUPPORTED') {
        throw error;
      }
    });
  }

  async #validate(text: string): Promise<ITokenFileDocument> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const movedTo = await this.#moveAside();
      throw new LoginError({
        code: 'TOKEN_FILE_CORRUPT',
        message: `The Globus token file ${this.path} is not valid JSON; it was moved to ${movedTo}.`,
        remedy: RELOGIN_REMEDY,
        movedTo
      });
    }
    const doc = value as Record<string, unknown>;
    if (doc.format !== TOKEN_FILE_FORMAT) {
      const movedTo = await this.#moveAside();
      throw new LoginError({
        code: 'TOKEN_FILE_FOREIGN',
        message: `${this.path} is not a jupyterlab-globus-kit token file; it was moved to ${movedTo}.`,
        remedy: RELOGIN_REMEDY,
        movedTo
      });
    }
    if (typeof doc.format_version !== 'number' || doc.format_version > TOKEN_FILE_VERSION) {
      throw new LoginError({
        code: 'TOKEN_FILE_UNSUPPORTED',
        message: `The Globus token file ${this.path} has format version ${String(doc.format_version)}, newer than this version reads (${TOKEN_FILE_VERSION}); it was left as it is.`,
        remedy:
          'Upgrade jupyterlab-globus-kit in this environment, or set GLOBUS_KIT_TOKEN_FILE to another path.'
      });
    }
    if (!isValidBody(doc)) {
      const movedTo = await this.#moveAside();
      throw new LoginError({
        code: 'TOKEN_FILE_CORRUPT',
        message: `The Globus token file ${this.path} has missing or mistyped fields; it was moved to ${movedTo}.`,
        remedy: RELOGIN_REMEDY,
        movedTo
      });
    }
    return doc as unknown as ITokenFileDocument;
  }

  async #moveAside(): Promise<string> {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
    const target = `${this.path}.bad-${stamp}-${randomBytes(3).toString('hex')}`;
    await fs.rename(this.path, target);
    return target;
  }
}

/**
 * Write `text` to `path` through a 0600 temp file in the same folder and a rename.
 *
 * @param path - destination
 * @param text - content
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await fs.open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, path);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
}

// Module internals (not exported).
function isValidBody(doc: Record<string, unknown>): boolean {
  const str = (v: unknown): boolean => typeof v === 'string';
  if (!Number.isInteger(doc.revision) || !str(doc.client_id) || !str(doc.auth_base_url)) {
    return false;
  }
  if (typeof doc.tokens !== 'object' || doc.tokens === null || Array.isArray(doc.tokens)) {
    return false;
  }
  for (const [rs, t] of Object.entries(doc.tokens as Record<string, unknown>)) {
    if (typeof t !== 'object' || t === null) {
      return false;
    }
    const tok = t as Record<string, unknown>;
    if (tok.resource_server !== rs || !str(tok.access_token) || !str(tok.scope)) {
      return false;
    }
    if (tok.refresh_token !== null && !str(tok.refresh_token)) {
      return false;
    }
    if (tok.expires_at_seconds !== null && typeof tok.expires_at_seconds !== 'number') {
      return false;
    }
  }
  return true;
}
