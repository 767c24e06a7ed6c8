import assert from 'node:assert/strict';

import { GlobusDataError, isGlobusDataError } from '../errors/globus-data-error';
import { isGlobusKitError } from '../errors/globus-kit-error';
import {
  decodeGlobusData,
  decodeGlobusDataText,
  normaliseGlobusData,
  type INormalisedGlobusData,
  type INormalisedToken
} from '../globus-data';
import { pickleBytes, pickleJsonTexts, validVectors, vector } from './globus-data-vectors';

// Fixed values of test/vectors/make-vectors.py.
const CLIENT_ID = '7a3c1e0f-5b2d-4c8e-9f10-1a2b3c4d5e6f';
const IDENTITY = '0c9f3b6e-1d2a-4e5f-8a9b-0c1d2e3f4a5b';
const COLLECTION = 'a6f165fa-aee2-4fe5-95f3-97429c28bf82';
const GROUP = '5e1f0c2a-3b4d-4e6f-8a0b-1c2d3e4f5a6b';
const IAT = 1767225600;
const LIFETIME = 172800;

function refusal(run: () => unknown): GlobusDataError {
  try {
    run();
  } catch (error) {
    assert.ok(isGlobusDataError(error), `not a GlobusDataError: ${String(error)}`);
    return error;
  }
  assert.fail('expected a GlobusDataError');
}

function token(state: INormalisedGlobusData, rs: string): INormalisedToken {
  const found = state.tokens.find(t => t.resourceServer === rs);
  assert.ok(found, `no token for ${rs}`);
  return found;
}

describe('decodeGlobusDataText', () => {
  const b64 = vector('auth-16-p4').pickle_b64;
  const raw = pickleBytes(vector('auth-16-p4'));

  it('should decode plain padded base64', () => {
    assert.deepEqual(decodeGlobusDataText(b64), raw);
  });

  it('should accept a b\'…\' or b"…" bytes-repr wrapper', () => {
    assert.deepEqual(decodeGlobusDataText(`b'${b64}'`), raw);
    assert.deepEqual(decodeGlobusDataText(`b"${b64}"`), raw);
  });

  it('should trim surrounding whitespace and drop line breaks inside', () => {
    const wrapped = b64.replace(/(.{76})/g, '$1\n');
    assert.deepEqual(decodeGlobusDataText(`\n  ${wrapped}\t\r\n`), raw);
    assert.deepEqual(decodeGlobusDataText(`  b'${b64}'\n`), raw);
  });

  it("should drop \\n escapes inside b'…' (the repr of base64.encodebytes output)", () => {
    const repr = `b'${b64.replace(/(.{76})/g, '$1\\n')}\\n'`;
    assert.ok(repr.includes('\\n'));
    assert.deepEqual(decodeGlobusDataText(repr), raw);
    assert.equal(refusal(() => decodeGlobusDataText(`${b64.slice(0, 8)}\\n`)).reason, 'bad-base64');
  });

  it('should accept missing padding', () => {
    const padded = validVectors().filter(v => v.pickle_b64.endsWith('='));
    assert.ok(padded.length > 10);
    for (const v of padded) {
      assert.deepEqual(decodeGlobusDataText(v.pickle_b64.replace(/=+$/, '')), pickleBytes(v));
    }
  });

  it('should accept the URL-safe alphabet', () => {
    const withSymbols = validVectors().filter(v => /[+/]/.test(v.pickle_b64));
    assert.ok(withSymbols.length > 10);
    for (const v of withSymbols) {
      const urlsafe = Buffer.from(v.pickle_b64, 'base64').toString('base64url');
      assert.deepEqual(decodeGlobusDataText(urlsafe), pickleBytes(v));
    }
  });

  it('should refuse characters outside base64 with a typed error that does not echo the text', () => {
    for (const bad of [
      `${b64.slice(0, 10)}%${b64.slice(10)}`,
      `${b64}!`,
      'AAAA\u00e9AAA',
      'QUJD*'
    ]) {
      const error = refusal(() => decodeGlobusDataText(bad));
      assert.equal(error.reason, 'bad-base64');
      assert.equal(error.code, 'GLOBUS_DATA_INVALID');
      assert.ok(!error.message.includes(b64.slice(0, 10)));
    }
  });

  it('should refuse mixed alphabets, misplaced padding and impossible lengths', () => {
    for (const bad of ['ab+c-d', 'QU=JD', 'QUJD=', 'QUJDQ', 'QQ===', '====']) {
      assert.equal(refusal(() => decodeGlobusDataText(bad)).reason, 'bad-base64', bad);
    }
  });

  it("should call empty text, whitespace and b'' empty", () => {
    for (const empty of ['', '   \n', "b''", 'b""']) {
      const error = refusal(() => decodeGlobusDataText(empty));
      assert.equal(error.reason, 'empty');
      assert.match(error.message, /enable auth state/);
    }
  });

  it('should refuse text that decodes past the size limit before decoding it', () => {
    assert.equal(refusal(() => decodeGlobusDataText('A'.repeat(1_500_000))).reason, 'too-large');
    assert.equal(
      refusal(() => decodeGlobusDataText('QUJDRA==', { maxInputBytes: 3 })).reason,
      'too-large'
    );
    assert.equal(decodeGlobusDataText('QUJD', { maxInputBytes: 3 }).length, 3);
  });
});

