/**
 * Types of the GLOBUS_DATA decoder: the plain values a restricted unpickle yields, and the
 * one normalised record every auth-state shape becomes.
 */

/**
 * A value decoded from a pickle of JSON-typed data.
 *
 * Mapping from Python: `None` → `null`; `bool` → `boolean`; `int` → `number` when it is a
 * safe integer, else `bigint`; `float` → `number` (NaN and ±Infinity included); `str` →
 * `string`; `bytes` and `bytearray` → `Uint8Array`; `list` and `tuple` → arrays; `dict`
 * with string keys → {@link IPickleDict}. A value shared in the pickle (memo GET, DUP)
 * is the same JavaScript object in every place.
 */
export type PickleValue =
  null | boolean | number | bigint | string | Uint8Array | PickleValue[] | IPickleDict;

/**
 * A decoded Python `dict`. Keys are own properties (a key named `__proto__` is an
 * ordinary key, never the prototype).
 */
export interface IPickleDict {
  [key: string]: PickleValue;
}

/**
 * Which JupyterHub OAuthenticator produced the auth state.
 *
 * - `pre-0.12` — 0.6–0.11: per-token `expires_at_seconds` (absolute), refresh tokens;
 *   `tokens` is `''` after a revoke-on-logout.
 * - `0.12-15` — per-token `expires_in` only (relative to an unrecorded issue time).
 * - `16+` — as 0.12, plus `token_response` (with the `id_token`), `globus_user` and
 *   `globus_groups`.
 */
export type GlobusDataShape = 'pre-0.12' | '0.12-15' | '16+';

/**
 * Who is logged in, from `globus_user` (userinfo) or else the `id_token` claims.
 */
export interface INormalisedIdentity {
  /** Globus identity id (`sub`). */
  sub: string;
  /** `preferred_username`, e.g. `user@example.edu`. */
  username?: string;
  /** Display name. */
  name?: string;
  /** Email, when the `email` scope was granted. */
  email?: string;
  /** Identity provider id. */
  identityProvider?: string;
  /** Identity provider display name. */
  identityProviderDisplayName?: string;
  /** Organization. */
  organization?: string;
  /** Where these claims came from. The id_token claims are NOT verified here. */
  source: 'globus_user' | 'id_token';
  /** Every claim as decoded (JSON values only). */
  claims: Readonly<Record<string, unknown>>;
}

/**
 * One access token, whatever the auth-state shape. Holds the raw secret: never print it.
 */
export interface INormalisedToken {
  /** Resource server, e.g. `transfer.api.globus.org` or a GCS collection UUID. */
  resourceServer: string;
  /** The raw access token. */
  accessToken: string;
  /** Space-separated scope string as granted (may be empty). */
  scope: string;
  /** Token type, normally `Bearer`. */
  tokenType: string;
  /** Absolute expiry (Unix seconds), when the hub recorded one (pre-0.12). */
  expiresAtSeconds?: number;
  /** Lifetime in seconds from issue (0.12+), relative to an issue time the hub did not record. */
  expiresIn?: number;
  /**
   * Issue time (Unix seconds) taken from the id_token's `iat`, set only when the token has
   * `expiresIn` but no `expiresAtSeconds` and an id_token from the same token response is
   * present (16+). Unverified until the id_token is.
   */
  issuedAtSeconds?: number;
  /** The raw refresh token, if the hub requested offline access. */
  refreshToken?: string;
  /**
   * Where the token was found: the hub's filtered `tokens` map, or (16+) only in the raw
   * `token_response` — which the hub's `exclude_tokens` does not filter.
   */
  source: 'tokens' | 'token_response';
}

/**
 * Any GLOBUS_DATA auth state, normalised. Holds raw tokens: never print it.
 */
export interface INormalisedGlobusData {
  /** Which OAuthenticator generation produced it. */
  shape: GlobusDataShape;
  /** The hub's Globus client id. */
  clientId?: string;
  /** Who is logged in, if the state says (16+). */
  identity?: INormalisedIdentity;
  /** The raw id_token (16+), for verification against the Auth JWKS by the caller. */
  idToken?: string;
  /** Globus group ids (16+, empty unless the hub is configured for groups). */
  groups: string[];
  /**
   * One entry per resource server: `tokens` entries first, then (16+) ones found only in
   * `token_response` — unless `tokens` is empty, which means revoked at logout.
   */
  tokens: INormalisedToken[];
  /** Top-level keys found in the auth state, in order (e.g. `client_id`, `tokens`). */
  sourceKeys: string[];
  /** Things that were odd but not fatal (e.g. an id_token that would not decode). No secrets. */
  warnings: string[];
}
