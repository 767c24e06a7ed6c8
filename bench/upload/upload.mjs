// Child process: one upload of a local file to a collection with the kernel helpers, after
// `connect()`: the `upload` verb (mode `verb`: hashes the file, checks the target, then
// streams it) or the bare PUT it ends in (mode `put`). Prints one JSON line (time after connect, RSS before).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { HELPERS_DIST } from '../common/paths.mjs';

const require = createRequire(import.meta.url);
const helpers = require(`${HELPERS_DIST}/index.js`);

const [mode, collection, path, localFile] = process.argv.slice(2);
const size = (await stat(localFile)).size;
const session = await helpers.connect();
const baseRssMb = process.memoryUsage().rss / 2 ** 20;
const t0 = performance.now();
let via;
let bytes;
if (mode === 'verb') {
  via = 'session.upload({ file }, { collection, path })';
  const result = await session.upload({ file: localFile }, { collection, path });
  bytes = result.bytes;
} else {
  via = 'session.https.upload(fs stream): the PUT alone';
  const result = await session.https.upload(collection, path, createReadStream(localFile), {
    size
  });
  bytes = result.bytes;
}
const opS = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ opS, bytes, via, baseRssMb }) + '\n');
