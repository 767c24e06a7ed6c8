/**
 * The ONE function that talks HTTP to Globus: base URLs, the bearer header, JSON in and
 * out, typed errors for every failure, bounded retries, timeouts, `AbortSignal`, careful
 * redirects and progress callbacks.
 *
 * `@globus/sdk` (6.2.0) builds the Transfer and Auth calls (`services/sdk-call.ts`), and
 * this module sends them as the `fetch` of its service functions: the SDK's own request
 * path returns a raw `Response` (no typed errors, non-2xx does not throw), has no retries
 * for 429/5xx, takes no per-call timeout, follows redirects (forwarding `Authorization`)
 * and needs its own token manager. The GCS HTTPS calls (streamed GET/PUT, the worker
 * thread) have no SDK service function and come here directly.
 *
 * Why `node:http` and not Node's `fetch` (undici), for every request and response:
 * - `fetch` holds a streamed request body in memory (nodejs/undici#4058; a 500 MB upload
 *   peaked at 555 MB RSS) and sends it chunked even when the length is known. `node:http`
 *   writes it with Content-Length and backpressure.
 * - Loading undici and running its first `fetch` costs 60-80 ms of CPU in a fresh kernel,
 *   and reading a 100 MB response stream through it (web stream reader, then a Node
 *   stream) took 0.95 s of CPU on a kernel's first download against 0.36 s for the
 *   `node:http` response itself (the fetchCsv benchmark downloads once per kernel).
 * Responses are read through one small interface (`IWireResponse`), so everything after
 * the headers (redirects, errors, bodies) stays one code path.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { GlobusApiError, GlobusServiceName } from '../errors/api-error';
import { ConsentRequiredError } from '../errors/consent-required-error';
import { redactSecrets, GlobusKitError } from '../errors/globus-kit-error';
import { AbortError, NetworkError, TimeoutError } from '../errors/network-error';
import {
  CredentialSource,
  TOKEN_RENEWAL_REMEDY,
  TokenExpiredError
} from '../errors/token-expired-error';
import { BadInputError } from '../errors/bad-input-error';
import { Token } from '../tokens/token';
import { buildConsentUrl, IConsentUrlOptions } from '../tokens/consents';
import { findAuthorizationRequirement } from './gare';
import { sendOffThread } from './off-thread';
import {
  backoffDelayMs,
  IRetryPolicy,
  isRetryableStatus,
  parseRetryAfterMs,
  resolveRetryPolicy
} from './retry';
import { API_PREFIX, clientInfoHeaders, serviceBaseUrl } from './service-urls';
import type { IWireBody } from './wire-body';

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

const DEFAULT_TIMEOUT_MS = 30000;
const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 1024 * 1024;
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;
/** Slice size when bytes are sent as a stream to report progress. */
const UPLOAD_CHUNK = 1024 * 1024;
/** Most bytes of a Node stream body handed to the socket and not yet written out. */
const STREAM_IN_FLIGHT = 1024 * 1024;

/**
 * Make one Globus API call (with retries) and return the parsed response; every failure is
 * a typed error of the `GlobusKitError` family.
 *
 * @param options - what to call and how
 * @throws GlobusApiError, ConsentRequiredError, TokenExpiredError, NetworkError,
 *   TimeoutError, AbortError, BadInputError
 */
export async function request<T = unknown>(options: IRequestOptions): Promise<IHttpResponse<T>> {
  const method = options.method ?? 'GET';
  const url = buildUrl(options);
  const policy = options.retry === false ? undefined : resolveRetryPolicy(options.retry);
  const idempotent = options.idempotent ?? (method !== 'POST' && method !== 'PATCH');
  const replayable = isReplayable(options.body);
  const started = Date.now();
  let attempt = 0;
  for (;;) {
    attempt++;
    throwIfAborted(options.signal, options, url);
    let retryAfterMs: number | undefined;
    let failure: GlobusKitError;
    try {
      const result = await attemptOnce<T>(options, method, url);
      return { ...result, attempts: attempt };
    } catch (error) {
      const typed = error instanceof RetryableStatus ? error.error : error;
      const canRepeat = replayable && policy !== undefined && attempt < policy.maxAttempts;
      if (!canRepeat || !isTransient(error, idempotent)) {
        throw typed;
      }
      failure = typed as GlobusKitError;
      if (error instanceof RetryableStatus) {
        retryAfterMs = error.retryAfterMs;
      }
    }
    const delay = retryAfterMs ?? backoffDelayMs(attempt, policy as IRetryPolicy);
    if (Date.now() + delay - started > (policy as IRetryPolicy).maxTotalMs) {
      throw failure;
    }
    await sleep(delay, options.signal, options, url);
  }
}

