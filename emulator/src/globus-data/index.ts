/**
 * `GLOBUS_DATA` for the emulator's users: fresh tokens issued by the emulated Auth (as if
 * the hub had just logged the user in), shaped like one oauthenticator generation's
 * `auth_state`, pickled by CPython and base64-encoded.
 */
import type { AuthState } from '../state/auth/auth-state.js';
import {
  GROUPS_VIEW_SCOPE,
  httpsScope,
  TRANSFER_SCOPE,
  VIEW_CONSENTS_SCOPE,
  VIEW_IDENTITIES_SCOPE,
  VIEW_IDENTITY_SET_SCOPE
} from '../state/auth/scopes.js';
import {
  DEMO_IDENTITY_ID,
  GUEST_COLLECTION_ID,
  HUB_CLIENT_ID,
  PUBLIC_COLLECTION_ID
} from '../state/seed.js';
import { pickleBase64, type PickleProtocol } from './pickle.js';
import { buildAuthState, type AuthStateShape, type JsonValue } from './shapes.js';

export {
  authStateShapes,
  buildAuthState,
  defaultExcludeTokens,
  type AuthStateShape,
  type IAuthStateInput,
  type JsonValue
} from './shapes.js';
export { pickleBase64, PickleError, pickleProtocols, type PickleProtocol } from './pickle.js';

/** Options of `globusData()` / `issueAuthState()`. */
export interface IGlobusDataOptions {
  /** The oauthenticator generation; default `16+`. */
  shape?: AuthStateShape;
  /** Pickle protocol; default 4 (Python 3.8–3.13). */
  protocol?: PickleProtocol;
  /** Who the hub logged in; default the demo user. */
  identityId?: string;
  /** The hub's client; default `HUB_CLIENT_ID`. */
  clientId?: string;
  /**
   * The full scope request; default: `openid profile email`, view_identity_set,
   * view_identities, view_consents, Transfer (no `data_access` dependency), Groups, and the
   * HTTPS scope of each of `httpsCollections`.
   */
  scope?: string;
  /** Collections whose HTTPS scope is requested; default the guest and public collections. */
  httpsCollections?: string[];
  /** Issue refresh tokens; default true for `pre-0.12` only (later hubs stopped asking). */
  offline?: boolean;
  /** Override the shape's default `exclude_tokens`. */
  excludeTokens?: string[];
}

/** The default hub scope request for a user. */
export function defaultHubScope(httpsCollections: string[]): string {
  return [
    'openid',
    'profile',
    'email',
    VIEW_IDENTITY_SET_SCOPE,
    VIEW_IDENTITIES_SCOPE,
    VIEW_CONSENTS_SCOPE,
    TRANSFER_SCOPE,
    GROUPS_VIEW_SCOPE,
    ...httpsCollections.map(httpsScope)
  ].join(' ');
}

/**
 * Logs a user in through the hub client (issuing real, checkable tokens and recording the
 * consents) and returns the `auth_state` the hub would store.
 * @param auth - the emulated Auth
 * @param options - shape, user, client, scopes
 */
export async function issueAuthState(
  auth: AuthState,
  options: IGlobusDataOptions = {}
): Promise<{ [key: string]: JsonValue }> {
  const shape = options.shape ?? '16+';
  const identityId = options.identityId ?? DEMO_IDENTITY_ID;
  const clientId = options.clientId ?? HUB_CLIENT_ID;
  const scope =
    options.scope ??
    defaultHubScope(options.httpsCollections ?? [GUEST_COLLECTION_ID, PUBLIC_COLLECTION_ID]);
  const issuedAtSeconds = auth.nowSeconds();
  const tokenResponse = await auth.issueTokens({
    clientId,
    identityId,
    scope,
    offline: options.offline ?? shape === 'pre-0.12',
    state: 'hub-login'
  });
  const authToken = [tokenResponse, ...tokenResponse.other_tokens].find(
    t => t.resource_server === 'auth.globus.org'
  );
  const check = authToken ? auth.check(authToken.access_token, 'auth.globus.org') : undefined;
  const userinfo = check?.ok
    ? (auth.userinfo(check.token) as Record<string, JsonValue>)
    : { sub: identityId };
  const user = auth.userByIdentity(identityId);
  return buildAuthState(shape, {
    clientId,
    tokenResponse,
    userinfo,
    groupIds: user ? auth.directory.groupsOf(user).map(g => g.id) : [],
    issuedAtSeconds,
    excludeTokens: options.excludeTokens
  });
}

/**
 * A `GLOBUS_DATA` value: base64 of a real CPython pickle of a fresh `auth_state`.
 * @param auth - the emulated Auth
 * @param options - shape (default `16+`), protocol (default 4), user, client, scopes
 */
export async function globusData(
  auth: AuthState,
  options: IGlobusDataOptions = {}
): Promise<string> {
  return pickleBase64(await issueAuthState(auth, options), options.protocol ?? 4);
}
