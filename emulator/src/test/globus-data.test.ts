import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  authStateShapes,
  buildAuthState,
  globusData,
  issueAuthState,
  pickleBase64,
  PickleError,
  pickleProtocols,
  type JsonValue
} from '../globus-data/index.js';
import type { ITokenResponse } from '../state/auth/auth-state.js';
import {
  DEMO_IDENTITY_ID,
  GUEST_COLLECTION_ID,
  HUB_CLIENT_ID,
  MAPPED_COLLECTION_ID,
  PUBLIC_COLLECTION_ID,
  TUTORIAL_GROUP_ID
} from '../state/seed.js';
import { startAuthFixture, type IAuthFixture } from './auth-fixture.js';

/** Decodes GLOBUS_DATA values with CPython, the way a hub-spawned notebook would (one process for all). */
function unpickleAll(values: string[]): Array<{ value: unknown; protocol: number }> {
  const out = spawnSync(
    'python3',
    [
      '-c',
      'import pickle,base64,json,sys\n' +
        'out=[]\n' +
        'for b in json.load(sys.stdin):\n' +
        '    raw=base64.b64decode(b)\n' +
        '    out.append({"protocol": raw[1] if raw[0]==0x80 else 0, "value": pickle.loads(raw)})\n' +
        'print(json.dumps(out))'
    ],
    { input: JSON.stringify(values), encoding: 'utf8', timeout: 20_000 }
  );
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout) as Array<{ value: unknown; protocol: number }>;
}

function unpickle(b64: string): { value: unknown; protocol: number } {
  return unpickleAll([b64])[0];
}

const response: ITokenResponse = {
  access_token: 'auth-at',
  scope: 'openid profile',
  expires_in: 172800,
  token_type: 'Bearer',
  resource_server: 'auth.globus.org',
  state: 'st',
  id_token: 'jwt',
  other_tokens: [
    {
      access_token: 'transfer-at',
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      expires_in: 172800,
      token_type: 'Bearer',
      resource_server: 'transfer.api.globus.org',
      state: 'st',
      refresh_token: 'transfer-rt'
    },
    {
      access_token: 'groups-at',
      scope: 'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships',
      expires_in: 172800,
      token_type: 'Bearer',
      resource_server: 'groups.api.globus.org',
      state: 'st'
    }
  ]
};
const input = {
  clientId: 'hub',
  tokenResponse: response,
  userinfo: { sub: 'me' },
  groupIds: ['g1'],
  issuedAtSeconds: 1_000_000
};

describe('buildAuthState', () => {
  it('should build the pre-0.12 shape with expires_at_seconds', () => {
    assert.deepEqual(buildAuthState('pre-0.12', input), {
      client_id: 'hub',
      tokens: {
        'transfer.api.globus.org': {
          scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
          access_token: 'transfer-at',
          refresh_token: 'transfer-rt',
          token_type: 'Bearer',
          expires_at_seconds: 1_172_800,
          resource_server: 'transfer.api.globus.org'
        },
        'groups.api.globus.org': {
          scope: 'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships',
          access_token: 'groups-at',
          refresh_token: null,
          token_type: 'Bearer',
          expires_at_seconds: 1_172_800,
          resource_server: 'groups.api.globus.org'
        }
      }
    });
  });

  it('should build the 0.12-15 shape with expires_in only', () => {
    const state = buildAuthState('0.12-15', input) as {
      tokens: Record<string, Record<string, JsonValue>>;
    };
    assert.deepEqual(Object.keys(state).sort(), ['client_id', 'tokens']);
    assert.deepEqual(Object.keys(state.tokens), [
      'transfer.api.globus.org',
      'groups.api.globus.org'
    ]);
    assert.deepEqual(state.tokens['transfer.api.globus.org'], {
      expires_in: 172800,
      resource_server: 'transfer.api.globus.org',
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      token_type: 'Bearer',
      refresh_token: 'transfer-rt',
      access_token: 'transfer-at'
    });
  });

  it('should build the 16+ shape with token_response, globus_user and globus_groups', () => {
    const state = buildAuthState('16+', input) as Record<string, JsonValue>;
    assert.deepEqual(Object.keys(state), [
      'client_id',
      'tokens',
      'token_response',
      'globus_user',
      'globus_groups'
    ]);
    assert.deepEqual(Object.keys(state.tokens as object), ['transfer.api.globus.org']);
    assert.deepEqual(state.token_response, JSON.parse(JSON.stringify(response)));
    assert.deepEqual(state.globus_user, { sub: 'me' });
    assert.deepEqual(state.globus_groups, ['g1']);
  });

  it('should honour excludeTokens', () => {
    const state = buildAuthState('16+', { ...input, excludeTokens: [] }) as { tokens: object };
    assert.deepEqual(Object.keys(state.tokens).sort(), [
      'auth.globus.org',
      'groups.api.globus.org',
      'transfer.api.globus.org'
    ]);
  });
});