// Module internals (not exported).
/** Response headers: the part of `Headers` read here. */
interface IWireHeaders {
  get(name: string): string | null;
  forEach(fn: (value: string, key: string) => void): void;
}

/** A response from `node:http`, as the rest of this module reads it. */
interface IWireResponse {
  status: number;
  headers: IWireHeaders;
  body: IWireBody | null;
}

/** A body to stream through `node:http`: chunks and their total, when known. */
interface IStreamBody {
  source: AsyncIterable<Uint8Array>;
  total: number | undefined;
}

/** Carries a retryable API error with its Retry-After. */
class RetryableStatus extends Error {
  constructor(
    readonly error: GlobusKitError,
    readonly retryAfterMs: number | undefined
  ) {
    super(error.message);
  }
}

function buildUrl(options: IRequestOptions): URL {
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

function isReplayable(body: RawBody | undefined): boolean {
  return (
    body === undefined ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    typeof body === 'function'
  );
}

function isTransient(error: unknown, idempotent: boolean): boolean {
  if (error instanceof RetryableStatus) {
    // 429 means "not processed": safe to repeat even a POST.
    return idempotent || (error.error as GlobusApiError).status === 429;
  }
  if (error instanceof TimeoutError) {
    return idempotent;
  }
  if (error instanceof NetworkError) {
    return idempotent;
  }
  return false;
}

function abortErrorFor(signal: AbortSignal, options: IRequestOptions, url: URL): AbortError {
  return new AbortError(`${label(options)} was aborted (${redactUrl(url)})`, {
    cause: signal.reason
  });
}

function throwIfAborted(signal: AbortSignal | undefined, options: IRequestOptions, url: URL): void {
  if (signal?.aborted) {
    throw abortErrorFor(signal, options, url);
  }
}

function sleep(
  ms: number,
  signal: AbortSignal | undefined,
  options: IRequestOptions,
  url: URL
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortErrorFor(signal as AbortSignal, options, url));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function label(options: IRequestOptions): string {
  const service = { auth: 'Auth', transfer: 'Transfer', groups: 'Groups', https: 'GCS HTTPS' }[
    options.service
  ];
  return `${service} ${options.operation}${options.resource ? ` for ${options.resource}` : ''}`;
}

/** URLs never carry tokens here, but drop userinfo and query anyway before quoting one. */
function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function secretsOf(options: IRequestOptions): string[] {
  const out: string[] = [];
  if (options.token) {
    out.push(options.token.unsafeRevealAccessToken());
  }
  if (options.basicAuth) {
    out.push(options.basicAuth.password);
  }
  return out;
}

function headersToRecord(headers: IWireHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key.toLowerCase()] = value;
  });
  return out;
}

