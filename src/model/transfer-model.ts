/**
 * The transfer dialog's UI-free part (issue #17): the options and their defaults, the
 * checks made before a submit, and a submission made exactly once (one submission id,
 * fetched before the first attempt and reused by every retry).
 */
import {
  getSubmissionId,
  GlobusKitApiError,
  requestAPI,
  ITransferOptions,
  ITransferSubmitted,
  ls,
  mkdir,
  submitTransfer,
  SyncLevel
} from '../api';
import { IAuthorizationParameters } from '../documents';

/** The sync levels, in the dialog's order. */
export const SYNC_LEVELS: readonly SyncLevel[] = ['off', 'exists', 'size', 'mtime', 'checksum'];

/** One side of a transfer. */
export interface ITransferEndpoint {
  /** The collection id. */
  collection: string;
  /** A folder (absolute, or under `/~/`). */
  path: string;
  /** The collection's name, when known (shown in the dialog). */
  name?: string;
}

/** What moves where: `items` are absolute source paths, a folder ending in `/`. */
export interface ITransferSpec {
  source: ITransferEndpoint;
  destination: ITransferEndpoint;
  items: string[];
}

/** The options every field of the dialog starts from (the web app's defaults). */
export const DEFAULT_TRANSFER_OPTIONS: Readonly<
  Required<Omit<ITransferOptions, 'label' | 'deadline'>>
> = {
  sync_level: 'off',
  verify_checksum: true,
  encrypt_data: false,
  preserve_timestamp: false,
  delete_destination_extra: false,
  skip_source_errors: false,
  fail_on_quota_errors: false,
  notify_on_succeeded: true,
  notify_on_failed: true,
  notify_on_inactive: true
};

/** The boolean options, in the dialog's order. */
export const BOOLEAN_OPTIONS = [
  'verify_checksum',
  'encrypt_data',
  'preserve_timestamp',
  'delete_destination_extra',
  'skip_source_errors',
  'fail_on_quota_errors',
  'notify_on_succeeded',
  'notify_on_failed',
  'notify_on_inactive'
] as const;

/** A boolean option's name. */
export type BooleanOption = (typeof BOOLEAN_OPTIONS)[number];

/**
 * The options to remember for the next transfer: every switch and the sync level, never
 * the label or the deadline (they belong to one transfer). Unknown keys and values of
 * the wrong type (a stored value from another version) are dropped.
 *
 * @param value - the options, or anything read back from storage.
 */
export function rememberable(value: unknown): ITransferOptions {
  const out: ITransferOptions = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return out;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.sync_level === 'string' && SYNC_LEVELS.includes(v.sync_level as SyncLevel)) {
    out.sync_level = v.sync_level as SyncLevel;
  }
  for (const name of BOOLEAN_OPTIONS) {
    if (typeof v[name] === 'boolean') {
      out[name] = v[name] as boolean;
    }
  }
  return out;
}

/** A problem found before submitting, with a stable code and what to do. */
export interface ITransferProblem {
  /** `NO_ITEMS`, `NO_DESTINATION`, `OVERLAPPING_PATHS`, `BAD_LABEL`, `BAD_DEADLINE`, `DELETE_NEEDS_FOLDERS`. */
  code: string;
  /** What is wrong and the remedy. */
  message: string;
}

function overlap(a: string, b: string): boolean {
  const x = a.replace(/\/+$/, '') + '/';
  const y = b.replace(/\/+$/, '') + '/';
  return x.startsWith(y) || y.startsWith(x);
}

/** Where an item lands: the destination folder plus the item's name. */
export function destinationOf(item: string, destinationFolder: string): string {
  const folder = destinationFolder.endsWith('/') ? destinationFolder : `${destinationFolder}/`;
  const isDir = item.endsWith('/');
  const name = item.replace(/\/+$/, '').split('/').pop() ?? '';
  return `${folder}${name}${isDir ? '/' : ''}`;
}

/**
 * The same checks the server makes, before any request: something to move, a
 * destination, no overlap on one collection, a label and deadline the route takes, and
 * "delete extra files" only with folders.
 *
 * @param spec - what moves where.
 * @param options - the dialog's options.
 * @param now - the current time (tests pass a fixed one).
 * @returns the first problem, or null.
 */
