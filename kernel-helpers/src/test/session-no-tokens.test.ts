/**
 * A hub auth state without tokens (`tokens: {}` or `''`, what JupyterHub's Globus
 * authenticator leaves after a logout that revoked them): the decoder says so in
 * `warnings`, and every verb of a session built on it throws `NO_CREDENTIALS` with the
 * server's words and the remedy, never a consent link on the hub's confidential client.
 * The services point at a closed port: nothing may be asked.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { TokenFile } from '../login/token-file';
import { connect, hubNoTokensMessage, type GlobusSession } from '../session';
import { decodeGlobusData, HUB_GAVE_NO_TOKENS } from '../globus-data';
import { isGlobusKitError } from '../errors/globus-kit-error';
import { RecordingSink } from './flow-support';
import { vector } from './globus-data-vectors';

/** The hub's client id in test/vectors (make-vectors.py). */
const HUB_CLIENT_ID = '7a3c1e0f-5b2d-4c8e-9f10-1a2b3c4d5e6f';
const COLLECTION = 'a6f165fa-aee2-4fe5-95f3-97429c28bf82';
const TRANSFER_ALL = 'urn:globus:auth:scope:transfer.api.globus.org:all';
const REVOKED = ['auth-pre012-revoked-p3', 'auth-012-revoked-p4', 'auth-16-revoked-p4'];

/** Every service on a closed port. */
const DEAD = {
  GLOBUS_SDK_SERVICE_URL_AUTH: 'http://127.0.0.1:9',
  GLOBUS_SDK_SERVICE_URL_TRANSFER: 'http://127.0.0.1:9',
  GLOBUS_SDK_SERVICE_URL_GROUPS: 'http://127.0.0.1:9'
};

/** Each verb, called as a notebook would for its first step. */
function verbs(s: GlobusSession): Array<[string, () => Promise<unknown>]> {
  return [
    ['whoami', () => s.whoami()],
    ['ls', () => s.ls(COLLECTION, '/~/')],
    ['link', () => s.link(COLLECTION, '/~/a.csv')],
    ['share', () => s.share(COLLECTION, '/shared/', { identity: 'someone@example.org' })],
    ['fetchCsv', () => s.fetchCsv({ collection: COLLECTION, path: '/~/a.csv' })],
    ['upload', () => s.upload('a,b\n1,2\n', { collection: COLLECTION, path: '/~/a.csv' })],
    [
      'transfer',
      () =>
        s.transfer({
          from: COLLECTION,
          to: COLLECTION,
          items: [{ source: '/~/a.csv', destination: '/~/b.csv' }]
        })
    ],
    ['auth.userinfo', () => s.auth.userinfo.get()],
    ['https.downloadBytes', () => s.https.downloadBytes({ id: COLLECTION } as never, '/~/a.csv')]
  ];
}