function requestHeaders(options: IRequestOptions, sameOrigin: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    Accept: options.responseType === 'json' || !options.responseType ? 'application/json' : '*/*',
    ...clientInfoHeaders()
  };
  if (options.service === 'https') {
    // GCS answers an unauthenticated XHR-style request with 401 + the scopes it wants,
    // instead of a browser redirect to the login page.
    headers['X-Requested-With'] = 'XMLHttpRequest';
  }
  Object.assign(headers, options.headers);
  if (sameOrigin && options.token) {
    headers.Authorization = `${options.token.tokenType || 'Bearer'} ${options.token.unsafeRevealAccessToken()}`;
  } else if (sameOrigin && options.basicAuth) {
    const raw = `${options.basicAuth.username}:${options.basicAuth.password}`;
    headers.Authorization = `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;
  }
  return headers;
}

/** Body and content type for one attempt (streams are rebuilt from factories). */
function requestBody(
  options: IRequestOptions,
  headers: Record<string, string>
): { body: Uint8Array | undefined; stream: IStreamBody | undefined } {
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    return wrapBytes(Buffer.from(JSON.stringify(options.json), 'utf8'), options);
  }
  if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return wrapBytes(Buffer.from(new URLSearchParams({ ...options.form }).toString()), options);
  }
  const raw = options.body;
  if (raw === undefined) {
    return { body: undefined, stream: undefined };
  }
  if (typeof raw === 'string') {
    return wrapBytes(Buffer.from(raw, 'utf8'), options);
  }
  if (raw instanceof Uint8Array) {
    return wrapBytes(raw, options);
  }
  const source = typeof raw === 'function' ? raw() : raw;
  return { body: undefined, stream: { source, total: options.bodyLength } };
}

function wrapBytes(
  bytes: Uint8Array,
  options: IRequestOptions
): { body: Uint8Array | undefined; stream: IStreamBody | undefined } {
  if (!options.onUploadProgress) {
    return { body: bytes, stream: undefined };
  }
  // Slices written one by one are the only way to observe upload progress.
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += UPLOAD_CHUNK) {
      yield bytes.subarray(i, Math.min(bytes.length, i + UPLOAD_CHUNK));
    }
  }
  return { body: undefined, stream: { source: chunks(), total: bytes.length } };
}

/**
 * Send a request with `node:http(s)`. A streamed body goes with Content-Length when its
 * total is known, chunked otherwise, one chunk at a time with backpressure (memory stays
 * flat). Resolves with the response when its headers arrive.
 */
function sendNode(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Uint8Array | IStreamBody | undefined,
  options: IRequestOptions,
  signal: AbortSignal
): Promise<IWireResponse> {
  const streamed = body !== undefined && !(body instanceof Uint8Array) ? body : undefined;
  const total = body instanceof Uint8Array ? body.byteLength : streamed?.total;
  const onProgress = options.onUploadProgress;
  return new Promise<IWireResponse>((resolve, reject) => {
    const outgoing: Record<string, string> = { ...headers };
    if (total !== undefined) {
      outgoing['Content-Length'] = String(total);
    } else if (body === undefined && method !== 'GET' && method !== 'HEAD') {
      outgoing['Content-Length'] = '0';
    }
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, { method, headers: outgoing, signal });
    let settled = false;
    let bodyDone = streamed === undefined;
    // After the response (or a failure) the rest of the body is not sent.
    let stopped = false;
    req.on('error', error => {
      stopped = true;
      if (!settled) {
        settled = true;
        reject(error);
      }
    });
    req.on('response', res => {
      stopped = true;
      if (settled) {
        res.destroy();
        return;
      }
      settled = true;
      // A server may answer before it has read the whole body (an early 401 or 413):
      // the request cannot be finished then, so its socket goes once the answer is read.
      res.on('close', () => {
        if (!bodyDone) {
          req.destroy();
        }
      });
      const status = res.statusCode ?? 0;
      const headers = new WireHeaders(res.headers);
      const noBody = method === 'HEAD' || status === 204 || status === 205 || status === 304;
      if (!noBody) {
        resolve({ status, headers, body: nodeBody(res) });
        return;
      }
      // Answer once the (empty) message has ended: its connection is free for the next
      // request then, instead of a new one being opened beside it.
      const answer = (): void => resolve({ status, headers, body: null });
      res.once('end', answer);
      res.once('close', answer);
      res.resume();
    });
    if (streamed === undefined) {
      req.end(body);
      return;
    }
    const { source } = streamed;
    const mismatch = (sent: number): BadInputError =>
      new BadInputError(
        `${label(options)}: the body has ${sent === total ? 'more than' : sent} bytes where its length was given as ${total}`,
        { code: 'BODY_LENGTH_MISMATCH' }
      );
    // One write in flight while the next chunk is read: that is the backpressure, and it
    // lets a source reuse its buffers (a new 1 MiB buffer per read keeps tens of MB alive
    // until the next garbage collection): when chunk n+2 is asked for, chunk n is on the
    // socket.
    // A write whose request closes first (reset, early answer) is over too: one listener
    // ends them all.
    const waiting = new Set<() => void>();
    req.once('close', () => {
      for (const finish of [...waiting]) {
        finish();
      }
    });
    const written = (chunk: Uint8Array): Promise<void> =>
      new Promise(done => {
        const finish = (): void => {
          if (waiting.delete(finish)) {
            done();
          }
        };
        waiting.add(finish);
        req.write(chunk, finish);
      });
    // A Node stream hands each chunk over for good (it never reuses one), so several may be
    // on their way at once, up to STREAM_IN_FLIGHT bytes: a file stream's 64 KiB chunks then
    // do not each wait for the socket before the next is read.
    const limit = source instanceof Readable ? STREAM_IN_FLIGHT : 0;
    const pump = async (): Promise<void> => {
      const iterator = source[Symbol.asyncIterator]();
      let loaded = 0;
      let exhausted = false;
      const writes: { done: Promise<void>; bytes: number }[] = [];
      let pending = 0;
      const settle = async (room: number): Promise<void> => {
        while (writes.length > 0 && pending + room > limit) {
          const oldest = writes.shift() as { done: Promise<void>; bytes: number };
          await oldest.done;
          pending -= oldest.bytes;
        }
      };
      onProgress?.({ loaded, total });
      try {
        while (!stopped && !req.destroyed) {
          const next = await iterator.next();
          if (next.done) {
            exhausted = true;
            break;
          }
          const value = next.value as Uint8Array | string;
          const chunk = typeof value === 'string' ? Buffer.from(value) : value;
          if (total !== undefined && loaded + chunk.byteLength > total) {
            throw mismatch(total);
          }
          if (stopped || req.destroyed) {
            break;
          }
          await settle(chunk.byteLength);
          if (stopped || req.destroyed) {
            break;
          }
          loaded += chunk.byteLength;
          writes.push({ done: written(chunk), bytes: chunk.byteLength });
          pending += chunk.byteLength;
          onProgress?.({ loaded, total });
        }
        await settle(Infinity);
        if (exhausted && !stopped && !req.destroyed) {
          if (total !== undefined && loaded !== total) {
            throw mismatch(loaded);
          }
          bodyDone = true;
          req.end();
        }
      } catch (error) {
        req.destroy(error as Error);
      } finally {
        if (!exhausted) {
          await iterator.return?.(undefined)?.catch?.(() => undefined);
        }
      }
    };
    void pump();
  });
}

/** Response headers of `node:http` behind the two methods of `Headers` this module uses. */
class WireHeaders implements IWireHeaders {
  constructor(private readonly _raw: http.IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this._raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  forEach(fn: (value: string, key: string) => void): void {
    for (const [key, value] of Object.entries(this._raw)) {
      if (value !== undefined) {
        fn(Array.isArray(value) ? value.join(', ') : value, key);
      }
    }
  }
}

/** Largest unread rest of a body that is drained (keeping the connection) when dropped. */
const DRAIN_LIMIT = 64 * 1024;
/** Longest wait for that rest before the connection is closed instead. */
const DRAIN_MS = 1000;

/** The body of a `node:http` response, read chunk by chunk. */
function nodeBody(res: http.IncomingMessage): IWireBody {
  let iterator: AsyncIterator<Buffer> | undefined;
  return {
    read: async () => {
      iterator ??= res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const next = await iterator.next();
      return next.done ? { done: true } : { done: false, value: next.value };
    },
    cancel: async () => {
      if (iterator) {
        await iterator.return?.();
        return;
      }
      // A short rest is read and dropped, so the keep-alive connection is free for the
      // next request; a long or slow one closes the connection instead.
      if (res.readableEnded || res.destroyed) {
        return;
      }
      const length = Number(res.headers['content-length']);
      if (Number.isFinite(length) && length > DRAIN_LIMIT && !res.complete) {
        res.destroy();
        return;
      }
      let rest = 0;
      const timer = setTimeout(() => res.destroy(), DRAIN_MS);
      timer.unref();
      res.on('data', (chunk: Buffer) => {
        rest += chunk.byteLength;
        if (rest > DRAIN_LIMIT) {
          res.destroy();
        }
      });
      const ended = new Promise<void>(done => {
        res.once('end', done);
        res.once('close', done);
      });
      res.resume();
      await ended;
      clearTimeout(timer);
    }
  };
}

/** One attempt, following same-origin redirects. */
async function attemptOnce<T>(
  options: IRequestOptions,
  method: string,
  startUrl: URL
): Promise<Omit<IHttpResponse<T>, 'attempts'>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const cleanup = (): void => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  };
  let keepSignalForStream = false;
  let url = startUrl;
  let currentMethod = method;
  const mapFailure = (error: unknown, phase: 'connect' | 'body'): GlobusKitError => {
    if (error instanceof GlobusKitError) {
      return error;
    }
    if (options.signal?.aborted) {
      return abortErrorFor(options.signal, options, url);
    }
    if (timedOut) {
      return new TimeoutError(
        `${label(options)} timed out after ${timeoutMs} ms (${redactUrl(url)}). Try again; if it persists the service may be slow or unreachable.`,
        timeoutMs,
        { url: redactUrl(url), cause: error }
      );
    }
    const code = networkCode(error, phase);
    const what =
      code === 'TRUNCATED_BODY'
        ? 'the response body was cut short'
        : code === 'CONNECTION_RESET'
          ? 'the connection was reset'
          : code === 'CONNECTION_REFUSED'
            ? 'the connection was refused'
            : 'a network error occurred';
    return new NetworkError(
      `${label(options)} failed: ${what} (${redactUrl(url)}). Check the network and try again.`,
      { code, url: redactUrl(url), cause: scrubCause(error, options) }
    );
  };
  try {
    for (let redirects = 0; ; redirects++) {
      const sameOrigin = url.origin === startUrl.origin;
      const headers = requestHeaders(options, sameOrigin);
      const { body, stream } =
        currentMethod === 'GET' || currentMethod === 'HEAD'
          ? { body: undefined, stream: undefined }
          : requestBody(options, headers);
      const streaming = stream !== undefined;
      let response: IWireResponse;
      try {
        // A GET has no body (see above), so only the response can move to the worker.
        const offThread =
          options.offThread === true && currentMethod === 'GET' && options.responseType === 'stream'
            ? sendOffThread(url, headers, controller.signal)
            : undefined;
        response = offThread
          ? await offThread.then(r => ({ ...r, headers: new WireHeaders(r.headers) }))
          : await sendNode(url, currentMethod, headers, stream ?? body, options, controller.signal);
      } catch (error) {
        throw mapFailure(error, 'connect');
      }
      if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
        await response.body?.cancel().catch(() => undefined);
        const target = new URL(response.headers.get('location') as string, url);
        if (target.origin !== startUrl.origin || redirects >= MAX_REDIRECTS) {
          throw new GlobusApiError({
            code: 'REDIRECT_REFUSED',
            status: response.status,
            service: options.service,
            operation: options.operation,
            resource: options.resource,
            serverMessage:
              target.origin !== startUrl.origin
                ? `redirect to another origin (${target.origin}) not followed; credentials are never sent there`
                : `more than ${MAX_REDIRECTS} redirects`,
            method: currentMethod,
            url: redactUrl(url)
          });
        }
        if (response.status === 303) {
          currentMethod = 'GET';
        } else if (streaming && !isReplayable(options.body)) {
          throw new BadInputError(
            `${label(options)}: the server redirected a streamed upload; pass the data as bytes or a stream factory`,
            { code: 'REDIRECT_NOT_REPLAYABLE' }
          );
        }
        url = target;
        continue;
      }
      const okay =
        (response.status >= 200 && response.status < 300) ||
        (options.okStatuses ?? []).includes(response.status);
      if (!okay) {
        let text = '';
        try {
          text = await readText(response, MAX_ERROR_BODY);
        } catch (error) {
          throw mapFailure(error, 'body');
        }
        const err = errorFromResponse(options, currentMethod, url, response, text);
        if (err instanceof GlobusApiError && isRetryableStatus(response.status, err.globusCode)) {
          throw new RetryableStatus(err, parseRetryAfterMs(response.headers.get('retry-after')));
        }
        throw err;
      }
      const headersRecord = headersToRecord(response.headers);
      const type = options.responseType ?? 'json';
      if (type === 'stream') {
        keepSignalForStream = true;
        const stream = toNodeStream(response, options, mapFailure, cleanup);
        return {
          status: response.status,
          headers: headersRecord,
          data: stream as T,
          url: url.toString()
        };
      }
      let bytes: Uint8Array;
      try {
        bytes =
          type === 'none' || currentMethod === 'HEAD'
            ? new Uint8Array(0)
            : await readAll(response, options, options.maxBodyBytes ?? DEFAULT_MAX_BODY);
        if (type === 'none') {
          await response.body?.cancel().catch(() => undefined);
        }
      } catch (error) {
        throw mapFailure(error, 'body');
      }
      let data: unknown;
      if (type === 'json') {
        data = parseJsonBody(bytes, options, currentMethod, url, response.status);
      } else if (type === 'text') {
        data = Buffer.from(bytes).toString('utf8');
      } else if (type === 'bytes') {
        data = bytes;
      } else {
        data = undefined;
      }
      return {
        status: response.status,
        headers: headersRecord,
        data: data as T,
        url: url.toString()
      };
    }
  } finally {
    if (!keepSignalForStream) {
      cleanup();
    } else {
      // The per-attempt timer covered the wait for headers; the body of a stream may
      // take as long as it needs (the caller's signal still cancels it).
      clearTimeout(timer);
    }
  }
}

function networkCode(error: unknown, phase: 'connect' | 'body'): string {
  const chain: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    chain.push(`${String(code ?? '')} ${String(message ?? '')}`);
    e = (e as { cause?: unknown }).cause;
  }
  const all = chain.join(' | ');
  if (/ECONNREFUSED/.test(all)) {
    return 'CONNECTION_REFUSED';
  }
  if (phase === 'body' || /terminated|UND_ERR_SOCKET.*other side closed.*\bbody\b/i.test(all)) {
    return phase === 'body' ? 'TRUNCATED_BODY' : 'CONNECTION_RESET';
  }
  if (/ECONNRESET|EPIPE|UND_ERR_SOCKET|other side closed|socket hang up/i.test(all)) {
    return 'CONNECTION_RESET';
  }
  return 'NETWORK_ERROR';
}

/** Keep causes, but never one whose message could quote a secret. */
function scrubCause(error: unknown, options: IRequestOptions): unknown {
  if (error instanceof Error) {
    const secrets = secretsOf(options);
    if (secrets.some(s => error.message.includes(s))) {
      return new Error(redactSecrets(error.message, secrets));
    }
  }
  return error;
}

async function readText(response: IWireResponse, limit: number): Promise<string> {
  if (!response.body) {
    return '';
  }
  const reader = response.body;
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) {
      break;
    }
    parts.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}

async function readAll(
  response: IWireResponse,
  options: IRequestOptions,
  limit: number
): Promise<Uint8Array> {
  const total = contentLength(response);
  const onProgress = options.onDownloadProgress;
  if (!response.body) {
    onProgress?.({ loaded: 0, total });
    return new Uint8Array(0);
  }
  const reader = response.body;
  const parts: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ loaded, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) {
      break;
    }
    loaded += value.byteLength;
    if (loaded > limit) {
      await reader.cancel().catch(() => undefined);
      throw new GlobusApiError({
        code: 'RESPONSE_TOO_LARGE',
        status: response.status,
        service: options.service,
        operation: options.operation,
        resource: options.resource,
        serverMessage: `response larger than ${limit} bytes; stream it instead`
      });
    }
    parts.push(value);
    onProgress?.({ loaded, total });
  }
  if (total !== undefined && loaded !== total) {
    throw new NetworkError(
      `${label(options)} failed: the response body was cut short (${loaded} of ${total} bytes)`,
      { code: 'TRUNCATED_BODY' }
    );
  }
  return Buffer.concat(parts);
}

function contentLength(response: IWireResponse): number | undefined {
  const raw = response.headers.get('content-length');
  if (raw === null || !/^\d+$/.test(raw)) {
    return undefined;
  }
  return Number(raw);
}

function toNodeStream(
  response: IWireResponse,
  options: IRequestOptions,
  mapFailure: (error: unknown, phase: 'connect' | 'body') => GlobusKitError,
  cleanup: () => void
): Readable {
  const total = contentLength(response);
  const onProgress = options.onDownloadProgress;
  const body = response.body;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let loaded = 0;
    onProgress?.({ loaded, total });
    if (!body) {
      return;
    }
    const reader = body;
    try {
      for (;;) {
        let next: { done: boolean; value?: Uint8Array };
        try {
          next = await reader.read();
        } catch (error) {
          throw mapFailure(error, 'body');
        }
        if (next.done || !next.value) {
          break;
        }
        loaded += next.value.byteLength;
        onProgress?.({ loaded, total });
        yield next.value;
      }
      if (total !== undefined && loaded !== total) {
        throw new NetworkError(
          `${label(options)} failed: the response body was cut short (${loaded} of ${total} bytes)`,
          { code: 'TRUNCATED_BODY' }
        );
      }
    } finally {
      cleanup();
      await body.cancel().catch(() => undefined);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

function parseJsonBody(
  bytes: Uint8Array,
  options: IRequestOptions,
  method: string,
  url: URL,
  status: number
): unknown {
  if (bytes.byteLength === 0) {
    return undefined;
  }
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new GlobusApiError({
      code: 'MALFORMED_RESPONSE',
      status,
      service: options.service,
      operation: options.operation,
      resource: options.resource,
      serverMessage: `the response is not valid JSON (${bytes.byteLength} bytes)`,
      method,
      url: redactUrl(url),
      cause
    });
  }
}

/** Turn a non-2xx response into the right typed error. */
function errorFromResponse(
  options: IRequestOptions,
  method: string,
  url: URL,
  response: IWireResponse,
  text: string
): GlobusKitError {
  const secrets = secretsOf(options);
  const clean = redactSecrets(text, secrets);
  let body: unknown;
  try {
    body = clean ? JSON.parse(clean) : undefined;
  } catch {
    body = undefined;
  }
  const fields = errorFields(body);
  const status = response.status;
  const token = options.token;
  if (status === 401 && token && token.isExpired()) {
    return new TokenExpiredError({
      resourceServer: token.resourceServer,
      expiredAt: token.expiresAt,
      fingerprint: token.fingerprint,
      source: options.credentialSource,
      operation: label(options)
    });
  }
  const requirement = findAuthorizationRequirement(body);
  if (requirement) {
    const scopes = requirement.authorizationParameters.required_scopes ?? [];
    return new ConsentRequiredError({
      requiredScopes: scopes,
      authorizationParameters: requirement.authorizationParameters,
      consentUrl: buildConsentUrl(scopes, {
        ...options.consent,
        authorizationParameters: requirement.authorizationParameters
      }),
      globusCode: requirement.code,
      status,
      requestId: fields.requestId,
      service: options.service,
      operation: options.operation,
      resource: options.resource
    });
  }
  const code =
    status === 401
      ? 'UNAUTHORIZED'
      : status === 403
        ? 'FORBIDDEN'
        : status === 404
          ? 'NOT_FOUND'
          : status === 429
            ? 'RATE_LIMITED'
            : 'API_ERROR';
  let serverMessage = fields.message;
  if (!serverMessage && body === undefined && clean.trim()) {
    serverMessage = clean.trim().slice(0, 300);
  }
  if (status === 401) {
    // Globus answers the same 401 for revoked, expired-early and foreign tokens; the
    // remedy is the same as for an expired one.
    const remedy = options.token
      ? ` (token for ${options.token.resourceServer}, ${options.token.fingerprint}…). ${TOKEN_RENEWAL_REMEDY[options.credentialSource ?? 'unknown']}`
      : '';
    serverMessage = `${serverMessage ?? 'the token was rejected'}${remedy}`;
  }
  return new GlobusApiError({
    code,
    status,
    globusCode: fields.code,
    requestId: fields.requestId ?? response.headers.get('x-request-id') ?? undefined,
    service: options.service,
    operation: options.operation,
    resource: options.resource,
    serverMessage,
    method,
    url: redactUrl(url),
    body
  });
}

/** Code, message and request id from Transfer, Auth, GCS or Groups error documents. */
function errorFields(body: unknown): {
  code?: string;
  message?: string;
  requestId?: string;
} {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {};
  }
  const doc = body as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const first =
    Array.isArray(doc.errors) && typeof doc.errors[0] === 'object' && doc.errors[0] !== null
      ? (doc.errors[0] as Record<string, unknown>)
      : undefined;
  return {
    code: str(doc.code) ?? str(first?.code) ?? str(doc.error),
    message:
      str(doc.message) ??
      str(first?.detail) ??
      str(first?.title) ??
      str(doc.error_description) ??
      str(doc.detail) ??
      str(doc.description),
    requestId: str(doc.request_id) ?? str(first?.id)
  };
}
