import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { fingerprintOf, Token } from '../tokens/token';
import { TokenSet } from '../tokens/token-set';
import { buildConsentUrl, consentStatus } from '../tokens/consents';
import { GlobusScopes } from '../tokens/scopes';

const SECRET = 'AgSecretTransferToken-0123456789abcdefXYZ';
const REFRESH = 'AgRefreshSecret-9876543210fedcba';
const C1 = 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01';
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function transferToken(extra: Partial<ConstructorParameters<typeof Token>[0]> = {}): Token {
  return new Token({
    resourceServer: 'transfer.api.globus.org',
    accessToken: SECRET,
    scope: GlobusScopes.TRANSFER_ALL,
    refreshToken: REFRESH,
    ...extra
  });
}

describe('Token', () => {
  describe('#expiresAt', () => {
    it('should come from expires_at_seconds first', () => {
      const t = transferToken({ expiresAtSeconds: 2000, issuedAtSeconds: 10, expiresIn: 10 });
      assert.equal(t.expiresAt?.getTime(), 2000_000);
      assert.equal(t.expiresAtSource, 'expires_at_seconds');
    });

    it('should else be issued-at plus expires_in', () => {
      const t = transferToken({ issuedAtSeconds: 1000, expiresIn: 172800 });
      assert.equal(t.expiresAt?.getTime(), (1000 + 172800) * 1000);
      assert.equal(t.expiresAtSource, 'issued_at_plus_expires_in');
    });

    it('should stay unknown with expires_in alone (never guessed)', () => {
      const t = transferToken({ expiresIn: 172800 });
      assert.equal(t.expiresAt, undefined);
      assert.equal(t.status(), 'unknown');
      assert.equal(t.expiresInSeconds(), undefined);
    });
  });

  describe('#status', () => {
    const t = transferToken({ expiresAtSeconds: NOW / 1000 + 600 });
    it('should be valid outside the window', () => {
      assert.equal(t.status({ now: NOW }), 'valid');
    });
    it('should be expiring inside the default 300 s window', () => {
      assert.equal(t.status({ now: NOW + 301_000 }), 'expiring');
    });
    it('should honour a settable window', () => {
      assert.equal(t.status({ now: NOW, expiringWindowSeconds: 900 }), 'expiring');
      const wide = new Token(
        { resourceServer: 'x', accessToken: 'y', scope: '', expiresAtSeconds: NOW / 1000 + 600 },
        { expiringWindowSeconds: 3600 }
      );
      assert.equal(wide.status({ now: NOW }), 'expiring');
    });
    it('should be expired at and after expiry', () => {
      assert.equal(t.status({ now: NOW + 600_000 }), 'expired');
      assert.equal(t.isExpired(NOW + 700_000), true);
      assert.equal(t.expiresInSeconds(NOW + 700_000), -100);
    });
  });

  describe('#fingerprint', () => {
    it('should be the first 8 hex of SHA-256', () => {
      const expected = createHash('sha256').update(SECRET).digest('hex').slice(0, 8);
      assert.equal(transferToken().fingerprint, expected);
      assert.equal(fingerprintOf(SECRET), expected);
    });
  });

  describe('redaction', () => {
    const t = transferToken({ expiresAtSeconds: NOW / 1000 });
    const views = [
      inspect(t),
      inspect(t, { showHidden: true, depth: 10 }),
      String(t),
      `${t}`,
      JSON.stringify(t),
      JSON.stringify({ nested: [t] }),
      inspect({ t }),
      JSON.stringify(Object.entries(t)),
      inspect(Object.assign({}, t))
    ];
    it('should never show the access or refresh token', () => {
      for (const v of views) {
        assert.ok(!v.includes(SECRET), v);
        assert.ok(!v.includes(REFRESH), v);
      }
    });
    it('should show the fingerprint and resource server', () => {
      assert.match(inspect(t), new RegExp(t.fingerprint));
      assert.match(String(t), /transfer\.api\.globus\.org/);
      assert.equal(JSON.parse(JSON.stringify(t)).fingerprint, t.fingerprint);
    });
    it('should reveal the raw value only through the deliberately named method', () => {
      assert.equal(t.unsafeRevealAccessToken(), SECRET);
      assert.equal(t.unsafeRevealRefreshToken(), REFRESH);
      assert.equal(t.hasRefreshToken, true);
    });
  });

  describe('#scopes', () => {
    it('should degrade a malformed scope string to names instead of throwing', () => {
      const t = transferToken({ scope: 'a[b c' });
      assert.deepEqual(t.scopeNames, ['a[b', 'c']);
    });
  });
});

