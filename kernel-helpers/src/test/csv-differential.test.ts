import assert from 'node:assert/strict';
import {
  type ICsvParallelOptions,
  parseCsvStreamCounting,
  parseCsvStreamPapaparse,
  type ICsvParseOptions
} from '../flow/csv';
import type { Table } from '../flow/table';
import { bytesToNumber, utcDate } from '../flow/csv-tokens';
import { chunks, malformed, prng } from './csv-corpus';

/** How many chunks each path of the fast parse took, over this file's comparisons. */
const csvChunkStats = { fast: 0, papaparse: 0 };

// The byte fast path (parseCsvStream) against the papaparse-only path on the same bytes,
// cut into the same chunks: the same table — columns, types, values bit for bit, nulls,
// warnings — or the same error.

type Outcome = { table: Table; error?: undefined } | { table?: undefined; error: unknown };

async function outcome(p: Promise<Table>): Promise<Outcome> {
  try {
    return { table: await p };
  } catch (error) {
    return { error };
  }
}

function describeError(e: unknown): Record<string, unknown> {
  const err = e as { name?: string; code?: string; reason?: string; message?: string };
  return { name: err.name, code: err.code, reason: err.reason, message: err.message };
}

function assertSame(fast: Outcome, papa: Outcome, label: string): void {
  if (papa.error !== undefined || fast.error !== undefined) {
    assert.deepEqual(
      fast.error === undefined ? 'a table' : describeError(fast.error),
      papa.error === undefined ? 'a table' : describeError(papa.error),
      `${label}: outcome`
    );
    return;
  }
  const a = fast.table!;
  const b = papa.table!;
  assert.deepEqual(a.columns, b.columns, `${label}: columns`);
  assert.deepEqual(a.types, b.types, `${label}: types`);
  assert.equal(a.numRows, b.numRows, `${label}: rows`);
  assert.equal(a.warningCount, b.warningCount, `${label}: warning count`);
  assert.deepEqual(a.warnings, b.warnings, `${label}: warnings`);
  for (const name of a.columns) {
    const x = a.storage(name);
    const y = b.storage(name);
    if (x.type === 'string' || y.type === 'string') {
      assert.deepEqual(x.values, y.values, `${label}: column ${name}`);
    } else {
      // Bit for bit: -0 stays -0, NaN (null) stays NaN.
      const xv = x.values as Float64Array | Uint8Array;
      const yv = y.values as Float64Array | Uint8Array;
      assert.ok(
        Buffer.from(xv.buffer, xv.byteOffset, xv.byteLength).equals(
          Buffer.from(yv.buffer, yv.byteOffset, yv.byteLength)
        ),
        `${label}: column ${name} values differ`
      );
    }
  }
}

async function compare(
  bytes: Uint8Array,
  size: number,
  options: ICsvParseOptions,
  label: string
): Promise<Outcome> {
  const fast = await outcome(parseCsvStreamCounting(chunks(bytes, size), options, csvChunkStats));
  const papa = await outcome(parseCsvStreamPapaparse(chunks(bytes, size), options));
  assertSame(fast, papa, label);
  return fast;
}

const STATIONS = ['USW00023169', 'USW00094728', '00012345', '"GHCND:USC00, 1"', 'US1NYNY0001'];
const NAMES = [
  '"LAS VEGAS MCCARRAN INTERNATIONAL AIRPORT, NV US"',
  'NY CITY CENTRAL PARK NY US',
  '"He said ""hot"", then left"',
  '"two\nlines"',
  '"two\r\nlines, CRLF"',
  '',
  '""',
  '"é ☃ 😀, ok"',
  '"""quoted at both ends"""',
  '"ends in CR\r"'
];
const PRCP = [
  '0.85',
  '0',
  '1.5e2',
  '-0.0',
  '.5',
  '5.',
  '1E-3',
  '',
  'NA',
  '12345678901234567',
  '0x1F',
  ' 3',
  '-2.25',
  '"0.1"',
  '1e400',
  '3.14159265358979',
  '+7'
];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

