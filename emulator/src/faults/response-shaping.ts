/**
 * Wrappers that disturb a real response body after the service has produced it: truncation
 * (send the first N bytes, then drop the connection) and a bandwidth cap. They replace
 * `res.write` / `res.end` on the one response object, so services stay unaware of faults
 * and streamed bodies (GCS file GETs piped into `res`) are shaped the same as JSON ones.
 */
import type { ServerResponse } from 'node:http';

type WriteCallback = (error?: Error | null) => void;

interface IChunkArgs {
  data: Buffer;
  callback: WriteCallback | undefined;
}

/** Normalises the overloads of `write(chunk, [encoding], [cb])` / `end([chunk], [encoding], [cb])`. */
function chunkArgs(args: unknown[]): IChunkArgs {
  let callback: WriteCallback | undefined;
  const rest = [...args];
  if (typeof rest[rest.length - 1] === 'function') callback = rest.pop() as WriteCallback;
  const [chunk, encoding] = rest;
  let data: Buffer;
  if (chunk === undefined || chunk === null) data = Buffer.alloc(0);
  else if (typeof chunk === 'string') {
    data = Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  } else if (chunk instanceof Uint8Array)
    data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  else data = Buffer.from(String(chunk));
  return { data, callback };
}

/**
 * Lets the response's headers and its first `limit` body bytes through, then destroys the
 * socket. `Content-Length` stays as the service set it, so clients see a short body.
 * @param res - the response to shape (before the service writes to it)
 * @param limit - body bytes to send
 */
export function truncateResponse(res: ServerResponse, limit: number): void {
  const originalWrite = res.write.bind(res) as (chunk: Buffer, cb?: WriteCallback) => boolean;
  let sent = 0;
  let cut = false;
  const cutNow = (): void => {
    cut = true;
    // Destroy only once the bytes we let through reached the socket, so the client gets them.
    // `headersSent` turns true at writeHead(), before anything is on the wire; flush anyway.
    if (sent === 0) res.flushHeaders();
    const socket = res.socket;
    if (!socket) return;
    socket.write(Buffer.alloc(0), () => socket.destroy());
  };
  const push = (data: Buffer): void => {
    const room = limit - sent;
    if (data.length < room) {
      if (data.length > 0) originalWrite(data);
      sent += data.length;
      return;
    }
    if (room > 0) originalWrite(data.subarray(0, room));
    sent = limit;
    cutNow();
  };
  res.write = ((...args: unknown[]): boolean => {
    const { data, callback } = chunkArgs(args);
    if (!cut) push(data);
    callback?.();
    return true;
  }) as ServerResponse['write'];
  res.end = ((...args: unknown[]): ServerResponse => {
    const { data, callback } = chunkArgs(args);
    if (!cut) push(data);
    // A body shorter than the limit is cut at its end: the fault still drops the connection.
    if (!cut) cutNow();
    callback?.();
    return res;
  }) as ServerResponse['end'];
}

/** How often the bandwidth cap releases bytes. */
const tickMs = 50;
/** Bytes the cap buffers before it asks the writer (e.g. a pipe) to wait for `drain`. */
const highWaterMark = 64 * 1024;

/**
 * Releases the response body at most `bytesPerSecond`, in 50 ms steps. Headers go out with
 * the first step. The timer is unref()'d and stops when the body ends or the socket closes.
 * @param res - the response to shape (before the service writes to it)
 * @param bytesPerSecond - the cap
 */
export function throttleResponse(res: ServerResponse, bytesPerSecond: number): void {
  const originalWrite = res.write.bind(res) as (chunk: Buffer, cb?: WriteCallback) => boolean;
  const originalEnd = res.end.bind(res) as (cb?: () => void) => ServerResponse;
  const queue: IChunkArgs[] = [];
  let queued = 0;
  let ending: { callback: WriteCallback | undefined } | undefined;
  let started: number | undefined;
  let released = 0;
  let timer: NodeJS.Timeout | undefined;
  let blocked = false;
  let closed = false;

  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const tick = (): void => {
    if (closed) return stop();
    started ??= Date.now();
    let allowance =
      Math.floor(((Date.now() - started + tickMs) * bytesPerSecond) / 1000) - released;
    while (allowance > 0 && queue.length > 0) {
      const head = queue[0];
      const n = Math.min(allowance, head.data.length);
      originalWrite(head.data.subarray(0, n));
      released += n;
      allowance -= n;
      queued -= n;
      if (n === head.data.length) {
        queue.shift();
        head.callback?.();
      } else {
        head.data = head.data.subarray(n);
      }
    }
    if (blocked && queued < highWaterMark) {
      blocked = false;
      res.emit('drain');
    }
    if (queue.length === 0 && ending) {
      stop();
      const { callback } = ending;
      originalEnd(() => callback?.());
    }
  };
  const ensureTimer = (): void => {
    if (timer || closed) return;
    timer = setInterval(tick, tickMs);
    timer.unref();
  };
  res.once('close', () => {
    closed = true;
    stop();
  });
  res.write = ((...args: unknown[]): boolean => {
    const chunk = chunkArgs(args);
    queue.push(chunk);
    queued += chunk.data.length;
    ensureTimer();
    if (queued >= highWaterMark) blocked = true;
    return !blocked;
  }) as ServerResponse['write'];
  res.end = ((...args: unknown[]): ServerResponse => {
    const chunk = chunkArgs(args);
    if (chunk.data.length > 0) {
      queue.push({ data: chunk.data, callback: undefined });
      queued += chunk.data.length;
    }
    ending = { callback: chunk.callback };
    ensureTimer();
    return res;
  }) as ServerResponse['end'];
}