describe('decodeGlobusData', () => {
  describe('#pre-0.12 shape', () => {
    it('should keep absolute expiry and refresh tokens, at every protocol', () => {
      for (let p = 0; p <= 5; p++) {
        const state = decodeGlobusData(vector(`auth-pre012-p${p}`).pickle_b64);
        assert.equal(state.shape, 'pre-0.12');
        assert.equal(state.clientId, CLIENT_ID);
        assert.deepEqual(state.tokens.map(t => t.resourceServer).sort(), [
          'auth.globus.org',
          'transfer.api.globus.org'
        ]);
        const transfer = token(state, 'transfer.api.globus.org');
        assert.equal(transfer.accessToken, 'AT-transfer-0001');
        assert.equal(transfer.refreshToken, 'RT-transfer-0001');
        assert.equal(transfer.expiresAtSeconds, IAT + LIFETIME);
        assert.equal(transfer.expiresIn, undefined);
        assert.equal(transfer.issuedAtSeconds, undefined);
        assert.equal(transfer.scope, 'urn:globus:auth:scope:transfer.api.globus.org:all');
        assert.equal(transfer.tokenType, 'Bearer');
        assert.equal(transfer.source, 'tokens');
        assert.equal(state.identity, undefined);
        assert.equal(state.idToken, undefined);
        assert.deepEqual(state.groups, []);
      }
    });

    it("should read tokens '' (revoked at logout) as no tokens", () => {
      const state = decodeGlobusData(vector('auth-pre012-revoked-p3').pickle_b64);
      assert.equal(state.shape, 'pre-0.12');
      assert.deepEqual(state.tokens, []);
    });
  });

  describe('#0.12-15 shape', () => {
    it('should keep expires_in only and never guess an issue time', () => {
      const state = decodeGlobusData(vector('auth-012-p3').pickle_b64);
      assert.equal(state.shape, '0.12-15');
      const transfer = token(state, 'transfer.api.globus.org');
      assert.equal(transfer.expiresIn, LIFETIME);
      assert.equal(transfer.expiresAtSeconds, undefined);
      assert.equal(transfer.issuedAtSeconds, undefined);
      assert.equal(transfer.refreshToken, undefined);
      assert.deepEqual(state.sourceKeys, ['client_id', 'tokens']);
    });

    it('should read tokens {} (revoked at logout) as no tokens', () => {
      const state = decodeGlobusData(vector('auth-012-revoked-p4').pickle_b64);
      assert.equal(state.shape, '0.12-15');
      assert.deepEqual(state.tokens, []);
    });
  });

  describe('#16+ shape', () => {
    it('should take identity from globus_user and the issue time from the id_token iat', () => {
      const state = decodeGlobusData(vector('auth-16-p5').pickle_b64);
      assert.equal(state.shape, '16+');
      assert.equal(state.identity?.source, 'globus_user');
      assert.equal(state.identity?.sub, IDENTITY);
      assert.equal(state.identity?.username, 'ada@example.edu');
      assert.equal(state.identity?.name, 'Ada Lovelace');
      assert.equal(state.identity?.identityProviderDisplayName, 'Example University');
      assert.equal(typeof state.idToken, 'string');
      assert.equal(state.idToken?.split('.').length, 3);
      const transfer = token(state, 'transfer.api.globus.org');
      assert.equal(transfer.source, 'tokens');
      assert.equal(transfer.expiresIn, LIFETIME);
      assert.equal(transfer.issuedAtSeconds, IAT);
      assert.equal(transfer.refreshToken, undefined);
      assert.deepEqual(state.groups, []);
      assert.deepEqual(state.warnings, []);
    });

    it('should add tokens found only in token_response (exclude_tokens does not filter it)', () => {
      const state = decodeGlobusData(vector('auth-16-p4').pickle_b64);
      const auth = token(state, 'auth.globus.org');
      assert.equal(auth.source, 'token_response');
      assert.equal(auth.accessToken, 'AT-auth-0001');
      assert.equal(auth.issuedAtSeconds, IAT);
      assert.equal(state.tokens[0].source, 'tokens', 'tokens entries come first');
      assert.equal(
        state.tokens.filter(t => t.resourceServer === 'transfer.api.globus.org').length,
        1,
        'a token in both places appears once'
      );
    });

    it('should read groups, a collection HTTPS token and refresh tokens', () => {
      const state = decodeGlobusData(vector('auth-16-groups-https-p4').pickle_b64);
      assert.deepEqual(state.groups, [GROUP]);
      const https = token(state, COLLECTION);
      assert.equal(https.scope, `https://auth.globus.org/scopes/${COLLECTION}/https`);
      assert.equal(https.refreshToken, 'RT-https-0001');
      assert.equal(token(state, 'groups.api.globus.org').source, 'token_response');
    });

    it('should take identity from the id_token claims when globus_user is absent', () => {
      const state = decodeGlobusData(vector('auth-16-no-user-p4').pickle_b64);
      assert.equal(state.identity?.source, 'id_token');
      assert.equal(state.identity?.sub, IDENTITY);
      assert.equal(state.identity?.email, 'ada@example.edu');
      assert.equal(state.identity?.claims.iat, IAT);
    });

    it('should not offer token_response tokens when tokens is empty (revoked at logout)', () => {
      const state = decodeGlobusData(vector('auth-16-revoked-p4').pickle_b64);
      assert.equal(state.shape, '16+');
      assert.deepEqual(state.tokens, []);
      assert.match(state.warnings.join('\n'), /revoked/);
      assert.equal(state.identity?.sub, IDENTITY);
    });

    it('should decode every shape identically at every protocol', () => {
      for (const base of ['auth-16', 'auth-16-groups-https', 'auth-012', 'auth-pre012']) {
        const reference = decodeGlobusData(vector(`${base}-p0`).pickle_b64);
        for (let p = 1; p <= 5; p++) {
          assert.deepStrictEqual(decodeGlobusData(vector(`${base}-p${p}`).pickle_b64), reference);
        }
      }
    });
  });

  describe('#bad shapes', () => {
    const SECRET = 'AT-secret-abcdef0123456789';
    const REFRESH = 'RT-secret-abcdef0123456789';
    const good = {
      access_token: SECRET,
      refresh_token: REFRESH,
      resource_server: 'transfer.api.globus.org',
      scope: 's',
      token_type: 'Bearer',
      expires_in: 10
    };
    const cases: Array<[unknown, string]> = [
      [[1, 2], '$'],
      [{ client_id: 5, tokens: {} }, 'client_id'],
      [{ tokens: [good] }, 'tokens'],
      [{ tokens: { 'transfer.api.globus.org': SECRET } }, 'tokens["transfer.api.globus.org"]'],
      [
        { tokens: { 'transfer.api.globus.org': { ...good, access_token: 7 } } },
        'tokens["transfer.api.globus.org"].access_token'
      ],
      [
        { tokens: { 'transfer.api.globus.org': { ...good, expires_in: 'soon' } } },
        'tokens["transfer.api.globus.org"].expires_in'
      ],
      [
        { tokens: { 'transfer.api.globus.org': { ...good, refresh_token: 3 } } },
        'tokens["transfer.api.globus.org"].refresh_token'
      ],
      // A token-looking key is never shown: its position is.
      [{ tokens: { x: good, [SECRET]: { ...good, scope: 1 } } }, 'tokens[#1].scope'],
      [{ tokens: {}, globus_groups: 'g' }, 'globus_groups'],
      [{ tokens: {}, globus_groups: ['g', 1] }, 'globus_groups[1]']
    ];
    const texts = pickleJsonTexts(cases.map(c => c[0]));

    it('should name the key path of a bad value and never its value', () => {
      cases.forEach(([, path], i) => {
        const error = refusal(() => decodeGlobusData(texts[i]));
        assert.equal(error.reason, 'bad-shape');
        assert.equal(error.path, path);
        assert.ok(error.message.includes(path), error.message);
        for (const secret of [SECRET, REFRESH]) {
          assert.ok(!error.message.includes(secret), `secret in: ${error.message}`);
          assert.ok(!String(error.stack).includes(secret), 'secret in the stack');
        }
      });
    });

    it('should be a GlobusKitError with code GLOBUS_DATA_INVALID', () => {
      const error = refusal(() => normaliseGlobusData(null));
      assert.ok(error instanceof GlobusDataError);
      assert.ok(isGlobusKitError(error));
      assert.equal(error.code, 'GLOBUS_DATA_INVALID');
      assert.equal(error.name, 'GlobusDataError');
    });

    it('should recognise a GlobusDataError from another copy of the library by name', () => {
      const foreign = Object.assign(new Error('x'), {
        name: 'GlobusDataError',
        code: 'GLOBUS_DATA_INVALID'
      });
      assert.ok(isGlobusDataError(foreign));
      assert.ok(!isGlobusDataError(new Error('x')));
    });

    it('should tolerate a malformed id_token with a warning and keep globus_user', () => {
      const [text] = pickleJsonTexts([
        {
          client_id: CLIENT_ID,
          tokens: { 'transfer.api.globus.org': good },
          token_response: { ...good, resource_server: 'auth.globus.org', id_token: 'not-a-jwt' },
          globus_user: { sub: IDENTITY },
          globus_groups: []
        }
      ]);
      const state = decodeGlobusData(text);
      assert.equal(state.identity?.source, 'globus_user');
      assert.equal(state.idToken, 'not-a-jwt');
      assert.equal(token(state, 'transfer.api.globus.org').issuedAtSeconds, undefined);
      assert.match(state.warnings.join('\n'), /id_token/);
      assert.ok(!state.warnings.join('\n').includes(SECRET));
    });
  });
});
