/**
 * Streamed request bodies (uploads) through request(): flat memory, Content-Length when
 * the length is known, chunked when not, typed errors for a wrong length, a reset and an
 * abort mid-body; and the upload verb hashing a local file while sending it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from '../http/request';
import { isBadInputError } from '../errors/bad-input-error';
import { isAbortError, isNetworkError } from '../errors/network-error';
import { connect } from '../session';
import { type Emulator, loadEmulator, RecordingSink } from './flow-support';

/** The compiled package: child processes run plain node, which cannot load the .ts sources. */
const DIST = join(__dirname, '..', '..', 'dist');

interface IReceived {
  headers: IncomingMessage['headers'];
  bytes: number;
  sha256: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Scripted answers by request path; any other path is hashed and answered 204. */
const scripted = new Map<string, Handler>();

const MiB = 1024 * 1024;

/** A server that hashes what it receives (never holding it) and answers 204. */
function startServer(): Promise<{ server: Server; url: string; received: IReceived[] }> {
  const received: IReceived[] = [];
  const server = createServer((req, res) => {
    const special = scripted.get(req.url ?? '');
    if (special) {
      special(req, res);
      return;
    }
    const h = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      h.update(c);
      bytes += c.byteLength;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, bytes, sha256: h.digest('hex') });
      res.writeHead(204).end();
    });
  });
  return new Promise(resolve => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ server, url: `http://127.0.0.1:${port}/up.bin`, received });
    });
  });
}

function runChild(url: string, ...args: string[]): Promise<Record<string, number | string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', join(DIST, 'test', 'upload-stream-child.js'), url, ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] }
    );
    let out = '';
    child.stdout.on('data', c => (out += c));
    const timer = setTimeout(() => child.kill(), 60000);
    timer.unref();
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as Record<string, number | string>);
      } catch {
        reject(new Error(`child printed no result: ${out.slice(0, 200)}`));
      }
    });
  });
}

