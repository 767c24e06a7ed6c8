// Child process: decodeGlobusData (base64 → restricted unpickle → normalised auth state) of
// the GLOBUS_DATA read from stdin, timed timeit-style: N calls per repeat, N grown until a
// repeat takes ≥ 0.2 s, 5 repeats, the median reported. Prints one JSON line.
import { createRequire } from 'node:module';
import { HELPERS_DIST } from '../common/paths.mjs';

const require = createRequire(import.meta.url);
const { decodeGlobusData } = require(`${HELPERS_DIST}/index.js`);

let input = '';
for await (const chunk of process.stdin) input += chunk;
const payload = input.trim();

let sink = 0;
const timeCalls = n => {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += decodeGlobusData(payload).tokens.length;
  return Number(process.hrtime.bigint() - t0) / 1e9;
};
let n = 1;
while (timeCalls(n) < 0.2) n *= 2;
const perCall = [];
for (let r = 0; r < 5; r++) perCall.push(timeCalls(n) / n);
perCall.sort((a, b) => a - b);
const tokens = decodeGlobusData(payload).tokens.length;
process.stdout.write(
  JSON.stringify({ usPerCall: perCall[2] * 1e6, calls: n, tokens, sink: sink > 0 }) + '\n'
);
