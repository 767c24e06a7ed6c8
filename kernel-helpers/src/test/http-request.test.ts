/**
 * request() against a real loopback HTTP server whose answers each test scripts; asserts on
 * what the server received and on the typed errors.
 */
import assert from 'node:assert/strict';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from '../http/request';
import { Token } from '../tokens/token';
import { isGlobusApiError } from '../errors/api-error';
import { isConsentRequiredError } from '../errors/consent-required-error';
import { isTokenExpiredError } from '../errors/token-expired-error';
import { isAbortError, isNetworkError, isTimeoutError } from '../errors/network-error';
import { serviceBaseUrl } from '../http/service-urls';
import {
  backoffDelayMs,
  isRetryableStatus,
  parseRetryAfterMs,
  resolveRetryPolicy
} from '../http/retry';

/** The compiled package: child processes run plain node, which cannot load the .ts sources. */
const DIST = join(__dirname, '..', '..', 'dist');

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

interface IRecorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

const SECRET = 'http-test-secret-token-value-0001';
const FAST = { baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 5000, random: () => 0.5 };

function startServer(): Promise<{
  server: Server;
  base: string;
  handlers: Handler[];
  seen: IRecorded[];
}> {
  const handlers: Handler[] = [];
  const seen: IRecorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const h = handlers.shift();
      if (!h) {
        res.writeHead(500).end('no handler');
        return;
      }
      h(req, res, body);
    });
  });
  return new Promise(resolve => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ server, base: `http://127.0.0.1:${port}`, handlers, seen });
    });
  });
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_q, res) => {
    res
      .writeHead(status, { 'Content-Type': 'application/json', ...headers })
      .end(JSON.stringify(body));
  };

