/**
 * The workspace API of a platform (TerrAPI-shaped, as in the seed notebook): the user's
 * info, their workspaces, one workspace's storage document and temporary S3 credentials
 * for it. Every call carries the OIDC session's bearer token and is repeated once with a
 * renewed token after a 401.
 */
import { redactSecrets } from '../errors/globus-kit-error';
import type { OidcCredentials } from '../oidc/oidc-credentials';
import { checkedProviderUrl } from '../oidc/oidc-config';
import { WorkspaceCredentials, type IStsCredentialsDocument } from './workspace-credentials';
import { WorkspaceError } from './workspace-error';

/** `GET /v2/user/info`. */
export interface IPlatformUserInfo {
  sub: string;
  preferred_username?: string;
  email?: string;
  platforms?: { id: string }[];
  [field: string]: unknown;
}

/** One entry of `GET /v2/storage/workspaces`. */
export interface IWorkspaceRef {
  type: string;
  name: string;
  self?: string;
}

/** `GET /v2/storage/workspaces/{name}`: where the workspace's data lives (no secrets). */
export interface IWorkspaceDocument {
  name: string;
  type?: string;
  storage_type?: string;
  end_point?: string;
  owner?: string;
  status?: { status_code?: string; message?: string };
  resource_uris?: string[];
  scopes?: string[];
  properties?: Record<string, string[] | undefined>;
  [field: string]: unknown;
}

/** Per-request time limit of the workspace API, ms. */
const TIMEOUT_MS = 30_000;

class Unauthorized extends Error {}

/**
 * A client of one platform's workspace API.
 */
export class PlatformClient {
  /** The API base URL (no trailing slash). */
  readonly baseUrl: string;
  readonly #credentials: OidcCredentials;

  /**
   * @param baseUrl - the API base (https, or http on loopback)
   * @param credentials - the OIDC session's tokens
   * @throws OidcError `OIDC_INSECURE_ISSUER` for plain http off loopback
   */
  constructor(baseUrl: string, credentials: OidcCredentials) {
    checkedProviderUrl(baseUrl, 'platform URL');
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#credentials = credentials;
  }

  /** The caller as the platform sees them. */
  userInfo(): Promise<IPlatformUserInfo> {
    return this.#get('/v2/user/info', 'user info') as Promise<IPlatformUserInfo>;
  }

  /** The caller's workspaces (name and link only). */
  async list(): Promise<IWorkspaceRef[]> {
    const body = await this.#get('/v2/storage/workspaces', 'workspace list');
    if (!Array.isArray(body) || !body.every(isRef)) {
      throw malformed('workspace list');
    }
    return body;
  }

