/**
 * One loopback HTTP server per Globus service origin. Clients join absolute API paths onto a
 * base URL, so every service (and every collection's HTTPS server) needs its own origin.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Router } from './router.js';

/** Decides, before routing, whether a request is disturbed by an injected fault. */
export interface IFaultHook {
  /**
   * Called for every request before routing. It may delay, answer the request itself
   * (return `true`), reset the socket (return `true`), or wrap `res` so that the body is
   * truncated or throttled (return `false` and let routing go on).
   * @param service - `auth`, `transfer`, `groups` or `gcs:<collection id>`
   */
  intercept(
    service: string,
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse
  ): Promise<boolean>;
}

/** A running service. */
export interface IRunningService {
  /** `auth`, `transfer`, `groups`, `gcs:<id>`. */
  readonly name: string;
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  close(): Promise<void>;
}

/** Per-request log line callback (method, path, status, ms). Never receives headers or bodies. */
export type AccessLog = (line: {
  service: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}) => void;

/** Starts a service on 127.0.0.1 with an ephemeral port (or `port` when given). */
export async function startService(
  name: string,
  router: Router,
  options: { faults?: IFaultHook; log?: AccessLog; port?: number } = {}
): Promise<IRunningService> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      options.log?.({
        service: name,
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0],
        status: res.statusCode,
        ms: Date.now() - started
      });
    });
    void (async () => {
      try {
        if (options.faults && (await options.faults.intercept(name, req, res))) return;
        await router.handle(req, res);
      } catch {
        res.destroy();
      }
    })();
  });
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    close() {
      return new Promise(resolve => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    }
  };
}
