import assert from 'node:assert/strict';
import { GlobusKitError, isGlobusKitError, redactSecrets } from '../errors/globus-kit-error';
import { GlobusApiError, isGlobusApiError } from '../errors/api-error';
import { ConsentRequiredError, isConsentRequiredError } from '../errors/consent-required-error';
import { isTokenExpiredError, TokenExpiredError } from '../errors/token-expired-error';
import {
  AbortError,
  isAbortError,
  isNetworkError,
  isTimeoutError,
  NetworkError,
  TimeoutError
} from '../errors/network-error';
import { BadInputError, isBadInputError } from '../errors/bad-input-error';

describe('GlobusKitError', () => {
  describe('#constructor', () => {
    it('should carry a stable code and the cause', () => {
      const cause = new Error('inner');
      const e = new GlobusKitError('outer', { code: 'NO_CREDENTIALS', cause });
      assert.equal(e.code, 'NO_CREDENTIALS');
      assert.equal(e.cause, cause);
      assert.equal(e.name, 'GlobusKitError');
      assert.ok(e instanceof Error);
    });
  });

  describe('guards', () => {
    it('should accept instances of every subclass', () => {
      const all = [
        new GlobusApiError({ status: 500, service: 'transfer', operation: 'ls' }),
        new ConsentRequiredError({ requiredScopes: ['x'], authorizationParameters: {} }),
        new TokenExpiredError({ resourceServer: 'transfer.api.globus.org' }),
        new NetworkError('n'),
        new TimeoutError('t', 5),
        new AbortError(),
        new BadInputError('b')
      ];
      for (const e of all) {
        assert.ok(isGlobusKitError(e), e.name);
      }
      assert.ok(isGlobusApiError(all[0]));
      assert.ok(isConsentRequiredError(all[1]));
      assert.ok(isTokenExpiredError(all[2]));
      assert.ok(isNetworkError(all[3]) && isNetworkError(all[4]));
      assert.ok(isTimeoutError(all[4]) && !isTimeoutError(all[3]));
      assert.ok(isAbortError(all[5]));
      assert.ok(isBadInputError(all[6]));
      assert.ok(!isGlobusApiError(all[1]));
    });

    it('should accept look-alikes by name and code (another copy of the library)', () => {
      const foreign = Object.assign(new Error('x'), {
        name: 'ConsentRequiredError',
        code: 'CONSENT_REQUIRED'
      });
      assert.ok(isConsentRequiredError(foreign));
      assert.ok(isGlobusKitError(foreign));
      assert.ok(!isTokenExpiredError(foreign));
      for (const [name, code] of [
        ['CsvError', 'CSV_INVALID'],
        ['GlobusDataError', 'GLOBUS_DATA_INVALID']
      ]) {
        assert.ok(isGlobusKitError(Object.assign(new Error('x'), { name, code })), name);
      }
      assert.ok(!isGlobusKitError(new Error('plain')));
      assert.ok(!isGlobusKitError('string'));
    });

    it('should treat the platform AbortError as an abort', () => {
      const signal = AbortSignal.abort();
      assert.ok(isAbortError(signal.reason));
      assert.equal(new AbortError().code, 'ABORT_ERR');
    });
  });
});

describe('GlobusApiError', () => {
  describe('#message', () => {
    it('should name service, operation, status, code and resource', () => {
      const e = new GlobusApiError({
        status: 404,
        globusCode: 'ClientError.NotFound',
        service: 'transfer',
        operation: 'ls',
        resource: "collection 'Tutorial 1' path /nope/",
        requestId: 'abc123XYZ'
      });
      assert.equal(
        e.message,
        "Transfer ls failed (404 ClientError.NotFound) for collection 'Tutorial 1' path /nope/ [request_id abc123XYZ]"
      );
      assert.equal(e.code, 'API_ERROR');
      assert.equal(e.requestId, 'abc123XYZ');
    });
  });
});

describe('TokenExpiredError', () => {
  describe('#message', () => {
    it('should say which token, since when, and how to renew on a hub', () => {
      const e = new TokenExpiredError({
        resourceServer: 'transfer.api.globus.org',
        expiredAt: new Date(Date.UTC(2026, 0, 2)),
        fingerprint: 'abcd1234',
        source: 'hub'
      });
      assert.match(e.message, /transfer\.api\.globus\.org/);
      assert.match(e.message, /2026-01-02T00:00:00\.000Z/);
      assert.match(e.message, /hub control panel/i);
      assert.equal(e.code, 'TOKEN_EXPIRED');
    });
    it('should tell a standalone user to refresh or log in', () => {
      const e = new TokenExpiredError({ resourceServer: 'x', source: 'standalone' });
      assert.match(e.remedy, /refresh/i);
    });
  });
});

describe('ConsentRequiredError', () => {
  describe('#message', () => {
    it('should include the scopes and the consent URL', () => {
      const e = new ConsentRequiredError({
        requiredScopes: ['scope-a'],
        authorizationParameters: { required_scopes: ['scope-a'] },
        consentUrl: 'http://127.0.0.1/authorize?scope=scope-a',
        service: 'transfer',
        operation: 'ls',
        status: 403,
        globusCode: 'ConsentRequired'
      });
      assert.match(e.message, /Transfer ls needs more consent \(403 ConsentRequired\)/);
      assert.match(e.message, /scope-a/);
      assert.match(e.message, /http:\/\/127\.0\.0\.1\/authorize\?scope=scope-a/);
      assert.equal(e.code, 'CONSENT_REQUIRED');
    });
  });
});

describe('redactSecrets', () => {
  it('should replace every occurrence of every secret', () => {
    assert.equal(
      redactSecrets('a SECRET b SECRET c KEY1', ['SECRET', 'KEY1', '', undefined]),
      'a [redacted] b [redacted] c [redacted]'
    );
  });
});
