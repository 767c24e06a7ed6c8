import assert from 'node:assert/strict';

import { isGlobusDataError, type GlobusDataError } from '../errors/globus-data-error';
import { unpickle, type IPickleDict, type PickleValue } from '../globus-data';
import { pickleBytes, vector } from './globus-data-vectors';

function refusal(run: () => unknown): GlobusDataError {
  try {
    run();
  } catch (error) {
    assert.ok(isGlobusDataError(error), `not a GlobusDataError: ${String(error)}`);
    return error;
  }
  assert.fail('expected a GlobusDataError');
}

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(
    parts.flatMap(p => (typeof p === 'string' ? Array.from(Buffer.from(p, 'latin1')) : p))
  );

describe('unpickle', () => {
  describe('#values', () => {
    it('should keep a shared object shared (memo GET is the same JS object)', () => {
      for (let p = 0; p <= 5; p++) {
        const value = unpickle(pickleBytes(vector(`shared-p${p}`))) as IPickleDict;
        assert.equal(value.a, value.b, `protocol ${p}`);
        assert.equal((value.l as PickleValue[])[0], value.a);
      }
    });

    it('should make __proto__ an own data key and leave prototypes alone', () => {
      const value = unpickle(pickleBytes(vector('keys-p4'))) as IPickleDict;
      assert.equal(Object.getPrototypeOf(value), Object.prototype);
      assert.ok(Object.prototype.hasOwnProperty.call(value, '__proto__'));
      assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, {
        polluted: true
      });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it('should return bytes as plain Uint8Array copies, not views of the input', () => {
      const input = pickleBytes(vector('bytes-p4'));
      const value = unpickle(input) as Uint8Array[];
      assert.equal(Object.getPrototypeOf(value[1]), Uint8Array.prototype);
      assert.deepEqual(Array.from(value[1]), [0, 255, 128, 97, 98, 99]);
      input.fill(0);
      assert.deepEqual(Array.from(value[1]), [0, 255, 128, 97, 98, 99]);
    });

    it('should give numbers up to 2**53-1 and bigints beyond', () => {
      const ints = unpickle(pickleBytes(vector('ints-p2'))) as PickleValue[];
      assert.ok(ints.includes(Number.MAX_SAFE_INTEGER));
      assert.ok(ints.includes(2n ** 53n));
      assert.ok(ints.includes(-(2n ** 100n)));
      assert.ok(
        ints
          .filter(i => typeof i === 'bigint')
          .every(i => (i as bigint) > 2n ** 52n || (i as bigint) < -(2n ** 52n))
      );
    });

    it('should keep a leading BOM, NUL and lone surrogates as CPython does', () => {
      for (const p of [0, 1, 4]) {
        const strings = unpickle(pickleBytes(vector(`unicode-p${p}`))) as string[];
        assert.ok(strings.includes('\ufeffleading BOM'), `BOM at protocol ${p}`);
        assert.ok(strings.includes('NUL\u0000inside'));
        assert.ok(strings.includes('lone \ud800 surrogate'));
        assert.ok(strings.includes('emoji \u{1f600} and \u{1f9ea}'));
      }
    });
  });

  describe('#limits', () => {
    it('should refuse input over maxInputBytes before parsing it', () => {
      const input = pickleBytes(vector('auth-16-p4'));
      const error = refusal(() => unpickle(input, { maxInputBytes: input.length - 1 }));
      assert.equal(error.reason, 'too-large');
      assert.doesNotThrow(() => unpickle(input, { maxInputBytes: input.length }));
    });

    it('should refuse more memo entries than maxMemoEntries', () => {
      const input = pickleBytes(vector('auth-16-p4'));
      assert.equal(refusal(() => unpickle(input, { maxMemoEntries: 10 })).reason, 'memo-limit');
    });

    it('should refuse nesting deeper than maxDepth, and accept it at the limit', () => {
      // [[[None]]]: three lists.
      const nested = bytes([0x80, 2], ']]]N', 'aaa', '.');
      assert.doesNotThrow(() => unpickle(nested, { maxDepth: 3 }));
      assert.equal(refusal(() => unpickle(nested, { maxDepth: 2 })).reason, 'too-deep');
    });

    it('should count depth through shared objects too', () => {
      // a = [[None]] memoized, then reused one level down and three levels down.
      const shallowThenDeep = bytes([0x80, 2], '(]]Naa', [0x71, 0], ']]', [0x68, 0], 'aa', 'l.');
      // [a, [[a]]]: a has height 2, reached at depth 1 and 3, so 5 levels.
      assert.doesNotThrow(() => unpickle(shallowThenDeep, { maxDepth: 5 }));
      assert.equal(refusal(() => unpickle(shallowThenDeep, { maxDepth: 4 })).reason, 'too-deep');
    });

    it('should refuse expansion beyond maxExpandedSize', () => {
      const input = pickleBytes(vector('shared-p4'));
      assert.equal(
        refusal(() => unpickle(input, { maxExpandedSize: 20 })).reason,
        'too-many-values'
      );
    });

    it('should cap integers at 4300 decimal digits like CPython', () => {
      const ok = bytes('L', '9'.repeat(4300), 'L\n.');
      assert.equal(typeof unpickle(ok), 'bigint');
      assert.equal(
        refusal(() => unpickle(bytes('L', '9'.repeat(4301), 'L\n.'))).reason,
        'too-large'
      );
    });

    it('should refuse a length that exceeds the remaining input without allocating it', () => {
      const huge = bytes([0x80, 4, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], 'ab.');
      const error = refusal(() => unpickle(huge));
      assert.equal(error.reason, 'truncated');
      assert.equal(error.opcode, 'BINUNICODE8');
      assert.equal(error.offset, 2);
    });
  });
});
