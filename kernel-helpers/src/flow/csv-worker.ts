/**
 * The worker thread of `csv-parallel.ts`: tokenizes the units `csv.ts` sends and reads
 * their number cells, and hands each unit back with the results in transferred buffers.
 * It knows nothing else of the parse: warnings, types and strings stay on the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { type IUnitJob, runUnit } from './csv-parallel';

const port = parentPort;
if (!port) {
  throw new Error('csv-worker runs only as a worker thread');
}
port.on('message', (job: IUnitJob) => {
  const { answer, transfer } = runUnit(job);
  port.postMessage(answer, transfer);
});