/** A NOAA-style file with the irregular cells real exports have. */
function weatherFile(rand: () => number, rows: number): Buffer {
  const nl = rand() < 0.5 ? '\r\n' : '\n';
  const lines = ['STATION,NAME,DATE,TMAX,TMIN,PRCP,NOTE'];
  for (let i = 0; i < rows; i++) {
    const day = 1 + (i % 28);
    const r = rand();
    const date =
      r < 0.85
        ? `1952${String(1 + (Math.floor(i / 28) % 12)).padStart(2, '0')}${String(day).padStart(2, '0')}`
        : r < 0.9
          ? `1952-01-${String(day).padStart(2, '0')}`
          : r < 0.95
            ? ''
            : pick(rand, ['19520230', 'soon', '"19520101"', ' 19520101']);
    const t = rand();
    const tmax =
      t < 0.8
        ? String(Math.floor(rand() * 200) - 60)
        : pick(rand, ['', 'NA', '-0', '007', '12.5', 'hot', '"42"', '9007199254740993']);
    const tmin = String(Math.floor(rand() * 100) - 50);
    const note = pick(rand, ['', 'clear', ' padded ', 'NA', '"a,b"', 'null', 'x']);
    let fields = [
      pick(rand, STATIONS),
      pick(rand, NAMES),
      date,
      tmax,
      tmin,
      pick(rand, PRCP),
      note
    ];
    const shape = rand();
    if (shape < 0.02) {
      fields = fields.slice(0, 1 + Math.floor(rand() * 6)); // ragged: missing cells
    } else if (shape < 0.04) {
      fields.push('extra');
    }
    lines.push(rand() < 0.01 ? '' : fields.join(','));
  }
  let text = lines.join(nl);
  if (rand() < 0.7) {
    text += nl;
  }
  const body = Buffer.from(text, 'utf8');
  return rand() < 0.2 ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
}

describe('bytesToNumber', () => {
  it('should equal Number(text) bit for bit on 20,000 random literals, or decline', () => {
    const rand = prng(5);
    let taken = 0;
    for (let i = 0; i < 20_000; i++) {
      const digits = (n: number): string =>
        Array.from({ length: n }, () => String(Math.floor(rand() * 10))).join('');
      let text = pick(rand, ['', '', '-', '+']) + digits(Math.floor(rand() * 12));
      if (rand() < 0.6) {
        text += '.' + digits(Math.floor(rand() * 10));
      }
      if (rand() < 0.2) {
        text +=
          pick(rand, ['e', 'E']) + pick(rand, ['', '-', '+']) + digits(Math.floor(rand() * 3));
      }
      const v = bytesToNumber(Buffer.from(text), 0, text.length);
      if (Number.isNaN(v)) {
        continue; // declined: the text path decides
      }
      taken++;
      assert.ok(Object.is(v, Number(text)), `${text}: ${v} vs ${Number(text)}`);
    }
    assert.ok(taken > 10_000, `only ${taken} taken`);
  });
});

describe('utcDate', () => {
  it('should equal Date.UTC on every day of the years 1000 to 9999', () => {
    let days = 0;
    for (let t = Date.UTC(1000, 0, 1); t <= Date.UTC(9999, 11, 31); t += 86_400_000) {
      const d = new Date(t);
      const y = d.getUTCFullYear();
      const m = d.getUTCMonth() + 1;
      const day = d.getUTCDate();
      if (utcDate(y, m, day) !== t) {
        assert.fail(`utcDate(${y}, ${m}, ${day}) is ${utcDate(y, m, day)}, Date.UTC gives ${t}`);
      }
      days++;
    }
    assert.equal(days, 3_287_182);
  });
});

