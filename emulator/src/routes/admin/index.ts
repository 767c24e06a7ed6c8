/**
 * The emulator's admin origin (not part of Globus): lets a test or the demo add, list and
 * clear fault rules, and move the emulator clock, while the emulator runs.
 *
 * - `GET /faults` → `{ "rules": [<rule + id, hits, remaining>] }`
 * - `POST /faults` with a rule, an array of rules, or `{ "rules": [...] }` → 201 `{ "rules": [<added>] }`
 * - `DELETE /faults` → `{ "removed": N }`; `DELETE /faults/<id>` → `{ "removed": 1 }` or 404
 * - `GET /clock` → `{ "now": <epoch ms>, "iso": "…" }`
 * - `POST /clock` with `{ "advanceMs": N }` → the new `{ now, iso }` (when the clock can move)
 * - `GET /issued-secrets` → every token, code, PKCE verifier and client secret Auth has seen
 *   (test-only: a leak scan searches logs and pages for each of them)
 *
 * Errors: `{ "code": "...", "message": "...", "field"?: "..." }`.
 *
 * Only local programs may use it (issue #15): every request needs a loopback `Host`
 * (`127.0.0.1`, `localhost` or `[::1]` with this origin's port, against DNS rebinding) and,
 * when it has an `Origin`, a loopback one; a state-changing request (POST, PUT, PATCH,
 * DELETE) also needs `Content-Type: application/json`, which a page on another origin
 * cannot send without a CORS preflight this origin never grants (a `text/plain` form post
 * can be sent from any page). Anything else is 403 `Forbidden` before any route runs.
 */
import { EmulatorHttpError, Router, type IRequestContext } from '../../http/router.js';
import type { FaultEngine } from '../../faults/fault-engine.js';
import {
  FaultRuleError,
  parseFaultRule,
  parseFaultRules,
  type IFaultRule
} from '../../faults/fault-rule.js';
import type { IIssuedSecrets } from '../../state/auth/auth-state.js';
import type { IClock } from '../../state/types.js';

/** A clock the admin route can move forward (e.g. to expire tokens without waiting). */
export interface IAdjustableClock extends IClock {
  /** Moves the clock forward by `ms` (may be negative to move it back). */
  advance(ms: number): void;
}

/** What the admin router is built from. */
export interface IAdminRouterOptions {
  /** The fault engine every service consults. */
  faults: FaultEngine;
  /** The emulator clock; `POST /clock` works only when it has `advance`. */
  clock?: IClock | IAdjustableClock;
  /** Lists what Auth issued, for `GET /issued-secrets` (absent: that route answers 501). */
  issuedSecrets?: () => IIssuedSecrets;
}

/**
 * Creates the admin router. Serve it on its own origin with `startService('admin', …)`.
 * @param options - the fault engine and, optionally, the clock
 */
export function createAdminRouter(options: IAdminRouterOptions): Router {
  const { faults, clock, issuedSecrets } = options;
  const router = new Router({
    guard: requireLocalCaller,
    onBadJson: (_ctx, message) => new EmulatorHttpError(400, { code: 'BadRequest', message }),
    onNotFound: ctx =>
      new EmulatorHttpError(404, {
        code: 'NotFound',
        message: `No admin route ${ctx.req.method ?? ''} ${ctx.path}`
      })
  });

  router.add('GET', '/faults', ctx => {
    ctx.send(200, { rules: faults.list() });
  });

  router.add('POST', '/faults', async ctx => {
    const body = await ctx.json<unknown>();
    try {
      const rules: IFaultRule[] =
        Array.isArray(body) || (isObject(body) && 'rules' in body && !('kind' in body))
          ? parseFaultRules(body)
          : [parseFaultRule(body)];
      // All or nothing: a batch that fails half-way (a duplicate id) is rolled back.
      const added: ReturnType<FaultEngine['add']>[] = [];
      try {
        for (const r of rules) added.push(faults.add(r));
      } catch (e) {
        for (const a of added) faults.clear(a.id);
        throw e;
      }
      ctx.send(201, { rules: added });
    } catch (e) {
      if (e instanceof FaultRuleError) {
        throw new EmulatorHttpError(400, { code: e.code, message: e.message, field: e.field });
      }
      throw e;
    }
  });

  router.add('DELETE', '/faults', ctx => {
    ctx.send(200, { removed: faults.clear() });
  });

  router.add('DELETE', '/faults/:id', ctx => {
    const removed = faults.clear(ctx.params.id);
    if (removed === 0) {
      throw new EmulatorHttpError(404, {
        code: 'NotFound',
        message: `No fault rule with id '${ctx.params.id}'`
      });
    }
    ctx.send(200, { removed });
  });

  router.add('GET', '/clock', ctx => {
    if (!clock) throw notConfigured();
    ctx.send(200, clockDocument(clock));
  });

  router.add('POST', '/clock', async ctx => {
    if (!clock || !('advance' in clock)) throw notConfigured();
    const body = await ctx.json<unknown>();
    const ms = isObject(body) ? body.advanceMs : undefined;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      throw new EmulatorHttpError(400, {
        code: 'BadRequest',
        message: "'advanceMs' must be a number of milliseconds",
        field: 'advanceMs'
      });
    }
    clock.advance(ms);
    ctx.send(200, clockDocument(clock));
  });

  router.add('GET', '/issued-secrets', ctx => {
    if (!issuedSecrets) {
      throw new EmulatorHttpError(501, {
        code: 'NotImplemented',
        message: 'This admin origin was started without access to Auth'
      });
    }
    ctx.send(200, issuedSecrets());
  });

  return router;
}

const loopbackHosts = ['127.0.0.1', 'localhost', '[::1]'];
const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function forbidden(message: string): EmulatorHttpError {
  return new EmulatorHttpError(403, { code: 'Forbidden', message });
}

/**
 * Refuses a request that may come from a web page rather than a local program (see the
 * module comment).
 * @throws 403 `Forbidden`
 */
export function requireLocalCaller(ctx: IRequestContext): void {
  const port = ctx.req.socket.localPort;
  const host = (ctx.req.headers.host ?? '').toLowerCase();
  if (!loopbackHosts.some(h => host === `${h}:${port}`)) {
    throw forbidden(
      `The admin origin answers only requests for a loopback host (127.0.0.1:${port}, localhost:${port} or [::1]:${port})`
    );
  }
  const origin = ctx.req.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    throw forbidden('The admin origin answers no request from a web page on another host');
  }
  const method = ctx.req.method ?? 'GET';
  const type = (ctx.req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (stateChanging.has(method) && type !== 'application/json') {
    throw forbidden(`${method} on the admin origin needs 'Content-Type: application/json'`);
  }
}

function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    loopbackHosts.includes(url.hostname) &&
    `${url.protocol}//${url.host}` === origin.toLowerCase()
  );
}

function clockDocument(clock: IClock): { now: number; iso: string } {
  const now = clock.now();
  return { now, iso: new Date(now).toISOString() };
}

function notConfigured(): EmulatorHttpError {
  return new EmulatorHttpError(501, {
    code: 'NotImplemented',
    message: 'This emulator was started without an adjustable clock'
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
