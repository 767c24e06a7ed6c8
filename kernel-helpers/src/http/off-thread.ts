/**
 * Off-thread responses: a GET whose body is large and read as a stream (`fetchCsv`) can
 * have its socket, HTTP parsing and stream bookkeeping run in a worker thread
 * (`download-worker.ts`), which hands the body over in transferred buffers of up to 1 MiB.
 * On a 2-core machine that took about 0.3 s of main-thread CPU per 100 MB off a parse that
 * needs the main thread for itself.
 *
 * The response is the same `IWireResponse` the `node:http` path gives, so status, headers,
 * redirects, errors, retries and timeouts are handled by the one code path in
 * `request.ts`. One worker serves the process; it holds the process open only while a
 * request is in flight. If it cannot start, callers fall back to `node:http` here.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './off-thread-messages';
import type { IWireBody } from './wire-body';

/** The status line, headers (as `node:http` gives them) and body of an off-thread response. */
export interface IOffThreadResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IWireBody;
}

/** Bytes taken before the worker is told (it pauses the socket at 4 MiB not yet taken). */
const TELL_BYTES = 2 * 1024 * 1024;

let worker: Worker | undefined;
let unavailable = false;
let nextId = 1;
const handlers = new Map<number, (message: FromWorker) => void>();

function send(message: ToWorker): void {
  worker?.postMessage(message);
}

/** Fail every request in flight (the worker stopped) and forget the worker. */
function workerGone(reason: string): void {
  worker = undefined;
  for (const [id, handle] of [...handlers]) {
    handle({ type: 'error', id, code: 'WORKER_FAILED', message: reason });
  }
}

function getWorker(): Worker | undefined {
  if (worker || unavailable) {
    return worker;
  }
  try {
    const w = new Worker(join(__dirname, 'download-worker.js'));
    w.unref();
    w.on('message', (message: FromWorker) => handlers.get(message.id)?.(message));
    w.on('error', error => {
      if (worker === w) {
        workerGone(`the download worker failed: ${error.message}`);
      }
    });
    w.on('exit', code => {
      if (worker === w) {
        workerGone(`the download worker stopped (exit code ${code})`);
      }
    });
    worker = w;
  } catch {
    unavailable = true; // e.g. a bundled copy without the worker file: use node:http
  }
  return worker;
}

/**
 * Start the worker now (it takes about 40 ms to come up), so that it is ready when the
 * request is sent; callers do this before the lookups that precede a large download.
 */
export function warmOffThread(): void {
  getWorker();
}

function track(id: number, handle: (message: FromWorker) => void): void {
  handlers.set(id, handle);
  if (handlers.size === 1) {
    worker?.ref();
  }
}

function untrack(id: number): void {
  if (handlers.delete(id) && handlers.size === 0) {
    worker?.unref();
  }
}

/**
 * Send a GET from the worker thread. Resolves with the response once its headers
 * arrive; undefined when no worker can run here (the caller then uses `node:http`).
 *
 * @param url - where
 * @param headers - request headers, credentials included (they stay in this process)
 * @param signal - aborts the request, and later the body
 */
export function sendOffThread(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal
): Promise<IOffThreadResponse> | undefined {
  if (!getWorker()) {
    return undefined;
  }
  return new Promise<IOffThreadResponse>((resolve, reject) => {
    const id = nextId++;
    const queue: Uint8Array[] = [];
    let responded = false;
    let ended = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    /** Bytes read since the worker was last told (one message per few MiB, not per chunk). */
    let untold = 0;
    const rouse = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const done = (): void => {
      untrack(id);
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (error: Error): void => {
      done();
      if (!responded) {
        reject(error);
      } else {
        failure ??= error;
        rouse();
      }
    };
    const onAbort = (): void => {
      send({ type: 'cancel', id });
      fail(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }));
    };
    const body: IWireBody = {
      read: async () => {
        for (;;) {
          const chunk = queue.shift();
          if (chunk) {
            untold += chunk.byteLength;
            if (untold >= TELL_BYTES) {
              send({ type: 'taken', id, bytes: untold });
              untold = 0;
            }
            return { done: false, value: chunk };
          }
          if (untold > 0) {
            send({ type: 'taken', id, bytes: untold }); // about to wait: let it send more
            untold = 0;
          }
          if (failure) {
            throw failure;
          }
          if (ended) {
            return { done: true };
          }
          await new Promise<void>(resume => {
            wake = resume;
          });
        }
      },
      cancel: async () => {
        queue.length = 0;
        if (!ended && !failure) {
          ended = true;
          send({ type: 'cancel', id });
          done();
        }
      }
    };
    track(id, message => {
      if (message.type === 'response') {
        responded = true;
        resolve({ status: message.status, headers: message.headers, body });
      } else if (message.type === 'chunk') {
        queue.push(
          Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength)
        );
        rouse();
      } else if (message.type === 'end') {
        ended = true;
        done();
        rouse();
      } else {
        fail(Object.assign(new Error(message.message), { code: message.code }));
      }
    });
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    send({ type: 'start', id, url: url.toString(), headers });
  });
}