describe('request', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let other: Awaited<ReturnType<typeof startServer>>;
  const token = new Token({
    resourceServer: 'transfer.api.globus.org',
    accessToken: SECRET,
    scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
    expiresAtSeconds: Date.now() / 1000 + 3600
  });

  beforeAll(async () => {
    s = await startServer();
    other = await startServer();
  });
  afterAll(() => {
    s.server.closeAllConnections();
    other.server.closeAllConnections();
    s.server.close();
    other.server.close();
  });
  beforeEach(() => {
    s.handlers.length = 0;
    s.seen.length = 0;
    other.handlers.length = 0;
    other.seen.length = 0;
  });

  describe('#success', () => {
    it('should send the bearer header, query and JSON body and parse JSON', async () => {
      s.handlers.push(json(200, { ok: true }));
      const res = await request<{ ok: boolean }>({
        service: 'transfer',
        operation: 'mkdir',
        method: 'POST',
        baseUrl: s.base,
        path: '/operation/endpoint/x/mkdir',
        query: { a: 1, list: ['p', 'q'], none: undefined },
        json: { DATA_TYPE: 'mkdir', path: '/~/d/' },
        token
      });
      assert.deepEqual(res.data, { ok: true });
      const got = s.seen[0];
      assert.equal(got.headers.authorization, `Bearer ${SECRET}`);
      assert.equal(got.url, '/operation/endpoint/x/mkdir?a=1&list=p%2Cq');
      assert.deepEqual(JSON.parse(got.body.toString()), { DATA_TYPE: 'mkdir', path: '/~/d/' });
      assert.match(String(got.headers['content-type']), /application\/json/);
    });

    it('should use GLOBUS_SDK_SERVICE_URL_* for the base URL', () => {
      assert.equal(
        serviceBaseUrl('transfer', { GLOBUS_SDK_SERVICE_URL_TRANSFER: 'http://127.0.0.1:1/' }),
        'http://127.0.0.1:1'
      );
      assert.equal(serviceBaseUrl('auth', {}), 'https://auth.globus.org');
      assert.equal(serviceBaseUrl('groups', {}), 'https://groups.api.globus.org');
    });

    it('should report download progress up to the total', async () => {
      const payload = Buffer.alloc(300_000, 7);
      s.handlers.push((_q, res) => {
        res.writeHead(200, { 'Content-Length': String(payload.length) }).end(payload);
      });
      const seenProgress: number[] = [];
      const res = await request<Uint8Array>({
        service: 'https',
        operation: 'download',
        path: `${s.base}/f.bin`,
        responseType: 'bytes',
        onDownloadProgress: p => {
          seenProgress.push(p.loaded);
          assert.equal(p.total, payload.length);
        }
      });
      assert.equal(res.data.byteLength, payload.length);
      assert.equal(seenProgress.at(-1), payload.length);
      assert.ok(seenProgress.length >= 2);
    });

    it('should report upload progress and deliver every byte', async () => {
      const payload = Buffer.alloc(200_000, 3);
      s.handlers.push((_q, res) => res.writeHead(200).end());
      const seenProgress: number[] = [];
      await request({
        service: 'https',
        operation: 'upload',
        method: 'PUT',
        path: `${s.base}/up.bin`,
        body: payload,
        responseType: 'none',
        onUploadProgress: p => seenProgress.push(p.loaded)
      });
      assert.equal(s.seen[0].body.length, payload.length);
      assert.equal(seenProgress.at(-1), payload.length);
    });
  });

  describe('#retries', () => {
    it('should retry 429 honouring Retry-After, then succeed', async () => {
      s.handlers.push(
        json(429, { code: 'RateLimited' }, { 'Retry-After': '1' }),
        json(200, { n: 2 })
      );
      const t0 = Date.now();
      const res = await request({
        service: 'transfer',
        operation: 'ls',
        baseUrl: s.base,
        path: '/x',
        retry: FAST
      });
      assert.equal(res.attempts, 2);
      assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After');
    });

    it('should retry 5xx with backoff and give up after maxAttempts with the typed error', async () => {
      for (let i = 0; i < 5; i++)
        s.handlers.push(json(503, { code: 'ServiceUnavailable', message: 'busy' }));
      await assert.rejects(
        request({
          service: 'transfer',
          operation: 'ls',
          baseUrl: s.base,
          path: '/x',
          retry: { ...FAST, maxAttempts: 3 }
        }),
        (e: unknown) =>
          isGlobusApiError(e) && e.status === 503 && e.globusCode === 'ServiceUnavailable'
      );
      assert.equal(s.seen.length, 3);
    });

    it('should not retry Transfer ExternalError codes', async () => {
      s.handlers.push(
        json(502, {
          code: 'ExternalError.DirListingFailed.NotDirectory',
          message: 'nope',
          request_id: 'r1'
        })
      );
      await assert.rejects(
        request({ service: 'transfer', operation: 'ls', baseUrl: s.base, path: '/x', retry: FAST }),
        (e: unknown) => isGlobusApiError(e) && e.status === 502 && e.requestId === 'r1'
      );
      assert.equal(s.seen.length, 1);
    });

    it('should not retry a non-idempotent POST on 5xx', async () => {
      s.handlers.push(json(500, { code: 'Boom' }));
      await assert.rejects(
        request({
          service: 'transfer',
          operation: 'rename',
          method: 'POST',
          baseUrl: s.base,
          path: '/x',
          json: {},
          retry: FAST
        }),
        (e: unknown) => isGlobusApiError(e) && e.status === 500
      );
      assert.equal(s.seen.length, 1);
    });

    it('should give up when Retry-After exceeds the time budget', async () => {
      s.handlers.push(json(429, { code: 'RateLimited' }, { 'Retry-After': '60' }));
      const t0 = Date.now();
      await assert.rejects(
        request({
          service: 'transfer',
          operation: 'ls',
          baseUrl: s.base,
          path: '/x',
          retry: { ...FAST, maxTotalMs: 1000 }
        }),
        (e: unknown) => isGlobusApiError(e) && e.code === 'RATE_LIMITED'
      );
      assert.ok(Date.now() - t0 < 1000);
    });

    it('should retry a reset connection for an idempotent call', async () => {
      s.handlers.push(req => req.socket.destroy(), json(200, { ok: 1 }));
      const res = await request({
        service: 'transfer',
        operation: 'ls',
        baseUrl: s.base,
        path: '/x',
        retry: FAST
      });
      assert.equal(res.attempts, 2);
    });
  });

  describe('#errors', () => {
    it('should turn a 401 on an expired token into TokenExpiredError', async () => {
      const expired = new Token({
        resourceServer: 'transfer.api.globus.org',
        accessToken: SECRET,
        scope: '',
        expiresAtSeconds: 1000
      });
      s.handlers.push(json(401, { code: 'AuthenticationFailed', message: 'Token is not active' }));
      await assert.rejects(
        request({
          service: 'transfer',
          operation: 'ls',
          baseUrl: s.base,
          path: '/x',
          token: expired,
          credentialSource: 'hub'
        }),
        (e: unknown) =>
          isTokenExpiredError(e) &&
          e.resourceServer === 'transfer.api.globus.org' &&
          /hub control panel/i.test(e.message) &&
          !e.message.includes(SECRET)
      );
    });

    it('should turn a Transfer ConsentRequired into ConsentRequiredError with scopes and URL', async () => {
      const scope =
        'urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/C/data_access]';
      s.handlers.push(
        json(403, {
          code: 'ConsentRequired',
          message: 'Missing required data_access consent',
          required_scopes: [scope],
          request_id: 'q'
        })
      );
      await assert.rejects(
        request({
          service: 'transfer',
          operation: 'ls',
          baseUrl: s.base,
          path: '/x',
          token,
          consent: { authBaseUrl: 'http://127.0.0.1:9', clientId: 'cid' }
        }),
        (e: unknown) => {
          if (!isConsentRequiredError(e)) return false;
          const url = new URL(e.consentUrl as string);
          return (
            e.requiredScopes[0] === scope &&
            url.searchParams.get('scope') === scope &&
            url.searchParams.get('client_id') === 'cid'
          );
        }
      );
    });

    it('should carry session_required_* from a GARE (legacy comma string) into the URL', async () => {
      s.handlers.push(
        json(403, {
          code: 'AuthPolicyFailed',
          authorization_parameters: {
            session_message: 'policy',
            session_required_policies: 'p1,p2'
          }
        })
      );
      await assert.rejects(
        request({ service: 'transfer', operation: 'ls', baseUrl: s.base, path: '/x', token }),
        (e: unknown) =>
          isConsentRequiredError(e) &&
          e.globusCode === 'AuthPolicyFailed' &&
          new URL(e.consentUrl as string).searchParams.get('session_required_policies') === 'p1,p2'
      );
    });

    it('should turn Auth dependent_consent_required into ConsentRequiredError', async () => {
      s.handlers.push(
        json(403, {
          error: 'dependent_consent_required',
          errors: [{ code: 'DEPENDENT_CONSENT_REQUIRED', status: '403', unapproved_scopes: ['s1'] }]
        })
      );
      await assert.rejects(
        request({ service: 'auth', operation: 'userinfo', baseUrl: s.base, path: '/x', token }),
        (e: unknown) => isConsentRequiredError(e) && e.requiredScopes[0] === 's1'
      );
    });

    it('should parse Auth error documents (errors[0])', async () => {
      s.handlers.push(
        json(403, {
          errors: [{ status: '403', id: 'rid-1', code: 'FORBIDDEN', detail: 'Nope' }],
          error: 'forbidden'
        })
      );
      await assert.rejects(
        request({
          service: 'auth',
          operation: 'get identities',
          baseUrl: s.base,
          path: '/x',
          token
        }),
        (e: unknown) =>
          isGlobusApiError(e) &&
          e.globusCode === 'FORBIDDEN' &&
          e.requestId === 'rid-1' &&
          /Nope/.test(e.message)
      );
    });

    it('should give a typed MALFORMED_RESPONSE error for invalid JSON', async () => {
      s.handlers.push((_q, res) =>
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"DATA": [1, 2')
      );
      await assert.rejects(
        request({ service: 'transfer', operation: 'ls', baseUrl: s.base, path: '/x' }),
        (e: unknown) => isGlobusApiError(e) && e.code === 'MALFORMED_RESPONSE'
      );
    });

    it('should give a typed TRUNCATED_BODY error when the body is cut short', async () => {
      const handler: Handler = (_q, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
        res.write('{"DATA": [');
        setTimeout(() => res.socket?.destroy(), 20);
      };
      s.handlers.push(handler, handler);
      await assert.rejects(
        request({
          service: 'transfer',
          operation: 'ls',
          baseUrl: s.base,
          path: '/x',
          retry: { ...FAST, maxAttempts: 2 }
        }),
        (e: unknown) => isNetworkError(e) && e.code === 'TRUNCATED_BODY'
      );
      assert.equal(s.seen.length, 2);
    });

    it('should scrub an echoed token from server text', async () => {
      s.handlers.push((_q, res) =>
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`bad header Bearer ${SECRET}`)
      );
      await assert.rejects(
        request({ service: 'transfer', operation: 'ls', baseUrl: s.base, path: '/x', token }),
        (e: unknown) =>
          isGlobusApiError(e) &&
          !e.message.includes(SECRET) &&
          !JSON.stringify(e.body ?? '').includes(SECRET) &&
          /\[redacted\]/.test(e.message)
      );
    });
  });

  describe('#timeouts and aborts', () => {
    it('should time out with a TimeoutError', async () => {
      s.handlers.push(
        () => undefined,
        () => undefined
      );
      await assert.rejects(
        request({
          service: 'transfer',
          operation: 'ls',
          baseUrl: s.base,
          path: '/x',
          timeoutMs: 100,
          retry: false
        }),
        (e: unknown) => isTimeoutError(e) && e.timeoutMs === 100
      );
    });

    it('should abort in flight with an AbortError', async () => {
      s.handlers.push(() => undefined);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      await assert.rejects(
        request({
          service: 'transfer',
          operation: 'ls',
          baseUrl: s.base,
          path: '/x',
          signal: ac.signal
        }),
        (e: unknown) => isAbortError(e) && (e as { code?: string }).code === 'ABORT_ERR'
      );
    });

    it('should abort during a retry wait', async () => {
      s.handlers.push(json(503, {}, { 'Retry-After': '5' }));
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const t0 = Date.now();
      await assert.rejects(
        request({
          service: 'transfer',
          operation: 'ls',
          baseUrl: s.base,
          path: '/x',
          signal: ac.signal,
          retry: { ...FAST, maxTotalMs: 10000 }
        }),
        (e: unknown) => isAbortError(e)
      );
      assert.ok(Date.now() - t0 < 2000);
    });

    it('should refuse to start when already aborted', async () => {
      await assert.rejects(
        request({
          service: 'transfer',
          operation: 'ls',
          baseUrl: s.base,
          path: '/x',
          signal: AbortSignal.abort()
        }),
        (e: unknown) => isAbortError(e)
      );
      assert.equal(s.seen.length, 0);
    });
  });

  describe('#redirects', () => {
    it('should follow a same-origin redirect keeping the token', async () => {
      s.handlers.push(
        (_q, res) => res.writeHead(302, { Location: '/moved' }).end(),
        json(200, { ok: 1 })
      );
      const res = await request({
        service: 'transfer',
        operation: 'ls',
        baseUrl: s.base,
        path: '/x',
        token
      });
      assert.equal(res.url, `${s.base}/moved`);
      assert.equal(s.seen[1].headers.authorization, `Bearer ${SECRET}`);
    });

    it('should refuse a cross-origin redirect and never send the token there', async () => {
      s.handlers.push((_q, res) => res.writeHead(302, { Location: `${other.base}/steal` }).end());
      other.handlers.push(json(200, {}));
      await assert.rejects(
        request({ service: 'https', operation: 'download', path: `${s.base}/f`, token }),
        (e: unknown) => isGlobusApiError(e) && e.code === 'REDIRECT_REFUSED'
      );
      assert.equal(other.seen.length, 0);
    });
  });

  describe('#transport', () => {
    it('should make JSON, HEAD, PUT calls and read a response stream without loading undici', () => {
      // A child of its own: this process has loaded undici long ago.
      const script = `
        const http = require('node:http');
        const { request } = require(${JSON.stringify(join(DIST, 'http', 'request.js'))});
        const loaded = () => process.moduleLoadList.some(m => m.includes('undici'));
        const server = http.createServer((req, res) => {
          req.resume();
          req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}'));
        });
        server.listen(0, '127.0.0.1', async () => {
          const base = 'http://127.0.0.1:' + server.address().port;
          const out = {};
          const json = await request({ service: 'https', operation: 'get', path: base + '/j' });
          await request({ service: 'https', operation: 'stat', method: 'HEAD', path: base + '/h', responseType: 'none' });
          await request({ service: 'https', operation: 'upload', method: 'PUT', path: base + '/p', body: Buffer.alloc(10), responseType: 'none' });
          out.json = json.data;
          out.before = loaded();
          const stream = await request({ service: 'https', operation: 'download', path: base + '/s', responseType: 'stream' });
          let text = '';
          for await (const chunk of stream.data) text += chunk;
          out.streamed = text;
          out.after = loaded();
          server.close();
          process.stdout.write(JSON.stringify(out));
        });`;
      const child = spawnSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        timeout: 30_000
      });
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), {
        json: { ok: true },
        before: false,
        streamed: '{"ok":true}',
        after: false
      });
    });

    it("should send the SDK's X-Globus-Client-Info plus ours without loading the whole SDK", () => {
      // A child of its own: this process may have loaded the SDK already.
      const script = `
        const http = require('node:http');
        const { request } = require(${JSON.stringify(join(DIST, 'http', 'request.js'))});
        const server = http.createServer((req, res) => {
          req.resume();
          req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(req.headers['x-globus-client-info'] ?? null)));
        });
        server.listen(0, '127.0.0.1', async () => {
          const base = 'http://127.0.0.1:' + server.address().port;
          const first = await request({ service: 'https', operation: 'get', path: base + '/a' });
          const second = await request({ service: 'https', operation: 'get', path: base + '/b' });
          const sdk = Object.keys(require.cache).filter(f => f.includes('@globus') && f.includes('sdk'));
          server.close();
          process.stdout.write(JSON.stringify({ first: first.data, second: second.data, sdk }));
        });`;
      const child = spawnSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        timeout: 30_000
      });
      assert.equal(child.status, 0, child.stderr);
      const out = JSON.parse(child.stdout) as { first: string; second: string; sdk: string[] };
      const sdkPackage = readFileSync(require.resolve('@globus/sdk/package.json'), 'utf8');
      const sdkVersion = (JSON.parse(sdkPackage) as { version: string }).version;
      const ownPackage = readFileSync(require.resolve('../../package.json'), 'utf8');
      const ownVersion = (JSON.parse(ownPackage) as { version: string }).version;
      const expected = `product=javascript-sdk,version=${sdkVersion};product=jupyterlab-globus-kit-kernel-helpers,version=${ownVersion}`;
      assert.equal(out.first, expected);
      assert.equal(out.second, expected);
      assert.equal(out.sdk.length, 1, out.sdk.join(', '));
      assert.match(out.sdk[0], /core[\\/]info[\\/]index\.js$/);
    });

    it('should reuse the connection after a body it read, one it dropped and a HEAD', async () => {
      const ports: number[] = [];
      const answer =
        (body: string): Handler =>
        (q, res) => {
          ports.push(q.socket.remotePort ?? -1);
          // Content-Length, as GCS sends with a HEAD (without it a HEAD ends the connection).
          res
            .writeHead(200, {
              'Content-Type': 'application/json',
              'Content-Length': String(Buffer.byteLength(body))
            })
            .end(body);
        };
      s.handlers.push(
        answer('{"a":1}'),
        answer('{"ignored":true}'),
        answer('{"head":true}'),
        answer('{"b":2}')
      );
      const base = { service: 'transfer' as const, operation: 'get', baseUrl: s.base };
      assert.deepEqual((await request({ ...base, path: '/1' })).data, { a: 1 });
      await request({ ...base, path: '/2', responseType: 'none' });
      const head = await request({ ...base, method: 'HEAD', path: '/3', responseType: 'none' });
      assert.equal(head.status, 200);
      assert.deepEqual((await request({ ...base, path: '/4' })).data, { b: 2 });
      assert.equal(ports.length, 4);
      assert.equal(new Set(ports).size, 1, `sockets used: ${ports.join(', ')}`);
    });

    it('should drop a large unread body at once and keep working', async () => {
      const big = Buffer.alloc(8 * 1024 * 1024, 1);
      s.handlers.push((_q, res) => {
        res.writeHead(200, { 'Content-Length': String(big.length) }).end(big);
      });
      s.handlers.push(json(200, { next: true }));
      const started = Date.now();
      const res = await request({
        service: 'https',
        operation: 'upload',
        method: 'PUT',
        path: `${s.base}/big`,
        body: 'x',
        responseType: 'none'
      });
      assert.equal(res.status, 200);
      assert.equal(res.data, undefined);
      assert.ok(Date.now() - started < 5000);
      const next = await request({ service: 'https', operation: 'get', path: `${s.base}/n` });
      assert.deepEqual(next.data, { next: true });
    });

    it('should send Content-Length 0 for a PUT without a body', async () => {
      s.handlers.push((_q, res) => res.writeHead(204).end());
      await request({
        service: 'https',
        operation: 'touch',
        method: 'PUT',
        path: `${s.base}/empty`,
        responseType: 'none'
      });
      assert.equal(s.seen[0].headers['content-length'], '0');
      assert.equal(s.seen[0].headers['transfer-encoding'], undefined);
    });
  });
});