describe('pickleBase64', () => {
  it('should refuse an unsupported protocol', async () => {
    await assert.rejects(pickleBase64({}, 9 as 2), PickleError);
  });

  it('should fail with a PickleError when the interpreter is missing', async () => {
    await assert.rejects(pickleBase64({}, 4, 'python3-does-not-exist'), PickleError);
  });
});

describe('globusData', () => {
  let fx: IAuthFixture;
  before(async () => {
    fx = await startAuthFixture();
  });
  after(() => fx.close());

  const cases = authStateShapes.flatMap(shape =>
    pickleProtocols.map(protocol => ({ shape, protocol }))
  );
  const results = new Map<
    string,
    { state: unknown; decoded: { value: unknown; protocol: number } }
  >();
  before(async () => {
    const made = await Promise.all(
      cases.map(async c => {
        const state = await issueAuthState(fx.auth, { shape: c.shape });
        return { state, b64: await pickleBase64(state, c.protocol) };
      })
    );
    const decoded = unpickleAll(made.map(m => m.b64));
    cases.forEach((c, i) =>
      results.set(`${c.shape}/${c.protocol}`, { state: made[i].state, decoded: decoded[i] })
    );
  });

  for (const { shape, protocol } of cases) {
    it(`should round-trip shape ${shape} through CPython with protocol ${protocol}`, () => {
      const r = results.get(`${shape}/${protocol}`);
      assert.ok(r);
      assert.equal(r.decoded.protocol, protocol);
      assert.deepEqual(r.decoded.value, r.state);
    });
  }

  it('should issue live tokens for the demo user, without the mapped collection data_access consent', async () => {
    const decoded = unpickle(await globusData(fx.auth));
    const state = decoded.value as {
      client_id: string;
      tokens: Record<string, { access_token: string; expires_in: number; refresh_token: null }>;
      token_response: ITokenResponse;
      globus_user: { sub: string; identity_set: unknown[] };
      globus_groups: string[];
    };
    assert.equal(decoded.protocol, 4);
    assert.equal(state.client_id, HUB_CLIENT_ID);
    assert.deepEqual(
      Object.keys(state.tokens).sort(),
      [GUEST_COLLECTION_ID, PUBLIC_COLLECTION_ID, 'transfer.api.globus.org'].sort()
    );
    assert.equal(state.tokens['transfer.api.globus.org'].refresh_token, null);
    assert.equal(state.globus_user.sub, DEMO_IDENTITY_ID);
    assert.equal(state.globus_user.identity_set.length, 2);
    assert.deepEqual(state.globus_groups, [TUTORIAL_GROUP_ID]);
    assert.equal(state.token_response.resource_server, 'auth.globus.org');
    assert.ok(state.token_response.id_token);
    const transfer = fx.auth.check(
      state.tokens['transfer.api.globus.org'].access_token,
      'transfer.api.globus.org'
    );
    assert.ok(transfer.ok);
    assert.equal(fx.auth.hasDataAccessConsent(transfer.token, MAPPED_COLLECTION_ID), false);
    const guest = fx.auth.check(
      state.tokens[GUEST_COLLECTION_ID].access_token,
      GUEST_COLLECTION_ID,
      `https://auth.globus.org/scopes/${GUEST_COLLECTION_ID}/https`
    );
    assert.ok(guest.ok);
    const groups = state.token_response.other_tokens.find(
      t => t.resource_server === 'groups.api.globus.org'
    );
    assert.ok(groups && fx.auth.check(groups.access_token, 'groups.api.globus.org').ok);
  });

  it('should give pre-0.12 hubs refresh tokens and absolute expiry', async () => {
    const state = (await issueAuthState(fx.auth, { shape: 'pre-0.12' })) as {
      tokens: Record<string, { refresh_token: string; expires_at_seconds: number }>;
    };
    const t = state.tokens['transfer.api.globus.org'];
    assert.equal(typeof t.refresh_token, 'string');
    assert.ok(Math.abs(t.expires_at_seconds - (fx.auth.nowSeconds() + 172800)) <= 2);
  });

  it('should issue fresh tokens on every call', async () => {
    const a = (await issueAuthState(fx.auth)) as {
      tokens: Record<string, { access_token: string }>;
    };
    const b = (await issueAuthState(fx.auth)) as {
      tokens: Record<string, { access_token: string }>;
    };
    assert.notEqual(
      a.tokens['transfer.api.globus.org'].access_token,
      b.tokens['transfer.api.globus.org'].access_token
    );
  });
});
