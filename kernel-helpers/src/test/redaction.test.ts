/**
 * No output the library can produce contains a raw token: session, token set, tokens,
 * consent status, clients, and every error kind (message, stack, inspect with causes,
 * JSON), produced for real against the emulator with its faults.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { connect, GlobusSession } from '../session';
import { decodeGlobusData } from '../globus-data';
import { request } from '../http/request';
import { Token } from '../tokens/token';
import { GlobusScopes } from '../tokens/scopes';

type EmulatorModule = typeof import('../../../emulator/dist/index.js');
type Emulator = Awaited<ReturnType<EmulatorModule['createEmulator']>>;

const FAST = { baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 3000 };

function views(value: unknown): string[] {
  const out = [
    inspect(value),
    inspect(value, { depth: Infinity, showHidden: true, getters: true }),
    String(value),
    (() => {
      try {
        return JSON.stringify(value) ?? '';
      } catch {
        return '';
      }
    })()
  ];
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? '', inspect(value.cause, { depth: Infinity }));
    out.push(JSON.stringify(Object.fromEntries(Object.entries(value))));
  }
  return out;
}

describe('redaction', () => {
  let mod: EmulatorModule;
  let emu: Emulator;
  let env: Record<string, string>;
  let session: GlobusSession;
  const secrets: string[] = [];
  const outputs: Array<{ what: string; text: string }> = [];

  function record(what: string, value: unknown): void {
    for (const text of views(value)) {
      outputs.push({ what, text });
    }
  }

  async function failure(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
      assert.fail(`${what} should have failed`);
    } catch (error) {
      record(what, error);
    }
  }

  before(async () => {
    mod = await import('../../../emulator/dist/index.js');
    emu = await mod.createEmulator();
    env = await emu.env({ shape: 'pre-0.12', offline: true });
    const decoded = decodeGlobusData(env.GLOBUS_DATA);
    for (const t of decoded.tokens) {
      secrets.push(t.accessToken);
      if (t.refreshToken) secrets.push(t.refreshToken);
    }
    if (decoded.idToken) secrets.push(decoded.idToken);
    secrets.push(env.GLOBUS_DATA);
    session = await connect({ env, requestDefaults: { retry: FAST } });
  });
  after(async () => {
    await emu?.close();
  });

  describe('#outputs', () => {
    it('should collect real secrets to look for', () => {
      assert.ok(secrets.length >= 4);
      assert.ok(secrets.every(s => s.length >= 16));
    });

    it('should never contain a raw token in any display or error', async () => {
      const seed = mod.seed;
      record('session', session);
      record('session.toJSON', session.toJSON());
      record('tokens', session.tokens);
      for (const t of session.tokens) record(`token ${t.resourceServer}`, t);
      record('context', session.context);
      record('clients', [session.auth, session.transfer, session.https]);
      record(
        'consentStatus',
        session.consentStatus([
          GlobusScopes.TRANSFER_ALL,
          GlobusScopes.https(seed.MAPPED_COLLECTION_ID)
        ])
      );
      await failure('consent required', () =>
        session.transfer.files.ls(seed.MAPPED_COLLECTION_ID, '/')
      );
      await failure('not found', () =>
        session.transfer.files.ls(seed.PUBLIC_COLLECTION_ID, '/nope/')
      );
      await failure('https consent', () =>
        session.https.downloadBytes(seed.MAPPED_COLLECTION_ID, '/x')
      );
      emu.faults.add({ kind: 'expireToken', service: 'transfer', count: 1 });
      await failure('rejected token', () =>
        session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID)
      );
      emu.faults.clear();
      emu.faults.add({ kind: 'reset', service: 'transfer' });
      await failure('reset', () => session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID));
      emu.faults.clear();
      emu.faults.add({ kind: 'truncate', service: `gcs:${seed.PUBLIC_COLLECTION_ID}`, bytes: 50 });
      await failure('truncate', () =>
        session.https.downloadBytes(seed.PUBLIC_COLLECTION_ID, `${seed.WEATHER_DIR}1952.csv`)
      );
      emu.faults.clear();
      emu.faults.add({ kind: 'status', service: 'transfer', status: 200, bodyText: '{"x"' });
      await failure('malformed', () => session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID));
      emu.faults.clear();
      emu.faults.add({ kind: 'status', service: 'transfer', status: 503 });
      await failure('503', () => session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID));
      emu.faults.clear();
      emu.faults.add({ kind: 'latency', service: 'transfer', ms: 2000 });
      await failure('timeout', () =>
        session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID, {
          timeoutMs: 100,
          retry: false
        })
      );
      await failure('abort', () =>
        session.transfer.collections.get(seed.PUBLIC_COLLECTION_ID, {
          signal: AbortSignal.timeout(50)
        })
      );
      emu.faults.clear();
      const realTransfer = session.tokens.for('transfer.api.globus.org') as Token;
      const expired = new Token({
        resourceServer: 'transfer.api.globus.org',
        accessToken: realTransfer.unsafeRevealAccessToken(),
        scope: GlobusScopes.TRANSFER_ALL,
        expiresAtSeconds: 1000
      });
      emu.faults.add({
        kind: 'status',
        service: 'transfer',
        status: 401,
        code: 'AuthenticationFailed'
      });
      await failure('expired', () =>
        request({
          service: 'transfer',
          operation: 'ls',
          baseUrl: `${emu.urls.transfer}/v0.10`,
          path: '/endpoint/x',
          token: expired
        })
      );
      emu.faults.clear();
      assert.ok(outputs.length > 50);
      const kinds = new Set(outputs.map(o => o.what));
      assert.ok(kinds.has('expired') && kinds.has('consent required') && kinds.has('timeout'));
      for (const { what, text } of outputs) {
        for (const secret of secrets) {
          assert.ok(!text.includes(secret), `${what} leaked a secret`);
        }
      }
    });
  });
});
