/**
 * The `auth_state` shapes JupyterHub's Globus authenticator (oauthenticator) has put into
 * `GLOBUS_DATA`, built from one token response. Pure functions: no clock, no I/O, so every
 * shape can be tested as data.
 *
 * - `pre-0.12` (0.7.2–0.11.x): `{client_id, tokens}`, each token with `expires_at_seconds`
 *   (globus-sdk 1.x `by_resource_server`), refresh tokens requested.
 * - `0.12-15` (0.12.0–15.x): `{client_id, tokens}`, raw token dicts with `expires_in` only.
 * - `16+` (16.0.0 on): adds `token_response` (the unfiltered token response, id_token
 *   included), `globus_user` (userinfo claims) and `globus_groups` (group ids).
 */
import type { ITokenDocument, ITokenResponse } from '../state/auth/auth-state.js';

/** Which oauthenticator generation's `auth_state` to build. */
export type AuthStateShape = 'pre-0.12' | '0.12-15' | '16+';

/** Every supported shape, oldest first. */
export const authStateShapes: readonly AuthStateShape[] = ['pre-0.12', '0.12-15', '16+'];

/** A JSON value (what JupyterHub's encrypted auth_state can hold). */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What the shape builder needs. */
export interface IAuthStateInput {
  /** The hub's client id. */
  clientId: string;
  /** The token response the hub received. */
  tokenResponse: ITokenResponse;
  /** Userinfo claims (`globus_user`, 16+). */
  userinfo: Record<string, JsonValue>;
  /** Group ids (`globus_groups`, 16+). */
  groupIds: string[];
  /** When the tokens were issued, epoch seconds (for `expires_at_seconds`, pre-0.12). */
  issuedAtSeconds: number;
  /**
   * Resource servers left out of `tokens`; default per shape: `auth.globus.org` before 16,
   * `auth.globus.org` and `groups.api.globus.org` from 16 (oauthenticator 14.1 changed it).
   */
  excludeTokens?: string[];
}

/** The default `exclude_tokens` of an oauthenticator generation. */
export function defaultExcludeTokens(shape: AuthStateShape): string[] {
  return shape === '16+' ? ['auth.globus.org', 'groups.api.globus.org'] : ['auth.globus.org'];
}

function tokenDocs(response: ITokenResponse): ITokenDocument[] {
  const { other_tokens: others, ...top } = response;
  return [top, ...others];
}

/**
 * Builds the `auth_state` dict of one oauthenticator generation.
 * @param shape - the generation
 * @param input - the token response and what else the hub knew
 */
export function buildAuthState(
  shape: AuthStateShape,
  input: IAuthStateInput
): { [key: string]: JsonValue } {
  const exclude = new Set(input.excludeTokens ?? defaultExcludeTokens(shape));
  const tokens: { [rs: string]: JsonValue } = {};
  for (const doc of tokenDocs(input.tokenResponse)) {
    if (exclude.has(doc.resource_server)) continue;
    tokens[doc.resource_server] =
      shape === 'pre-0.12'
        ? {
            scope: doc.scope,
            access_token: doc.access_token,
            refresh_token: doc.refresh_token ?? null,
            token_type: doc.token_type,
            expires_at_seconds: input.issuedAtSeconds + doc.expires_in,
            resource_server: doc.resource_server
          }
        : {
            expires_in: doc.expires_in,
            resource_server: doc.resource_server,
            scope: doc.scope,
            token_type: doc.token_type,
            refresh_token: doc.refresh_token ?? null,
            access_token: doc.access_token
          };
  }
  const state: { [key: string]: JsonValue } = { client_id: input.clientId, tokens };
  if (shape === '16+') {
    state.token_response = JSON.parse(JSON.stringify(input.tokenResponse)) as JsonValue;
    state.globus_user = input.userinfo;
    state.globus_groups = [...input.groupIds];
  }
  return state;
}