describe('regression #15: a hub auth state without tokens', () => {
  it('should let a login made since (the stored login) take over', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'gk-no-tokens-'));
    try {
      const tokenFile = join(dir, 'tokens.json');
      await new TokenFile(tokenFile).update(() => ({
        format: 'jupyterlab-globus-kit/tokens',
        format_version: 1,
        revision: 0,
        updated_at: 0,
        client_id: 'native-client',
        auth_base_url: DEAD.GLOBUS_SDK_SERVICE_URL_AUTH,
        identity: null,
        id_token: null,
        tokens: {
          'transfer.api.globus.org': {
            resource_server: 'transfer.api.globus.org',
            access_token: 'stored-login-access-token-for-the-test',
            refresh_token: null,
            scope: TRANSFER_ALL,
            expires_at_seconds: Math.floor(Date.now() / 1000) + 3600,
            token_type: 'Bearer'
          }
        }
      }));
      const env = {
        ...DEAD,
        GLOBUS_DATA: vector('auth-16-revoked-p4').pickle_b64,
        GLOBUS_KIT_TOKEN_FILE: tokenFile
      };
      const session = await connect({ env });
      assert.equal(session.source, 'stored-login');
      assert.equal(session.tokens.toJSON().length, 1);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('should say in warnings that the hub gave no tokens', () => {
    for (const name of REVOKED) {
      const state = decodeGlobusData(vector(name).pickle_b64);
      assert.deepEqual(state.tokens, [], name);
      assert.ok(
        state.warnings.some(w => w.startsWith(HUB_GAVE_NO_TOKENS)),
        `${name}: ${state.warnings.join(' | ')}`
      );
    }
    assert.ok(
      !decodeGlobusData(vector('auth-16-p4').pickle_b64).warnings.some(w =>
        w.startsWith(HUB_GAVE_NO_TOKENS)
      ),
      'not said when there are tokens'
    );
  });

  it('should throw NO_CREDENTIALS from every verb, with the remedy and no consent link', async () => {
    for (const name of REVOKED) {
      const env = { ...DEAD, GLOBUS_DATA: vector(name).pickle_b64 };
      const sink = new RecordingSink();
      const session = await connect({ env, display: sink, verifyIdToken: false });
      assert.equal(session.tokens.size, 0);
      assert.ok(session.warnings.some(w => w.startsWith(HUB_GAVE_NO_TOKENS)));
      const expected =
        'The hub gave this server no Globus tokens. Log out of the hub and log in again; ' +
        'then run connect() again.';
      assert.equal(hubNoTokensMessage(env), expected);
      for (const [verb, call] of verbs(session)) {
        await assert.rejects(call(), (e: unknown) => {
          assert.ok(isGlobusKitError(e), `${name} ${verb}: ${String(e)}`);
          assert.equal(e.code, 'NO_CREDENTIALS', `${name} ${verb}`);
          assert.equal(e.message, expected, `${name} ${verb}`);
          assert.ok(!inspect(e).includes(HUB_CLIENT_ID), `${name} ${verb}: no hub client`);
          return true;
        });
      }
      const shown = JSON.stringify(sink.outputs);
      assert.ok(shown.includes('The hub gave this server no Globus tokens.'), name);
      assert.ok(shown.includes('No Globus credentials'), `${name}: the error display's title`);
      assert.ok(!shown.includes(HUB_CLIENT_ID) && !/oauth2\/authorize/.test(shown), name);
      const [entry] = session.consentStatus([TRANSFER_ALL]);
      assert.equal(entry.status, 'missing');
      assert.equal(entry.consentUrl, undefined, 'no consent link on the hub client');
    }
  });

  it('should offer a login here when a native client is configured', async () => {
    const env = {
      ...DEAD,
      GLOBUS_DATA: vector('auth-012-revoked-p4').pickle_b64,
      GLOBUS_KIT_CLIENT_ID: '11111111-2222-4333-8444-555555555555'
    };
    const session = await connect({ env, verifyIdToken: false });
    await assert.rejects(session.ls(COLLECTION, '/~/'), {
      code: 'NO_CREDENTIALS',
      message:
        'The hub gave this server no Globus tokens. Log out of the hub and log in again, or ' +
        'log in with Globus (login() in a cell); then run connect() again.'
    });
  });

  it('should do the same for connect({ globusData })', async () => {
    const session = await connect({
      env: DEAD,
      globusData: vector('auth-16-revoked-p4').pickle_b64,
      verifyIdToken: false
    });
    await assert.rejects(session.ls(COLLECTION, '/~/'), { code: 'NO_CREDENTIALS' });
  });

  it('should still fetch a plain web URL, which needs no Globus token', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_q, res) => res.writeHead(200).end('a,b\n1,2\n'));
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as { port: number };
      const session = await connect({
        env: { ...DEAD, GLOBUS_DATA: vector('auth-012-revoked-p4').pickle_b64 },
        verifyIdToken: false
      });
      const table = await session.fetchCsv(`http://127.0.0.1:${port}/a.csv`);
      assert.equal(table.numRows, 1);
    } finally {
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    }
  });
});