describe('request', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let tmp: string;
  let big: string;
  let bigSha: string;
  const BIG = 64 * MiB;

  beforeAll(async () => {
    s = await startServer();
    tmp = mkdtempSync(join(tmpdir(), 'gk-upload-'));
    big = join(tmp, 'big.bin');
    // 1 MiB of varied bytes repeated with a counter, so a dropped or repeated chunk shows.
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < block.length; i++) block[i] = (i * 131 + 7) & 0xff;
    const h = createHash('sha256');
    const parts: Buffer[] = [];
    for (let i = 0; i < BIG / MiB; i++) {
      const b = Buffer.from(block);
      b.writeUInt32BE(i, 0);
      parts.push(b);
      h.update(b);
    }
    writeFileSync(big, Buffer.concat(parts));
    bigSha = h.digest('hex');
  });

  afterAll(() => {
    s.server.closeAllConnections();
    s.server.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('#stream body', () => {
    it('should send a 64 MB file with Content-Length and keep RSS growth well below the body size', async () => {
      s.received.length = 0;
      const r = await runChild(s.url, big);
      assert.equal(r.error, undefined);
      const up = s.received.at(-1) as IReceived;
      assert.equal(up.headers['content-length'], String(BIG));
      assert.equal(up.headers['transfer-encoding'], undefined);
      assert.equal(up.bytes, BIG);
      assert.equal(up.sha256, bigSha);
      assert.equal(r.lastLoaded, BIG);
      assert.equal(r.sha256, bigSha, 'the reader hashed what it sent');
      assert.ok(Number(r.progressCalls) >= 8, `progress reported (${r.progressCalls} calls)`);
      // A buffered body grows RSS by at least the body (64 MB); streamed it stays at a few MB.
      assert.ok(
        Number(r.growth) < 16 * MiB,
        `RSS grew ${(Number(r.growth) / MiB).toFixed(1)} MB for a 64 MB upload`
      );
    });

    it('should hold a fast stream of new buffers to a slow receiver: RSS growth well below the body', async () => {
      // The receiver stops for 25 ms after every 4 MiB; without backpressure the source
      // would be read ahead into memory (RSS +128 MB). New 64 KiB buffers are garbage once
      // sent, and some 30-40 MB of them wait for a collection (V8 collects on external
      // memory growth) whatever the body size: bounded, not proportional.
      const TOTAL = 128 * MiB;
      let last: { length: string | undefined; bytes: number; sha256: string } | undefined;
      scripted.set('/slow.bin', (req, res) => {
        const h = createHash('sha256');
        let bytes = 0;
        let sincePause = 0;
        req.on('data', (c: Buffer) => {
          h.update(c);
          bytes += c.byteLength;
          sincePause += c.byteLength;
          if (sincePause >= 4 * MiB) {
            sincePause = 0;
            req.pause();
            setTimeout(() => req.resume(), 25);
          }
        });
        req.on('end', () => {
          last = { length: req.headers['content-length'], bytes, sha256: h.digest('hex') };
          res.writeHead(204).end();
        });
      });
      try {
        const url = s.url.replace('/up.bin', '/slow.bin');
        const r = await runChild(url, '--generated', String(TOTAL));
        assert.equal(r.error, undefined);
        assert.deepEqual(last, { length: String(TOTAL), bytes: TOTAL, sha256: r.sha256 });
        assert.equal(r.lastLoaded, TOTAL);
        assert.ok(
          Number(r.growth) < 0.4 * TOTAL,
          `RSS grew ${(Number(r.growth) / MiB).toFixed(1)} MB for a 128 MB stream`
        );
      } finally {
        scripted.delete('/slow.bin');
      }
    });

    it('should send chunked when the length is not known', async () => {
      s.received.length = 0;
      const chunks = [Buffer.from('abc'), Buffer.from('defgh')];
      const res = await request({
        service: 'https',
        operation: 'upload',
        method: 'PUT',
        path: s.url,
        body: Readable.from(chunks),
        responseType: 'none'
      });
      assert.equal(res.status, 204);
      assert.equal(s.received[0].headers['transfer-encoding'], 'chunked');
      assert.equal(s.received[0].bytes, 8);
    });

    it('should fail with BODY_LENGTH_MISMATCH when the stream is shorter or longer than bodyLength', async () => {
      for (const bodyLength of [10, 5]) {
        await assert.rejects(
          request({
            service: 'https',
            operation: 'upload',
            method: 'PUT',
            path: s.url.replace('up.bin', 'mismatch.bin'),
            body: Readable.from([Buffer.from('12345678')]),
            bodyLength,
            responseType: 'none',
            timeoutMs: 5000
          }),
          (e: unknown) =>
            isBadInputError(e) && (e as { code: string }).code === 'BODY_LENGTH_MISMATCH'
        );
      }
    });

    it('should replay a stream factory on a retryable status with the same bytes', async () => {
      s.received.length = 0;
      let calls = 0;
      scripted.set('/retry.bin', (req, res) => {
        scripted.delete('/retry.bin');
        req.resume();
        req.on('end', () => res.writeHead(503, { 'Content-Type': 'application/json' }).end('{}'));
      });
      const res = await request({
        service: 'https',
        operation: 'upload',
        method: 'PUT',
        path: s.url.replace('up.bin', 'retry.bin'),
        body: () => {
          calls++;
          return Readable.from([Buffer.from('hello'), Buffer.from(' world')]);
        },
        bodyLength: 11,
        responseType: 'none',
        retry: { baseDelayMs: 5, maxDelayMs: 10, maxTotalMs: 5000 }
      });
      assert.equal(res.attempts, 2);
      assert.equal(calls, 2);
      assert.equal(s.received[0].bytes, 11);
      assert.equal(s.received[0].headers['content-length'], '11');
    });

    it('should fail with CONNECTION_RESET when the server resets mid-body', async () => {
      scripted.set('/reset.bin', req => {
        let got = 0;
        req.on('data', (c: Buffer) => {
          got += c.byteLength;
          if (got > MiB) {
            req.socket.resetAndDestroy();
          }
        });
      });
      await assert.rejects(
        request({
          service: 'https',
          operation: 'upload',
          method: 'PUT',
          path: s.url.replace('up.bin', 'reset.bin'),
          body: () => Readable.from(Buffer.alloc(8 * MiB)),
          bodyLength: 8 * MiB,
          responseType: 'none',
          retry: false,
          timeoutMs: 10000
        }),
        (e: unknown) => isNetworkError(e) && e.code === 'CONNECTION_RESET'
      );
    });

    it('should abort mid-body with AbortError and stop reading the source', async () => {
      scripted.set('/abort.bin', req => req.resume());
      const controller = new AbortController();
      let produced = 0;
      async function* endless(): AsyncGenerator<Uint8Array> {
        for (;;) {
          produced += MiB;
          if (produced === 4 * MiB) controller.abort();
          yield Buffer.alloc(MiB);
        }
      }
      await assert.rejects(
        request({
          service: 'https',
          operation: 'upload',
          method: 'PUT',
          path: s.url.replace('up.bin', 'abort.bin'),
          body: endless(),
          responseType: 'none',
          signal: controller.signal
        }),
        (e: unknown) => isAbortError(e)
      );
      const after = produced;
      await new Promise(r => setTimeout(r, 50));
      assert.equal(produced, after, 'source no longer read');
      assert.ok(produced <= 6 * MiB);
    });
  });
});

describe('GlobusSession', () => {
  let emu: Emulator;
  let tmp: string;

  beforeAll(async () => {
    const m = await loadEmulator();
    tmp = mkdtempSync(join(tmpdir(), 'gk-upload-verb-'));
    emu = await m.createEmulator();
  });

  afterAll(async () => {
    await emu.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('#upload', () => {
    it('should return the SHA-256 of a local file it hashed while sending, and store every byte', async () => {
      const m = await loadEmulator();
      const local = join(tmp, 'local.bin');
      const bytes = Buffer.alloc(3 * MiB + 123);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
      writeFileSync(local, bytes);
      const session = await connect({ env: await emu.env(), display: new RecordingSink() });
      const r = await session.upload(
        { file: local },
        { collection: m.seed.GUEST_COLLECTION_ID, path: '/up/local.bin' }
      );
      assert.equal(r.bytes, bytes.length);
      assert.equal(r.sha256, createHash('sha256').update(bytes).digest('hex'));
      const stored = join(
        emu.collections.rootOf(m.seed.GUEST_COLLECTION_ID) as string,
        'up/local.bin'
      );
      assert.ok(existsSync(stored));
      assert.ok(readFileSync(stored).equals(bytes));
    });
  });
});
