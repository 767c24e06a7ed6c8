/**
 * `table.toArrow()` (issue #21): typed Arrow columns from a parsed CSV, nulls where cells
 * were empty, dictionary-encoded strings, and the table read back by Arrow's own IPC
 * round trip; without apache-arrow, ARROW_MISSING.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { parseCsvStream } from '../flow/csv';
import { arrowModule } from '../flow/table-arrow';
import { isGlobusKitError } from '../errors/globus-kit-error';

const CSV =
  'STATION,DATE,TMAX,PRCP,OK,BIG\n' +
  'USW00023169,19520101,56,0.1,true,3000000000\n' +
  'USW00023169,19520102,,0,,1\n' +
  'USC00263671,19520103,60,,false,\n';

async function weather(): Promise<Awaited<ReturnType<typeof parseCsvStream>>> {
  return parseCsvStream(Readable.from([Buffer.from(CSV)]));
}

describe('Table', () => {
  describe('#toArrow', () => {
    it('should keep each column’s type, with nulls for empty cells', async () => {
      const table = await weather();
      const arrow = table.toArrow();
      assert.equal(arrow.numRows, 3);
      const types = Object.fromEntries(arrow.schema.fields.map(f => [f.name, String(f.type)]));
      assert.deepEqual(types, {
        STATION: 'Dictionary<Int32, Utf8>',
        DATE: 'Date64<MILLISECOND>',
        TMAX: 'Int32',
        PRCP: 'Float64',
        OK: 'Bool',
        BIG: 'Float64' // an integer column beyond Int32
      });
      assert.deepEqual([...arrow.getChild('TMAX')!], [56, null, 60]);
      assert.deepEqual([...arrow.getChild('PRCP')!], [0.1, 0, null]);
      assert.deepEqual([...arrow.getChild('OK')!], [true, null, false]);
      assert.deepEqual([...arrow.getChild('BIG')!], [3000000000, 1, null]);
      assert.deepEqual(
        [...arrow.getChild('STATION')!],
        ['USW00023169', 'USW00023169', 'USC00263671']
      );
      assert.equal(arrow.getChild('STATION')!.data[0].dictionary!.length, 2, 'two distinct');
      assert.deepEqual(
        [...arrow.getChild('DATE')!].map(ms => new Date(Number(ms)).toISOString().slice(0, 10)),
        ['1952-01-01', '1952-01-02', '1952-01-03']
      );
      assert.equal(arrow.getChild('TMAX')!.nullCount, 1);
    });

    it('should survive Arrow’s IPC round trip, as another process would read it', async () => {
      const back = tableFromIPC(tableToIPC((await weather()).toArrow()));
      assert.equal(back.numRows, 3);
      assert.deepEqual(back.toArray()[1].toJSON(), {
        STATION: 'USW00023169',
        DATE: Date.UTC(1952, 0, 2),
        TMAX: null,
        PRCP: 0,
        OK: null,
        BIG: 1
      });
    });

    it('should fall back to plain Utf8 past 65,536 distinct strings', async () => {
      const rows = Array.from({ length: 70000 }, (_, i) => `s${i}`);
      const table = await parseCsvStream(
        Readable.from([Buffer.from(`name\n${rows.join('\n')}\n`)])
      );
      const column = table.toArrow().getChild('name')!;
      assert.equal(String(column.type), 'Utf8');
      assert.equal(column.get(69999), 's69999');
    });

    it('should say what to install when apache-arrow is missing', () => {
      const missing = (): never => {
        throw Object.assign(new Error("Cannot find module 'apache-arrow'"), {
          code: 'MODULE_NOT_FOUND'
        });
      };
      assert.throws(
        () => arrowModule(missing),
        (e: unknown) =>
          isGlobusKitError(e) &&
          e.code === 'ARROW_MISSING' &&
          /npm install apache-arrow/.test(e.message)
      );
    });
  });
});
