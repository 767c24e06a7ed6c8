/**
 * A raw HTTP client for the fault tests: one fresh connection per request (no keep-alive
 * pool, so a reset or truncation cannot leak into the next request), and a result that
 * records what arrived before the connection failed instead of throwing it away.
 */
import { request } from 'node:http';

/** What one raw request produced. */
export interface IRawResult {
  /** Status, if headers arrived. */
  status?: number;
  headers: Record<string, string | string[] | undefined>;
  /** Body bytes received (possibly short). */
  body: Buffer;
  /** The error that ended the exchange early (reset, abort), if any. */
  error?: Error;
  /** True when the body ended normally. */
  complete: boolean;
  /** Milliseconds from request start until the exchange ended. */
  ms: number;
  /** Milliseconds from request start until the headers arrived. */
  headersMs?: number;
}

/** Options of `rawRequest`. */
export interface IRawOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Give up after this long (default 10 s); the result then carries a timeout error. */
  timeoutMs?: number;
}

/** Sends one request and resolves (never rejects) with what came back. */
export function rawRequest(url: string, options: IRawOptions = {}): Promise<IRawResult> {
  const started = Date.now();
  return new Promise(resolve => {
    const result: IRawResult = { headers: {}, body: Buffer.alloc(0), complete: false, ms: 0 };
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      result.body = Buffer.concat(chunks);
      if (error) result.error = error;
      result.ms = Date.now() - started;
      resolve(result);
    };
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      res => {
        result.status = res.statusCode;
        result.headers = res.headers;
        result.headersMs = Date.now() - started;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          result.complete = !res.aborted;
          finish();
        });
        res.on('aborted', () => finish(new Error('aborted')));
        res.on('error', e => finish(e));
        res.on('close', () => finish(result.complete ? undefined : new Error('closed early')));
      }
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(new Error('timeout'));
    }, options.timeoutMs ?? 10_000);
    timer.unref();
    req.on('error', e => finish(e));
    req.end(options.body);
  });
}

/** Parses a JSON body, with the text in the failure message. */
export function jsonOf(result: IRawResult): Record<string, unknown> {
  const text = result.body.toString('utf8');
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`expected a JSON body, got status ${result.status}: ${text.slice(0, 200)}`);
  }
}
