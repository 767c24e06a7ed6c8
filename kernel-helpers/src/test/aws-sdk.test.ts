/**
 * The optional AWS SDK: loaded on first use, and when a package is missing, a typed
 * S3_CLIENT_MISSING error that names the packages to install (issue #20). The packed
 * package installed without optional dependencies is tested in
 * test/kernel-helpers-package.test.mjs.
 */
import assert from 'node:assert/strict';
import { AWS_SDK_PACKAGES, awsSdk } from '../workspaces/aws-sdk';
import { isWorkspaceError } from '../workspaces/workspace-error';

function missing(id: string): Error {
  return Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
}

describe('awsSdk', () => {
  it('should load the three S3 modules with Node’s require', () => {
    const sdk = awsSdk();
    assert.equal(typeof sdk.s3.S3Client, 'function');
    assert.equal(typeof sdk.storage.Upload, 'function');
    assert.equal(typeof sdk.presigner.getSignedUrl, 'function');
  });

  it('should say which package is missing and the npm line that installs all three', () => {
    const load = (id: string): unknown => {
      if (id === '@aws-sdk/lib-storage') throw missing(id);
      return {};
    };
    assert.throws(
      () => awsSdk(load),
      (err: unknown) => {
        assert.ok(isWorkspaceError(err));
        assert.equal(err.code, 'S3_CLIENT_MISSING');
        assert.match(err.message, /@aws-sdk\/lib-storage is not installed/);
        assert.ok(err.remedy.includes(`npm install ${AWS_SDK_PACKAGES.join(' ')}`), err.remedy);
        assert.match(err.remedy, /restart the kernel/);
        return true;
      }
    );
  });

  it('should pass on a failure that is not a missing module', () => {
    const broken = new SyntaxError('Unexpected token');
    assert.throws(
      () =>
        awsSdk(() => {
          throw broken;
        }),
      (err: unknown) => err === broken
    );
  });
});
