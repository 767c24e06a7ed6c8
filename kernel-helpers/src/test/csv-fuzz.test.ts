import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsvStream } from '../flow/csv';
import { Table } from '../flow/table';
import { isCsvError } from '../errors/csv-error';

/** mulberry32: a tiny seeded PRNG, so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS: (string | number[])[] = [
  'a',
  'DATE',
  '1',
  '-2.5',
  '19520101',
  '1952-01-01',
  'true',
  '',
  ' ',
  'é',
  '😀',
  ',',
  ',',
  ',',
  '"',
  '""',
  '"x"',
  '\n',
  '\n',
  '\r\n',
  '\r',
  ';',
  '\t',
  [0xff],
  [0xc3],
  [0xe2, 0x82],
  [0xef, 0xbb, 0xbf],
  [0x00]
];

function malformed(rand: () => number): Uint8Array {
  const parts: Buffer[] = [];
  if (rand() < 0.1) {
    parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
  }
  const n = Math.floor(rand() * 300);
  for (let i = 0; i < n; i++) {
    const tok = TOKENS[Math.floor(rand() * TOKENS.length)];
    // NUL makes most inputs binary; keep it rare so the other paths get exercised.
    if (Array.isArray(tok) && tok[0] === 0 && rand() < 0.9) {
      continue;
    }
    parts.push(typeof tok === 'string' ? Buffer.from(tok, 'utf8') : Buffer.from(tok));
  }
  return Buffer.concat(parts);
}

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    yield bytes.subarray(i, i + size);
  }
}

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
