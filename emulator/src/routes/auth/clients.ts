/**
 * Globus Auth's client registration calls that `globus login` and `globus logout` make
 * (globus-cli `login_manager/storage.py`): on first login the CLI's native app registers an
 * instance of itself — `POST /v2/api/clients` with `{"client": {"template_id", "name"}}` and
 * no credentials (the SDK's `NativeAppAuthClient.create_native_app_instance`) — and reads
 * the new client's id and secret from `included.client_credential`; it then logs in as that
 * confidential client, and logout deletes it (`DELETE /v2/api/clients/{id}`, HTTP Basic).
 * Reading the client and managing its credentials complete the set.
 *
 * Shapes: the Auth API reference (Create Client, Get Client, Delete Client, Get/Create/
 * Delete Client Credentials) and the Globus SDK's recorded responses for them.
 * @see https://docs.globus.org/api/auth/reference/#create_client
 * @see https://docs.globus.org/api/auth/reference/#client_credentials
 */
import type { IRequestContext, Router } from '../../http/router.js';
import { AuthStateError } from '../../state/auth/auth-error.js';
import type { AuthState } from '../../state/auth/auth-state.js';
import type { IClientCredential, IOAuthClient } from '../../state/auth/directory.js';
import { authApiError } from './responses.js';

/** Longest client or credential name accepted. */
const maxNameLength = 100;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(detail: string): never {
  throw authApiError(400, 'INVALID_PARAMETERS', 'Invalid Parameters', detail);
}

/** The client document (`client`), with the fields the SDK's recorded responses carry. */
export function clientDocument(client: IOAuthClient): Record<string, unknown> {
  return {
    id: client.id,
    name: client.name,
    public_client: !client.confidential,
    client_type: client.confidential ? 'confidential_client' : 'public_installed_client',
    grant_types: client.confidential
      ? ['authorization_code', 'client_credentials', 'refresh_token']
      : ['authorization_code', 'refresh_token'],
    redirect_uris: [...client.redirectUris],
    parent_client: client.parentClient ?? null,
    project: null,
    visibility: 'private',
    fqdns: [],
    scopes: [],
    required_idp: null,
    preselect_idp: null,
    prompt_for_named_grant: false,
    userinfo_from_effective_identity: true,
    links: { privacy_policy: null, terms_and_conditions: null }
  };
}

/** A credential document; the secret only in the answer that created it. */
function credentialDocument(
  client: IOAuthClient,
  c: IClientCredential,
  withSecret: boolean
): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    client: client.id,
    created: c.created,
    secret: withSecret ? c.secret : null
  };
}

/** Reads `{ <key>: { ... } }` from a JSON body. */
async function wrapped(ctx: IRequestContext, key: string): Promise<Record<string, unknown>> {
  const body = await ctx.json<unknown>();
  const inner = isObject(body) ? body[key] : undefined;
  if (!isObject(inner)) invalid(`The body must be a JSON object with a "${key}" object`);
  return inner;
}

function nameField(doc: Record<string, unknown>, field: string): string {
  const v = doc[field];
  if (typeof v !== 'string' || v.trim() === '' || v.length > maxNameLength) {
    invalid(`"${field}" must be a non-empty string of at most ${maxNameLength} characters`);
  }
  return v;
}

/**
 * The client a `/v2/api/clients/{id}…` call acts on: the caller must authenticate as that
 * client with HTTP Basic (as the SDK's `ConfidentialAppAuthClient` does).
 * @throws 401 `UNAUTHORIZED` without or with wrong credentials, 403 `FORBIDDEN` for another
 *   client, 404 `NOT_FOUND` for an id that is not a client
 */
function selfClient(ctx: IRequestContext, auth: AuthState): IOAuthClient {
  const id = ctx.params.id;
  if (!uuid.test(id)) throw authApiError(404, 'NOT_FOUND', 'Not Found', 'No client with this id');
  let caller: IOAuthClient | undefined;
  try {
    caller = /^Basic\s/i.test(ctx.req.headers.authorization ?? '')
      ? auth.authenticateClient(ctx.req.headers.authorization, null)
      : undefined;
  } catch (e) {
    if (!(e instanceof AuthStateError)) throw e;
    caller = undefined;
  }
  if (!caller) {
    throw authApiError(
      401,
      'UNAUTHORIZED',
      'Unauthorized',
      'Authenticate as the client with HTTP Basic (client id and secret)',
      { 'WWW-Authenticate': 'Basic realm="auth.globus.org"' }
    );
  }
  if (caller.id !== id.toLowerCase()) {
    throw authApiError(403, 'FORBIDDEN', 'Forbidden', 'A client may only manage itself');
  }
  return caller;
}

/** Adds `/v2/api/clients` and `/v2/api/clients/{id}[/credentials[/{credential}]]`. */
export function addClientRoutes(router: Router, auth: AuthState): void {
  router.add('POST', '/v2/api/clients', async ctx => {
    const doc = await wrapped(ctx, 'client');
    const templateId = doc.template_id;
    if (typeof templateId !== 'string') {
      invalid(
        '"template_id" is required: the emulator registers native app instances only (projects are not modelled)'
      );
    }
    const name = nameField(doc, 'name');
    const template = auth.client(templateId);
    if (!template || template.confidential || !template.templatable) {
      invalid('"template_id" is not a native app that instances can be made of');
    }
    const { client, credential } = auth.createNativeAppInstance(template, name);
    ctx.send(200, {
      client: clientDocument(client),
      included: { client_credential: credentialDocument(client, credential, true) }
    });
  });

  router.add('GET', '/v2/api/clients/:id', ctx => {
    ctx.send(200, { client: clientDocument(selfClient(ctx, auth)) });
  });

  router.add('DELETE', '/v2/api/clients/:id', ctx => {
    const client = selfClient(ctx, auth);
    if (!client.parentClient) {
      throw authApiError(403, 'FORBIDDEN', 'Forbidden', 'Only native app instances can be deleted');
    }
    auth.deleteClient(client);
    ctx.send(200, { client: clientDocument(client) });
  });

  router.add('GET', '/v2/api/clients/:id/credentials', ctx => {
    const client = selfClient(ctx, auth);
    ctx.send(200, {
      credentials: (client.credentials ?? []).map(c => credentialDocument(client, c, false))
    });
  });

  router.add('POST', '/v2/api/clients/:id/credentials', async ctx => {
    const client = selfClient(ctx, auth);
    if (!client.parentClient) {
      throw authApiError(
        403,
        'FORBIDDEN',
        'Forbidden',
        'Only native app instances have credentials here'
      );
    }
    const name = nameField(await wrapped(ctx, 'credential'), 'name');
    const credential = auth.addClientCredential(client, name);
    ctx.send(200, { credential: credentialDocument(client, credential, true) });
  });

  router.add('DELETE', '/v2/api/clients/:id/credentials/:credential', ctx => {
    const client = selfClient(ctx, auth);
    const removed = auth.removeClientCredential(client, ctx.params.credential.toLowerCase());
    if (!removed) throw authApiError(404, 'NOT_FOUND', 'Not Found', 'No credential with this id');
    ctx.send(200, { credential: credentialDocument(client, removed, false) });
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
