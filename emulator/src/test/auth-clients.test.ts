/**
 * Issue #15: the client registration calls of `globus login` / `globus logout`, over HTTP
 * with the requests the Globus SDK and CLI send (globus-cli `login_manager/storage.py` and
 * `auth_flows.py`, globus-sdk `NativeAppAuthClient.create_native_app_instance`,
 * `ConfidentialAppAuthClient` with HTTP Basic). The CLI itself cannot be installed here, so
 * its calls are replayed: register an instance of the CLI's native app with no credentials,
 * log in as that confidential client through the code page with the CLI's scopes, verify
 * the id_token, then delete the client. Before this, `POST /v2/api/clients` was a 404.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GLOBUS_CLI_CLIENT_ID, HUB_CLIENT_ID, NATIVE_CLIENT_ID } from '../state/seed.js';
import { basic, pkcePair, postForm, startAuthFixture, type IAuthFixture } from './auth-fixture.js';

const loadJose = () => import('jose');

const TRANSFER = 'urn:globus:auth:scope:transfer.api.globus.org:all';
/** The scopes `globus login` asks for (the CLI's `CLI_SCOPE_REQUIREMENTS`), space-joined. */
const CLI_SCOPES = [
  'openid',
  'profile',
  'email',
  'urn:globus:auth:scope:auth.globus.org:view_identity_set',
  TRANSFER,
  'urn:globus:auth:scope:groups.api.globus.org:all',
  'urn:globus:auth:scope:search.api.globus.org:all',
  `https://auth.globus.org/scopes/524230d7-ea86-4a52-8312-86065a9e0417/timer[${TRANSFER}]`,
  'https://auth.globus.org/scopes/eec9b274-0c81-4334-bdc2-54e90e689b9a/all'
].join(' ');

interface IRegistered {
  client: Record<string, unknown> & { id: string };
  included: { client_credential: Record<string, unknown> & { secret: string } };
}

