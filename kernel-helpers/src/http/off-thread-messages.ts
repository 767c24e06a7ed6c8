/** Messages between the main thread (`off-thread.ts`) and `download-worker.ts`. */
import type { IncomingHttpHeaders } from 'node:http';

/** Main thread → worker: start a GET, report bytes taken (flow control), or cancel. */
export type ToWorker =
  | { type: 'start'; id: number; url: string; headers: Record<string, string> }
  | { type: 'taken'; id: number; bytes: number }
  | { type: 'cancel'; id: number };

/** Worker → main thread: the status line and headers, body bytes, the end, or a failure. */
export type FromWorker =
  | { type: 'response'; id: number; status: number; headers: IncomingHttpHeaders }
  | { type: 'chunk'; id: number; bytes: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'error'; id: number; code: string | undefined; message: string };
