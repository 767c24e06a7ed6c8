/**
 * connect() on a hub: the hub's current auth_state (JupyterHub's `GET /user` with the
 * server's API token) wins over the GLOBUS_DATA the server started with, as on the server;
 * any answer without a usable auth_state falls back to GLOBUS_DATA. A loopback HTTP server
 * plays the hub; the emulator issues the tokens.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from '../session';
import { decodeGlobusDataText } from '../globus-data/decode-text';
import { unpickle } from '../globus-data/unpickle';
import { decodeGlobusData } from '../globus-data';
import { fetchHubAuthState } from '../globus-data/hub-auth-state';
import { Emulator, loadEmulator } from './flow-support';

const HUB_TOKEN = 'hub-api-token-for-the-test-0001';

/** The auth_state a GLOBUS_DATA holds, as the hub's JSON would carry it. */
function authStateJson(globusData: string): string {
  const state = unpickle(decodeGlobusDataText(globusData));
  return JSON.stringify(state, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
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

  before(async () => {
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
  });
  after(async () => {
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
    answer = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{"name":"demo","auth_state":${hubState}}`);
    };
    const session = await connect({ env });
    assert.equal(session.source, 'hub-api');
    assert.equal(seen.length, 1);
    assert.equal(seen[0].url, '/hub/api/user');
    assert.equal(seen[0].headers.authorization, `token ${HUB_TOKEN}`);
    const fromHub = await connect({ globusData: hubData });
    const fromEnv = await connect({ globusData: env.GLOBUS_DATA });
    assert.deepEqual(tokensOf(session), tokensOf(fromHub));
    assert.notDeepEqual(tokensOf(session), tokensOf(fromEnv), 'not the GLOBUS_DATA tokens');
    assert.ok(!String(session).includes(HUB_TOKEN) && !JSON.stringify(session).includes(HUB_TOKEN));
  });

  it('should fall back to GLOBUS_DATA when the hub gives no usable auth_state', async () => {
    const cases: Array<[string, (req: IncomingMessage, res: ServerResponse) => void, RegExp]> = [
      ['403', (_q, res) => res.writeHead(403).end('{"status":403}'), /answered 403/],
      [
        'no auth_state',
        (_q, res) => res.writeHead(200).end('{"name":"demo","auth_state":null}'),
        /did not include auth_state/
      ],
      ['not JSON', (_q, res) => res.writeHead(200).end('<html>'), /other than JSON/],
      [
        'no tokens',
        (_q, res) => res.writeHead(200).end('{"auth_state":{"client_id":"x","tokens":{}}}'),
        /holds no tokens/
      ],
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
    }
  });

  it('should give up on a hub that does not answer in time, and on one not listening', async () => {
    answer = () => undefined; // never answers
    const started = Date.now();
    const slow = await fetchHubAuthState(env, 300);
    assert.ok('why' in slow && /did not answer within 300 ms/.test(slow.why));
    assert.ok(Date.now() - started < 3000, 'bounded');
    const closed = await fetchHubAuthState({
      JUPYTERHUB_API_URL: 'http://127.0.0.1:1/hub/api',
      JUPYTERHUB_API_TOKEN: HUB_TOKEN
    });
    assert.ok('why' in closed && /not reachable \(ECONNREFUSED\)/.test(closed.why));
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
    assert.equal(seen.length, 0);
  });
});
