import assert from 'node:assert/strict';

import { GlobusDataError, isGlobusDataError } from '../errors/globus-data-error';
import { decodeGlobusData, unpickle } from '../globus-data';
import {
  maliciousVectors,
  parseExpected,
  pickleBytes,
  pythonRandomVectors,
  validVectors
} from './globus-data-vectors';

function assertRefused(
  run: () => unknown,
  expected: { reason: string; opcode: string | null; offset: number | null },
  label: string
): GlobusDataError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(
    isGlobusDataError(caught),
    `${label}: expected a GlobusDataError, got ${String(caught)}`
  );
  const error = caught as GlobusDataError;
  assert.equal(error.code, 'GLOBUS_DATA_INVALID', label);
  assert.equal(error.reason, expected.reason, `${label}: ${error.message}`);
  if (expected.opcode !== null) {
    assert.equal(error.opcode, expected.opcode, `${label}: ${error.message}`);
  }
  if (expected.offset !== null) {
    assert.equal(error.offset, expected.offset, `${label}: ${error.message}`);
  }
  return error;
}

describe('unpickle', () => {
  describe('#shared vectors', () => {
    const valid = validVectors();

    it('should have vectors for protocols 0-5 and every auth-state shape', () => {
      assert.deepEqual([...new Set(valid.map(v => v.protocol))].sort(), [0, 1, 2, 3, 4, 5]);
      const shapes = new Set(valid.filter(v => v.kind === 'auth-state').map(v => v.shape));
      assert.deepEqual([...shapes].sort(), ['0.12-15', '16+', 'pre-0.12']);
      assert.ok(valid.length >= 100, `only ${valid.length} vectors`);
    });

    it('should decode every valid vector to its expected JSON', () => {
      for (const v of valid) {
        assert.deepStrictEqual(unpickle(pickleBytes(v)), parseExpected(v.expected_json), v.name);
      }
    });

    it('should refuse every malicious vector with the expected reason, opcode and offset', () => {
      const vectors = maliciousVectors();
      assert.ok(vectors.length >= 40);
      for (const v of vectors) {
        assertRefused(() => unpickle(pickleBytes(v)), v.expected_error, v.name);
        // The same through the whole text path, as GLOBUS_DATA would arrive.
        if (v.pickle_b64 !== '') {
          assertRefused(() => decodeGlobusData(v.pickle_b64), v.expected_error, `${v.name} (text)`);
        }
      }
    });

    it('should name the opcode and byte offset of every class-building opcode in the message', () => {
      const codeVectors = maliciousVectors().filter(v => v.category === 'code-execution');
      const opcodes = new Set(codeVectors.map(v => v.expected_error.opcode));
      for (const op of ['GLOBAL', 'STACK_GLOBAL', 'REDUCE', 'BUILD', 'INST', 'OBJ', 'NEWOBJ']) {
        assert.ok(opcodes.has(op), `no vector for ${op}`);
      }
      for (const v of codeVectors) {
        const error = assertRefused(() => unpickle(pickleBytes(v)), v.expected_error, v.name);
        assert.match(error.message, new RegExp(`${error.opcode} at byte ${error.offset}`));
        assert.doesNotMatch(error.message, /GLOBUS_KIT_MUST_NOT_RUN|system/);
      }
    });
  });

  describe('#live differential against CPython', () => {
    it('should decode 300 random JSON-typed objects pickled by python3 at every protocol', () => {
      const vectors = pythonRandomVectors(20260101, 300);
      assert.ok(vectors.length >= 900, `only ${vectors.length} pickles`);
      for (const v of vectors) {
        assert.deepStrictEqual(unpickle(pickleBytes(v)), parseExpected(v.expected_json), v.name);
      }
    });
  });
});
