/**
 * Fault injection for every emulator service: added latency, a given status and body,
 * connection reset, truncated body, bandwidth cap and token expiry, each matched by
 * service, method and path and limited to a count of requests. Probabilistic rules draw
 * from a PRNG seeded per rule, so a run repeats exactly with the same `seed` and the same
 * request sequence, whatever other rules see.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IFaultHook } from '../http/service.js';
import { newRequestId } from '../http/router.js';
import type { IClock } from '../state/types.js';
import {
  FaultRuleError,
  maxRules,
  parseFaultRule,
  type IFaultRule,
  type IFaultRuleState,
  type IStatusFault
} from './fault-rule.js';
import { throttleResponse, truncateResponse } from './response-shaping.js';

/** What a `FaultEngine` is built from. */
export interface IFaultEngineOptions {
  /** Rules active from the start (e.g. from `--faults FILE`). */
  rules?: IFaultRule[];
  /** Seed for probabilistic rules (the emulator's `--seed`). Default 0. */
  seed?: number;
  /** The emulator clock (rules record when they were added). */
  clock: IClock;
  /** Expires an access token now (Auth state); unknown tokens are ignored. */
  expireToken: (bearer: string) => void;
}

/** Injects faults into emulator requests according to a list of rules. */
export class FaultEngine implements IFaultHook {
  private readonly rules: IActiveRule[] = [];
  private readonly seed: number;
  private nextId = 1;

  /**
   * @param options - initial rules, the PRNG seed, the emulator clock, and how to expire a token
   */
  constructor(private readonly options: IFaultEngineOptions) {
    this.seed = (options.seed ?? 0) >>> 0;
    for (const rule of options.rules ?? []) this.add(rule);
  }

  /**
   * Validates and appends a rule; returns it with its id.
   * @param rule - the rule (validated again here: it may come from untrusted JSON)
   * @throws FaultRuleError when the rule is invalid, its id is taken, or the engine is full
   */
  add(rule: IFaultRule): IFaultRuleState {
    const valid = parseFaultRule(rule);
    if (this.rules.length >= maxRules) {
      throw new FaultRuleError('rules', `the engine holds at most ${maxRules} rules`);
    }
    let id = valid.id;
    if (id === undefined) {
      do id = `f${this.nextId++}`;
      while (this.rules.some(r => r.rule.id === id));
    } else if (this.rules.some(r => r.rule.id === id)) {
      throw new FaultRuleError('id', `a rule with id '${id}' exists`);
    }
    const active: IActiveRule = {
      rule: { ...valid, id },
      hits: 0,
      addedAt: this.options.clock.now(),
      service: globToRegExp(valid.service ?? '*', false),
      method: (valid.method ?? '*').toUpperCase(),
      path:
        valid.pathRegex !== undefined
          ? new RegExp(valid.pathRegex)
          : globToRegExp(valid.path ?? '**', true),
      random: mulberry32(this.seed ^ hash(id))
    };
    this.rules.push(active);
    return ruleState(active);
  }

  /** Removes every rule (or, with `id`, one rule); returns how many were removed. */
  clear(id?: string): number {
    if (id === undefined) return this.rules.splice(0).length;
    const i = this.rules.findIndex(r => r.rule.id === id);
    if (i < 0) return 0;
    this.rules.splice(i, 1);
    return 1;
  }

  /** The rules in order, with hit counts. */
  list(): IFaultRuleState[] {
    return this.rules.map(ruleState);
  }

  /**
   * Applies every matching rule in order: latency waits, token expiry and body shaping
   * accumulate; the first `status` or `reset` answers the request and ends the walk.
   */
  async intercept(service: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (this.rules.length === 0) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    const path = (req.url ?? '/').split('?')[0];
    for (const active of [...this.rules]) {
      if (!this.fires(active, service, method, path)) continue;
      const rule = active.rule;
      switch (rule.kind) {
        case 'latency':
          await sleep(rule.ms);
          if (req.destroyed || res.destroyed) return true;
          break;
        case 'expireToken': {
          const bearer = bearerOf(req);
          if (bearer) this.options.expireToken(bearer);
          break;
        }
        case 'truncate':
          truncateResponse(res, rule.bytes);
          break;
        case 'bandwidth':
          throttleResponse(res, rule.bytesPerSecond);
          break;
        case 'reset':
          // Drain nothing and answer nothing: the client sees the connection drop.
          req.socket.destroy();
          return true;
        case 'status':
          answer(service, path, rule, res);
          return true;
      }
    }
    return false;
  }

