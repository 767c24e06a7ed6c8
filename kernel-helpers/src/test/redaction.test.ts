/**
 * No output the library can produce contains a raw token: session, token set, tokens,
 * consent status, clients, and every error kind (message, stack, inspect with causes,
 * JSON), produced for real against the emulator with its faults.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { connect, GlobusSession } from '../session';
import { decodeGlobusData } from '../globus-data';
import { request } from '../http/request';
import { Token } from '../tokens/token';
import { GlobusScopes } from '../tokens/scopes';
import { connectOidc } from '../oidc/oidc-session';
import { Workspace } from '../workspaces/workspace';
import { RecordingSink } from './flow-support';

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

/**
 * What a suite showed or threw, in every form a user could see it: `record` keeps a value's
 * views, `failure` runs a call that must fail and keeps its error (a call that succeeds
 * fails the test).
 */
function recorder(): {
  outputs: Array<{ what: string; text: string }>;
  record(what: string, value: unknown): void;
  failure(what: string, run: () => Promise<unknown>): Promise<void>;
} {
  const outputs: Array<{ what: string; text: string }> = [];
  const record = (what: string, value: unknown): void => {
    for (const text of views(value)) {
      outputs.push({ what, text });
    }
  };
  const failure = async (what: string, run: () => Promise<unknown>): Promise<void> => {
    let failed = false;
    try {
      await run();
    } catch (error) {
      failed = true;
      record(what, error);
    }
    assert.ok(failed, `${what} should have failed`);
  };
  return { outputs, record, failure };
}

describe('redaction', () => {
  let mod: EmulatorModule;
  let emu: Emulator;
  let env: Record<string, string>;
  let session: GlobusSession;
  const secrets: string[] = [];
  const { outputs, record, failure } = recorder();

  beforeAll(async () => {
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
  afterAll(async () => {
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

describe('redaction (OIDC sessions and S3 workspaces)', () => {
  let mod: EmulatorModule;
  let emu: Emulator;
  const secrets: string[] = [];
  const { outputs, record, failure } = recorder();

  beforeAll(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    mod = await import('../../../emulator/dist/index.js');
    emu = await mod.createEmulator({ platform: true });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('should never show an access/refresh token, client secret, S3 secret key or session token', async () => {
    const env = emu.platformEnv();
    const sink = new RecordingSink();
    const oidc = await connectOidc({
      issuer: env.GLOBUS_KIT_OIDC_ISSUER,
      clientId: env.GLOBUS_KIT_OIDC_APP_CLIENT_ID,
      clientSecret: env.GLOBUS_KIT_OIDC_APP_CLIENT_SECRET,
      platformUrl: env.GLOBUS_KIT_PLATFORM_URL,
      display: sink,
      env: {}
    });
    secrets.push(env.GLOBUS_KIT_OIDC_APP_CLIENT_SECRET);
    const token = await oidc.accessToken();
    secrets.push(token.unsafeRevealAccessToken());
    const refresh = token.unsafeRevealRefreshToken();
    if (refresh) secrets.push(refresh);
    const ws = await oidc.workspace(mod.SERVICE_WORKSPACE);
    const creds = await ws.credentials();
    const raw = creds.unsafeReveal();
    secrets.push(raw.secretAccessKey);
    const sessionToken = raw.sessionToken as string;
    assert.ok(sessionToken, 'STS answers a session token');
    secrets.push(sessionToken);

    record('session', oidc);
    record('session.toJSON', oidc.toJSON());
    record('tokens', oidc.tokens);
    record('token', token);
    record('whoami', await oidc.whoami());
    record('userinfo', await oidc.userinfo());
    record('workspaces', await oidc.workspaces());
    record('workspace', ws);
    record('credentials', creds);
    record('platform', oidc.platform);
    record('upload', await ws.upload('a,b\n1,2\n', 'redaction/x.csv'));
    record('ls', await ws.ls('redaction/'));
    record('fetchCsv', await oidc.fetchCsv({ workspace: ws, key: 'redaction/x.csv' }));
    const link = await oidc.link({ workspace: ws, key: 'redaction/x.csv' }, { expiresIn: 60 });
    record('link (without its URL)', { ...link, url: '' });
    await failure('wrong client secret', () =>
      connectOidc({
        issuer: env.GLOBUS_KIT_OIDC_ISSUER,
        clientId: env.GLOBUS_KIT_OIDC_APP_CLIENT_ID,
        clientSecret: `${env.GLOBUS_KIT_OIDC_APP_CLIENT_SECRET}-wrong`,
        env: {}
      })
    );
    await failure('discovery', () =>
      connectOidc({ issuer: `${env.GLOBUS_KIT_OIDC_ISSUER}x`, clientId: 'c', env: {} })
    );
    await failure('workspace not found', () => oidc.workspace(mod.BOB_WORKSPACE));
    await failure('S3 not found', () => ws.download('redaction/none.csv'));
    await failure('bad key', () => ws.upload('x', '../x'));
    const other = new Workspace(
      { ...ws.document, properties: { ...ws.document.properties, key: ['elsewhere/'] } },
      oidc.platform
    );
    await failure('access denied', () => other.ls());
    other.dispose();
    emu.faults.add({ kind: 'status', service: 'platform', status: 503 });
    await failure('platform 503', () => oidc.workspaces());
    emu.faults.clear();
    for (const o of sink.outputs) {
      // A presigned URL carries the session token in X-Amz-Security-Token by design (SigV4
      // query authentication with temporary credentials): it is the capability being handed
      // out. Everything else must be free of it.
      const text = typeof o.data === 'string' ? o.data : JSON.stringify(o.data);
      outputs.push({
        what: `display ${o.mime}`,
        text: text.replace(/X-Amz-Security-Token=[^&"'<\s]*/g, 'X-Amz-Security-Token=…')
      });
    }
    assert.ok(
      sink.outputs.some(o => String(o.data).includes('X-Amz-Signature')),
      'link shown'
    );
    const kinds = new Set(outputs.map(o => o.what));
    assert.ok(
      kinds.has('access denied') && kinds.has('wrong client secret') && kinds.has('credentials')
    );
    for (const { what, text } of outputs) {
      for (const secret of secrets) {
        assert.ok(!text.includes(secret), `${what} leaked a secret`);
      }
    }
    oidc.dispose();
  });
});
