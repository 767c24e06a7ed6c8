/**
 * Real CPython pickles: `GLOBUS_DATA` is `base64(pickle.dumps(auth_state))` made by the hub's
 * Python, so the emulator asks `python3` to make it rather than imitating the format. The
 * data goes over stdin, never argv or the environment, because it holds tokens. `-I -S`
 * keep the user's PYTHONPATH and site packages out (and start faster).
 */
import { spawn } from 'node:child_process';
import type { JsonValue } from './shapes.js';

/** Pickle protocols a hub's Python may have used (3.0–3.7: 3, 3.8–3.13: 4, 3.14+: 5). */
export type PickleProtocol = 2 | 3 | 4 | 5;

/** Supported protocols. */
export const pickleProtocols: readonly PickleProtocol[] = [2, 3, 4, 5];

/** Thrown when `python3` is missing or fails. The message never contains the data. */
export class PickleError extends Error {
  readonly code = 'PickleError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PickleError';
  }
}

const script =
  'import base64, json, pickle, sys\n' +
  'obj = json.load(sys.stdin)\n' +
  'sys.stdout.write(base64.b64encode(pickle.dumps(obj, protocol=int(sys.argv[1]))).decode("ascii"))\n';

/**
 * Pickles a JSON value with CPython and returns the base64 text.
 * @param value - the auth_state
 * @param protocol - pickle protocol 2–5
 * @param python - the interpreter (default `python3`)
 */
export function pickleBase64(
  value: JsonValue,
  protocol: PickleProtocol,
  python = 'python3'
): Promise<string> {
  if (!pickleProtocols.includes(protocol)) {
    return Promise.reject(
      new PickleError(`Unsupported pickle protocol ${String(protocol)} (use 2–5)`)
    );
  }
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-I', '-S', '-c', script, String(protocol)], {
      stdio: ['pipe', 'pipe', 'pipe']
    });
    // Our own timer rather than spawn's `timeout`, which is not cleared when the spawn
    // itself fails and would keep the process alive.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    timer.unref();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', e => {
      clearTimeout(timer);
      reject(new PickleError(`Could not run ${python}: ${e.message}`, { cause: e }));
    });
    child.on('close', code => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString('ascii'));
      else {
        // Only the last line (the exception type and message) — json/pickle errors name no data.
        const last = Buffer.concat(err).toString('utf8').trim().split('\n').pop() ?? '';
        reject(
          new PickleError(
            `${python} failed to pickle (exit ${String(code)}): ${last.slice(0, 200)}`
          )
        );
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(value));
  });
}
