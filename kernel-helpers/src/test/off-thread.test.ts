/**
 * request({ offThread: true }) — a streamed GET received in the worker thread — against a
 * real loopback server: the same bytes, the same typed errors, flow control that pauses
 * the server, abort, and a process that still exits on its own.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { request } from '../http/request';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { isGlobusApiError } from '../errors/api-error';
import { isAbortError, isNetworkError } from '../errors/network-error';
import { join } from 'node:path';

/** The compiled package: child processes run plain node, which cannot load the .ts sources. */
const DIST = join(__dirname, '..', '..', 'dist');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const BODY = randomBytes(5 * 1024 * 1024 + 123);
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) {
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

describe('off-thread download', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, Handler>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const h = routes.get(req.url ?? '');
      if (h) {
        h(req, res);
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ code: 'NotFound', message: 'no such file' }));
      }
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const get = (path: string, signal?: AbortSignal) =>
    request<Readable>({
      service: 'https',
      operation: 'download',
      path: base + path,
      responseType: 'stream',
      offThread: true,
      retry: false,
      signal
    });

  it('should give the same bytes as were sent, through the worker', async () => {
    routes.set('/body', (_q, res) => {
      res.writeHead(200, { 'Content-Length': String(BODY.length), 'X-Kind': 'test' });
      res.end(BODY);
    });
    // node:http publishes each request it starts on this thread's diagnostics channel; a
    // request the worker carries is started on the worker's thread, so it is not seen here.
    const onThisThread: string[] = [];
    const seen = (message: unknown): void => {
      onThisThread.push((message as { request: ClientRequest }).request.path);
    };
    subscribe('http.client.request.start', seen);
    try {
      const res = await get('/body');
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-kind'], 'test');
      const got = await readAll(res.data);
      assert.equal(got.length, BODY.length);
      assert.equal(sha(got), sha(BODY));
      assert.deepEqual(onThisThread, [], 'the worker carried it, not this thread');
      // The check can fail: the same request on this thread is seen.
      const direct = await request<Readable>({
        service: 'https',
        operation: 'download',
        path: base + '/body',
        responseType: 'stream',
        retry: false
      });
      await readAll(direct.data);
      assert.deepEqual(onThisThread, ['/body']);
    } finally {
      unsubscribe('http.client.request.start', seen);
    }
  });

  it('should turn an error status into the usual typed error, with the server message', async () => {
    await assert.rejects(get('/missing'), (e: unknown) => {
      assert.ok(isGlobusApiError(e));
      assert.equal(e.status, 404);
      assert.match(e.message, /no such file/);
      return true;
    });
  });

  it('should report a body cut short as TRUNCATED_BODY', async () => {
    routes.set('/cut', (_q, res) => {
      res.writeHead(200, { 'Content-Length': String(BODY.length) });
      res.write(BODY.subarray(0, 1024 * 1024), () => res.socket?.destroy());
    });
    const res = await get('/cut');
    await assert.rejects(readAll(res.data), (e: unknown) => {
      assert.ok(isNetworkError(e), String(e));
      assert.equal(e.code, 'TRUNCATED_BODY');
      return true;
    });
  });

  it('should pause the server while the reader does not read (flow control)', async () => {
    let written = 0;
    let blocked = false;
    const total = 64 * 1024 * 1024;
    routes.set('/big', (_q, res) => {
      res.writeHead(200, { 'Content-Length': String(total) });
      const chunk = Buffer.alloc(256 * 1024, 7);
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            blocked = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const res = await get('/big');
    const iterator = res.data[Symbol.asyncIterator]();
    await iterator.next(); // one chunk read, then nothing for a while
    await new Promise(resolve => setTimeout(resolve, 400));
    assert.ok(blocked, 'the server had to wait');
    assert.ok(written < 40 * 1024 * 1024, `only a bounded part was sent (${written} bytes)`);
    let rest = 0;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      rest += (next.value as Buffer).length;
    }
    assert.ok(rest > 0 && written === total, 'the rest arrived after reading resumed');
  });

  it('should stop the download on abort, with an AbortError', async () => {
    let closed = false;
    routes.set('/slow', (_q, res) => {
      res.writeHead(200, { 'Content-Length': String(BODY.length) });
      res.write(BODY.subarray(0, 64 * 1024));
      res.on('close', () => {
        closed = true;
      });
    });
    const controller = new AbortController();
    const res = await get('/slow', controller.signal);
    const iterator = res.data[Symbol.asyncIterator]();
    await iterator.next();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(iterator.next(), (e: unknown) => isAbortError(e));
    const until = Date.now() + 5000;
    while (!closed && Date.now() < until) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    assert.ok(closed, 'the worker closed the connection');
  });

  it('should not keep a process alive once its download is done', () => {
    const script = `
      const http = require('node:http');
      const { request } = require(${JSON.stringify(join(DIST, 'http', 'request.js'))});
      const server = http.createServer((q, r) => r.end('done')).listen(0, '127.0.0.1', async () => {
        const res = await request({ service: 'https', operation: 'download', responseType: 'stream',
          offThread: true, path: 'http://127.0.0.1:' + server.address().port + '/' });
        let text = '';
        for await (const c of res.data) text += c;
        server.close();
        process.stdout.write(text);
      });`;
    const child = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      timeout: 20_000
    });
    assert.equal(child.signal, null, 'it exited by itself (not killed at the time limit)');
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, 'done');
  });
});
