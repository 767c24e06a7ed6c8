/**
 * connect() on a hub: the hub's current auth_state (JupyterHub's `GET /users/{name}` with
 * the server's API token) wins over the GLOBUS_DATA the server started with, as on the
 * server; any answer without a usable auth_state falls back to GLOBUS_DATA. A loopback
 * HTTP server plays the hub as a real JupyterHub answers: `GET /user` has
 * `"auth_state": null` whatever the token's scopes (jupyterhub/jupyterhub#5103), and
 * `GET /users/{name}` has it only for a token with `admin:auth_state`. The emulator issues
 * the Globus tokens.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from '../session';
import { decodeGlobusDataText } from '../globus-data/decode-text';
import { unpickle } from '../globus-data/unpickle';
import { decodeGlobusData } from '../globus-data';
import { fetchHubAuthState } from '../globus-data/hub-auth-state';
import { Emulator, loadEmulator } from './flow-support';

/** The server's token, with `admin:auth_state` (and a second one without it). */
const HUB_TOKEN = 'hub-api-token-for-the-test-0001';
const HUB_TOKEN_NO_SCOPE = 'hub-api-token-for-the-test-0002';
/** A hub user name that needs URL encoding. */
const HUB_USER = 'demo user@example.org';

/** The auth_state a GLOBUS_DATA holds, as the hub's JSON would carry it. */
function authStateJson(globusData: string): string {
  const state = unpickle(decodeGlobusDataText(globusData));
  return JSON.stringify(state, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
}

/**
 * A JupyterHub user API as the real one answers (5.3.0): `/user` never carries auth_state;
 * `/users/{name}` carries it for a token with `admin:auth_state` and omits the key
 * otherwise; an unknown name is 404, a missing or unknown token 403.
 */
function realHub(authState: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const token = /^token (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token !== HUB_TOKEN && token !== HUB_TOKEN_NO_SCOPE) {
      res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"status":403}');
      return;
    }
    const model = `"kind":"user","name":${JSON.stringify(HUB_USER)},"admin":false`;
    if (req.url === '/hub/api/user') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{${model},"auth_state":null}`);
      return;
    }
    const name = /^\/hub\/api\/users\/([^/?]+)$/.exec(req.url ?? '')?.[1];
    if (name === undefined || decodeURIComponent(name) !== HUB_USER) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"status":404}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(token === HUB_TOKEN ? `{${model},"auth_state":${authState}}` : `{${model}}`);
  };
}

describe('connect() with the hub user API', () => {
  let emu: Emulator;
  let hub: Server;
  let hubUrl: string;
  let answer: (req: IncomingMessage, res: ServerResponse) => void;
  const seen: IncomingMessage[] = [];
  let env: Record<string, string>;
  let hubState: string;
  let hubData: ReturnType<typeof decodeGlobusData>;

  beforeAll(async () => {
    const mod = await loadEmulator();
    emu = await mod.createEmulator({});
    const fromHub = await emu.env();
    // Each env() issues new tokens: the hub's are not the ones GLOBUS_DATA holds.
    env = { ...(await emu.env()) };
    hubState = authStateJson(fromHub.GLOBUS_DATA);
    hubData = decodeGlobusData(fromHub.GLOBUS_DATA);
    hub = createServer((req, res) => {
      seen.push(req);
      answer(req, res);
    });
    await new Promise<void>(r => hub.listen(0, '127.0.0.1', r));
    hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/hub/api`;
    env.JUPYTERHUB_API_URL = hubUrl;
    env.JUPYTERHUB_API_TOKEN = HUB_TOKEN;
    env.JUPYTERHUB_USER = HUB_USER;
  });
  afterAll(async () => {
    hub.closeAllConnections();
    await new Promise(r => hub.close(r));
    await emu.close();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const tokensOf = (s: Awaited<ReturnType<typeof connect>>): string[] =>
    s.tokens
      .toJSON()
      .map(t => t.fingerprint)
      .sort();

  it("should take the hub's current auth_state over GLOBUS_DATA", async () => {
    answer = realHub(hubState);
    const session = await connect({ env });
    assert.equal(session.source, 'hub-api');
    assert.equal(seen.length, 1);
    assert.equal(seen[0].url, '/hub/api/users/demo%20user%40example.org');
    assert.equal(seen[0].headers.authorization, `token ${HUB_TOKEN}`);
    assert.deepEqual(session.warnings, []);
    const fromHub = await connect({ globusData: hubData });
    const fromEnv = await connect({ globusData: env.GLOBUS_DATA });
    assert.deepEqual(tokensOf(session), tokensOf(fromHub));
    assert.notDeepEqual(tokensOf(session), tokensOf(fromEnv), 'not the GLOBUS_DATA tokens');
    assert.ok(!String(session).includes(HUB_TOKEN) && !JSON.stringify(session).includes(HUB_TOKEN));
  });

  it('regression #15: should ask /users/{name}, since a real hub gives auth_state null on /user', async () => {
    answer = realHub(hubState);
    // What the old code asked: the loopback hub answers it as JupyterHub does.
    const viaUser = await fetch(`${hubUrl}/user`, {
      headers: { Authorization: `token ${HUB_TOKEN}` }
    });
    assert.equal(((await viaUser.json()) as { auth_state: unknown }).auth_state, null);
    seen.length = 0;
    const direct = await fetchHubAuthState(env);
    assert.ok('data' in direct, 'auth_state read from /users/{name}');
    assert.equal(seen.length, 1);
    assert.equal(seen[0].url, '/hub/api/users/demo%20user%40example.org');
  });

  it('regression #15: should say which answer lacked auth_state, and why it fell back', async () => {
    answer = realHub(hubState);
    const noScope = { ...env, JUPYTERHUB_API_TOKEN: HUB_TOKEN_NO_SCOPE };
    const direct = await fetchHubAuthState(noScope);
    assert.ok('why' in direct);
    assert.equal(
      direct.why,
      "the hub's answer to GET /users/demo%20user%40example.org has no auth_state (the server token needs the admin:auth_state scope)"
    );
    const session = await connect({ env: noScope });
    assert.equal(session.source, 'environment');
    assert.equal(session.warnings[0], `The hub's current auth_state was not used: ${direct.why}.`);
    assert.ok(!JSON.stringify(session).includes(HUB_TOKEN_NO_SCOPE));
  });

  it('regression #15: should fall back, saying so, without JUPYTERHUB_USER', async () => {
    answer = realHub(hubState);
    const { JUPYTERHUB_USER: _user, ...noUser } = env;
    const direct = await fetchHubAuthState(noUser);
    assert.ok('why' in direct && /JUPYTERHUB_USER not set/.test(direct.why));
    assert.equal(seen.length, 0, 'no request without a user name');
    const session = await connect({ env: noUser });
    assert.equal(session.source, 'environment');
    assert.match(
      session.warnings[0],
      /^The hub's current auth_state was not used: JUPYTERHUB_USER not set/
    );
  });

  it('should fall back to GLOBUS_DATA when the hub gives no usable auth_state', async () => {
    const cases: Array<[string, (req: IncomingMessage, res: ServerResponse) => void, RegExp]> = [
      [
        '403',
        (_q, res) => res.writeHead(403).end('{"status":403}'),
        /answered 403 to GET \/users\/demo%20user%40example\.org/
      ],
      [
        'no auth_state',
        (_q, res) => res.writeHead(200).end('{"name":"demo","auth_state":null}'),
        /has no auth_state/
      ],
      ['not JSON', (_q, res) => res.writeHead(200).end('<html>'), /other than JSON/],
      [
        'a bad shape',
        (_q, res) => res.writeHead(200).end('{"auth_state":{"tokens":[1,2]}}'),
        /not usable/
      ],
      [
        'too large',
        (_q, res) => {
          res.writeHead(200);
          res.end(Buffer.alloc(5 * 1024 * 1024, 0x20));
        },
        /more than 4 MiB/
      ]
    ];
    for (const [what, handler, why] of cases) {
      answer = handler;
      const direct = await fetchHubAuthState(env);
      assert.ok('why' in direct, what);
      assert.match(direct.why, why, what);
      assert.ok(!direct.why.includes(HUB_TOKEN), what);
      const session = await connect({ env });
      assert.equal(session.source, 'environment', what);
      assert.ok(session.warnings[0].includes(direct.why), what);
    }
  });

  it("should take the hub's auth_state without tokens over GLOBUS_DATA's revoked ones", async () => {
    // A hub logout with revocation leaves `tokens: {}`; the GLOBUS_DATA copy is revoked too.
    answer = (_q, res) =>
      res.writeHead(200).end('{"auth_state":{"client_id":"hub-client","tokens":{}}}');
    const session = await connect({ env });
    assert.equal(session.source, 'hub-api');
    assert.equal(session.tokens.toJSON().length, 0);
    await assert.rejects(
      session.whoami(),
      (e: unknown) =>
        e instanceof Error &&
        (e as { code?: string }).code === 'NO_CREDENTIALS' &&
        e.message.startsWith('The hub gave this server no Globus tokens.')
    );
  });

  it('should give up on a hub that does not answer in time, and on one not listening', async () => {
    answer = () => undefined; // never answers
    const started = Date.now();
    const slow = await fetchHubAuthState(env, 300);
    assert.ok('why' in slow && /did not answer GET \/users\/\S+ within 300 ms/.test(slow.why));
    assert.ok(Date.now() - started < 3000, 'bounded');
    const closed = await fetchHubAuthState({
      JUPYTERHUB_API_URL: 'http://127.0.0.1:1/hub/api',
      JUPYTERHUB_API_TOKEN: HUB_TOKEN,
      JUPYTERHUB_USER: HUB_USER
    });
    assert.ok(
      'why' in closed && /not reachable for GET \/users\/\S+ \(ECONNREFUSED\)/.test(closed.why)
    );
    const session = await connect({
      env: { ...env, JUPYTERHUB_API_URL: 'http://127.0.0.1:1/hub/api' }
    });
    assert.equal(session.source, 'environment');
  });

  it('should not ask the hub when globusData is given, nor without both hub variables', async () => {
    answer = (_req, res) => res.writeHead(500).end();
    await connect({ env, globusData: env.GLOBUS_DATA });
    const { JUPYTERHUB_API_TOKEN: _token, ...noToken } = env;
    const session = await connect({ env: noToken });
    assert.equal(session.source, 'environment');
    assert.deepEqual(session.warnings, [], 'off a hub there is nothing to warn about');
    assert.equal(seen.length, 0);
  });
});
