import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  addPendingLogin,
  dropPendingLogin,
  findPendingLogin,
  forgetPendingLogins,
  type IPendingLogin
} from '../login/pending-logins';

const GLOBUS = 'http://127.0.0.1:9';
const ISSUER = 'http://127.0.0.1:9/realms/platform';

function entry(state: string, base: string, client: string, ageSeconds = 0): IPendingLogin {
  return {
    state,
    code_verifier: `v-${state}`,
    scopes: ['openid'],
    redirect_uri: `${base}/oob`,
    client_id: client,
    auth_base_url: base,
    created_at: Date.now() / 1000 - ageSeconds
  };
}

describe('pending logins shared by Globus and OIDC', () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'pending-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('#findPendingLogin', () => {
    it("should find the owner's newest login without a state, never another provider's", async () => {
      path = join(dir, 'find.json');
      await addPendingLogin(path, entry('globus-old', GLOBUS, 'g', 60));
      await addPendingLogin(path, entry('oidc-new', ISSUER, 'notebook-client'));
      const found = await findPendingLogin(path, undefined, { auth_base_url: GLOBUS });
      assert.equal(found?.state, 'globus-old');
      const oidc = await findPendingLogin(path, undefined, {
        auth_base_url: ISSUER,
        client_id: 'notebook-client'
      });
      assert.equal(oidc?.state, 'oidc-new');
      assert.equal(
        await findPendingLogin(path, undefined, { auth_base_url: ISSUER, client_id: 'other' }),
        undefined
      );
    });

    it("should find a login by its state, but not another provider's", async () => {
      path = join(dir, 'state.json');
      await addPendingLogin(path, entry('oidc-1', ISSUER, 'notebook-client'));
      await addPendingLogin(path, entry('globus-1', GLOBUS, 'g'));
      await addPendingLogin(path, entry('globus-2', GLOBUS, 'g'));
      assert.equal(await findPendingLogin(path, 'oidc-1', { auth_base_url: GLOBUS }), undefined);
      const found = await findPendingLogin(path, 'globus-1', { auth_base_url: GLOBUS });
      assert.equal(found?.state, 'globus-1', 'by state, not the newest');
    });

    it('regression #15: should leave the login waiting until it is dropped', async () => {
      path = join(dir, 'drop.json');
      await addPendingLogin(path, entry('globus-1', GLOBUS, 'g'));
      await addPendingLogin(path, entry('globus-2', GLOBUS, 'g'));
      assert.equal((await findPendingLogin(path, 'globus-1'))?.state, 'globus-1');
      assert.equal((await findPendingLogin(path, 'globus-1'))?.state, 'globus-1', 'found twice');
      await dropPendingLogin(path, 'globus-1');
      assert.equal(await findPendingLogin(path, 'globus-1'), undefined);
      assert.equal((await findPendingLogin(path, 'globus-2'))?.state, 'globus-2', 'others stay');
      await dropPendingLogin(path, 'globus-2');
      await assert.rejects(fs.access(path), 'the file goes with the last login');
      await dropPendingLogin(path, 'globus-2'); // no file: nothing to do
    });
  });

  describe('#forgetPendingLogins', () => {
    it("should drop one provider's logins and keep the others'", async () => {
      path = join(dir, 'forget.json');
      await addPendingLogin(path, entry('globus-1', GLOBUS, 'g'));
      await addPendingLogin(path, entry('oidc-1', ISSUER, 'notebook-client'));
      await addPendingLogin(path, entry('oidc-other-client', ISSUER, 'other'));
      const dropped = await forgetPendingLogins(path, {
        auth_base_url: ISSUER,
        client_id: 'notebook-client'
      });
      assert.equal(dropped, 1);
      const left = JSON.parse(await fs.readFile(path, 'utf8')) as {
        pending: Record<string, IPendingLogin>;
      };
      assert.deepEqual(Object.keys(left.pending).sort(), ['globus-1', 'oidc-other-client']);
      assert.equal(await forgetPendingLogins(path, { auth_base_url: GLOBUS }), 1);
      assert.equal(await forgetPendingLogins(path, { auth_base_url: ISSUER }), 1);
      await assert.rejects(fs.access(path), 'an empty file is removed');
    });
  });
});
