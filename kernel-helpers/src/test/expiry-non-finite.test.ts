/**
 * An expiry that is not a finite number (`expires_in: nan` in GLOBUS_DATA, an infinite
 * `expires_at_seconds`, or one beyond what a `Date` holds) is an unknown expiry everywhere
 * in the kernel: the decoder (a warning, not an error), the token model, the session's
 * JSON and display, whoami's countdown, and the token-file entries of a login; and every
 * JSON the library emits stays strict.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { decodeGlobusData } from '../globus-data';
import { connect } from '../session';
import { Token } from '../tokens/token';
import { storedTokensOf } from '../login/oauth';
import { RecordingSink } from './flow-support';
import { pickleJsonTexts } from './globus-data-vectors';

const CLIENT_ID = '7a3c1e0f-5b2d-4c8e-9f10-1a2b3c4d5e6f';
const COLLECTION = 'a6f165fa-aee2-4fe5-95f3-97429c28bf82';
const DEAD = {
  GLOBUS_SDK_SERVICE_URL_AUTH: 'http://127.0.0.1:9',
  GLOBUS_SDK_SERVICE_URL_TRANSFER: 'http://127.0.0.1:9',
  GLOBUS_SDK_SERVICE_URL_GROUPS: 'http://127.0.0.1:9'
};

/** A 0.12-15 auth state whose every token has an expiry that is not a usable time. */
function authState(): unknown {
  const tok = (rs: string, expiry: Record<string, number>) => ({
    access_token: `AT-${rs.slice(0, 8)}-0001`,
    scope: rs === COLLECTION ? `https://auth.globus.org/scopes/${rs}/https` : `urn:${rs}:all`,
    resource_server: rs,
    token_type: 'Bearer',
    ...expiry
  });
  return {
    client_id: CLIENT_ID,
    tokens: {
      'transfer.api.globus.org': tok('transfer.api.globus.org', { expires_in: NaN }),
      [COLLECTION]: tok(COLLECTION, { expires_at_seconds: Infinity }),
      'groups.api.globus.org': tok('groups.api.globus.org', { expires_at_seconds: -Infinity }),
      'search.api.globus.org': tok('search.api.globus.org', { expires_at_seconds: 1e300 })
    }
  };
}

/** A strict JSON text: parses, and holds no NaN / Infinity literal or invalid date. */
function assertStrictJson(text: string, what: string): void {
  assert.doesNotThrow(() => JSON.parse(text), what);
  assert.ok(!/\bNaN\b|Infinity|Invalid Date/.test(text), `${what}: ${text.slice(0, 300)}`);
}

