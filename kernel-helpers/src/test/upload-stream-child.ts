/**
 * Child process of upload-stream.test.ts: streams a local file to a loopback server with
 * request() and the upload verb's file reader while sampling its own RSS, and prints the growth over the baseline. A child
 * of its own keeps the parent's heap (test runner, server) out of the figure.
 *
 * argv: <url> <file>, or <url> --generated <bytes>: a Node stream that makes a new 64 KiB
 * buffer per chunk as fast as it is read (as a file or socket stream does), instead of the
 * file reader's reused buffers.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { hashingRead } from '../flow/upload';
import { request } from '../http/request';

/** A stream of `total` bytes in new 64 KiB buffers, hashing what it hands out. */
function generated(total: number): { stream: Readable; digest: () => string } {
  const h = createHash('sha256');
  let made = 0;
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (made >= total) {
        this.push(null);
        return;
      }
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, total - made));
      chunk.fill(made & 0xff);
      chunk.writeUInt32BE(made, 0);
      made += chunk.byteLength;
      h.update(chunk);
      this.push(chunk);
    }
  });
  return { stream, digest: () => h.digest('hex') };
}

async function main(): Promise<void> {
  const [url, file, count] = process.argv.slice(2);
  const size = file === '--generated' ? Number(count) : (await stat(file)).size;
  // Warm up the same code path (modules, sockets, JIT) so the baseline is what a kernel
  // that has uploaded before holds.
  await request({
    service: 'https',
    operation: 'upload',
    method: 'PUT',
    path: url,
    body: Buffer.alloc(2 * 1024 * 1024),
    responseType: 'none',
    onUploadProgress: () => undefined
  });
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const source = file === '--generated' ? generated(size) : undefined;
  const read = source ? undefined : hashingRead(file);
  let progressCalls = 0;
  let lastLoaded = 0;
  await request({
    service: 'https',
    operation: 'upload',
    method: 'PUT',
    path: url,
    body: source ? source.stream : (read?.chunks as AsyncIterable<Uint8Array>),
    bodyLength: size,
    responseType: 'none',
    onUploadProgress: p => {
      progressCalls++;
      lastLoaded = p.loaded;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
  });
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(
    JSON.stringify({
      growth: peak - baseline,
      baseline,
      peak,
      progressCalls,
      lastLoaded,
      sha256: source ? source.digest() : read?.digest()
    })
  );
}

main().catch(error => {
  process.stdout.write(JSON.stringify({ error: String((error as Error).message) }));
  process.exitCode = 1;
});
