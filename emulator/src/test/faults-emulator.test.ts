/**
 * Raw HTTP tests of every fault kind against the real emulator services, and of every
 * documented error shape each service answers with.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator, type IEmulator } from '../index.js';
import {
  GUEST_COLLECTION_ID,
  MAPPED_COLLECTION_ID,
  NATIVE_CLIENT_ID,
  PUBLIC_COLLECTION_ID,
  WEATHER_DIR
} from '../state/seed.js';
import { jsonOf, rawRequest, type IRawResult } from './faults-raw-http.js';
import {
  bearer,
  dataAccessScope,
  demoTokens,
  groupsScope,
  httpsScope,
  transferScope,
  viewIdentitiesScope
} from './faults-fixture.js';

const transferRs = 'transfer.api.globus.org';
const authRs = 'auth.globus.org';
const groupsRs = 'groups.api.globus.org';
const csvPath = `${WEATHER_DIR}1952.csv`;

/** Asserts a Transfer error document (B.1) and returns it. */
function assertTransferError(
  r: IRawResult,
  status: number,
  code: string | RegExp
): Record<string, unknown> {
  assert.equal(r.status, status, r.body.toString());
  assert.match(String(r.headers['content-type']), /application\/json/);
  const body = jsonOf(r);
  if (typeof code === 'string') assert.equal(body.code, code);
  else assert.match(String(body.code), code);
  assert.equal(typeof body.message, 'string');
  assert.match(String(body.request_id), /^[A-Za-z0-9]{9}$/);
  assert.equal(typeof body.resource, 'string');
  return body;
}

/** Asserts an Auth API error document (A.9) and returns its single error. */
function assertAuthError(r: IRawResult, status: number): Record<string, unknown> {
  assert.equal(r.status, status, r.body.toString());
  const body = jsonOf(r);
  assert.ok(Array.isArray(body.errors) && body.errors.length >= 1, 'errors[] expected');
  const err = (body.errors as Record<string, unknown>[])[0];
  assert.equal(err.status, String(status));
  assert.equal(typeof err.code, 'string');
  assert.equal(typeof err.id, 'string');
  assert.ok(typeof err.detail === 'string' || typeof err.title === 'string');
  assert.equal(typeof body.error, 'string');
  return err;
}

