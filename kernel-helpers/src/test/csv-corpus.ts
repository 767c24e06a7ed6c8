/**
 * Generators of CSV inputs shared by the CSV fuzz and differential tests: seeded, so a
 * failing case can be replayed from its seed and index.
 */

/** mulberry32: a tiny seeded PRNG. */
export function prng(seed: number): () => number {
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

/** A random, mostly malformed CSV body of up to 300 tokens. */
export function malformed(rand: () => number): Uint8Array {
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

/** `bytes` as an async iterable of `size`-byte chunks. */
export async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    yield bytes.subarray(i, i + size);
  }
}
