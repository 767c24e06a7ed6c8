/**
 * A minimal path router for the emulator's services.
 *
 * Each Globus service origin gets its own `http.Server` with one `Router`. We do not use a
 * web framework: the emulator needs byte-level control over responses (fault injection
 * truncates bodies, resets sockets and caps bandwidth), which frameworks hide.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

/** An HTTP error whose body is already in the owning service's documented error format. */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {}
  ) {
    super(`HTTP ${status}`);
    this.name = 'EmulatorHttpError';
  }
}

/** What a route handler receives. */
export interface IRequestContext {
  /** The raw request (body not yet read). */
  req: IncomingMessage;
  /** The raw response; prefer `send()` / `json()`. */
  res: ServerResponse;
  /** Path parameters (`:name` segments), URL-decoded. */
  params: Record<string, string>;
  /** The query string. */
  query: URLSearchParams;
  /** The request path without query string, as received (not decoded). */
  path: string;
  /** A 9-character request id, as Transfer uses (`HrbjJy3QJ`). */
  requestId: string;
  /** The `Bearer` token from the Authorization header, if any. */
  bearer: string | undefined;
  /** Reads the whole body (bounded by `maxBodyBytes`). */
  body(): Promise<Buffer>;
  /** Reads and parses a JSON body; a malformed one is a 400 in the service's format. */
  json<T = unknown>(): Promise<T>;
  /** Reads an `application/x-www-form-urlencoded` body. */
  form(): Promise<URLSearchParams>;
  /** Sends a JSON response. */
  send(status: number, body: unknown, headers?: Record<string, string>): void;
}

/** A route handler. Throw `EmulatorHttpError` for documented errors. */
export type Handler = (ctx: IRequestContext) => Promise<void> | void;

interface IRoute {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** Largest JSON or form body a route will read (file PUTs stream and are not bounded here). */
export const maxBodyBytes = 10 * 1024 * 1024;

/** Creates a 9-character alphanumeric request id. */
export function newRequestId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(9);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** Routes requests by method and path pattern (`/v0.10/endpoint/:id`, `*` = rest of path). */
export class Router {
  private readonly routes: IRoute[] = [];

  /**
   * @param onBadJson - builds the service's own error body for a malformed JSON request body
   * @param onNotFound - builds the service's own error for an unknown route
   * @param guard - runs before routing, for every request; throws to refuse it
   */
  constructor(
    private readonly options: {
      onBadJson: (ctx: IRequestContext, message: string) => EmulatorHttpError;
      onNotFound: (ctx: IRequestContext) => EmulatorHttpError;
      guard?: (ctx: IRequestContext) => void;
    }
  ) {}

  /** Adds a route. `method` may be `*` to match any method. */
  add(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map(seg => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        if (seg === '*') {
          keys.push('rest');
          return '(.*)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /** Dispatches one request; never throws (errors become responses). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ctx = createContext(req, res, url, this.options.onBadJson);
    try {
      this.options.guard?.(ctx);
      for (const route of this.routes) {
        if (route.method !== '*' && route.method !== req.method) continue;
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        route.keys.forEach((k, i) => {
          ctx.params[k] = safeDecode(m[i + 1] ?? '');
        });
        await route.handler(ctx);
        return;
      }
      throw this.options.onNotFound(ctx);
    } catch (err) {
      if (res.headersSent || res.writableEnded) {
        res.destroy();
        return;
      }
      if (err instanceof EmulatorHttpError) {
        ctx.send(err.status, err.body, err.headers);
      } else {
        // Never the error's message: a Node error quotes host paths (`ENOENT: …, open
        // '/tmp/…'`). Routes map the errors they expect to their service's format; this is
        // the backstop for a bug, named by its errno code at most.
        const code = (err as NodeJS.ErrnoException | undefined)?.code;
        ctx.send(500, {
          code: 'InternalError',
          message: `Emulator internal error${typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? ` (${code})` : ''}`,
          request_id: ctx.requestId,
          resource: url.pathname
        });
      }
    }
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function createContext(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  onBadJson: (ctx: IRequestContext, message: string) => EmulatorHttpError
): IRequestContext {
  let bodyPromise: Promise<Buffer> | undefined;
  const auth = req.headers.authorization ?? '';
  const bearerMatch = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  const ctx: IRequestContext = {
    req,
    res,
    params: {},
    query: url.searchParams,
    path: url.pathname,
    requestId: newRequestId(),
    bearer: bearerMatch ? bearerMatch[1] : undefined,
    body() {
      bodyPromise ??= readBody(req);
      return bodyPromise;
    },
    async json<T>() {
      const raw = (await ctx.body()).toString('utf8');
      try {
        return JSON.parse(raw) as T;
      } catch (e) {
        throw onBadJson(ctx, `Request body is not valid JSON: ${(e as Error).message}`);
      }
    },
    async form() {
      return new URLSearchParams((await ctx.body()).toString('utf8'));
    },
    send(status, body, headers = {}) {
      const data = Buffer.from(JSON.stringify(body));
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': String(data.length),
        ...headers
      });
      res.end(data);
    }
  };
  return ctx;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBodyBytes) {
        reject(new EmulatorHttpError(413, { code: 'RequestTooLarge', message: 'Body too large' }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
