/**
 * The one module that talks HTTP to the server extension. Everything else goes through
 * these functions, so tests can replace this module alone.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IGlobusStatus } from './tokens';

/** The route prefix the server extension serves. */
export const API_NAMESPACE = 'globus-kit';

/** A request to the server extension failed; `status` is the HTTP status (0: no answer). */
export class GlobusKitApiError extends Error {
  /** Stable error code. */
  readonly code: string;
  /** HTTP status, or 0 when the server did not answer. */
  readonly status: number;

  /**
   * @param message - what failed and what to do.
   * @param code - stable code, e.g. `server-unreachable`, `http-error`.
   * @param status - the HTTP status, 0 when there was no answer.
   * @param options - the original error as `cause`.
   */
  constructor(message: string, code: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GlobusKitApiError';
    this.code = code;
    this.status = status;
  }
}

/**
 * Call a `/globus-kit/<endPoint>` route and parse its JSON answer.
 *
 * @param endPoint - the path under `/globus-kit/`.
 * @param init - fetch options (method, body, signal).
 * @param settings - server connection settings; the default connects to the lab's server.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new GlobusKitApiError(
      `The Jupyter server did not answer ${API_NAMESPACE}/${endPoint}; is it running?`,
      'server-unreachable',
      0,
      { cause: error }
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let detail = '';
    try {
      const body = JSON.parse(text) as { message?: unknown };
      detail = typeof body.message === 'string' ? `: ${body.message}` : '';
    } catch {
      // not JSON (e.g. an HTML error page): the status alone says enough
    }
    throw new GlobusKitApiError(
      `${API_NAMESPACE}/${endPoint} failed (${response.status})${detail}`,
      response.status === 404 ? 'server-extension-missing' : 'http-error',
      response.status
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new GlobusKitApiError(
      `${API_NAMESPACE}/${endPoint} answered with invalid JSON`,
      'invalid-json',
      response.status,
      {
        cause: error
      }
    );
  }
}

/** Fetch the identity and token status (never the tokens themselves). */
export function getStatus(init: RequestInit = {}): Promise<IGlobusStatus> {
  return requestAPI<IGlobusStatus>('status', init);
}
