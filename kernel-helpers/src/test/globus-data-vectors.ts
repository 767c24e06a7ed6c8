/**
 * Test support: the shared GLOBUS_DATA vectors (test/vectors/, made by make-vectors.py)
 * and the live CPython generator.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository's test/vectors folder (from dist/test/ or src/test/). */
export const VECTORS_DIR = resolve(__dirname, '..', '..', '..', 'test', 'vectors');

/** A valid vector: a pickle and the JSON of what it holds. */
export interface IValidVector {
  name: string;
  protocol: number;
  kind?: 'auth-state' | 'value';
  shape?: string | null;
  pickle_b64: string;
  expected_json: string;
}

/** A vector every decoder must refuse. */
export interface IMaliciousVector {
  name: string;
  protocol: number;
  category: string;
  description: string;
  pickle_b64: string;
  expected_error: { reason: string; opcode: string | null; offset: number | null };
}

function readDir<T>(dir: string): T[] {
  return readdirSync(join(VECTORS_DIR, dir))
    .filter(name => name.endsWith('.json'))
    .sort()
    .map(name => JSON.parse(readFileSync(join(VECTORS_DIR, dir, name), 'utf8')) as T);
}

/** Every vector in test/vectors/globus-data/. */
export function validVectors(): IValidVector[] {
  return readDir<IValidVector>('globus-data');
}

/** Every vector in test/vectors/malicious/. */
export function maliciousVectors(): IMaliciousVector[] {
  return readDir<IMaliciousVector>('malicious');
}

/** One valid vector by name. */
export function vector(name: string): IValidVector {
  const found = validVectors().find(v => v.name === name);
  if (!found) {
    throw new Error(`no vector ${name}`);
  }
  return found;
}

/**
 * Parse `expected_json`, turning the tags back into values: `{"$bigint": "…"}` → bigint,
 * `{"$float": "nan"|"inf"|"-inf"}` → number, `{"$bytes": base64}` → Uint8Array.
 */
export function parseExpected(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const tag = (value as Record<string, string>)[keys[0]];
      if (keys.length === 1 && keys[0] === '$bigint') {
        return BigInt(tag);
      }
      if (keys.length === 1 && keys[0] === '$float') {
        return tag === 'nan' ? NaN : tag === 'inf' ? Infinity : -Infinity;
      }
      if (keys.length === 1 && keys[0] === '$bytes') {
        return new Uint8Array(Buffer.from(tag, 'base64'));
      }
    }
    return value;
  });
}

/**
 * Ask CPython for `count` random JSON-typed objects (seeded), each pickled at every
 * protocol that can hold it.
 */
export function pythonRandomVectors(seed: number, count: number): IValidVector[] {
  const out = spawnSync(
    'python3',
    [join(VECTORS_DIR, 'make-vectors.py'), '--random', String(seed), String(count)],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }
  );
  if (out.status !== 0) {
    throw new Error(`make-vectors.py --random failed: ${out.stderr || out.error}`);
  }
  return out.stdout
    .trim()
    .split('\n')
    .map(line => JSON.parse(line) as IValidVector);
}

/** The pickle bytes of a vector. */
export function pickleBytes(v: { pickle_b64: string }): Uint8Array {
  return new Uint8Array(Buffer.from(v.pickle_b64, 'base64'));
}

/**
 * GLOBUS_DATA text for JSON values, pickled by CPython at `protocol` (one python3 run for
 * all of them), exactly as the hub writes it: `base64.b64encode(pickle.dumps(v)).decode()`.
 * `NaN` and `±Infinity` become Python's `nan` and `±inf` floats.
 */
export function pickleJsonTexts(values: unknown[], protocol = 4): string[] {
  // Python's json reads NaN / Infinity / -Infinity literals, which JSON.stringify cannot write.
  const marker = (x: number): string => `\u0000float:${x}`;
  const text = JSON.stringify(values, (_k, x: unknown) =>
    typeof x === 'number' && !Number.isFinite(x) ? marker(x) : x
  ).replace(/"\\u0000float:(NaN|-?Infinity)"/g, '$1');
  const script =
    'import sys, json, pickle, base64\n' +
    'for v in json.load(sys.stdin):\n' +
    `    print(base64.b64encode(pickle.dumps(v, protocol=${protocol})).decode())\n`;
  const out = spawnSync('python3', ['-c', script], {
    input: text,
    encoding: 'utf8',
    timeout: 60_000
  });
  if (out.status !== 0) {
    throw new Error(`python3 pickling failed: ${out.stderr || out.error}`);
  }
  return out.stdout.trim().split('\n');
}