export function validateTransfer(
  spec: ITransferSpec,
  options: ITransferOptions,
  now: Date = new Date()
): ITransferProblem | null {
  if (spec.items.length === 0) {
    return { code: 'NO_ITEMS', message: 'Select at least one file or folder to transfer.' };
  }
  if (spec.items.length > 1000) {
    return { code: 'NO_ITEMS', message: 'At most 1000 items go in one transfer; select fewer.' };
  }
  if (!spec.destination.collection || !spec.destination.path) {
    return {
      code: 'NO_DESTINATION',
      message: 'Choose a destination: open a collection and folder in the other pane.'
    };
  }
  if (spec.source.collection === spec.destination.collection) {
    for (const item of spec.items) {
      const target = destinationOf(item, spec.destination.path);
      if (overlap(item, target)) {
        return {
          code: 'OVERLAPPING_PATHS',
          message: `${item} and ${target} overlap on the same collection; choose another destination folder.`
        };
      }
    }
  }
  const label = options.label;
  if (label !== undefined && label !== '') {
    if (label.length > 128 || /[\r\n]/.test(label) || label.trim() !== label) {
      return {
        code: 'BAD_LABEL',
        message:
          'The label must be at most 128 characters on one line, without leading or trailing spaces.'
      };
    }
  }
  if (options.deadline) {
    const text = options.deadline.trim();
    const zoned = /(Z|[+-]\d\d:\d\d)$/.test(text) || /^\d{4}-\d\d-\d\d$/.test(text);
    const when = Date.parse(zoned ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
    if (Number.isNaN(when)) {
      return {
        code: 'BAD_DEADLINE',
        message: 'The deadline must be a date and time such as 2030-01-31 09:30 (UTC).'
      };
    }
    if (when <= now.getTime()) {
      return { code: 'BAD_DEADLINE', message: 'The deadline must be in the future.' };
    }
  }
  if (options.delete_destination_extra && !spec.items.every(i => i.endsWith('/'))) {
    return {
      code: 'DELETE_NEEDS_FOLDERS',
      message:
        'Deleting extra destination files works on folders only: select folders, or turn the option off.'
    };
  }
  return null;
}

/** The options the route gets: the label and deadline only when set. */
export function requestOptions(options: ITransferOptions): ITransferOptions {
  const out: ITransferOptions = { ...DEFAULT_TRANSFER_OPTIONS, ...rememberable(options) };
  if (options.label) {
    out.label = options.label;
  }
  if (options.deadline) {
    out.deadline = options.deadline.trim();
  }
  return out;
}

/**
 * One transfer, submitted exactly once however often it is retried: the submission id is
 * fetched before the first attempt and every retry sends it again, so Transfer answers
 * `Duplicate` with the first task instead of starting a second one.
 */
export class TransferSubmission {
  /**
   * @param spec - what moves where.
   */
  constructor(readonly spec: ITransferSpec) {}

  /** The submission id, once fetched. */
  get submissionId(): string | null {
    return this._submissionId;
  }

  /** The last attempt's error, or null. */
  get error(): GlobusKitApiError | Error | null {
    return this._error;
  }

  /**
   * The login that fixes the last error, or null: for `SESSION_REQUIRED` (a high-assurance
   * collection needing a fresh login) its `authorizationParameters`; for
   * `CONSENT_REQUIRED` a step-up login adding the missing scopes (what a stored login
   * needs; on a hub the consent link does it).
   */
  get loginFix(): ILoginFix | null {
    const e = this._error;
    if (!(e instanceof GlobusKitApiError)) {
      return null;
    }
    const params = e.body?.authorizationParameters;
    if (e.code === 'SESSION_REQUIRED' && params && typeof params === 'object') {
      return { authorizationParameters: params };
    }
    const scopes = e.body?.requiredScopes;
    if (e.code === 'CONSENT_REQUIRED' && Array.isArray(scopes) && scopes.length) {
      return { addScopes: [...scopes] };
    }
    return null;
  }

  /** The consent page that fixes the last error, for `CONSENT_REQUIRED`. */
  get consentUrl(): string | null {
    const e = this._error;
    return e instanceof GlobusKitApiError && e.code === 'CONSENT_REQUIRED' ? e.consentUrl : null;
  }

  /**
   * Check and submit (again, with the same submission id).
   *
   * @param options - the dialog's options.
   * @throws the problem found before submitting (an Error with `code`), or the route's error.
   */
  async submit(options: ITransferOptions): Promise<ITransferSubmitted> {
    this._error = null;
    const problem = validateTransfer(this.spec, options);
    if (problem) {
      const error = new GlobusKitApiError(problem.message, problem.code, 0);
      this._error = error;
      throw error;
    }
    try {
      if (!this._submissionId) {
        this._submissionId = (await getSubmissionId()).submissionId;
      }
      const answer = await submitTransfer({
        source: { collection: this.spec.source.collection, path: this.spec.source.path },
        destination: {
          collection: this.spec.destination.collection,
          path: this.spec.destination.path
        },
        items: [...this.spec.items],
        options: requestOptions(options),
        submission_id: this._submissionId
      });
      return answer;
    } catch (error) {
      const id = (error as GlobusKitApiError).body?.submissionId;
      if (typeof id === 'string' && id && !this._submissionId) {
        this._submissionId = id;
      }
      this._error = error as Error;
      throw error;
    }
  }

  /**
   * Whether the destination folder is missing: true only when listing it answers
   * `NOT_FOUND`. Any other error (consent, a session policy, a network fault) is left to
   * the submit, which reports it with its remedy.
   */
  async destinationMissing(): Promise<boolean> {
    const { collection, path } = this.spec.destination;
    try {
      await ls(collection, path, { limit: 1 });
      return false;
    } catch (error) {
      return error instanceof GlobusKitApiError && error.code === 'NOT_FOUND';
    }
  }

  /**
   * Create the destination folder and the missing folders above it (Transfer's mkdir
   * makes one folder whose parent exists).
   *
   * @throws the route's error for a folder that cannot be made.
   */
  async createDestination(): Promise<void> {
    await createFolder(this.spec.destination.collection, this.spec.destination.path);
  }

  private _submissionId: string | null = null;
  private _error: GlobusKitApiError | Error | null = null;
}

/** A login that fixes a submit's error (the body of `POST login`). */
export interface ILoginFix {
  /** Scopes to add to the stored login's (a missing consent). */
  addScopes?: string[];
  /** A fresh session's requirements (a high-assurance collection). */
  authorizationParameters?: IAuthorizationParameters;
}

/**
 * Start the login that fixes an error; the server keeps the PKCE verifier and stores the
 * tokens when Globus sends the browser back (or when the code is pasted in the sidebar).
 *
 * @param fix - what the login must add.
 * @returns the authorize URL to open.
 */
export async function startFixLogin(fix: ILoginFix): Promise<string> {
  const answer = await requestAPI<{ url: string }>('login', {
    method: 'POST',
    body: JSON.stringify(fix)
  });
  return answer.url;
}

/** The parent folder of `path` (`/a/b/` → `/a/`), or null at the root or the home. */
export function parentFolder(path: string): string | null {
  const trimmed = path.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  if (cut <= 0 || trimmed === '/~') {
    return null;
  }
  return `${trimmed.slice(0, cut)}/`;
}

/** Whether a mkdir error says the parent folder is missing. */
function parentMissing(error: unknown): boolean {
  if (!(error instanceof GlobusKitApiError)) {
    return false;
  }
  const globus = error.body?.globusCode ?? '';
  return error.code === 'NOT_FOUND' || /NotFound$/.test(globus);
}

/** Whether a mkdir error says the folder exists already (made meanwhile: fine). */
function alreadyExists(error: unknown): boolean {
  return error instanceof GlobusKitApiError && /Exists$/.test(error.body?.globusCode ?? '');
}

/**
 * Make `path` and, when its parent is missing, the parent first (at most 32 levels).
 *
 * @param collection - the collection id.
 * @param path - the folder to make.
 */
export async function createFolder(collection: string, path: string, depth = 0): Promise<void> {
  try {
    await mkdir(collection, path);
  } catch (error) {
    if (alreadyExists(error)) {
      return;
    }
    const parent = parentFolder(path);
    if (!parentMissing(error) || !parent || depth >= 32) {
      throw error;
    }
    await createFolder(collection, parent, depth + 1);
    try {
      await mkdir(collection, path);
    } catch (again) {
      if (!alreadyExists(again)) {
        throw again;
      }
    }
  }
}