describe('regression #15: Auth client registration for globus login', () => {
  let fx: IAuthFixture;
  before(async () => {
    fx = await startAuthFixture({ autoApprove: true });
  });
  after(() => fx.close());

  /** `POST /v2/api/clients` as `NativeAppAuthClient.post` sends it: JSON, no Authorization. */
  const register = (client: unknown, headers: Record<string, string> = {}) =>
    fetch(`${fx.authUrl}/v2/api/clients`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
      body: JSON.stringify({ client })
    });

  const registerCli = async (): Promise<IRegistered> => {
    const res = await register({ template_id: GLOBUS_CLI_CLIENT_ID, name: 'Globus CLI' });
    assert.equal(res.status, 200);
    return (await res.json()) as IRegistered;
  };

  /** A call authenticated as a client, as `ConfidentialAppAuthClient` makes it. */
  const asClient = (
    method: string,
    path: string,
    id: string,
    secret: string,
    body?: unknown
  ): Promise<Response> =>
    fetch(`${fx.authUrl}${path}`, {
      method,
      headers: {
        Authorization: basic(id, secret),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' })
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    });

  /** Authorize (auto-approved) and return the code from the redirect. */
  const authorize = async (params: Record<string, string>): Promise<URL> => {
    const url = new URL('/v2/oauth2/authorize', fx.authUrl);
    for (const [k, v] of Object.entries({ response_type: 'code', ...params })) {
      url.searchParams.set(k, v);
    }
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 302, await res.text());
    return new URL(res.headers.get('location') ?? '');
  };

  it('should register an instance of the CLI native app, as the first globus login does', async () => {
    const body = await registerCli();
    const cred = body.included.client_credential;
    assert.match(body.client.id, /^[0-9a-f-]{36}$/);
    assert.equal(body.client.name, 'Globus CLI');
    assert.equal(body.client.parent_client, GLOBUS_CLI_CLIENT_ID);
    assert.equal(body.client.public_client, false);
    assert.equal(body.client.client_type, 'confidential_client');
    assert.deepEqual(body.client.grant_types, [
      'authorization_code',
      'client_credentials',
      'refresh_token'
    ]);
    assert.equal(cred.client, body.client.id);
    assert.equal(cred.name, 'Auto-created at client creation');
    assert.ok(cred.secret.length >= 32);
    assert.match(cred.created as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    assert.ok(fx.auth.issuedSecrets().clientSecrets.includes(cred.secret));
  });

  it('should log the instance in through the code page with the CLI scopes, then log it out', async () => {
    const { client, included } = await registerCli();
    const secret = included.client_credential.secret;
    // do_link_auth_flow: redirect_uri is the Auth base URL's v2/web/auth-code page.
    const redirectUri = `${fx.authUrl}/v2/web/auth-code`;
    const back = await authorize({
      client_id: client.id,
      redirect_uri: redirectUri,
      scope: CLI_SCOPES,
      state: '_default',
      access_type: 'offline',
      prompt: 'login'
    });
    assert.equal(`${back.origin}${back.pathname}`, redirectUri);
    const code = back.searchParams.get('code') as string;
    assert.ok(code);
    const page = await fetch(back);
    assert.equal(page.status, 200);
    assert.ok((await page.text()).includes(code), 'the code page shows the code to paste');

    const tok = await postForm(
      `${fx.authUrl}/v2/oauth2/token`,
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri },
      { Authorization: basic(client.id, secret) }
    );
    assert.equal(tok.status, 200, await tok.clone().text());
    const tokens = (await tok.json()) as {
      resource_server: string;
      access_token: string;
      refresh_token: string;
      id_token: string;
      other_tokens: Array<{ resource_server: string; refresh_token?: string }>;
    };
    assert.equal(tokens.resource_server, 'auth.globus.org');
    assert.ok(tokens.refresh_token);
    assert.deepEqual(tokens.other_tokens.map(t => t.resource_server).sort(), [
      '524230d7-ea86-4a52-8312-86065a9e0417',
      'flows.globus.org',
      'groups.api.globus.org',
      'search.api.globus.org',
      'transfer.api.globus.org'
    ]);
    assert.ok(tokens.other_tokens.every(t => t.refresh_token));
    // exchange_code_and_store: decode_id_token with the discovery document's algorithms.
    const jose = await loadJose();
    const discovery = (await (
      await fetch(`${fx.authUrl}/.well-known/openid-configuration`)
    ).json()) as { id_token_signing_alg_values_supported: string[]; jwks_uri: string };
    const { payload } = await jose.jwtVerify(
      tokens.id_token,
      jose.createRemoteJWKSet(new URL(discovery.jwks_uri)),
      {
        issuer: fx.authUrl,
        audience: client.id,
        algorithms: discovery.id_token_signing_alg_values_supported
      }
    );
    assert.equal(payload.preferred_username, 'demo.researcher@globusid.org');

    // globus logout: delete the instance with its own credentials.
    const del = await asClient('DELETE', `/v2/api/clients/${client.id}`, client.id, secret);
    assert.equal(del.status, 200);
    assert.equal(((await del.json()) as IRegistered).client.id, client.id);
    const userinfo = await fetch(`${fx.authUrl}/v2/oauth2/userinfo`, {
      headers: { Authorization: `Bearer ${tokens.access_token}` }
    });
    assert.equal(userinfo.status, 401, 'its tokens stop working');
    const refresh = await postForm(
      `${fx.authUrl}/v2/oauth2/token`,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { Authorization: basic(client.id, secret) }
    );
    assert.equal(refresh.status, 401, 'the deleted client cannot authenticate');
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_client');
    const gone = await asClient('GET', `/v2/api/clients/${client.id}`, client.id, secret);
    assert.equal(gone.status, 401);
  });

  it('should let a created client run the authorization code flow with PKCE and a loopback redirect', async () => {
    const { client, included } = await registerCli();
    const secret = included.client_credential.secret;
    const { verifier, challenge } = pkcePair();
    const redirectUri = 'http://localhost:49152';
    const back = await authorize({
      client_id: client.id,
      redirect_uri: redirectUri,
      scope: `openid ${TRANSFER}`,
      code_challenge: challenge,
      code_challenge_method: 'S256'
    });
    const code = back.searchParams.get('code') as string;
    const exchange = (codeVerifier: string) =>
      postForm(
        `${fx.authUrl}/v2/oauth2/token`,
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          code_verifier: codeVerifier
        },
        { Authorization: basic(client.id, secret) }
      );
    const wrong = await exchange(pkcePair().verifier);
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_grant');
    // The failed attempt burned the code (single use); a fresh one with the right verifier works.
    const again = await authorize({
      client_id: client.id,
      redirect_uri: redirectUri,
      scope: `openid ${TRANSFER}`,
      code_challenge: challenge,
      code_challenge_method: 'S256'
    });
    const ok = await postForm(
      `${fx.authUrl}/v2/oauth2/token`,
      {
        grant_type: 'authorization_code',
        code: again.searchParams.get('code') as string,
        redirect_uri: redirectUri,
        code_verifier: verifier
      },
      { Authorization: basic(client.id, secret) }
    );
    assert.equal(ok.status, 200, await ok.clone().text());
    const body = (await ok.json()) as { other_tokens: Array<{ resource_server: string }> };
    assert.deepEqual(
      body.other_tokens.map(t => t.resource_server),
      ['transfer.api.globus.org']
    );
  });

  it('should show the client to itself and manage its credentials', async () => {
    const { client, included } = await registerCli();
    const first = included.client_credential;
    const got = await asClient('GET', `/v2/api/clients/${client.id}`, client.id, first.secret);
    assert.equal(got.status, 200);
    assert.deepEqual(((await got.json()) as IRegistered).client, client);

    const made = await asClient(
      'POST',
      `/v2/api/clients/${client.id}/credentials`,
      client.id,
      first.secret,
      { credential: { name: 'second' } }
    );
    assert.equal(made.status, 200);
    const second = ((await made.json()) as { credential: Record<string, string> }).credential;
    assert.equal(second.name, 'second');
    assert.equal(second.client, client.id);
    assert.ok(second.secret && second.secret !== first.secret);

    const list = await asClient(
      'GET',
      `/v2/api/clients/${client.id}/credentials`,
      client.id,
      second.secret
    );
    const creds = ((await list.json()) as { credentials: Array<Record<string, unknown>> })
      .credentials;
    assert.deepEqual(
      creds.map(c => [c.id, c.secret]),
      [
        [first.id, null],
        [second.id, null]
      ]
    );

    const removed = await asClient(
      'DELETE',
      `/v2/api/clients/${client.id}/credentials/${first.id as string}`,
      client.id,
      second.secret
    );
    assert.equal(removed.status, 200);
    const cc = (secret: string) =>
      postForm(
        `${fx.authUrl}/v2/oauth2/token`,
        { grant_type: 'client_credentials', scope: TRANSFER },
        { Authorization: basic(client.id, secret) }
      );
    assert.equal((await cc(first.secret)).status, 401, 'the removed credential stops working');
    const viaSecond = await cc(second.secret);
    assert.equal(viaSecond.status, 200, await viaSecond.clone().text());
    assert.equal(
      ((await viaSecond.json()) as { resource_server: string }).resource_server,
      'transfer.api.globus.org'
    );
  });

  it('should refuse calls that are not the client itself', async () => {
    const { client, included } = await registerCli();
    const path = `/v2/api/clients/${client.id}`;
    const anonymous = await fetch(`${fx.authUrl}${path}`);
    assert.equal(anonymous.status, 401);
    assert.equal(
      ((await anonymous.json()) as { errors: Array<{ code: string }> }).errors[0].code,
      'UNAUTHORIZED'
    );
    const wrongSecret = await asClient('GET', path, client.id, 'not-the-secret');
    assert.equal(wrongSecret.status, 401);
    const hub = await asClient('DELETE', path, HUB_CLIENT_ID, 'emulator-hub-client-secret');
    assert.equal(hub.status, 403);
    const still = await asClient('GET', path, client.id, included.client_credential.secret);
    assert.equal(still.status, 200, 'the client survives a refused delete');
    const seeded = await asClient(
      'DELETE',
      `/v2/api/clients/${HUB_CLIENT_ID}`,
      HUB_CLIENT_ID,
      'emulator-hub-client-secret'
    );
    assert.equal(seeded.status, 403, 'a seeded client cannot delete itself');
    assert.ok(fx.auth.client(HUB_CLIENT_ID));
  });

  it('should answer bad registrations with 400 INVALID_PARAMETERS', async () => {
    const cases: unknown[] = [
      { name: 'no template (projects are not modelled)' },
      { template_id: '00000000-0000-4000-8000-000000000000', name: 'unknown template' },
      { template_id: HUB_CLIENT_ID, name: 'a confidential client is no template' },
      { template_id: NATIVE_CLIENT_ID },
      { template_id: NATIVE_CLIENT_ID, name: 'x'.repeat(101) },
      'not an object'
    ];
    for (const client of cases) {
      const res = await register(client);
      assert.equal(res.status, 400, JSON.stringify(client));
      const body = (await res.json()) as { errors: Array<{ code: string }> };
      assert.equal(body.errors[0].code, 'INVALID_PARAMETERS');
    }
    const ours = await register({ template_id: NATIVE_CLIENT_ID, name: 'Kit instance' });
    assert.equal(ours.status, 200, 'the kit native app may be templated too');
  });
});