describe('FaultEngine on the emulator', () => {
  let emu: IEmulator;
  let tokens: Record<string, string>;
  let csv: Buffer;
  let gcsPublic: string;
  let ls: string;

  before(async () => {
    emu = await createEmulator({ seed: 11 });
    tokens = await demoTokens(emu, [
      'openid',
      'profile',
      'email',
      viewIdentitiesScope,
      transferScope,
      groupsScope,
      httpsScope(PUBLIC_COLLECTION_ID),
      httpsScope(GUEST_COLLECTION_ID)
    ]);
    gcsPublic = emu.urls.collections[PUBLIC_COLLECTION_ID];
    assert.ok(gcsPublic, 'the public collection has an HTTPS origin');
    const r = await rawRequest(`${gcsPublic}${csvPath}`);
    assert.equal(r.status, 200);
    csv = r.body;
    ls = `${emu.urls.transfer}/v0.10/operation/endpoint/${PUBLIC_COLLECTION_ID}/ls?path=${encodeURIComponent(WEATHER_DIR)}`;
  });
  after(async () => {
    await emu?.close();
  });
  beforeEach(() => {
    emu.faults.clear();
  });

  describe('status', () => {
    it('should answer 429 with Retry-After in Transfer format, then recover', async () => {
      emu.faults.add({
        kind: 'status',
        service: 'transfer',
        path: '/v0.10/operation/endpoint/*/ls',
        status: 429,
        headers: { 'Retry-After': '2' },
        count: 1
      });
      const r = await rawRequest(ls, { headers: bearer(tokens[transferRs]) });
      const body = assertTransferError(r, 429, 'TooManyRequests');
      assert.equal(r.headers['retry-after'], '2');
      assert.equal(body.resource, `/operation/endpoint/${PUBLIC_COLLECTION_ID}/ls`);
      const ok = await rawRequest(ls, { headers: bearer(tokens[transferRs]) });
      assert.equal(ok.status, 200);
      assert.equal(jsonOf(ok).DATA_TYPE, 'file_list');
    });

    it('should answer a 503 in Auth format on Auth', async () => {
      emu.faults.add({
        kind: 'status',
        service: 'auth',
        path: '/v2/api/identities',
        status: 503,
        count: 1
      });
      const r = await rawRequest(`${emu.urls.auth}/v2/api/identities?usernames=x`, {
        headers: bearer(tokens[authRs])
      });
      const err = assertAuthError(r, 503);
      assert.equal(err.code, 'SERVICE_UNAVAILABLE');
    });

    it('should answer a 500 with a given Transfer-format body', async () => {
      const body = {
        code: 'ExternalError.DirListingFailed.GCDisconnected',
        message: 'GC is not connected'
      };
      emu.faults.add({ kind: 'status', service: 'transfer', status: 502, body, count: 1 });
      const r = await rawRequest(ls, { headers: bearer(tokens[transferRs]) });
      assert.equal(r.status, 502);
      assert.deepEqual(jsonOf(r), body);
    });

    it('should send malformed JSON verbatim on Groups', async () => {
      emu.faults.add({
        kind: 'status',
        service: 'groups',
        status: 500,
        bodyText: '{"code": "Intern',
        headers: { 'Content-Type': 'application/json' },
        count: 1
      });
      const r = await rawRequest(`${emu.urls.groups}/v2/groups/my_groups`, {
        headers: bearer(tokens[groupsRs])
      });
      assert.equal(r.status, 500);
      assert.equal(r.body.toString(), '{"code": "Intern');
      assert.throws(() => JSON.parse(r.body.toString()));
    });

    it('should answer in the GCS format on a collection origin', async () => {
      emu.faults.add({ kind: 'status', service: 'gcs:*', status: 503, count: 1 });
      const r = await rawRequest(`${gcsPublic}${csvPath}`);
      assert.equal(r.status, 503);
      const body = jsonOf(r);
      assert.equal(body.DATA_TYPE, 'result#1.0.0');
      assert.equal(body.http_response_code, 503);
    });
  });

  describe('reset', () => {
    it('should drop the connection of a Transfer request, once', async () => {
      emu.faults.add({ kind: 'reset', service: 'transfer', count: 1 });
      const r = await rawRequest(ls, { headers: bearer(tokens[transferRs]) });
      assert.equal(r.status, undefined);
      assert.ok(r.error);
      assert.equal((await rawRequest(ls, { headers: bearer(tokens[transferRs]) })).status, 200);
    });
  });

  describe('truncate', () => {
    it('should send only the first bytes of a GCS file, with the full Content-Length', async () => {
      emu.faults.add({
        kind: 'truncate',
        service: `gcs:${PUBLIC_COLLECTION_ID}`,
        method: 'GET',
        bytes: 100,
        count: 1
      });
      const r = await rawRequest(`${gcsPublic}${csvPath}`);
      assert.equal(r.status, 200);
      assert.equal(Number(r.headers['content-length']), csv.length);
      assert.equal(r.complete, false);
      assert.deepEqual(r.body, csv.subarray(0, 100));
    });

    it('should cut a Transfer JSON body', async () => {
      emu.faults.add({ kind: 'truncate', service: 'transfer', bytes: 20, count: 1 });
      const r = await rawRequest(ls, { headers: bearer(tokens[transferRs]) });
      assert.equal(r.status, 200);
      assert.equal(r.body.length, 20);
      assert.throws(() => JSON.parse(r.body.toString()));
    });
  });

  describe('bandwidth', () => {
    it('should cap a GCS download at roughly the given rate', async () => {
      // About 0.5 s for the whole file whatever its size.
      const rate = Math.max(1000, Math.ceil(csv.length * 2));
      emu.faults.add({ kind: 'bandwidth', service: 'gcs:*', bytesPerSecond: rate, count: 1 });
      const r = await rawRequest(`${gcsPublic}${csvPath}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, csv);
      const expected = (csv.length / rate) * 1000;
      assert.ok(r.ms >= expected * 0.8, `took ${r.ms} ms, expected about ${expected}`);
      assert.ok(r.ms < expected * 4 + 1000, `took ${r.ms} ms, expected about ${expected}`);
      const fast = await rawRequest(`${gcsPublic}${csvPath}`);
      assert.ok(fast.ms < r.ms * 0.8, `the second download was capped too (${fast.ms} ms)`);
    });
  });

  describe('latency', () => {
    it('should delay a Groups request', async () => {
      emu.faults.add({ kind: 'latency', service: 'groups', ms: 400, count: 1 });
      const r = await rawRequest(`${emu.urls.groups}/v2/groups/my_groups`, {
        headers: bearer(tokens[groupsRs])
      });
      assert.equal(r.status, 200);
      assert.ok(r.ms >= 390, `took ${r.ms} ms`);
    });
  });

  describe('expireToken', () => {
    it('should make Transfer answer 401 in its format, for this and later requests', async () => {
      const own = await demoTokens(emu, [transferScope]);
      assert.equal((await rawRequest(ls, { headers: bearer(own[transferRs]) })).status, 200);
      emu.faults.add({ kind: 'expireToken', service: 'transfer', count: 1 });
      const r = await rawRequest(ls, { headers: bearer(own[transferRs]) });
      assertTransferError(r, 401, /AuthenticationFailed$/);
      const again = await rawRequest(ls, { headers: bearer(own[transferRs]) });
      assert.equal(again.status, 401);
    });

    it('should make Auth answer 401 in its format', async () => {
      const own = await demoTokens(emu, ['openid', 'profile', viewIdentitiesScope]);
      emu.faults.add({ kind: 'expireToken', service: 'auth', count: 1 });
      const r = await rawRequest(`${emu.urls.auth}/v2/api/identities?usernames=x`, {
        headers: bearer(own[authRs])
      });
      assertAuthError(r, 401);
    });

    it('should make a collection answer 401 with a GARE', async () => {
      const own = await demoTokens(emu, [httpsScope(GUEST_COLLECTION_ID)]);
      const guest = emu.urls.collections[GUEST_COLLECTION_ID];
      const headers = { ...bearer(own[GUEST_COLLECTION_ID]), 'X-Requested-With': 'XMLHttpRequest' };
      assert.equal((await rawRequest(`${guest}/README.txt`, { headers })).status, 200);
      emu.faults.add({ kind: 'expireToken', service: `gcs:${GUEST_COLLECTION_ID}`, count: 1 });
      const r = await rawRequest(`${guest}/README.txt`, { headers });
      assert.equal(r.status, 401);
      const body = jsonOf(r);
      const params = body.authorization_parameters as Record<string, unknown>;
      assert.ok(Array.isArray(params.required_scopes));
      assert.ok((params.required_scopes as string[]).includes(httpsScope(GUEST_COLLECTION_ID)));
    });
  });

  describe('admin origin', () => {
    it('should add a rule over HTTP that disturbs the next request', async () => {
      const add = await rawRequest(`${emu.urls.admin}/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          kind: 'status',
          service: 'transfer',
          status: 503,
          count: 1,
          id: 'once'
        })
      });
      assert.equal(add.status, 201);
      assertTransferError(
        await rawRequest(ls, { headers: bearer(tokens[transferRs]) }),
        503,
        'ServiceUnavailable'
      );
      const list = jsonOf(await rawRequest(`${emu.urls.admin}/faults`)).rules as Record<
        string,
        unknown
      >[];
      assert.deepEqual(
        list.map(r => [r.id, r.hits, r.remaining]),
        [['once', 1, 0]]
      );
    });

    it('should move the clock so that tokens expire', async () => {
      const own = await demoTokens(emu, [transferScope]);
      const r = await rawRequest(`${emu.urls.admin}/clock`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ advanceMs: 49 * 3600 * 1000 })
      });
      assert.equal(r.status, 200);
      try {
        assertTransferError(
          await rawRequest(ls, { headers: bearer(own[transferRs]) }),
          401,
          /AuthenticationFailed$/
        );
      } finally {
        emu.clock.advance(-49 * 3600 * 1000);
      }
    });
  });
});

