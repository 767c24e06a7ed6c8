/**
 * Sending one request with `node:http(s)` and reading its response through the small
 * `IWireResponse` interface: the headers and body of an attempt (JSON, form, bytes or a
 * stream, with upload progress), the streamed upload with backpressure, and response bodies
 * that free their keep-alive connection when dropped. Why `node:http` and not `fetch`: see
 * `request.ts`.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { BadInputError } from '../errors/bad-input-error';
import { IRequestOptions, label } from './request-options';
import { clientInfoHeaders } from './service-urls';
import type { IWireBody } from './wire-body';

/** Slice size when bytes are sent as a stream to report progress. */
const UPLOAD_CHUNK = 1024 * 1024;
/** Most bytes of a Node stream body handed to the socket and not yet written out. */
const STREAM_IN_FLIGHT = 1024 * 1024;

/** Response headers: the part of `Headers` read here. */
export interface IWireHeaders {
  get(name: string): string | null;
  forEach(fn: (value: string, key: string) => void): void;
}

/** A response from `node:http`, as the rest of this module reads it. */
export interface IWireResponse {
  status: number;
  headers: IWireHeaders;
  body: IWireBody | null;
}

/** A body to stream through `node:http`: chunks and their total, when known. */
export interface IStreamBody {
  source: AsyncIterable<Uint8Array>;
  total: number | undefined;
}

export function headersToRecord(headers: IWireHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key.toLowerCase()] = value;
  });
  return out;
}

export function requestHeaders(
  options: IRequestOptions,
  sameOrigin: boolean
): Record<string, string> {
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
export function requestBody(
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
export function sendNode(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Uint8Array | IStreamBody | undefined,
  options: IRequestOptions,
  signal: AbortSignal
): Promise<IWireResponse> {
  const streamed = body !== undefined && !(body instanceof Uint8Array) ? body : undefined;
  const total = body instanceof Uint8Array ? body.byteLength : streamed?.total;
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
    const state: ISendState = { bodyDone: streamed === undefined, stopped: false };
    req.on('error', error => {
      state.stopped = true;
      if (!settled) {
        settled = true;
        reject(error);
      }
    });
    req.on('response', res => {
      state.stopped = true;
      if (settled) {
        res.destroy();
        return;
      }
      settled = true;
      // A server may answer before it has read the whole body (an early 401 or 413):
      // the request cannot be finished then, so its socket goes once the answer is read.
      res.on('close', () => {
        if (!state.bodyDone) {
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
    pumpBody(req, streamed.source, total, options, state);
  });
}

/** What `sendNode` and the body pump share about one request. */
interface ISendState {
  /** The whole body was written and the request ended. */
  bodyDone: boolean;
  /** A response (or a failure) came: the rest of the body is not sent. */
  stopped: boolean;
}

/**
 * Write a streamed body to the request chunk by chunk, with backpressure, checking it
 * against its given length, and end the request when the source is exhausted.
 */
function pumpBody(
  req: http.ClientRequest,
  source: AsyncIterable<Uint8Array>,
  total: number | undefined,
  options: IRequestOptions,
  state: ISendState
): void {
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
    options.onUploadProgress?.({ loaded, total });
    try {
      while (!state.stopped && !req.destroyed) {
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
        if (state.stopped || req.destroyed) {
          break;
        }
        await settle(chunk.byteLength);
        if (state.stopped || req.destroyed) {
          break;
        }
        loaded += chunk.byteLength;
        writes.push({ done: written(chunk), bytes: chunk.byteLength });
        pending += chunk.byteLength;
        options.onUploadProgress?.({ loaded, total });
      }
      await settle(Infinity);
      if (exhausted && !state.stopped && !req.destroyed) {
        if (total !== undefined && loaded !== total) {
          throw mismatch(loaded);
        }
        state.bodyDone = true;
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
}

/** Response headers of `node:http` behind the two methods of `Headers` this module uses. */
export class WireHeaders implements IWireHeaders {
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
