/**
 * Errors of the workspace API and S3: one class with a stable `code` and a `remedy`.
 */
import { GlobusKitError, hasErrorName } from '../errors/globus-kit-error';

/** Stable codes of {@link WorkspaceError}. */
export type WorkspaceErrorCode =
  /** No platform (workspace API) URL given and none in the environment. */
  | 'PLATFORM_NOT_CONFIGURED'
  /** The workspace API answered an error or something that is not the expected JSON. */
  | 'PLATFORM_REQUEST_FAILED'
  /** The workspace API refused the token (401) or its scope (403). */
  | 'PLATFORM_ACCESS_DENIED'
  /** No workspace of that name for this user. */
  | 'WORKSPACE_NOT_FOUND'
  /** The workspace is not on S3 storage (only S3 is supported). */
  | 'WORKSPACE_UNSUPPORTED'
  /** S3 refused the request with the workspace's credentials. */
  | 'S3_ACCESS_DENIED'
  /** No object at that key. */
  | 'S3_NOT_FOUND'
  /** Any other S3 failure (server error, unreachable, malformed answer). */
  | 'S3_REQUEST_FAILED'
  /** The temporary credentials expired and could not be renewed. */
  | 'CREDENTIALS_EXPIRED'
  /** AWS's S3 client (an optional dependency) is not installed. */
  | 'S3_CLIENT_MISSING';

/** What a {@link WorkspaceError} carries. */
export interface IWorkspaceErrorInit {
  /** Stable code. */
  code: WorkspaceErrorCode;
  /** What happened (never a token, secret key or session token). */
  message: string;
  /** What the user should do. */
  remedy: string;
  /** HTTP status, when there was an answer. */
  status?: number;
  /** The workspace it concerns, if any. */
  workspace?: string;
  /** The S3 or API error code (`AccessDenied`, `NoSuchKey`, …), if any. */
  serviceCode?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A workspace API or S3 problem, with the remedy in the message.
 */
export class WorkspaceError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Workspace storage problem';
  }

  /** What the user should do. */
  readonly remedy: string;
  /** HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** The workspace it concerns, if any. */
  readonly workspace: string | undefined;
  /** The S3 or API error code, if any. */
  readonly serviceCode: string | undefined;

  /**
   * @param init - code, message, remedy
   */
  constructor(init: IWorkspaceErrorInit) {
    super(`${init.message} ${init.remedy}`, { code: init.code, cause: init.cause });
    this.name = 'WorkspaceError';
    this.remedy = init.remedy;
    this.status = init.status;
    this.workspace = init.workspace;
    this.serviceCode = init.serviceCode;
  }
}

const NAMES = new Set(['WorkspaceError']);

/**
 * Whether `value` is a {@link WorkspaceError} (by `instanceof` or by `name`).
 *
 * @param value - anything caught
 */
export function isWorkspaceError(value: unknown): value is WorkspaceError {
  return value instanceof WorkspaceError || hasErrorName(value, NAMES);
}