  /**
   * One workspace's storage document.
   *
   * @param name - the workspace name
   * @throws WorkspaceError `WORKSPACE_NOT_FOUND`
   */
  async get(name: string): Promise<IWorkspaceDocument> {
    const body = await this.#get(
      `/v2/storage/workspaces/${segment(name)}`,
      `workspace ${name}`,
      name
    );
    if (!isObject(body) || typeof body.name !== 'string') {
      throw malformed(`workspace ${name}`);
    }
    return body as IWorkspaceDocument;
  }

  /**
   * Temporary S3 credentials for a workspace.
   *
   * @param name - the workspace name
   * @throws WorkspaceError `WORKSPACE_NOT_FOUND`
   */
  async sts(
    name: string
  ): Promise<{ storage: IWorkspaceDocument; credentials: WorkspaceCredentials }> {
    const body = await this.#get(
      `/v2/storage/workspaces/${segment(name)}/sts`,
      `credentials of workspace ${name}`,
      name
    );
    const c = isObject(body) && isObject(body.credentials) ? body.credentials : undefined;
    if (!c || typeof c.access_key !== 'string' || typeof c.secret_key !== 'string') {
      throw malformed(`credentials of workspace ${name}`);
    }
    const storage =
      isObject(body) && isObject(body.storage) ? (body.storage as IWorkspaceDocument) : undefined;
    return {
      storage: storage ?? (await this.get(name)),
      credentials: new WorkspaceCredentials(name, c as unknown as IStsCredentialsDocument)
    };
  }

  async #get(path: string, what: string, workspace?: string): Promise<unknown> {
    return this.#credentials
      .run(
        async token => {
          let res: Response;
          try {
            res = await fetch(`${this.baseUrl}${path}`, {
              headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
              signal: AbortSignal.timeout(TIMEOUT_MS),
              redirect: 'error'
            });
          } catch (error) {
            throw new WorkspaceError({
              code: 'PLATFORM_REQUEST_FAILED',
              message: `The workspace API at ${this.baseUrl} could not be reached for the ${what} (${errorCodeOf(error)}).`,
              remedy: 'Check GLOBUS_KIT_PLATFORM_URL and the network, then try again.',
              workspace
            });
          }
          const text = await res.text();
          if (res.status === 401) {
            throw new Unauthorized();
          }
          if (!res.ok) {
            throw apiError(res.status, text, what, workspace, [token]);
          }
          try {
            return JSON.parse(text) as unknown;
          } catch {
            throw malformed(what);
          }
        },
        error => error instanceof Unauthorized
      )
      .catch(error => {
        if (error instanceof Unauthorized) {
          throw new WorkspaceError({
            code: 'PLATFORM_ACCESS_DENIED',
            message: `The workspace API refused the session's token for the ${what} (401), also after renewing it.`,
            remedy:
              'Log in again (`await oidc.login()`), or check that the client may use the platform API.',
            status: 401,
            workspace
          });
        }
        throw error;
      });
  }
}

// Module internals (not exported from the package).
function segment(name: string): string {
  if (typeof name !== 'string' || name === '' || name.includes('/') || name.includes('\0')) {
    throw new WorkspaceError({
      code: 'WORKSPACE_NOT_FOUND',
      message: `${JSON.stringify(String(name))} is not a workspace name.`,
      remedy: 'Use a name listed by `await oidc.workspaces()`.'
    });
  }
  return encodeURIComponent(name);
}

function apiError(
  status: number,
  text: string,
  what: string,
  workspace: string | undefined,
  secrets: string[]
): WorkspaceError {
  let detail = '';
  try {
    const body = JSON.parse(text) as { title?: unknown; detail?: unknown };
    detail = [body.title, body.detail].filter(v => typeof v === 'string').join(': ');
  } catch {
    detail = '';
  }
  detail = redactSecrets(detail, secrets).slice(0, 200);
  if (status === 404 && workspace !== undefined) {
    return new WorkspaceError({
      code: 'WORKSPACE_NOT_FOUND',
      message: `No workspace ${JSON.stringify(workspace)} for this user (404${detail ? ` ${detail}` : ''}).`,
      remedy: 'Use a name listed by `await oidc.workspaces()`.',
      status,
      workspace
    });
  }
  if (status === 403) {
    return new WorkspaceError({
      code: 'PLATFORM_ACCESS_DENIED',
      message: `The workspace API refused the ${what} (403${detail ? ` ${detail}` : ''}).`,
      remedy:
        'Ask for the platform scope: connectOidc({ scopes: [..., "platform"] }) or GLOBUS_KIT_OIDC_SCOPES.',
      status,
      workspace
    });
  }
  return new WorkspaceError({
    code: 'PLATFORM_REQUEST_FAILED',
    message: `The workspace API answered ${status} for the ${what}${detail ? ` (${detail})` : ''}.`,
    remedy: status >= 500 ? 'Try again later.' : 'Check the request and GLOBUS_KIT_PLATFORM_URL.',
    status,
    workspace
  });
}

function malformed(what: string): WorkspaceError {
  return new WorkspaceError({
    code: 'PLATFORM_REQUEST_FAILED',
    message: `The workspace API's answer for the ${what} is not the expected JSON.`,
    remedy: 'Check that GLOBUS_KIT_PLATFORM_URL points at the workspace API.'
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isRef(v: unknown): v is IWorkspaceRef {
  return isObject(v) && typeof v.name === 'string';
}

function errorCodeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') {
    return cause.code;
  }
  return error instanceof Error ? error.name : 'error';
}
