// Child process: one fetch of the benchmark CSV into a typed Table with the kernel helpers,
// as a notebook cell would do it after `connect()`. Prints one JSON line.
// Modes: `fetch` (the verb), and, to split where the time goes: `pieces` (the HTTPS download
// piped into parseCsvStream, no verb around it), `download` (the download drained, no
// parsing) and `parse-file` (parseCsvStream of the local file, no network).
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { HELPERS_DIST } from '../common/paths.mjs';

const require = createRequire(import.meta.url);
const helpers = require(`${HELPERS_DIST}/index.js`);
const { parseCsvStream } = require(`${HELPERS_DIST}/flow/csv.js`);

const [mode, collection, path, localFile] = process.argv.slice(2);
const rssBefore = process.memoryUsage().rss;
let session;
if (mode !== 'parse-file') {
  session = await helpers.connect();
}
const t0 = performance.now();
let rows;
let via;
if (mode === 'fetch') {
  via = 'session.fetchCsv({ collection, path })';
  const table = await session.fetchCsv({ collection, path });
  rows = table.numRows;
} else if (mode === 'pieces') {
  via = 'session.https.download (offThread) + parseCsvStream (what fetchCsv is built on)';
  const dl = await session.https.download(collection, path, { offThread: true });
  const table = await parseCsvStream(dl.stream, { totalBytes: dl.size });
  rows = table.numRows;
} else if (mode === 'download') {
  via = 'session.https.download, body drained';
  const dl = await session.https.download(collection, path);
  let bytes = 0;
  for await (const chunk of dl.stream) bytes += chunk.length;
  rows = bytes;
} else if (mode === 'parse-file') {
  via = 'parseCsvStream(fs.createReadStream)';
  const table = await parseCsvStream(createReadStream(localFile));
  rows = table.numRows;
} else {
  throw new Error(`unknown mode ${mode}`);
}
const opS = (performance.now() - t0) / 1000;
process.stdout.write(
  JSON.stringify({ opS, rows, via, baseRssMb: rssBefore / 2 ** 20, node: process.version }) + '\n'
);
