import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { namesADate } from '../flow/csv-cells';
import { parseCsvStream, type ICsvProgress } from '../flow/csv';
import { isCsvError, type CsvError } from '../errors/csv-error';
import { isAbortError } from '../errors/network-error';
import { isBadInputError } from '../errors/bad-input-error';

/** The body cut into `size`-byte chunks, as an async iterable of bytes. */
async function* chunks(body: string | Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  for (let i = 0; i < bytes.length; i += size) {
    yield bytes.subarray(i, i + size);
  }
}

function rejectsCsv(p: Promise<unknown>, reason: CsvError['reason']): Promise<void> {
  return assert.rejects(p, (e: unknown) => {
    assert.ok(isCsvError(e), `expected CsvError, got ${String(e)}`);
    assert.equal(e.code, 'CSV_INVALID');
    assert.equal(e.reason, reason);
    return true;
  });
}

const WEATHER =
  'STATION,DATE,TMAX,TMIN,PRCP,NOTE,OK\n' +
  'USW00023169,19520101,56,33,0.1,clear,true\n' +
  'USW00023169,19520102,,30,0,,false\n' +
  'USW00023169,19520103,60,31,0.25,"windy, cold",TRUE\n';

describe('namesADate', () => {
  it('should find date, day or time as a word of the header, in any case', () => {
    for (const yes of [
      'DATE',
      'date',
      'obs_date',
      'Day',
      'startTime',
      'time-utc',
      'Date Of Birth'
    ]) {
      assert.equal(namesADate(yes), true, yes);
    }
    for (const no of ['id', 'update', 'days', 'timestamp', 'daytime', 'mandate', '']) {
      assert.equal(namesADate(no), false, no);
    }
  });
});

