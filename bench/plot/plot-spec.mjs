// Child process: parse the benchmark CSV (local file) into a Table, then time the `plot` verb
// (downsampling + vega-lite spec) and write the spec as JSON. With `full`, also write the
// same chart with every row inlined (no downsampling), to show what that would cost.
// Prints one JSON line.
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { HELPERS_DIST } from '../common/paths.mjs';

const require = createRequire(import.meta.url);
const helpers = require(`${HELPERS_DIST}/index.js`);
const { parseCsvStream } = require(`${HELPERS_DIST}/flow/csv.js`);

const [csvFile, specOut, fullOut] = process.argv.slice(2);
const table = await parseCsvStream(createReadStream(csvFile));
const session = await helpers.connect();
const t0 = performance.now();
const chart = await session.plot(table, {
  x: 'DATE',
  y: ['TMAX', 'TMIN'],
  title: 'Daily maximum and minimum temperature, 45 stations, 1948–2023'
});
const text = JSON.stringify(chart.spec);
const buildS = (performance.now() - t0) / 1000;
await writeFile(specOut, text);
const report = {
  buildS,
  specBytes: Buffer.byteLength(text),
  fromRows: table.numRows,
  toRows: chart.spec.data.values.length,
  rule: chart.downsampled?.rule
};
if (fullOut) {
  const names = ['DATE', 'TMAX', 'TMIN'];
  const stores = names.map(n => table.storage(n).values);
  const values = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const row = {};
    for (let c = 0; c < names.length; c++) {
      const v = stores[c][i];
      row[names[c]] = Number.isNaN(v) ? null : v;
    }
    values[i] = row;
  }
  const full = JSON.stringify({ ...chart.spec, data: { values } });
  await writeFile(fullOut, full);
  report.fullBytes = Buffer.byteLength(full);
}
process.stdout.write(JSON.stringify(report) + '\n');