  /** Whether `active` matches this request and, by count and probability, fires now. */
  private fires(active: IActiveRule, service: string, method: string, path: string): boolean {
    const { rule } = active;
    if (rule.count !== undefined && active.hits >= rule.count) return false;
    if (active.method !== '*' && active.method !== method) return false;
    if (!active.service.test(service)) return false;
    if (!active.path.test(path)) return false;
    // Draw only for matching requests, so the sequence depends on this rule's traffic alone.
    if (rule.probability !== undefined && active.random() >= rule.probability) return false;
    active.hits++;
    return true;
  }
}

// Module internals.
interface IActiveRule {
  rule: IFaultRule & { id: string };
  hits: number;
  addedAt: number;
  service: RegExp;
  method: string;
  path: RegExp;
  random: () => number;
}

function ruleState(active: IActiveRule): IFaultRuleState {
  const { rule, hits } = active;
  return {
    ...rule,
    hits,
    remaining: rule.count === undefined ? null : Math.max(0, rule.count - hits),
    addedAt: active.addedAt
  };
}

/**
 * Turns a glob into an anchored RegExp. For paths `*` stays inside one segment and `**`
 * crosses segments; for service names (`gcs:*`) `*` matches anything.
 */
function globToRegExp(glob: string, isPath: boolean): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        source += '.*';
        i++;
      } else {
        source += isPath ? '[^/]*' : '.*';
      }
    } else if (c === '?') {
      source += isPath ? '[^/]' : '.';
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** A small, fast, seedable PRNG (mulberry32); returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, to derive a per-rule seed from its id. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms).unref());
}

function bearerOf(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1] : undefined;
}

/** Sends a `status` rule's response; without a body, an error in the service's own format. */
function answer(service: string, path: string, rule: IStatusFault, res: ServerResponse): void {
  let text: string;
  let type: string;
  if (rule.bodyText !== undefined) {
    text = rule.bodyText;
    type = 'text/plain; charset=utf-8';
  } else {
    text = JSON.stringify(rule.body !== undefined ? rule.body : errorBody(service, path, rule));
    type = 'application/json';
  }
  const data = Buffer.from(text, 'utf8');
  const headers: Record<string, string> = {
    'Content-Type': type,
    'Content-Length': String(data.length)
  };
  for (const [name, value] of Object.entries(rule.headers ?? {})) {
    // Header names are case-insensitive: a rule's Content-Type replaces ours.
    for (const k of Object.keys(headers))
      if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
    headers[name] = value;
  }
  res.writeHead(rule.status, headers);
  res.end(data);
}

const defaultCodes: Record<number, string> = {
  400: 'BadRequest',
  401: 'AuthenticationFailed',
  403: 'PermissionDenied',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'ExternalError',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout'
};

/** The service's documented error document for an injected status. */
function errorBody(service: string, path: string, rule: IStatusFault): unknown {
  const code =
    rule.code ?? defaultCodes[rule.status] ?? (rule.status >= 500 ? 'ServerError' : 'ClientError');
  const message = rule.message ?? `Injected fault: HTTP ${rule.status} (${code})`;
  if (service === 'auth') {
    return {
      errors: [
        {
          status: String(rule.status),
          id: randomUUID(),
          code: snake(code).toUpperCase(),
          title: code,
          detail: message
        }
      ],
      error: snake(code),
      error_description: message
    };
  }
  if (service.startsWith('gcs:')) {
    return {
      DATA_TYPE: 'result#1.0.0',
      code: snake(code),
      http_response_code: rule.status,
      detail: null,
      message,
      data: [],
      has_next_page: false
    };
  }
  // Transfer's document (also used for Groups, whose errors the SDKs parse generically).
  return {
    code,
    message,
    request_id: newRequestId(),
    resource: path.replace(/^\/v0\.10(?=\/)/, '')
  };
}

function snake(code: string): string {
  return code
    .replace(/\./g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
