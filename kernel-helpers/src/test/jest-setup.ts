/**
 * Set-up of every kernel-helpers jest file (jest.config.mjs: setupFilesAfterEnv).
 *
 * Under jest the package runs from its .ts sources, but a worker thread is a plain Node
 * isolate outside jest's module system: `new Worker(<src>/http/download-worker.js)` finds
 * no such file. The worker is started from its compiled twin in dist/ instead (the same
 * thing the child processes of these tests run; `npm test` builds dist/ first).
 */
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..');
const DIST = join(__dirname, '..', '..', 'dist');

jest.mock('node:worker_threads', () => {
  const actual = jest.requireActual<typeof import('node:worker_threads')>('node:worker_threads');
  class Worker extends actual.Worker {
    constructor(file: string | URL, options?: import('node:worker_threads').WorkerOptions) {
      const path = typeof file === 'string' ? file : file.pathname;
      const inSrc = !relative(SRC, path).startsWith('..');
      super(inSrc ? join(DIST, relative(SRC, path)) : file, options);
    }
  }
  return { ...actual, Worker };
});
