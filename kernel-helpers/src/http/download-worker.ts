/**
 * The worker side of an off-thread download (see `off-thread.ts`): it runs `node:http(s)`
 * GETs for the main thread and hands their bodies over in transferred buffers, so the
 * socket reads, the HTTP parsing and the stream bookkeeping of a large body (about 0.3 s
 * of CPU per 100 MB) run beside the main thread's work on the body instead of before it.
 *
 * It knows nothing of Globus: status, headers, errors and redirects are judged on the main
 * thread by the same code as every other response. Nothing here logs; an error is passed
 * on as its code and message only.
 */
import http from 'node:http';
import https from 'node:https';
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './off-thread-messages';

/** Bytes handed over and not yet taken by the main thread before the socket is paused. */
const IN_FLIGHT_LIMIT = 4 * 1024 * 1024;
/** Largest buffer handed over at once. */
const MESSAGE_BYTES = 1024 * 1024;

const port = parentPort;
if (!port) {
  throw new Error('download-worker runs only as a worker thread');
}
const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true })
};

interface IActive {
  req: http.ClientRequest;
  res?: http.IncomingMessage;
  /** Handed over, not yet taken. */
  inFlight: number;
  /** Received, not yet handed over. */
  pending: Buffer[];
  pendingBytes: number;
  flushScheduled: boolean;
  ended: boolean;
}

const active = new Map<number, IActive>();

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function fail(id: number, error: unknown): void {
  if (!active.delete(id)) {
    return;
  }
  const { code, message } = error as { code?: unknown; message?: unknown };
  post({
    type: 'error',
    id,
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : String(error)
  });
}

/** Hand over what arrived since the last flush, in one buffer that changes owner. */
function flush(id: number, a: IActive): void {
  a.flushScheduled = false;
  if (a.pendingBytes > 0) {
    const out = new Uint8Array(a.pendingBytes);
    let at = 0;
    for (const chunk of a.pending) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    a.pending = [];
    a.inFlight += a.pendingBytes;
    a.pendingBytes = 0;
    post({ type: 'chunk', id, bytes: out }, [out.buffer]);
    if (a.inFlight >= IN_FLIGHT_LIMIT) {
      a.res?.pause();
    }
  }
  if (a.ended && active.get(id) === a) {
    active.delete(id);
    post({ type: 'end', id });
  }
}

function start(id: number, url: string, headers: Record<string, string>): void {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const agent = target.protocol === 'https:' ? agents.https : agents.http;
  let req: http.ClientRequest;
  try {
    req = client.request(target, { method: 'GET', headers, agent });
  } catch (error) {
    post({ type: 'error', id, code: undefined, message: (error as Error).message });
    return;
  }
  const a: IActive = {
    req,
    inFlight: 0,
    pending: [],
    pendingBytes: 0,
    flushScheduled: false,
    ended: false
  };
  active.set(id, a);
  req.on('error', error => fail(id, error));
  req.on('response', res => {
    a.res = res;
    post({ type: 'response', id, status: res.statusCode ?? 0, headers: res.headers });
    res.on('data', (chunk: Buffer) => {
      a.pending.push(chunk);
      a.pendingBytes += chunk.byteLength;
      if (a.pendingBytes >= MESSAGE_BYTES) {
        flush(id, a);
      } else if (!a.flushScheduled) {
        // Socket reads that arrive together go over together.
        a.flushScheduled = true;
        setImmediate(() => flush(id, a));
      }
    });
    res.on('end', () => {
      a.ended = true;
      flush(id, a);
    });
    res.on('error', error => fail(id, error));
    res.on('close', () => {
      if (!a.ended) {
        fail(id, Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      }
    });
  });
  req.end();
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    start(message.id, message.url, message.headers);
    return;
  }
  const a = active.get(message.id);
  if (!a) {
    return;
  }
  if (message.type === 'taken') {
    a.inFlight -= message.bytes;
    if (a.inFlight < IN_FLIGHT_LIMIT && a.res?.isPaused()) {
      a.res.resume();
    }
  } else {
    active.delete(message.id);
    a.req.destroy();
    a.res?.destroy();
  }
});