describe('TokenSet', () => {
  const tokens = TokenSet.fromRecords([
    {
      resourceServer: 'auth.globus.org',
      accessToken: 'auth-secret-value-1234',
      scope: 'openid profile email urn:globus:auth:scope:auth.globus.org:view_identities'
    },
    {
      resourceServer: 'transfer.api.globus.org',
      accessToken: SECRET,
      scope: GlobusScopes.TRANSFER_ALL
    },
    { resourceServer: C1, accessToken: 'collection-secret-5678', scope: GlobusScopes.https(C1) }
  ]);

  describe('#for', () => {
    it('should find by resource server', () => {
      assert.equal(
        tokens.for('transfer.api.globus.org')?.resourceServer,
        'transfer.api.globus.org'
      );
    });
    it('should find by scope, including dependent-scope strings', () => {
      assert.equal(tokens.for('openid')?.resourceServer, 'auth.globus.org');
      assert.equal(
        tokens.for(GlobusScopes.transferWithDataAccess([C1]))?.resourceServer,
        'transfer.api.globus.org'
      );
      assert.equal(tokens.for(GlobusScopes.https(C1))?.resourceServer, C1);
    });
    it('should return undefined for unknown or malformed input', () => {
      assert.equal(tokens.for('groups.api.globus.org'), undefined);
      assert.equal(tokens.for('a[b'), undefined);
    });
  });

  describe('#forCollection', () => {
    it('should find the HTTPS token by collection id', () => {
      assert.equal(tokens.forCollection(C1)?.hasScope(GlobusScopes.https(C1)), true);
      assert.equal(tokens.forCollection('00000000-0000-0000-0000-000000000000'), undefined);
    });
  });

  describe('constructor', () => {
    it('should keep one token per resource server, the one expiring later', () => {
      const set = new TokenSet([
        new Token({
          resourceServer: 'x',
          accessToken: 'old-token-aaaa',
          scope: '',
          expiresAtSeconds: 10
        }),
        new Token({
          resourceServer: 'x',
          accessToken: 'new-token-bbbb',
          scope: '',
          expiresAtSeconds: 20
        })
      ]);
      assert.equal(set.size, 1);
      assert.equal(set.for('x')?.fingerprint, fingerprintOf('new-token-bbbb'));
    });
  });

  describe('redaction', () => {
    it('should never show a raw token in inspect, String or JSON', () => {
      const out = [
        inspect(tokens),
        String(tokens),
        JSON.stringify(tokens),
        inspect([...tokens])
      ].join('\n');
      for (const t of tokens) {
        assert.ok(!out.includes(t.unsafeRevealAccessToken()));
        assert.ok(out.includes(t.fingerprint));
      }
    });
  });
});

describe('consents', () => {
  const tokens = TokenSet.fromRecords([
    {
      resourceServer: 'transfer.api.globus.org',
      accessToken: SECRET,
      scope: GlobusScopes.TRANSFER_ALL
    }
  ]);
  const opts = { authBaseUrl: 'http://127.0.0.1:9', clientId: 'client-1' };

  describe('#consentStatus', () => {
    it('should list granted and missing scopes with a consent URL for missing ones', () => {
      const status = consentStatus(
        [GlobusScopes.transferWithDataAccess([C1]), GlobusScopes.https(C1)],
        tokens,
        opts
      );
      assert.equal(status[0].status, 'granted');
      assert.deepEqual(status[0].unverifiedDependencies, [`*${GlobusScopes.dataAccess(C1)}`]);
      assert.equal(status[0].consentUrl, undefined);
      assert.equal(status[1].status, 'missing');
      assert.equal(status[1].resourceServer, C1);
      const url = new URL(status[1].consentUrl as string);
      assert.equal(url.origin + url.pathname, 'http://127.0.0.1:9/v2/oauth2/authorize');
      assert.equal(url.searchParams.get('scope'), GlobusScopes.https(C1));
      assert.equal(url.searchParams.get('client_id'), 'client-1');
      assert.equal(url.searchParams.get('response_type'), 'code');
      assert.equal(url.searchParams.get('redirect_uri'), 'http://127.0.0.1:9/v2/web/auth-code');
    });
  });

  describe('#buildConsentUrl', () => {
    it('should carry session_required_* parameters from a GARE, comma-joined', () => {
      const url = new URL(
        buildConsentUrl(['openid'], {
          ...opts,
          authorizationParameters: {
            session_required_single_domain: ['example.edu', 'globus.org'],
            session_required_identities: ['id-1'],
            session_required_policies: ['p1', 'p2'],
            session_required_mfa: true,
            session_message: 'please'
          }
        })
      );
      assert.equal(
        url.searchParams.get('session_required_single_domain'),
        'example.edu,globus.org'
      );
      assert.equal(url.searchParams.get('session_required_identities'), 'id-1');
      assert.equal(url.searchParams.get('session_required_policies'), 'p1,p2');
      assert.equal(url.searchParams.get('session_required_mfa'), 'true');
      assert.equal(url.searchParams.get('session_message'), 'please');
      assert.equal(url.searchParams.get('prompt'), 'login');
    });

    it('should not add session parameters without a GARE', () => {
      const url = new URL(buildConsentUrl(['openid'], opts));
      assert.equal(url.searchParams.get('prompt'), null);
      assert.equal(url.searchParams.get('session_message'), null);
    });
  });
});
