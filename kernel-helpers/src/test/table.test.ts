import assert from 'node:assert/strict';
import { Table, TABLE_JSON_ROWS } from '../flow/table';
import { isBadInputError } from '../errors/bad-input-error';

function sample(): Table {
  return Table.fromColumns({
    DATE: [new Date(Date.UTC(1952, 0, 1)), new Date(Date.UTC(1952, 0, 2)), null],
    TMAX: [56, null, 60],
    PRCP: [0.1, 0, null],
    NAME: ['a', null, 'c'],
    OK: [true, false, null]
  });
}

describe('Table', () => {
  describe('.fromColumns', () => {
    it('should infer integer, number, date, string and boolean columns', () => {
      const t = sample();
      assert.deepEqual(t.types, {
        DATE: 'date',
        TMAX: 'integer',
        PRCP: 'number',
        NAME: 'string',
        OK: 'boolean'
      });
      assert.equal(t.numRows, 3);
      assert.equal(t.numColumns, 5);
      assert.deepEqual(t.columns, ['DATE', 'TMAX', 'PRCP', 'NAME', 'OK']);
    });

    it('should treat a Float64Array as a number column', () => {
      const t = Table.fromColumns({ x: new Float64Array([1, 2, Number.NaN]) });
      assert.equal(t.types.x, 'number');
      assert.deepEqual(t.column('x'), [1, 2, null]);
    });

    it('should reject columns of different lengths', () => {
      assert.throws(() => Table.fromColumns({ a: [1, 2], b: [1] }), isBadInputError);
    });
  });

  describe('#column', () => {
    it('should return Dates at UTC and nulls for empty cells', () => {
      const dates = sample().column('DATE');
      assert.ok(dates[0] instanceof Date);
      assert.equal((dates[0] as Date).toISOString(), '1952-01-01T00:00:00.000Z');
      assert.equal(dates[2], null);
    });

    it('should throw a BadInputError naming the columns for an unknown name', () => {
      assert.throws(
        () => sample().column('TMIN'),
        (e: unknown) => isBadInputError(e) && /DATE, TMAX/.test((e as Error).message)
      );
    });
  });

  describe('#row', () => {
    it('should return one row keyed by column name', () => {
      assert.deepEqual(sample().row(1), {
        DATE: new Date(Date.UTC(1952, 0, 2)),
        TMAX: null,
        PRCP: 0,
        NAME: null,
        OK: false
      });
    });

    it('should count negative indexes from the end', () => {
      assert.equal(sample().row(-1).TMAX, 60);
    });

    it('should throw for an index out of range', () => {
      assert.throws(() => sample().row(3), isBadInputError);
      assert.throws(() => sample().row(1.5), isBadInputError);
    });
  });

  describe('#rows', () => {
    it('should iterate over every row in order', () => {
      assert.deepEqual(
        [...sample().rows()].map(r => r.TMAX),
        [56, null, 60]
      );
      assert.deepEqual(
        [...sample()].map(r => r.NAME),
        ['a', null, 'c']
      );
    });
  });

  describe('#head', () => {
    it('should return the first n rows as a table', () => {
      const h = sample().head(2);
      assert.equal(h.numRows, 2);
      assert.deepEqual(h.column('TMAX'), [56, null]);
      assert.deepEqual(h.types, sample().types);
    });
  });

  describe('#tail', () => {
    it('should return the last n rows, or all when n is larger', () => {
      assert.deepEqual(sample().tail(1).column('NAME'), ['c']);
      assert.equal(sample().tail(10).numRows, 3);
      assert.equal(sample().tail(0).numRows, 0);
    });
  });

  describe('#toJSON', () => {
    it('should hold shape, types and at most TABLE_JSON_ROWS rows', () => {
      const n = 1000;
      const t = Table.fromColumns({
        i: Array.from({ length: n }, (_, k) => k),
        d: Array.from({ length: n }, (_, k) => new Date(k * 86_400_000))
      });
      const json = JSON.parse(JSON.stringify(t)) as ReturnType<Table['toJSON']>;
      assert.equal(json.numRows, n);
      assert.equal(json.rows.length, TABLE_JSON_ROWS);
      assert.equal(json.truncated, true);
      assert.deepEqual(json.columns, [
        { name: 'i', type: 'integer' },
        { name: 'd', type: 'date' }
      ]);
      assert.equal(json.rows[1].d, '1970-01-02T00:00:00.000Z');
    });
  });

  describe('#toString', () => {
    it('should state the shape and the column types', () => {
      assert.equal(
        String(sample().head(1)),
        'Table(1 rows × 5 columns: DATE date, TMAX integer, PRCP number, NAME string, OK boolean)'
      );
    });
  });

  describe('[inspect.custom]', () => {
    it('should print the shape and the first rows, not the column buffers', async () => {
      const { inspect } = await import('node:util');
      const n = 100_000;
      const t = Table.fromColumns({ x: Float64Array.from({ length: n }, (_, i) => i) });
      const text = inspect(t);
      assert.ok(text.startsWith('Table(100000 rows × 1 columns: x number)'));
      assert.ok(text.includes('… 99995 more rows'));
      assert.ok(text.length < 500, `${text.length} characters`);
    });
  });
});
