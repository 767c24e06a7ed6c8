import assert from 'node:assert/strict';
import { parseCsvStream } from '../flow/csv';
import { Table } from '../flow/table';
import { isCsvError } from '../errors/csv-error';
import { chunks, malformed, prng } from './csv-corpus';

describe('parseCsvStream', () => {
  describe('fuzz', () => {
    it('should turn 1,000 malformed inputs into a Table or a CsvError, nothing else', async () => {
      const rand = prng(20240501);
      const outcomes = { table: 0, csvError: 0 };
      for (let i = 0; i < 1000; i++) {
        const input = malformed(rand);
        const size = 1 + Math.floor(rand() * 64);
        try {
          const t = await parseCsvStream(chunks(input, size), { inferRows: 5, maxErrors: 50 });
          assert.ok(t instanceof Table, `case ${i}`);
          for (const name of t.columns) {
            assert.equal(t.column(name).length, t.numRows, `case ${i} column ${name}`);
          }
          for (const w of t.warnings) {
            assert.ok(w.row === undefined || (Number.isInteger(w.row) && w.row >= 1), `case ${i}`);
          }
          outcomes.table++;
        } catch (e) {
          assert.ok(isCsvError(e), `case ${i}: unexpected ${String(e)}`);
          outcomes.csvError++;
        }
      }
      // Both outcomes must occur, or the generator is not exercising the parser.
      assert.ok(outcomes.table > 100, JSON.stringify(outcomes));
      assert.ok(outcomes.csvError > 10, JSON.stringify(outcomes));
    });
  });
});
