/**
 * A high-assurance collection that needs a fresh login (issue #17), over HTTP: the admin
 * seed marks a collection with `session_required_single_domain`; Transfer then answers its
 * operations and submissions with 403 `AuthPolicyFailed` and `authorization_parameters`
 * until the caller logs in with those parameters (an identity in that domain), and again
 * once that login is older than the assurance timeout; a refreshed token keeps the session.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GUEST_COLLECTION_ID, PUBLIC_COLLECTION_ID, NATIVE_CLIENT_ID } from '../state/seed.js';
import { nativeLogin, postForm, type IAuthFixture } from './auth-fixture.js';
import { readResponse, startWorld, TRANSFER_SCOPE, type IWorld } from './transfer-fixture.js';
import { ASSURANCE_TIMEOUT_MINUTES } from '../routes/transfer/common.js';

describe('high-assurance collection needing a fresh login', () => {
  let world: IWorld;
  const admin = async (method: string, path: string, body?: unknown) =>
    readResponse(
      await fetch(`${world.emu.urls.admin}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
    );
  const login = (extra: Record<string, string> = {}) =>
    nativeLogin({ authUrl: world.emu.urls.auth } as IAuthFixture, TRANSFER_SCOPE, {
      access_type: 'offline',
      ...extra
    });
  const ls = (token: string) =>
    world.api('GET', `/operation/endpoint/${GUEST_COLLECTION_ID}/ls`, {
      token,
      query: { path: '/' }
    });
  const submit = async (token: string) => {
    const sub = await world.api('GET', '/submission_id', { token });
    return world.api('POST', '/transfer', {
      token,
      body: {
        DATA_TYPE: 'transfer',
        submission_id: sub.body.value,
        source_endpoint: PUBLIC_COLLECTION_ID,
        destination_endpoint: GUEST_COLLECTION_ID,
        DATA: [{ source_path: '/share/godata/file1.txt', destination_path: '/ha/file1.txt' }]
      }
    });
  };

  before(async () => {
    world = await startWorld({ autoApprove: true });
  });
  after(async () => {
    await world.close();
  });

  it('should refuse bad seed values with 400 and report the marking', async () => {
    const bad = await admin('PATCH', `/seed/collections/${GUEST_COLLECTION_ID}`, {
      session_required_single_domain: 'not a domain!'
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.field, 'session_required_single_domain');
    const bad2 = await admin('PATCH', `/seed/collections/${GUEST_COLLECTION_ID}`, {
      high_assurance: 'yes'
    });
    assert.equal(bad2.status, 400);
    // Before the marking an ordinary token lists the collection.
    assert.equal((await ls(world.transfer)).status, 200);
    const ok = await admin('PATCH', `/seed/collections/${GUEST_COLLECTION_ID}`, {
      session_required_single_domain: 'GlobusID.org'
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.high_assurance, true);
    assert.equal(ok.body.session_required_single_domain, 'globusid.org');
  });

  it('should answer ls and a submission with AuthPolicyFailed and its parameters', async () => {
    const listed = await ls(world.transfer);
    assert.equal(listed.status, 403);
    assert.equal(listed.body.code, 'AuthPolicyFailed');
    assert.equal(listed.body.resource, `/operation/endpoint/${GUEST_COLLECTION_ID}/ls`);
    assert.match(String(listed.body.request_id), /\S/);
    const params = listed.body.authorization_parameters as Record<string, unknown>;
    assert.deepEqual(params.session_required_single_domain, ['globusid.org']);
    assert.deepEqual(params.session_required_identities, []);
    assert.equal(params.session_required_mfa, false);
    assert.equal(params.session_message, listed.body.message);
    assert.equal('required_scopes' in params, false, 'not a consent: no scopes');
    const submitted = await submit(world.transfer);
    assert.equal(submitted.status, 403);
    assert.equal(submitted.body.code, 'AuthPolicyFailed');
    // An ordinary login (no session parameters) does not satisfy it either.
    const plain = await login();
    assert.equal((await ls(plain.access_token)).status, 403);
    // Asking for another domain than the identity's proves nothing.
    const other = await login({ session_required_single_domain: 'example.org' });
    assert.equal((await ls(other.access_token)).status, 403);
  });

  it('should accept a login with the parameters, its refresh, until the timeout', async () => {
    const fresh = await login({ session_required_single_domain: 'globusid.org' });
    assert.equal((await ls(fresh.access_token)).status, 200);
    const task = await submit(fresh.access_token);
    assert.equal(task.status, 202, task.text);
    assert.equal(task.body.code, 'Accepted');
    // A refreshed token keeps the session (the authentication time does not move).
    const refreshed = await postForm(`${world.emu.urls.auth}/v2/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(fresh.refresh_token),
      client_id: NATIVE_CLIENT_ID
    });
    assert.equal(refreshed.status, 200);
    const again = ((await refreshed.json()) as { access_token: string }).access_token;
    assert.equal((await ls(again)).status, 200);
    // Past the assurance timeout the same tokens are refused again.
    world.emu.clock.advance((ASSURANCE_TIMEOUT_MINUTES * 60 + 1) * 1000);
    const stale = await ls(again);
    assert.equal(stale.status, 403);
    assert.equal(stale.body.code, 'AuthPolicyFailed');
    // Clearing the marking lifts it.
    const cleared = await admin('PATCH', `/seed/collections/${GUEST_COLLECTION_ID}`, {
      session_required_single_domain: null
    });
    assert.equal(cleared.body.session_required_single_domain, null);
    assert.equal((await ls(world.transfer)).status, 200);
  });
});
