/**
 * A Globus service answered with an error (non-2xx) or with a body we cannot use.
 */
import { GlobusKitError, hasErrorName } from './globus-kit-error';

/** The Globus services the library talks to. */
export type GlobusServiceName = 'auth' | 'transfer' | 'groups' | 'https';

/** Human labels used in messages (`Transfer ls failed …`). */
export const SERVICE_LABELS: Readonly<Record<GlobusServiceName, string>> = {
  auth: 'Auth',
  transfer: 'Transfer',
  groups: 'Groups',
  https: 'GCS HTTPS'
};

/** What a `GlobusApiError` knows about the failed call. */
export interface IGlobusApiErrorInit {
  /** Stable code; `API_ERROR` unless a more specific one applies (e.g. `MALFORMED_RESPONSE`). */
  code?: string;
  /** HTTP status (0 when no response status applies). */
  status: number;
  /** The service's own error code, e.g. `ClientError.NotFound`. */
  globusCode?: string;
  /** The service's request id, for support tickets. */
  requestId?: string;
  /** Which service. */
  service: GlobusServiceName;
  /** The operation, in the API's words (`ls`, `get collection`, `download`). */
  operation: string;
  /** What it was applied to, e.g. `collection 'Tutorial 1' path /nope/`. */
  resource?: string;
  /** The service's message (already scrubbed of secrets). */
  serverMessage?: string;
  /** HTTP method and URL (URLs never carry tokens in this library). */
  method?: string;
  url?: string;
  /** The parsed error document, when the body was JSON. */
  body?: unknown;
  cause?: unknown;
}

/**
 * A Globus API call failed: carries the HTTP status, the Globus error `code`, the
 * `request_id`, and which service / operation / resource it was.
 *
 * Message shape: `Transfer ls failed (404 ClientError.NotFound) for collection 'Tutorial 1'
 * path /nope/: <service message>`.
 */
export class GlobusApiError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Globus request failed';
  }

  /** The message with the request id Globus gave (what its support asks for). */
  override get displayMessage(): string {
    return this.requestId ? `${this.message} (request id ${this.requestId})` : this.message;
  }

  /** HTTP status (0 when none applies). */
  readonly status: number;
  /** The service's error code (`ClientError.NotFound`, `UNAUTHORIZED`, …). */
  readonly globusCode: string | undefined;
  /** The service's request id. */
  readonly requestId: string | undefined;
  /** Which service failed. */
  readonly service: GlobusServiceName;
  /** The operation, e.g. `ls`. */
  readonly operation: string;
  /** What it was applied to. */
  readonly resource: string | undefined;
  /** The service's own message, scrubbed. */
  readonly serverMessage: string | undefined;
  /** HTTP method. */
  readonly method: string | undefined;
  /** Request URL. */
  readonly url: string | undefined;
  /** Parsed error document, when JSON. */
  readonly body: unknown;

  /**
   * @param init - the facts of the failure
   */
  constructor(init: IGlobusApiErrorInit) {
    super(GlobusApiError.formatMessage(init), {
      code: init.code ?? 'API_ERROR',
      cause: init.cause
    });
    this.name = 'GlobusApiError';
    this.status = init.status;
    this.globusCode = init.globusCode;
    this.requestId = init.requestId;
    this.service = init.service;
    this.operation = init.operation;
    this.resource = init.resource;
    this.serverMessage = init.serverMessage;
    this.method = init.method;
    this.url = init.url;
    this.body = init.body;
  }

  /**
   * Build the standard message for an API failure.
   *
   * @param init - the facts of the failure
   */
  static formatMessage(init: IGlobusApiErrorInit): string {
    const what = [init.status ? String(init.status) : '', init.globusCode ?? '']
      .filter(Boolean)
      .join(' ');
    let msg = `${SERVICE_LABELS[init.service]} ${init.operation} failed`;
    if (what) {
      msg += ` (${what})`;
    }
    if (init.resource) {
      msg += ` for ${init.resource}`;
    }
    if (init.serverMessage) {
      const firstLine = init.serverMessage.split('\n')[0].trim();
      const short = firstLine.length > 600 ? `${firstLine.slice(0, 600)}…` : firstLine;
      if (short) {
        msg += `: ${short}`;
      }
    }
    if (init.requestId) {
      msg += ` [request_id ${init.requestId}]`;
    }
    return msg;
  }
}

const NAMES = new Set(['GlobusApiError']);

/**
 * Whether `value` is a `GlobusApiError` (by `instanceof` or by `name`).
 *
 * @param value - anything caught
 */
export function isGlobusApiError(value: unknown): value is GlobusApiError {
  return value instanceof GlobusApiError || hasErrorName(value, NAMES);
}