describe('createEmulator({ faults })', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faults-file-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should load rules from a file, seeded and deterministic', async () => {
    const file = join(dir, 'rules.json');
    await writeFile(
      file,
      JSON.stringify({
        rules: [{ kind: 'status', service: 'groups', status: 503, probability: 0.5 }]
      })
    );
    const run = async (): Promise<string> => {
      const emu = await createEmulator({ seed: 5, faults: file });
      try {
        let out = '';
        for (let i = 0; i < 16; i++) {
          out +=
            (await rawRequest(`${emu.urls.groups}/v2/groups/my_groups`)).status === 503 ? '1' : '0';
        }
        return out;
      } finally {
        await emu.close();
      }
    };
    const a = await run();
    assert.equal(a, await run());
    assert.match(a, /1/);
    assert.match(a, /0/);
  });

  it('should refuse an invalid rules file before starting', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify([{ kind: 'status', status: 'soon' }]));
    await assert.rejects(
      createEmulator({ faults: file }),
      (e: unknown) => (e as { field?: string }).field === 'rules[0].status'
    );
  });
});

/** Runs the CLI until it prints `ready` (or exits); never longer than `timeoutMs`. */
function startCli(
  args: string[],
  timeoutMs = 20_000
): Promise<{
  lines: Record<string, string>;
  stderr: string;
  exitCode: number | null;
  stop(): Promise<void>;
}> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'cli.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let out = '';
  let stderr = '';
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not get ready: ${stderr}`));
    }, timeoutMs);
    const parse = (): Record<string, string> =>
      Object.fromEntries(
        out
          .split('\n')
          .filter(l => l.includes('='))
          .map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
      );
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/^ready$/m.test(out)) {
        clearTimeout(timer);
        resolve({ lines: parse(), stderr, exitCode: null, stop });
      }
    });
    void exited.then(code => {
      clearTimeout(timer);
      resolve({ lines: parse(), stderr, exitCode: code, stop });
    });
  });
}

describe('globus-emulator --faults FILE', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faults-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should start with the rules active and list them on the admin origin', async () => {
    const file = join(dir, 'rules.json');
    await writeFile(
      file,
      JSON.stringify([
        {
          id: 'busy',
          kind: 'status',
          service: 'transfer',
          path: '/v0.10/endpoint_search',
          status: 429,
          headers: { 'Retry-After': '5' },
          count: 1
        }
      ])
    );
    const cli = await startCli(['--seed', '9', '--faults', file]);
    try {
      assert.equal(cli.exitCode, null, cli.stderr);
      const transfer = cli.lines.GLOBUS_SDK_SERVICE_URL_TRANSFER;
      const admin = cli.lines.GLOBUS_EMULATOR_ADMIN_URL;
      const r = await rawRequest(`${transfer}/v0.10/endpoint_search?filter_fulltext=x`);
      assertTransferError(r, 429, 'TooManyRequests');
      assert.equal(r.headers['retry-after'], '5');
      assertTransferError(
        await rawRequest(`${transfer}/v0.10/endpoint_search?filter_fulltext=x`),
        401,
        /AuthenticationFailed$/
      );
      const rules = jsonOf(await rawRequest(`${admin}/faults`)).rules as Record<string, unknown>[];
      assert.deepEqual(
        rules.map(x => [x.id, x.hits, x.remaining]),
        [['busy', 1, 0]]
      );
    } finally {
      await cli.stop();
    }
  });

  it('should refuse an invalid rules file, naming the field', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ rules: [{ kind: 'latency', ms: 5, cout: 1 }] }));
    const cli = await startCli(['--faults', file]);
    await cli.stop();
    assert.equal(cli.exitCode, 1);
    assert.match(cli.stderr, /rules\[0\]\.cout/);
  });
});

describe('Error shapes of the emulator services', () => {
  let emu: IEmulator;
  let tokens: Record<string, string>;

  before(async () => {
    emu = await createEmulator({ seed: 3 });
    tokens = await demoTokens(emu, [
      'openid',
      'profile',
      viewIdentitiesScope,
      transferScope,
      groupsScope
    ]);
  });
  after(async () => {
    await emu?.close();
  });

  describe('Auth', () => {
    it('should answer errors[] for an API call without a token', async () => {
      const err = assertAuthError(
        await rawRequest(`${emu.urls.auth}/v2/api/identities?usernames=x`),
        401
      );
      assert.equal(err.code, 'UNAUTHORIZED');
    });

    it('should answer an OAuth error from the token endpoint', async () => {
      const r = await rawRequest(`${emu.urls.auth}/v2/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'not-a-code',
          client_id: NATIVE_CLIENT_ID,
          redirect_uri: 'https://auth.globus.org/v2/web/auth-code',
          code_verifier: 'x'.repeat(43)
        }).toString()
      });
      assert.ok(r.status === 400 || r.status === 401, `status ${r.status}`);
      const body = jsonOf(r);
      assert.equal(body.error, 'invalid_grant');
      assert.equal(typeof body.error_description, 'string');
    });
  });

  describe('Transfer', () => {
    it('should answer EndpointNotFound for an unknown collection', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      const r = await rawRequest(`${emu.urls.transfer}/v0.10/endpoint/${id}`, {
        headers: bearer(tokens[transferRs])
      });
      const body = assertTransferError(r, 404, 'EndpointNotFound');
      assert.match(String(body.message), new RegExp(id));
      assert.equal(body.resource, `/endpoint/${id}`);
    });

    it('should answer 401 AuthenticationFailed without a token', async () => {
      assertTransferError(
        await rawRequest(`${emu.urls.transfer}/v0.10/endpoint_search?filter_fulltext=x`),
        401,
        /AuthenticationFailed$/
      );
    });

    it('should answer ClientError.NotFound for ls on a missing directory', async () => {
      const r = await rawRequest(
        `${emu.urls.transfer}/v0.10/operation/endpoint/${PUBLIC_COLLECTION_ID}/ls?path=/no/such/dir/`,
        { headers: bearer(tokens[transferRs]) }
      );
      assertTransferError(r, 404, 'ClientError.NotFound');
    });

    it('should answer ExternalError.MkdirFailed.Exists for mkdir on an existing path', async () => {
      const r = await rawRequest(
        `${emu.urls.transfer}/v0.10/operation/endpoint/${GUEST_COLLECTION_ID}/mkdir`,
        {
          method: 'POST',
          headers: { ...bearer(tokens[transferRs]), 'Content-Type': 'application/json' },
          body: JSON.stringify({ DATA_TYPE: 'mkdir', path: '/' })
        }
      );
      assertTransferError(r, 502, 'ExternalError.MkdirFailed.Exists');
    });

    it('should answer ConsentRequired with required_scopes and authorization_parameters', async () => {
      const r = await rawRequest(
        `${emu.urls.transfer}/v0.10/operation/endpoint/${MAPPED_COLLECTION_ID}/ls?path=/`,
        {
          headers: bearer(tokens[transferRs])
        }
      );
      const body = assertTransferError(r, 403, 'ConsentRequired');
      const expected = `${transferScope}[*${dataAccessScope(MAPPED_COLLECTION_ID)}]`;
      assert.deepEqual(body.required_scopes, [expected]);
      const params = body.authorization_parameters as Record<string, unknown>;
      assert.deepEqual(params.required_scopes, [expected]);
      assert.equal(typeof params.session_message, 'string');
    });

    it('should list the mapped collection once data_access is consented', async () => {
      const own = await demoTokens(emu, [
        `${transferScope}[*${dataAccessScope(MAPPED_COLLECTION_ID)}]`
      ]);
      const r = await rawRequest(
        `${emu.urls.transfer}/v0.10/operation/endpoint/${MAPPED_COLLECTION_ID}/ls?path=/`,
        {
          headers: bearer(own[transferRs])
        }
      );
      assert.equal(r.status, 200, r.body.toString());
    });
  });

  describe('GCS HTTPS', () => {
    it('should answer 401 with a GARE to an XHR request without a token', async () => {
      const guest = emu.urls.collections[GUEST_COLLECTION_ID];
      const r = await rawRequest(`${guest}/README.txt`, {
        headers: { 'X-Requested-With': 'XMLHttpRequest' }
      });
      assert.equal(r.status, 401);
      const body = jsonOf(r);
      const params = body.authorization_parameters as Record<string, unknown>;
      assert.deepEqual(params.required_scopes, [httpsScope(GUEST_COLLECTION_ID)]);
    });

    it('should ask for data_access too on the mapped collection', async () => {
      const mapped = emu.urls.collections[MAPPED_COLLECTION_ID];
      const r = await rawRequest(`${mapped}/home/README.txt`, {
        headers: { 'X-Requested-With': 'XMLHttpRequest' }
      });
      assert.equal(r.status, 401);
      const params = jsonOf(r).authorization_parameters as Record<string, unknown>;
      const scopes = params.required_scopes as string[];
      assert.ok(scopes.includes(httpsScope(MAPPED_COLLECTION_ID)), JSON.stringify(scopes));
      assert.ok(
        scopes.some(s => s.includes(dataAccessScope(MAPPED_COLLECTION_ID))),
        JSON.stringify(scopes)
      );
    });

    it('should redirect a browser request without a token, naming the collection as client_id', async () => {
      const guest = emu.urls.collections[GUEST_COLLECTION_ID];
      const r = await rawRequest(`${guest}/README.txt`);
      assert.equal(r.status, 302);
      const location = new URL(String(r.headers.location));
      assert.deepEqual(location.searchParams.getAll('client_id'), [GUEST_COLLECTION_ID]);
    });
  });

  describe('Groups', () => {
    it('should answer 401 without a token', async () => {
      const r = await rawRequest(`${emu.urls.groups}/v2/groups/my_groups`);
      assert.equal(r.status, 401);
      assert.equal(typeof jsonOf(r), 'object');
    });
  });
});
