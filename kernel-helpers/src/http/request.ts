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
 *
 * The parts, one module each: `request-options.ts` (the options, the URL, names in
 * messages), `node-send.ts` (headers and body of an attempt, sending with `node:http`,
 * response bodies), `response-body.ts` (reading and parsing a successful body) and
 * `response-errors.ts` (every failure as a typed error). This module runs the attempts:
 * retries with backoff, the per-attempt timer, the caller's signal and redirects.
 */
import { GlobusApiError } from '../errors/api-error';
import { GlobusKitError } from '../errors/globus-kit-error';
import { NetworkError, TimeoutError } from '../errors/network-error';
import { BadInputError } from '../errors/bad-input-error';
import {
  headersToRecord,
  IWireResponse,
  requestBody,
  requestHeaders,
  sendNode,
  WireHeaders
} from './node-send';
import { sendOffThread } from './off-thread';
import {
  buildUrl,
  IHttpResponse,
  IRequestOptions,
  isReplayable,
  label,
  redactUrl
} from './request-options';
import { parseJsonBody, readAll, readText, toNodeStream } from './response-body';
import {
  abortErrorFor,
  errorFromResponse,
  failureMapper,
  FailureMapper,
  IAttemptState
} from './response-errors';
import {
  backoffDelayMs,
  IRetryPolicy,
  isRetryableStatus,
  parseRetryAfterMs,
  resolveRetryPolicy
} from './retry';

export type {
  IHttpResponse,
  IProgress,
  IRequestOptions,
  QueryValue,
  RawBody,
  ResponseType
} from './request-options';

const DEFAULT_TIMEOUT_MS = 30000;
const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 1024 * 1024;
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

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
/** Carries a retryable API error with its Retry-After. */
class RetryableStatus extends Error {
  constructor(
    readonly error: GlobusKitError,
    readonly retryAfterMs: number | undefined
  ) {
    super(error.message);
  }
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

/** One attempt, following same-origin redirects. */
async function attemptOnce<T>(
  options: IRequestOptions,
  method: string,
  startUrl: URL
): Promise<Omit<IHttpResponse<T>, 'attempts'>> {
  const state: IAttemptState = {
    url: startUrl,
    timedOut: false,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  };
  const controller = new AbortController();
  const timer = setTimeout(() => {
    state.timedOut = true;
    controller.abort();
  }, state.timeoutMs);
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const cleanup = (): void => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  };
  let keepSignalForStream = false;
  let currentMethod = method;
  const mapFailure = failureMapper(options, state);
  try {
    for (let redirects = 0; ; redirects++) {
      const url = state.url;
      const { response, streaming } = await sendAttempt(
        options,
        currentMethod,
        url,
        url.origin === startUrl.origin,
        controller.signal,
        mapFailure
      );
      const hop = await nextHop(
        options,
        currentMethod,
        url,
        startUrl,
        response,
        redirects,
        streaming
      );
      if (hop) {
        currentMethod = hop.method;
        state.url = hop.url;
        continue;
      }
      await throwIfFailed(options, currentMethod, url, response, mapFailure);
      const headersRecord = headersToRecord(response.headers);
      if ((options.responseType ?? 'json') === 'stream') {
        keepSignalForStream = true;
        const stream = toNodeStream(response, options, mapFailure, cleanup);
        return {
          status: response.status,
          headers: headersRecord,
          data: stream as T,
          url: url.toString()
        };
      }
      const data = await readData(options, currentMethod, url, response, mapFailure);
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

/** Send one request of an attempt (in the worker thread for an off-thread GET stream). */
async function sendAttempt(
  options: IRequestOptions,
  currentMethod: string,
  url: URL,
  sameOrigin: boolean,
  signal: AbortSignal,
  mapFailure: FailureMapper
): Promise<{ response: IWireResponse; streaming: boolean }> {
  const headers = requestHeaders(options, sameOrigin);
  const { body, stream } =
    currentMethod === 'GET' || currentMethod === 'HEAD'
      ? { body: undefined, stream: undefined }
      : requestBody(options, headers);
  const streaming = stream !== undefined;
  try {
    // A GET has no body (see above), so only the response can move to the worker.
    const offThread =
      options.offThread === true && currentMethod === 'GET' && options.responseType === 'stream'
        ? sendOffThread(url, headers, signal)
        : undefined;
    const response = offThread
      ? await offThread.then(r => ({ ...r, headers: new WireHeaders(r.headers) }))
      : await sendNode(url, currentMethod, headers, stream ?? body, options, signal);
    return { response, streaming };
  } catch (error) {
    throw mapFailure(error, 'connect');
  }
}

/**
 * Where a redirect leads (same origin only, at most `MAX_REDIRECTS`), or `undefined` when
 * the response is not a redirect.
 */
async function nextHop(
  options: IRequestOptions,
  currentMethod: string,
  url: URL,
  startUrl: URL,
  response: IWireResponse,
  redirects: number,
  streaming: boolean
): Promise<{ url: URL; method: string } | undefined> {
  if (!(response.status >= 300 && response.status < 400 && response.headers.get('location'))) {
    return undefined;
  }
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
    return { url: target, method: 'GET' };
  }
  if (streaming && !isReplayable(options.body)) {
    throw new BadInputError(
      `${label(options)}: the server redirected a streamed upload; pass the data as bytes or a stream factory`,
      { code: 'REDIRECT_NOT_REPLAYABLE' }
    );
  }
  return { url: target, method: currentMethod };
}

/** Throw the typed error of a status that is not a success for this call. */
async function throwIfFailed(
  options: IRequestOptions,
  currentMethod: string,
  url: URL,
  response: IWireResponse,
  mapFailure: FailureMapper
): Promise<void> {
  const okay =
    (response.status >= 200 && response.status < 300) ||
    (options.okStatuses ?? []).includes(response.status);
  if (okay) {
    return;
  }
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

/** The body of a successful response as `responseType` asks (all but `stream`). */
async function readData(
  options: IRequestOptions,
  currentMethod: string,
  url: URL,
  response: IWireResponse,
  mapFailure: FailureMapper
): Promise<unknown> {
  const type = options.responseType ?? 'json';
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
  if (type === 'json') {
    return parseJsonBody(bytes, options, currentMethod, url, response.status);
  }
  if (type === 'text') {
    return Buffer.from(bytes).toString('utf8');
  }
  if (type === 'bytes') {
    return bytes;
  }
  return undefined;
}