describe('regression #15: a NaN or infinite expiry is an unknown expiry', () => {
  const [globusData] = pickleJsonTexts([authState()]);

  it('should decode GLOBUS_DATA with nan / inf expiries, warning instead of refusing', () => {
    const state = decodeGlobusData(globusData);
    const by = (rs: string) => state.tokens.find(t => t.resourceServer === rs);
    assert.equal(state.tokens.length, 4);
    assert.equal(by('transfer.api.globus.org')?.expiresIn, undefined);
    assert.equal(by(COLLECTION)?.expiresAtSeconds, undefined);
    assert.equal(by('groups.api.globus.org')?.expiresAtSeconds, undefined);
    assert.equal(by('search.api.globus.org')?.expiresAtSeconds, 1e300, 'finite: kept');
    const said = state.warnings.join('\n');
    assert.match(said, /tokens\["transfer\.api\.globus\.org"\]\.expires_in is not a finite/);
    assert.match(said, new RegExp(`tokens\\["${COLLECTION}"\\]\\.expires_at_seconds is not a`));
    assert.match(said, /tokens\["groups\.api\.globus\.org"\]\.expires_at_seconds is not a/);
    assert.ok(!said.includes('AT-'), 'no token text in warnings');
  });

  it('should make a token unknown, never an invalid date, for any non-finite or huge time', () => {
    const cases: Array<[string, Partial<ConstructorParameters<typeof Token>[0]>]> = [
      ['expiresAtSeconds NaN', { expiresAtSeconds: NaN }],
      ['expiresAtSeconds Infinity', { expiresAtSeconds: Infinity }],
      ['expiresAtSeconds -Infinity', { expiresAtSeconds: -Infinity }],
      ['expiresAtSeconds 1e300', { expiresAtSeconds: 1e300 }],
      ['expiresIn NaN', { issuedAtSeconds: 1767225600, expiresIn: NaN }],
      ['issuedAt + expiresIn overflows', { issuedAtSeconds: 1.7e308, expiresIn: 1.7e308 }],
      ['issuedAt 1e300', { issuedAtSeconds: 1e300, expiresIn: 3600 }]
    ];
    for (const [what, expiry] of cases) {
      const t = new Token({
        resourceServer: 'transfer.api.globus.org',
        accessToken: 'AT-secret-0001',
        scope: 'urn:x:all',
        ...expiry
      });
      assert.equal(t.expiresAt, undefined, what);
      assert.equal(t.expiresAtSource, 'unknown', what);
      assert.equal(t.status(), 'unknown', what);
      assert.equal(t.expiresInSeconds(), undefined, what);
      assert.equal(t.isExpired(), false, what);
      assertStrictJson(JSON.stringify(t), what);
      assert.ok(!String(t).includes('Invalid'), what);
    }
    const ok = new Token({
      resourceServer: 'x',
      accessToken: 'AT-secret-0002',
      scope: '',
      expiresAtSeconds: 8.64e12 // the last second a Date holds
    });
    assert.equal(ok.expiresAt?.toISOString(), '+275760-09-13T00:00:00.000Z');
  });

  it("should keep the session's JSON strict and show the expiry as unknown", async () => {
    const sink = new RecordingSink();
    const session = await connect({
      env: { ...DEAD, GLOBUS_DATA: globusData },
      display: sink,
      verifyIdToken: false
    });
    const summary = JSON.stringify(session);
    assertStrictJson(summary, 'session');
    const tokens = (JSON.parse(summary) as { tokens: Array<Record<string, unknown>> }).tokens;
    assert.equal(tokens.length, 4);
    for (const t of tokens) {
      assert.equal(t.expiresAt, null, String(t.resourceServer));
      assert.equal(t.status, 'unknown', String(t.resourceServer));
    }
    assert.ok(!inspect(session, { depth: 6 }).includes('Invalid'));
    const me = await session.whoami();
    assertStrictJson(JSON.stringify(me), 'whoami result');
    assert.deepEqual(
      me.tokens.map(t => [t.expiresInSeconds, t.status]),
      [
        [null, 'unknown'],
        [null, 'unknown'],
        [null, 'unknown'],
        [null, 'unknown']
      ]
    );
    const html = sink.html;
    assert.ok(/Tokens \(4\)/.test(html));
    assert.ok(!/NaN|Infinity|Invalid/.test(html), 'no NaN, Infinity or invalid date shown');
  });

  it('should store an unknown (null) expiry for a non-finite lifetime from Auth', () => {
    const now = 1767225600;
    const entry = (expires_in: unknown) =>
      storedTokensOf(
        {
          access_token: 'AT-login-0001',
          scope: 'openid',
          resource_server: 'auth.globus.org',
          expires_in: expires_in as number
        },
        now
      )[0];
    // JSON.parse('1e400') is Infinity: a token response can carry one.
    const infinite = (JSON.parse('{"expires_in":1e400}') as { expires_in: number }).expires_in;
    for (const value of [infinite, -infinite, NaN, '3600']) {
      const stored = entry(value);
      assert.equal(stored.expires_at_seconds, null, String(value));
      assertStrictJson(JSON.stringify(stored), String(value));
    }
    assert.equal(entry(3600).expires_at_seconds, now + 3600);
  });
});