describe('parseCsvStream', () => {
  describe('byte fast path vs papaparse (differential)', () => {
    it('should give the same table or error on 1,200 malformed inputs', async () => {
      const rand = prng(20240501);
      const before = { ...csvChunkStats };
      let errors = 0;
      for (let i = 0; i < 1200; i++) {
        const input = malformed(rand);
        const size = 1 + Math.floor(rand() * 64);
        const options: ICsvParseOptions =
          i % 3 === 0
            ? { inferRows: 5, maxErrors: 50 }
            : i % 3 === 1
              ? { inferRows: 1, maxErrors: 5, maxWarnings: 3, maxRecordLength: 1024 }
              : { inferRows: 3, delimiter: ';', nullValues: ['', 'a'] };
        const o = await compare(input, size, options, `malformed case ${i}`);
        if (o.error !== undefined) {
          errors++;
        }
      }
      assert.ok(errors > 10 && errors < 1100, `errors: ${errors}`);
      // Both paths of the chunk driver ran: the comparison is not papaparse against itself.
      assert.ok(csvChunkStats.fast - before.fast >= 10, JSON.stringify(csvChunkStats));
      assert.ok(csvChunkStats.papaparse - before.papaparse >= 100, JSON.stringify(csvChunkStats));
    });

    it('should give the same table for weather files cut into chunks of 1, 2, 3, 7, 64 and 65536 bytes', async () => {
      const rand = prng(7);
      const before = { ...csvChunkStats };
      for (let f = 0; f < 8; f++) {
        // > 8 KiB, so tiny chunks reach the parser one by one after the sniffed head.
        const file = weatherFile(rand, 150 + Math.floor(rand() * 40));
        const options: ICsvParseOptions =
          f % 4 === 0
            ? {}
            : f % 4 === 1
              ? { inferRows: 20, totalBytes: file.length } // columns sized up front
              : f % 4 === 2
                ? { inferRows: 10, nullValues: ['', 'NA', '-0', 'x'] }
                : { inferRows: 30, types: { TMAX: 'number', DATE: 'string', NOTE: 'boolean' } };
        for (const size of [1, 2, 3, 7, 64, 65536]) {
          const o = await compare(file, size, options, `weather file ${f}, chunks of ${size}`);
          assert.ok(o.table, `weather file ${f} parses`);
        }
      }
      assert.ok(csvChunkStats.fast - before.fast > 1000, JSON.stringify(csvChunkStats));
    });

    it('should put every chunk boundary inside every field of a small file', async () => {
      const body = Buffer.from(
        '\uFEFFid,name,date,v\r\n' +
          '007,"a, ""b""\r\nc",19520101,-1.5e1\r\n' +
          'x,,20000229,\r\n' +
          '"",plain,2001-02-03,1E3\r\n' +
          '\r\n' +
          'y,"é😀",19991231,-0',
        'utf8'
      );
      const padded = Buffer.concat([body, Buffer.from('\r\n' + 'z,q,19520102,3\r\n'.repeat(600))]);
      for (const size of [1, 2, 3, 5, 7, 11, 64]) {
        const o = await compare(padded, size, { inferRows: 2 }, `chunks of ${size}`);
        assert.equal(o.table!.numRows, 604);
        assert.deepEqual(o.table!.row(0), {
          id: '007',
          name: 'a, "b"\r\nc',
          date: new Date(Date.UTC(1952, 0, 1)),
          v: -15
        });
      }
    });

    it('should hand irregular chunks to papaparse and go back to bytes after them', async () => {
      const rand = prng(99);
      const anomalies = [
        'USW1,stray"quote,19520101,1,2,3,x',
        'USW1,"space after" ,19520101,1,2,3,x',
        'USW1,lone\rCR,19520101,1,2,3,x',
        'USW1,"unclosed,19520101,1,2,3,x',
        'USW1,bad\u00ff\u00fe,19520101,1,2,3,x'
      ];
      for (const [k, anomaly] of anomalies.entries()) {
        const lines = ['STATION,NAME,DATE,TMAX,TMIN,PRCP,NOTE'];
        for (let i = 0; i < 12_000; i++) {
          lines.push(
            i === 6000
              ? anomaly
              : `USW0002316${i % 10},"NAME ${i % 7}, NV US",195201${String(1 + (i % 28)).padStart(2, '0')},${Math.floor(rand() * 90)},-${i % 40},0.${i % 99}, `
          );
        }
        let body = Buffer.from(lines.join('\n') + '\n', 'latin1');
        if (k !== 4) {
          body = Buffer.from(lines.join('\n') + '\n', 'utf8');
        }
        const before = { ...csvChunkStats };
        for (const size of [4096, 65536, 1 << 20]) {
          // totalBytes sizes the columns up front; a wrong (too small) one makes them grow.
          const totalBytes = size === 4096 ? body.length : size === 65536 ? 1000 : undefined;
          const options = { inferRows: 100, totalBytes };
          await compare(body, size, options, `anomaly ${k}, chunks of ${size}`);
        }
        assert.ok(csvChunkStats.fast - before.fast > 10, `anomaly ${k}: fast chunks`);
        assert.ok(csvChunkStats.papaparse - before.papaparse > 0, `anomaly ${k}: papaparse chunks`);
      }
    });

    it("should not give a byte chunk's first cell the last text of a papaparse chunk before it", async () => {
      // The byte path remembers the previous text cell's bytes to reuse its string; a
      // papaparse chunk in between appends other values. Here the bytes path's last NAME is
      // `A`, the papaparse chunk's (a stray quote sends it there) is `B`, and the next byte
      // chunk starts with `A` again: it must be `A`, not the `B` before it.
      const head =
        ['NAME,V', ...Array.from({ length: 3000 }, (_, i) => `A,${i}`)].join('\n') + '\n';
      const body = Buffer.from(`${head}x"y,1\nB,2\nA,3\nA,4\n`);
      const cut = [head.length, head.length + 'x"y,1\nB,2\n'.length];
      const pieces = [
        body.subarray(0, cut[0]),
        body.subarray(cut[0], cut[1]),
        body.subarray(cut[1])
      ];
      const before = { ...csvChunkStats };
      const table = await parseCsvStreamCounting(
        (async function* () {
          yield* pieces;
        })(),
        { inferRows: 100 },
        csvChunkStats
      );
      assert.ok(csvChunkStats.papaparse > before.papaparse, 'the middle chunk went to papaparse');
      assert.ok(csvChunkStats.fast - before.fast >= 2, 'the others took the byte path');
      assert.deepEqual(table.storage('NAME').values.slice(-4), ['x"y', 'B', 'A', 'A']);
      await compare(body, cut[0], { inferRows: 100 }, 'papaparse chunk between byte chunks');
    });

    it('should match on delimiters other than a comma and on a record too long', async () => {
      const rows = Array.from({ length: 3000 }, (_, i) => `${i};"a;b";${i / 4}`).join('\n');
      await compare(Buffer.from(`n;s;f\n${rows}\n`), 4096, { delimiter: ';' }, 'semicolon');
      const tabs = rows.replace(/;/g, '\t');
      await compare(Buffer.from(`n\ts\tf\n${tabs}`), 999, { delimiter: '\t' }, 'tab');
      const long = `a,b\n1,"${'x'.repeat(5000)}\n2,3\n`.repeat(3);
      const o = await compare(Buffer.from(long), 100, { maxRecordLength: 2048 }, 'too long');
      assert.ok(o.error !== undefined, 'a runaway quote is an error');
    });

    it('should match on quoted values longer than the short quote scan (64 bytes)', async () => {
      // Closing and doubled quotes before, at and after the 64th byte of a value, where the
      // tokenizer's scan for a quote switches from a loop to Buffer#indexOf.
      const values = [60, 63, 64, 65, 66, 200, 5000].flatMap(k => [
        `"${'x'.repeat(k)}"`,
        `"${'y'.repeat(k - 1)}""${'z'.repeat(70)}"`,
        `"${'w'.repeat(k)}"""`,
        `"${'v'.repeat(k)},\n${'u'.repeat(k)}"`
      ]);
      const rows = values.map((v, i) => `${i},${v},${i / 2}`).join('\n');
      const bytes = Buffer.from(`n,s,f\n${rows}\n`);
      for (const size of [1, 7, 64, 65, 100, 65536]) {
        const before = csvChunkStats.papaparse;
        const o = await compare(bytes, size, {}, `long quoted, chunks of ${size}`);
        assert.equal(o.table?.numRows, values.length, `chunks of ${size}: rows`);
        // Well-formed: the bytes path takes every chunk (the papaparse run counts none).
        assert.equal(csvChunkStats.papaparse, before, `chunks of ${size}: papaparse chunks`);
      }
    });
  });
});

