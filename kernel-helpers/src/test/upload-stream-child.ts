/**
 * Child process of upload-stream.test.ts: streams a local file to a loopback server with
 * request() and the upload verb's file reader while sampling its own RSS, and prints the growth over the baseline. A child
 * of its own keeps the parent's heap (test runner, server) out of the figure.
 *
 * argv: <url> <file>
 */
import { stat } from 'node:fs/promises';
import { hashingRead } from '../flow/upload';
import { request } from '../http/request';

async function main(): Promise<void> {
  const [url, file] = process.argv.slice(2);
  const size = (await stat(file)).size;
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
  const read = hashingRead(file);
  let progressCalls = 0;
  let lastLoaded = 0;
  await request({
    service: 'https',
    operation: 'upload',
    method: 'PUT',
    path: url,
    body: read.chunks,
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
      sha256: read.digest()
    })
  );
}

main().catch(error => {
  process.stdout.write(JSON.stringify({ error: String((error as Error).message) }));
  process.exitCode = 1;
});
