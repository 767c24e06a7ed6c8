/**
 * What a request is: its options and answer (the public types of `request()`), and the
 * normalisation every part of the transport shares: the URL from service, path and query,
 * whether a body can be sent again, and how a request is named in messages (never with a
 * secret or a query string).
 */
import type { Readable } from 'node:stream';
import type { GlobusServiceName } from '../errors/api-error';
import type { CredentialSource } from '../errors/token-expired-error';
import { BadInputError } from '../errors/bad-input-error';
import type { Token } from '../tokens/token';
import type { IConsentUrlOptions } from '../tokens/consents';
import type { IRetryPolicy } from './retry';
import { API_PREFIX, serviceBaseUrl } from './service-urls';

/** Progress of a body moving over the wire. */
export interface IProgress {
  /** Bytes moved so far. */
  loaded: number;
  /** Total bytes, when known (Content-Length). */
  total: number | undefined;
}

/** A query value; arrays are comma-joined (the Globus convention). */
export type QueryValue = string | number | boolean | undefined | null | readonly string[];

/** What to do with the response body. */
export type ResponseType = 'json' | 'text' | 'bytes' | 'stream' | 'none';

/** A request body: JSON goes through `json`; these are raw bodies. */
export type RawBody =
  | Uint8Array
  | string
  | Readable
  | AsyncIterable<Uint8Array>
  /** A factory makes a stream body replayable, so it can be retried. */
  | (() => Readable | AsyncIterable<Uint8Array>);

/** Options of one request. */
export interface IRequestOptions {
  /** Which service (decides base URL, error parsing and messages). */
  service: GlobusServiceName;
  /** The operation, in the API's words (`ls`, `get collection`); used in messages. */
  operation: string;
  /** HTTP method (default GET). */
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the service's versioned base (`/endpoint/<id>`), or an absolute URL. */
  path: string;
  /** Base URL override (required for `https`: the collection's `https_server`). */
  baseUrl?: string;
  /** Query parameters. */
  query?: Readonly<Record<string, QueryValue>>;
  /** A JSON body. */
  json?: unknown;
  /** A form body (`application/x-www-form-urlencoded`). */
  form?: Readonly<Record<string, string>>;
  /**
   * A raw body. When a stream's chunk n+2 is asked for, chunk n has been handed to the
   * socket, so a source may reuse a chunk's memory then (two buffers in turn suffice).
   */
  body?: RawBody;
  /**
   * Length of a raw stream body, when known: sent as Content-Length and used for progress
   * totals; a stream that yields a different number of bytes fails with `BODY_LENGTH_MISMATCH`.
   */
  bodyLength?: number;
  /** Extra headers. */
  headers?: Readonly<Record<string, string>>;
  /** Bearer token for the call (omit for anonymous requests). */
  token?: Token;
  /** HTTP Basic credentials (confidential-client calls such as introspection). */
  basicAuth?: { username: string; password: string };
  /** What the call is about, for messages: `collection 'Tutorial 1' path /nope/`. */
  resource?: string;
  /** Cancels the request (and any wait between retries). */
  signal?: AbortSignal;
  /** Per-attempt time limit in ms until the whole body is read (stream: until headers). Default 30000. */
  timeoutMs?: number;
  /** Retry policy overrides, or `false` for a single attempt. */
  retry?: Partial<IRetryPolicy> | false;
  /** Whether repeating the request is safe (default: true for GET/HEAD/PUT/DELETE). */
  idempotent?: boolean;
  /** What to return as `data` (default `json`). */
  responseType?: ResponseType;
  /** Called as the request body is sent. */
  onUploadProgress?: (progress: IProgress) => void;
  /** Called as the response body is received. */
  onDownloadProgress?: (progress: IProgress) => void;
  /** How to build consent URLs for `ConsentRequiredError`. */
  consent?: IConsentUrlOptions;
  /** Where the tokens came from (decides the renewal advice of `TokenExpiredError`). */
  credentialSource?: CredentialSource;
  /** Largest body read into memory for json/text/bytes, in bytes (default 64 MiB). */
  maxBodyBytes?: number;
  /** Statuses that are not errors for this call (e.g. 404 for an existence probe). */
  okStatuses?: readonly number[];
  /**
   * For a GET read as a stream: do the socket and HTTP work in a worker thread (see
   * `off-thread.ts`), so a large body is received while the main thread works on it.
   */
  offThread?: boolean;
}

/** A successful response. */
export interface IHttpResponse<T> {
  /** HTTP status. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** The body as asked for by `responseType`. */
  data: T;
  /** Final URL (after same-origin redirects). */
  url: string;
  /** Attempts made (1 = no retry). */
  attempts: number;
}

export function buildUrl(options: IRequestOptions): URL {
  let url: URL;
  if (/^https?:\/\//i.test(options.path)) {
    url = new URL(options.path);
  } else {
    let base = options.baseUrl;
    if (!base) {
      if (options.service === 'https') {
        throw new BadInputError('A GCS HTTPS request needs the collection’s https_server', {
          code: 'NO_HTTPS_SERVER'
        });
      }
      base = serviceBaseUrl(options.service) + API_PREFIX[options.service];
    }
    const path = options.path.startsWith('/') ? options.path : `/${options.path}`;
    url = new URL(base.replace(/\/+$/, '') + path);
  }
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value === undefined || value === null) {
      continue;
    }
    url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return url;
}

export function isReplayable(body: RawBody | undefined): boolean {
  return (
    body === undefined ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    typeof body === 'function'
  );
}

export function label(options: IRequestOptions): string {
  const service = { auth: 'Auth', transfer: 'Transfer', groups: 'Groups', https: 'GCS HTTPS' }[
    options.service
  ];
  return `${service} ${options.operation}${options.resource ? ` for ${options.resource}` : ''}`;
}

/** URLs never carry tokens here, but drop userinfo and query anyway before quoting one. */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export function secretsOf(options: IRequestOptions): string[] {
  const out: string[] = [];
  if (options.token) {
    out.push(options.token.unsafeRevealAccessToken());
  }
  if (options.basicAuth) {
    out.push(options.basicAuth.password);
  }
  return out;
}
