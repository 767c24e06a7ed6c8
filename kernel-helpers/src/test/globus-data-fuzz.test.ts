import assert from 'node:assert/strict';

import { isGlobusDataError } from '../errors/globus-data-error';
import { decodeGlobusData, unpickle } from '../globus-data';
import { pickleBytes, validVectors } from './globus-data-vectors';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed by its index. */
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

/** Bytes a mutation likes to plant: opcodes, length extremes, newline, quote. */
const INTERESTING = [
  0x00, 0x01, 0x0a, 0x27, 0x28, 0x2e, 0x30, 0x31, 0x32, 0x5d, 0x61, 0x65, 0x68, 0x6a, 0x71, 0x72,
  0x73, 0x75, 0x7d, 0x7f, 0x80, 0x85, 0x86, 0x87, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x94, 0x95, 0x96,
  0xff
];

function mutate(base: Uint8Array, random: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(random() * n);
  let bytes = Array.from(base);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const at = pick(bytes.length + 1);
    switch (pick(7)) {
      case 0: // random byte
        if (bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = pick(256);
        break;
      case 1: // bit flip
        if (bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] ^= 1 << pick(8);
        break;
      case 2: // interesting byte
        if (bytes.length > 0)
          bytes[Math.min(at, bytes.length - 1)] = INTERESTING[pick(INTERESTING.length)];
        break;
      case 3: // insert 1-8 bytes
        bytes.splice(at, 0, ...Array.from({ length: 1 + pick(8) }, () => pick(256)));
        break;
      case 4: // delete a range
        bytes.splice(at, 1 + pick(16));
        break;
      case 5: // truncate
        bytes = bytes.slice(0, at);
        break;
      default: {
        // duplicate a chunk elsewhere (repeats opcodes, memo GETs, containers)
        const from = pick(bytes.length + 1);
        const chunk = bytes.slice(from, from + 1 + pick(32));
        bytes.splice(pick(bytes.length + 1), 0, ...chunk);
      }
    }
  }
  return Uint8Array.from(bytes);
}

describe('unpickle', () => {
  describe('#fuzz', () => {
    it('should decode or throw GlobusDataError for 12,000 mutated and truncated vectors, quickly', () => {
      const bases = validVectors()
        .filter(v => !v.name.startsWith('batches'))
        .map(v => ({ bytes: pickleBytes(v), isAuthState: v.kind === 'auth-state' }));
      const secrets = /AT-[a-z]+-0001|RT-[a-z]+-0001/;
      const random = prng(0x61c0de);
      const count = 12_000;
      const started = Date.now();
      let decoded = 0;
      let slowest = 0;
      const failures: string[] = [];
      for (let i = 0; i < count; i++) {
        const base = bases[Math.floor(random() * bases.length)];
        const input = mutate(base.bytes, random);
        const t0 = Date.now();
        try {
          // Auth states also go through base64 and normalisation, as GLOBUS_DATA does.
          if (base.isAuthState) {
            decodeGlobusData(Buffer.from(input).toString('base64'));
          } else {
            unpickle(input);
          }
          decoded++;
        } catch (error) {
          if (!isGlobusDataError(error)) {
            failures.push(`case ${i}: ${String(error)}`);
          } else if (secrets.test(error.message) || secrets.test(error.path ?? '')) {
            failures.push(`case ${i}: a token in the error message`);
          }
        }
        slowest = Math.max(slowest, Date.now() - t0);
      }
      const elapsed = Date.now() - started;
      assert.deepEqual(failures.slice(0, 10), []);
      // Mutations must not all be caught at the first byte: some must still decode.
      assert.ok(decoded > 100, `only ${decoded} of ${count} decoded`);
      assert.ok(decoded < count, 'no mutation was refused');
      assert.ok(slowest < 1000, `one input took ${slowest} ms`);
      assert.ok(elapsed < 15_000, `fuzzing took ${elapsed} ms`);
    });

    it('should throw only GlobusDataError for 2,000 mangled GLOBUS_DATA texts', () => {
      const texts = validVectors()
        .filter(v => v.kind === 'auth-state')
        .map(v => v.pickle_b64);
      const random = prng(42);
      const alphabet = 'AZaz09+/=-_ \n\tb\'"%!é\u0000';
      for (let i = 0; i < 2000; i++) {
        const chars = Array.from(texts[Math.floor(random() * texts.length)]);
        for (let r = 0; r < 1 + Math.floor(random() * 3); r++) {
          const at = Math.floor(random() * (chars.length + 1));
          const c = alphabet[Math.floor(random() * alphabet.length)];
          if (random() < 0.5) chars.splice(at, 1, c);
          else chars.splice(at, 0, c);
        }
        try {
          decodeGlobusData(chars.join(''));
        } catch (error) {
          assert.ok(isGlobusDataError(error), `text case ${i}: ${String(error)}`);
        }
      }
    });
  });
});