describe('retry', () => {
  describe('#parseRetryAfterMs', () => {
    it('should parse seconds and HTTP dates', () => {
      assert.equal(parseRetryAfterMs('2'), 2000);
      assert.equal(parseRetryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
      assert.equal(parseRetryAfterMs('soon'), undefined);
      assert.equal(parseRetryAfterMs(null), undefined);
    });
  });
  describe('#backoffDelayMs', () => {
    it('should grow exponentially with bounded jitter and a cap', () => {
      const p = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 1 });
      assert.deepEqual(
        [1, 2, 3, 4, 5].map(n => backoffDelayMs(n, p)),
        [100, 200, 400, 800, 1000]
      );
      const low = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
      assert.equal(backoffDelayMs(2, low), 100);
    });
  });
  describe('#isRetryableStatus', () => {
    it('should retry 429 and 5xx but not 4xx or ExternalError/EndpointError', () => {
      assert.equal(isRetryableStatus(429), true);
      assert.equal(isRetryableStatus(503, 'ServiceUnavailable'), true);
      assert.equal(isRetryableStatus(404), false);
      assert.equal(isRetryableStatus(502, 'ExternalError.MkdirFailed.Exists'), false);
      assert.equal(isRetryableStatus(503, 'EndpointError'), false);
    });
  });
});