// The worker thread (csv-parallel.ts): units cut at a line end, tokenized and their number
// cells read there. Small units, from the first one on and whatever the machine's load, so
// every boundary case below crosses many of them.
describe('parseCsvStream through worker units', () => {
  const unitStats = { fast: 0, papaparse: 0, worker: 0 };
  const units = (unitBytes: number): ICsvParallelOptions => ({
    unitBytes,
    minBytes: 0,
    whenIdle: false
  });

  /** Worker units, the chunk path alone and papaparse alone: the same outcome. */
  async function compareUnits(
    bytes: Uint8Array,
    size: number,
    unitBytes: number,
    options: ICsvParseOptions,
    label: string
  ): Promise<Outcome> {
    const viaUnits = await outcome(
      parseCsvStreamCounting(chunks(bytes, size), options, unitStats, units(unitBytes))
    );
    const chunked = await outcome(
      parseCsvStreamCounting(chunks(bytes, size), options, { fast: 0, papaparse: 0 }, false)
    );
    const papa = await outcome(parseCsvStreamPapaparse(chunks(bytes, size), options));
    assertSame(viaUnits, chunked, `${label} (units vs chunks)`);
    assertSame(viaUnits, papa, `${label} (units vs papaparse)`);
    return viaUnits;
  }

  it('should give the same table as without the worker on weather files, units of 200-4096 bytes', async () => {
    const rand = prng(2112);
    const before = unitStats.worker;
    for (let f = 0; f < 6; f++) {
      const file = weatherFile(rand, 300 + Math.floor(rand() * 200));
      const options: ICsvParseOptions =
        f % 3 === 0
          ? { inferRows: 5 }
          : f % 3 === 1
            ? { inferRows: 20, totalBytes: file.length }
            : { inferRows: 10, nullValues: ['', 'NA', '-0', 'x'] };
      for (const [size, unit] of [
        [7, 200],
        [64, 997],
        [4096, 4096]
      ]) {
        const o = await compareUnits(file, size, unit, options, `weather ${f}, ${size}/${unit}`);
        assert.ok(o.table, `weather file ${f} parses`);
      }
    }
    assert.ok(unitStats.worker - before > 50, `worker units: ${unitStats.worker - before}`);
  });

  it('regression #21: a quoted field with line ends across a unit cut gives the same rows', async () => {
    // The cut is at the last LF of a unit, which may be inside quotes: the worker's answer
    // for that unit must not count. Every unit size from 60 to 139 puts the cut somewhere
    // else, inside the multi-line names too.
    // 1,500 rows: well past the first 8 KiB, parsed before any unit (the sniffed head).
    const rows = Array.from({ length: 1500 }, (_, i) =>
      i % 7 === 3 ? `${i},"two\nlines ${i}\n",${i / 2}` : `${i},"plain ${i}",${i / 2}`
    );
    const body = Buffer.from(`n,NAME,v\n${rows.join('\n')}\n`);
    const before = unitStats.worker;
    for (let unit = 60; unit < 140; unit++) {
      const o = await compareUnits(body, 13, unit, { inferRows: 2 }, `unit ${unit}`);
      const names = o.table!.storage('NAME').values as string[];
      assert.equal(names[1487], 'two\nlines 1487\n');
      assert.equal(names[1488], 'plain 1488');
    }
    assert.ok(unitStats.worker - before > 1000, `worker units: ${unitStats.worker - before}`);
  });

  it('regression #21: CRLF and multi-byte UTF-8 split across source chunks and units', async () => {
    const names = ['é', '☃ snow', '😀, ok', 'plain'];
    const rows = Array.from(
      { length: 80 },
      (_, i) =>
        `${i},"${names[i % 4]}",1952${String(1 + (i % 12)).padStart(2, '0')}15,${i % 5 === 0 ? '' : i / 4}`
    );
    const body = Buffer.from(`n,NAME,DATE,v\r\n${rows.join('\r\n')}\r\n`);
    for (const size of [1, 2, 3, 5, 7]) {
      for (const unit of [50, 101, 333]) {
        const o = await compareUnits(body, size, unit, { inferRows: 3 }, `crlf ${size}/${unit}`);
        const t = o.table!;
        assert.deepEqual(t.types, { n: 'integer', NAME: 'string', DATE: 'date', v: 'number' });
        assert.deepEqual((t.storage('NAME').values as string[]).slice(0, 4), names);
        assert.equal(t.numRows, 80);
        assert.equal(t.warningCount, 0);
      }
    }
  });

  it('regression #21: errors and warnings after the first unit keep their row numbers', async () => {
    // 3,000 rows, the first ~500 in the sniffed head (parsed before any unit).
    const rows = Array.from({ length: 3000 }, (_, i) => `${i},"name ${i % 3}",${i % 50}`);
    rows[1499] = '1499,"short"'; // record 1501: ragged
    rows[1999] = '1999,"name 0",hot'; // record 2001: not an integer, in a worker-read column
    rows[2499] = '2499,na"me,3'; // record 2501: a quote inside an unquoted field (papaparse)
    rows[2799] = '2799,"name 1",2.5'; // a fraction: the column becomes number
    const body = Buffer.from(`n,NAME,v\n${rows.join('\n')}\n`);
    const before = unitStats.worker;
    const o = await compareUnits(body, 512, 1000, { inferRows: 10 }, 'late errors');
    assert.ok(unitStats.worker - before >= 30, `worker units: ${unitStats.worker - before}`);
    const t = o.table!;
    assert.deepEqual(
      t.warnings.map(w => [w.code, w.row]),
      [
        ['RAGGED_ROW', 1501],
        ['BAD_VALUE', 2001]
      ]
    );
    assert.deepEqual(t.types, { n: 'integer', NAME: 'string', v: 'number' });
    const v = t.storage('v').values as Float64Array;
    assert.ok(Number.isNaN(v[1499]) && Number.isNaN(v[1999]));
    assert.equal(v[2799], 2.5);
    assert.equal((t.storage('NAME').values as string[])[2499], 'na"me');
    // Past maxErrors, the same typed error either way.
    const many = Buffer.from(
      `n,NAME,v\n${rows.map((r, i) => (i > 1200 && i % 10 === 0 ? `${i}` : r)).join('\n')}\n`
    );
    const failed = await compareUnits(
      many,
      512,
      1000,
      { inferRows: 10, maxErrors: 20 },
      'too many'
    );
    const err = failed.error as { code?: string; reason?: string; row?: number };
    assert.equal(err.reason, 'too-many-errors');
    assert.equal(err.row, 1412); // the 21st ragged row: i = 1210 + 20 * 10, record i + 2
  });
});