describe('parseCsvStream', () => {
  describe('typed columns', () => {
    it('should infer integer, number, YYYYMMDD date, boolean and string columns', async () => {
      const t = await parseCsvStream(chunks(WEATHER));
      assert.deepEqual(t.types, {
        STATION: 'string',
        DATE: 'date',
        TMAX: 'integer',
        TMIN: 'integer',
        PRCP: 'number',
        NOTE: 'string',
        OK: 'boolean'
      });
      assert.equal(t.numRows, 3);
      assert.deepEqual(t.column('TMAX'), [56, null, 60]);
      assert.deepEqual(t.column('PRCP'), [0.1, 0, 0.25]);
      assert.deepEqual(t.column('NOTE'), ['clear', null, 'windy, cold']);
      assert.deepEqual(t.column('OK'), [true, false, true]);
      assert.equal((t.get(2, 'DATE') as Date).toISOString(), '1952-01-03T00:00:00.000Z');
      assert.equal(t.warningCount, 0);
    });

    it('should read ISO dates at UTC, honouring an explicit offset', async () => {
      const t = await parseCsvStream(
        chunks('d\n1952-01-01\n1952-01-02T06:30:00\n1952-01-03T00:00:00+02:00\n')
      );
      assert.equal(t.types.d, 'date');
      assert.deepEqual(
        t.column('d').map(d => (d as Date).toISOString()),
        ['1952-01-01T00:00:00.000Z', '1952-01-02T06:30:00.000Z', '1952-01-02T22:00:00.000Z']
      );
    });

    it('should not take impossible dates as dates', async () => {
      const t = await parseCsvStream(chunks('date\n19520230\n19521301\n'));
      assert.equal(t.types.date, 'integer');
    });

    it('regression #21: should keep 8-digit ids integers when the header names no date', async () => {
      // every value is a valid YYYYMMDD date, and none of these headers names a date
      const csv =
        'id,code,update,timestamp,days\n' +
        '20240101,19990101,20200202,20210303,20220404\n' +
        '20240102,19990102,20200203,20210304,20220405\n';
      const t = await parseCsvStream(chunks(csv));
      assert.deepEqual(t.types, {
        id: 'integer',
        code: 'integer',
        update: 'integer',
        timestamp: 'integer',
        days: 'integer'
      });
      assert.deepEqual(t.column('id'), [20240101, 20240102]);
    });

    it('should infer YYYYMMDD dates where the header names a date, in any case', async () => {
      const csv =
        'DATE,obs_date,Day,startTime,time-utc\n' + '19520101,19520102,19520103,19520104,19520105\n';
      const t = await parseCsvStream(chunks(csv));
      for (const name of ['DATE', 'obs_date', 'Day', 'startTime', 'time-utc']) {
        assert.equal(t.types[name], 'date', name);
      }
      assert.equal((t.get(0, 'time-utc') as Date).toISOString(), '1952-01-05T00:00:00.000Z');
    });

    it('should infer ISO 8601 dates whatever the header', async () => {
      const t = await parseCsvStream(chunks('id\n2024-01-01\n2024-01-02\n'));
      assert.equal(t.types.id, 'date');
    });

    it('should let types make YYYYMMDD a date, or a date-named column an integer', async () => {
      const csv = 'id,DATE\n20240101,19520101\n20240102,19520102\n';
      const t = await parseCsvStream(chunks(csv), { types: { id: 'date', DATE: 'integer' } });
      assert.deepEqual(t.types, { id: 'date', DATE: 'integer' });
      assert.equal((t.get(1, 'id') as Date).toISOString(), '2024-01-02T00:00:00.000Z');
      assert.deepEqual(t.column('DATE'), [19520101, 19520102]);
    });

    it('should keep zero-padded codes and huge ids as strings', async () => {
      const t = await parseCsvStream(chunks('zip,id\n02134,123456789012345678901\n10001,1\n'));
      assert.deepEqual(t.types, { zip: 'string', id: 'string' });
      assert.deepEqual(t.column('zip'), ['02134', '10001']);
    });

    it('should use the types option over inference', async () => {
      const t = await parseCsvStream(chunks(WEATHER), {
        types: { DATE: 'string', TMAX: 'number' }
      });
      assert.equal(t.types.DATE, 'string');
      assert.equal(t.types.TMAX, 'number');
      assert.deepEqual(t.column('DATE'), ['19520101', '19520102', '19520103']);
    });

    it('should reject an unknown type name with a BadInputError', async () => {
      await assert.rejects(
        async () => parseCsvStream(chunks(WEATHER), { types: { DATE: 'timestamp' as 'date' } }),
        isBadInputError
      );
    });

    it('should make a later cell that does not fit null with a BAD_VALUE warning', async () => {
      const t = await parseCsvStream(chunks('a,b\n1,x\n2,y\noops,z\n'), { inferRows: 2 });
      assert.equal(t.types.a, 'integer');
      assert.deepEqual(t.column('a'), [1, 2, null]);
      const w = t.warnings.find(x => x.code === 'BAD_VALUE');
      assert.ok(w);
      assert.equal(w.row, 4);
      assert.equal(w.column, 'a');
    });

    it('should widen an integer column to number when a fraction comes later', async () => {
      const t = await parseCsvStream(chunks('a\n1\n2\n2.5\n'), { inferRows: 2 });
      assert.equal(t.types.a, 'number');
      assert.deepEqual(t.column('a'), [1, 2, 2.5]);
      assert.equal(t.warningCount, 0);
    });

    it('should read null markers as null in numeric columns but keep them in string columns', async () => {
      const t = await parseCsvStream(chunks('n,s\n1,NA\nNA,x\n-9999,y\n'), {
        nullValues: ['NA', '-9999']
      });
      assert.equal(t.types.n, 'integer');
      assert.deepEqual(t.column('n'), [1, null, null]);
      assert.deepEqual(t.column('s'), ['NA', 'x', 'y']);
    });

    it('should not accept hex, Infinity or NaN as numbers', async () => {
      const t = await parseCsvStream(chunks('a\n1\n0x10\nInfinity\n'), { inferRows: 1 });
      assert.deepEqual(t.column('a'), [1, null, null]);
      assert.equal(t.warningCount, 2);
    });
  });

  describe('line ends and BOM', () => {
    it('should accept CRLF line ends', async () => {
      const t = await parseCsvStream(chunks(WEATHER.replace(/\n/g, '\r\n'), 5));
      assert.equal(t.numRows, 3);
      assert.deepEqual(t.column('OK'), [true, false, true]);
      assert.equal(t.warningCount, 0);
    });

    it('should accept mixed LF and CRLF line ends', async () => {
      const t = await parseCsvStream(chunks('a,b\n1,2\r\n3,4\n'));
      assert.deepEqual(t.column('b'), [2, 4]);
    });

    it('should strip a UTF-8 BOM from the first header name', async () => {
      const t = await parseCsvStream(chunks('\uFEFFDATE,TMAX\n19520101,5\n', 2));
      assert.deepEqual(t.columns, ['DATE', 'TMAX']);
    });

    it('should strip a BOM that arrives split across one-byte chunks', async () => {
      // A BOM left in place would make the quote below not open the field.
      const t = await parseCsvStream(chunks('\uFEFF"DATE",TMAX\n19520101,5\n', 1));
      assert.deepEqual(t.columns, ['DATE', 'TMAX']);
      assert.equal(t.warningCount, 0);
    });

    it('should skip blank lines but count them in row numbers', async () => {
      const t = await parseCsvStream(chunks('a,b\n1,2\n\n3\n'));
      assert.equal(t.numRows, 2);
      assert.equal(t.warnings[0].row, 4);
    });
  });

  describe('malformed input', () => {
    it('should warn about ragged rows with their row numbers', async () => {
      const t = await parseCsvStream(chunks('a,b,c\n1,2,3\n4,5\n6,7,8,9\n'));
      assert.deepEqual(
        t.warnings.map(w => [w.code, w.row]),
        [
          ['RAGGED_ROW', 3],
          ['RAGGED_ROW', 4]
        ]
      );
      assert.deepEqual(t.column('c'), [3, null, 8]);
      assert.match(t.warnings[0].message, /^row 3: .*missing cells are null/);
    });

    it('should warn about malformed quotes with the row number', async () => {
      const t = await parseCsvStream(chunks('a,b\n1,2\n"x"y,3\n'));
      const codes = t.warnings.map(w => [w.code, w.row]);
      assert.deepEqual(codes[0], ['BAD_QUOTES', 3]);
    });

    it('should warn about a quote never closed at the end of the body', async () => {
      const t = await parseCsvStream(chunks('a,b\n1,2\n"open,3\n4,5\n'));
      assert.ok(t.warnings.some(w => w.code === 'BAD_QUOTES' && w.row === 3));
      assert.equal(t.numRows, 2);
    });

    it('should give up on a record longer than maxRecordLength', async () => {
      const body = 'a,b\n1,2\n"' + 'x'.repeat(50_000) + '\n3,4\n';
      await rejectsCsv(
        parseCsvStream(chunks(body, 4096), { maxRecordLength: 10_000 }),
        'record-too-long'
      );
    });

    it('should decode multi-byte characters split across chunks', async () => {
      const t = await parseCsvStream(chunks('name\ncafé\nnaïve 😀\n', 1));
      assert.deepEqual(t.column('name'), ['café', 'naïve 😀']);
      assert.equal(t.warningCount, 0);
    });

    it('should replace invalid UTF-8 and warn with the row number', async () => {
      const body = Buffer.concat([
        Buffer.from('a,b\n1,ok\n2,bad'),
        Buffer.from([0xff]),
        Buffer.from('byte\n3,ok\n')
      ]);
      const t = await parseCsvStream(chunks(body, 3));
      assert.deepEqual(t.column('b'), ['ok', 'bad\uFFFDbyte', 'ok']);
      assert.deepEqual(
        t.warnings.map(w => [w.code, w.row]),
        [['INVALID_UTF8', 3]]
      );
    });

    it('should warn about a truncated UTF-8 sequence at the end of the body', async () => {
      const body = Buffer.concat([Buffer.from('a\nx'), Buffer.from([0xe2, 0x82])]);
      const t = await parseCsvStream(chunks(body));
      assert.ok(t.warnings.some(w => w.code === 'INVALID_UTF8'));
    });

    it('should name duplicate and empty header fields', async () => {
      const t = await parseCsvStream(chunks('a,a,\n1,2,3\n'));
      assert.deepEqual(t.columns, ['a', 'a_2', 'column_3']);
      assert.deepEqual(
        t.warnings.map(w => w.code),
        ['DUPLICATE_HEADER', 'EMPTY_HEADER']
      );
    });

    it('should throw no-header for an empty body or blank lines only', async () => {
      await rejectsCsv(parseCsvStream(chunks('')), 'no-header');
      await rejectsCsv(parseCsvStream(chunks('\n\r\n\n')), 'no-header');
    });

    it('should return an empty table for a header without rows', async () => {
      const t = await parseCsvStream(chunks('a,b\n'));
      assert.deepEqual(t.columns, ['a', 'b']);
      assert.equal(t.numRows, 0);
    });

    it('should throw binary for gzip, zip, NUL bytes and random bytes', async () => {
      await rejectsCsv(parseCsvStream(chunks(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2]))), 'binary');
      await rejectsCsv(parseCsvStream(chunks(Buffer.from([0x1f, 0x8b, 8, 1, 2]), 1)), 'binary');
      await rejectsCsv(parseCsvStream(chunks(Buffer.from('PK\x03\x04rest', 'latin1'))), 'binary');
      await rejectsCsv(parseCsvStream(chunks(Buffer.from('a,b\n1,\0\n', 'latin1'))), 'binary');
      const random = Buffer.alloc(4096);
      let x = 12345;
      for (let i = 0; i < random.length; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        random[i] = 0x80 | (x >>> 24); // high bytes only: invalid UTF-8, no NUL
      }
      await rejectsCsv(parseCsvStream(chunks(random, 512)), 'binary');
    });

    it('should throw encoding for UTF-16', async () => {
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')]);
      await rejectsCsv(parseCsvStream(chunks(utf16)), 'encoding');
    });

    it('should give up after maxErrors structural problems', async () => {
      const body = 'a,b\n' + '1\n'.repeat(50);
      await rejectsCsv(parseCsvStream(chunks(body, 64), { maxErrors: 10 }), 'too-many-errors');
    });

    it('should keep at most maxWarnings warnings but count them all', async () => {
      const body = 'a,b\n' + '1\n'.repeat(50);
      const t = await parseCsvStream(chunks(body, 64), { maxWarnings: 5 });
      assert.equal(t.warnings.length, 5);
      assert.equal(t.warningCount, 50);
    });
  });

  describe('sources', () => {
    it('should read a Node stream, a web ReadableStream and string chunks', async () => {
      const node = await parseCsvStream(Readable.from([Buffer.from(WEATHER)]));
      const web = await parseCsvStream(new Blob([WEATHER]).stream());
      const strings = await parseCsvStream(
        (async function* () {
          yield 'a,b\n1,';
          yield '2\n';
        })()
      );
      assert.equal(node.numRows, 3);
      assert.equal(web.numRows, 3);
      assert.deepEqual(strings.row(0), { a: 1, b: 2 });
    });
  });

  describe('progress', () => {
    it('should report monotone bytes and rows, ending with one done call', async () => {
      const body = 'a,b\n' + Array.from({ length: 2000 }, (_, i) => `${i},${i * 2}`).join('\n');
      const calls: ICsvProgress[] = [];
      const t = await parseCsvStream(chunks(body, 500), {
        onProgress: p => calls.push({ ...p }),
        totalBytes: body.length
      });
      assert.ok(calls.length > 10);
      for (let i = 1; i < calls.length; i++) {
        assert.ok(calls[i].bytes >= calls[i - 1].bytes, 'bytes never go back');
        assert.ok(calls[i].rows >= calls[i - 1].rows, 'rows never go back');
      }
      const last = calls[calls.length - 1];
      assert.deepEqual(last, {
        bytes: body.length,
        rows: 2000,
        done: true,
        totalBytes: body.length
      });
      assert.equal(calls.filter(c => c.done).length, 1);
      assert.equal(t.numRows, 2000);
    });
  });

  describe('abort', () => {
    it('should reject with an AbortError when aborted mid-stream', async () => {
      const controller = new AbortController();
      let returned = false;
      const source = (async function* () {
        try {
          // More than the 8 KiB sniffed before parsing starts, so rows (and progress) flow.
          yield Buffer.from('a,b\n' + '1,2\n'.repeat(3000));
          await new Promise(() => undefined); // a body that stalls forever
        } finally {
          returned = true;
        }
      })();
      const p = parseCsvStream(source, {
        signal: controller.signal,
        onProgress: () => controller.abort(new Error('user cancelled'))
      });
      await assert.rejects(p, isAbortError);
      assert.equal(returned, false, 'a stalled source cannot be returned, but we did not wait');
    });

    it('should reject when aborted while the body stalls before any row', async () => {
      const controller = new AbortController();
      const source = (async function* () {
        yield Buffer.from('a,b\n1,2\n');
        await new Promise(() => undefined);
      })();
      const p = parseCsvStream(source, { signal: controller.signal });
      setTimeout(() => controller.abort(), 20).unref();
      // A timer keeps the test alive until the abort lands (the stalled source does not).
      const keepAlive = setTimeout(() => undefined, 5000);
      await assert.rejects(p, isAbortError);
      clearTimeout(keepAlive);
    });

    it('should stop reading a Node stream when aborted', async () => {
      const controller = new AbortController();
      let reads = 0;
      const source = new Readable({
        read() {
          reads++;
          this.push(Buffer.from('1,2\n'.repeat(100)));
        }
      });
      source.unshift(Buffer.from('a,b\n'));
      const p = parseCsvStream(source, {
        signal: controller.signal,
        onProgress: p => {
          if (p.rows > 1000) {
            controller.abort();
          }
        }
      });
      await assert.rejects(p, isAbortError);
      const after = reads;
      await new Promise(r => setTimeout(r, 50));
      assert.ok(reads <= after + 1, 'no more reads after the abort');
      assert.ok(source.destroyed, 'the source stream was released');
    });

    it('should reject at once when the signal is already aborted', async () => {
      await assert.rejects(
        parseCsvStream(chunks(WEATHER), { signal: AbortSignal.abort() }),
        isAbortError
      );
    });
  });
});
