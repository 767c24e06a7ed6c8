import assert from 'node:assert/strict';
import {
  formatScope,
  formatScopes,
  GlobusScopes,
  makeScope,
  parseScopes,
  resourceServerOfScope
} from '../tokens/scopes';
import { isBadInputError } from '../errors/bad-input-error';

const C1 = '542a86fc-1766-450d-841f-065488a2ec01';
const C2 = '00000000-0000-0000-0000-000000000001';
const TRANSFER = 'urn:globus:auth:scope:transfer.api.globus.org:all';

describe('scopes', () => {
  describe('#parseScopes', () => {
    it('should split a space-separated list', () => {
      const parsed = parseScopes('openid  profile\temail');
      assert.deepEqual(
        parsed.map(s => s.name),
        ['openid', 'profile', 'email']
      );
      assert.ok(parsed.every(s => !s.optional && s.dependencies.length === 0));
    });

    it('should parse dependent scopes in brackets with the optional marker', () => {
      const [scope] = parseScopes(
        `${TRANSFER}[*https://auth.globus.org/scopes/${C1}/data_access https://auth.globus.org/scopes/${C2}/data_access]`
      );
      assert.equal(scope.name, TRANSFER);
      assert.equal(scope.dependencies.length, 2);
      assert.equal(scope.dependencies[0].optional, true);
      assert.equal(scope.dependencies[0].name, `https://auth.globus.org/scopes/${C1}/data_access`);
      assert.equal(scope.dependencies[1].optional, false);
    });

    it('should parse nested dependencies', () => {
      const [scope] = parseScopes('a[b[*c d] e]');
      assert.equal(scope.dependencies[0].name, 'b');
      assert.deepEqual(
        scope.dependencies[0].dependencies.map(d => [d.name, d.optional]),
        [
          ['c', true],
          ['d', false]
        ]
      );
      assert.equal(scope.dependencies[1].name, 'e');
    });

    it('should return an empty list for an empty string', () => {
      assert.deepEqual(parseScopes('   '), []);
    });

    for (const bad of ['a[b', 'a]', 'a[b]]', '**a', 'a*b', '*', 'a[]b', '[a]', 'a[*]']) {
      it(`should reject ${JSON.stringify(bad)} with a BAD_SCOPE BadInputError`, () => {
        assert.throws(
          () => parseScopes(bad),
          (e: unknown) => isBadInputError(e) && e.code === 'BAD_SCOPE'
        );
      });
    }

    it('should refuse absurd nesting without a stack overflow', () => {
      const deep = 'a['.repeat(100) + 'b' + ']'.repeat(100);
      assert.throws(
        () => parseScopes(deep),
        (e: unknown) => isBadInputError(e)
      );
    });
  });

  describe('#formatScopes', () => {
    it('should round-trip dependent and optional scopes', () => {
      const text = `${TRANSFER}[*https://auth.globus.org/scopes/${C1}/data_access] openid a[b[*c d] e]`;
      assert.equal(formatScopes(parseScopes(text)), text);
    });

    it('should normalise whitespace', () => {
      assert.equal(formatScopes(parseScopes('  a[ b   *c ]  d ')), 'a[b *c] d');
    });
  });

  describe('#makeScope', () => {
    it('should build a scope with string dependencies', () => {
      const s = makeScope(TRANSFER, [`*${GlobusScopes.dataAccess(C1)}`]);
      assert.equal(formatScope(s), GlobusScopes.transferWithDataAccess([C1]));
    });

    it('should refuse a name that is not one scope', () => {
      assert.throws(
        () => makeScope('a b'),
        (e: unknown) => isBadInputError(e)
      );
    });
  });

  describe('#resourceServerOfScope', () => {
    it('should know URN, collection and OIDC scopes', () => {
      assert.equal(resourceServerOfScope(TRANSFER), 'transfer.api.globus.org');
      assert.equal(resourceServerOfScope(GlobusScopes.https(C1)), C1);
      assert.equal(resourceServerOfScope('openid'), 'auth.globus.org');
      assert.equal(resourceServerOfScope('weird'), undefined);
    });
  });
});
