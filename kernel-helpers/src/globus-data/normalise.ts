/**
 * Decoded auth state → one normalised record, whatever OAuthenticator produced it.
 *
 * The shapes (see the research notes on GLOBUS_DATA, §2.2):
 * - `pre-0.12` (0.6–0.11): `{client_id, tokens: {rs: {…, expires_at_seconds}}}`; `tokens`
 *   is `''` after a revoke-on-logout.
 * - `0.12-15`: the same keys, per-token `expires_in` only; `tokens` `{}` after revoke.
 * - `16+`: plus `token_response` (the raw Globus token response with the `id_token` and
 *   `other_tokens`), `globus_user` (userinfo claims) and `globus_groups`.
 *
 * Strict where the hub's contract is (`tokens` entries: a bad one is a `bad-shape` error
 * naming its key path); lenient about the extras (an undecodable id_token or a malformed
 * `token_response` entry becomes a warning). Expiry is never guessed: an issue time is
 * taken only from the id_token of the same token response, and an expiry that is not a
 * finite number (`NaN`, `inf`) is unknown, with a warning.
 */
import { GlobusDataError } from '../errors/globus-data-error';
import type {
  GlobusDataShape,
  INormalisedGlobusData,
  INormalisedIdentity,
  INormalisedToken,
  IPickleDict,
  PickleValue
} from './types';

/** What the kernel, the server and the sidebar say when the hub's auth state holds no tokens. */
export const HUB_GAVE_NO_TOKENS = 'The hub gave this server no Globus tokens.';

/** The part of `jose` used here (see {@link jose}). */
interface IJoseDecode {
  decodeJwt(jwt: string): Record<string, unknown>;
}

/**
 * `jose` 6 is ESM-only. Node ≥ 20.19 can `require()` it, but TypeScript before 5.8 (tslab
 * ships 5.0, and it is what `tsc` resolves to in this repository) refuses a static import
 * of ESM from CommonJS. Only `decodeJwt` is needed, synchronously, so require it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jose = require('jose') as IJoseDecode;

/**
 * Normalise a decoded GLOBUS_DATA auth state.
 *
 * @param state - the unpickled value
 * @returns the normalised record (holds raw tokens: never print it)
 * @throws {@link GlobusDataError} with reason `bad-shape` and the offending `path`
 */
export function normaliseGlobusData(state: PickleValue): INormalisedGlobusData {
  if (!isDict(state)) {
    throw badShape('$', 'a dict (the auth state)');
  }
  const warnings: string[] = [];
  const sourceKeys = Object.keys(state);
  const clientId = optionalString(state, 'client_id', 'client_id');

  const tokenResponse = state.token_response;
  const response = isDict(tokenResponse) ? tokenResponse : undefined;
  if (tokenResponse !== undefined && tokenResponse !== null && response === undefined) {
    warnings.push('token_response is not a dict; ignored.');
  }

  let idToken: string | undefined;
  let idClaims: Record<string, unknown> | undefined;
  if (response !== undefined && typeof response.id_token === 'string' && response.id_token) {
    idToken = response.id_token;
    try {
      idClaims = jose.decodeJwt(idToken);
    } catch {
      warnings.push(
        'token_response.id_token is not a decodable JWT; identity and issue time from it are unknown.'
      );
    }
  }
  const iat = idClaims !== undefined && isSafeNumber(idClaims.iat) ? idClaims.iat : undefined;

  const tokens = normaliseTokenMap(state.tokens, warnings);
  if (tokens.length === 0) {
    // `{}` or `''`: what the hub's Globus authenticator leaves after a logout that revoked
    // the tokens (or a hub that never stored any). Said in the server's words.
    warnings.push(`${HUB_GAVE_NO_TOKENS} (its auth state's tokens is empty: revoked at logout?)`);
  }
  if (response !== undefined && tokens.length > 0) {
    addResponseTokens(response, tokens, warnings);
  } else if (response !== undefined) {
    // An empty `tokens` is what revoke-on-logout leaves: the same tokens sit, revoked, in
    // token_response, so they are not offered as usable.
    warnings.push('tokens is empty (revoked at logout?); tokens in token_response were not used.');
  }
  for (const token of tokens) {
    if (
      token.expiresAtSeconds === undefined &&
      token.expiresIn !== undefined &&
      iat !== undefined
    ) {
      token.issuedAtSeconds = iat;
    }
  }

  const is16 = 'token_response' in state || 'globus_user' in state || 'globus_groups' in state;
  const hasAbsolute = tokens.some(t => t.expiresAtSeconds !== undefined);
  const shape: GlobusDataShape = is16
    ? '16+'
    : hasAbsolute || state.tokens === ''
      ? 'pre-0.12'
      : '0.12-15';

  const result: INormalisedGlobusData = {
    shape,
    groups: normaliseGroups(state.globus_groups),
    tokens,
    sourceKeys,
    warnings
  };
  if (clientId !== undefined) {
    result.clientId = clientId;
  }
  const identity = normaliseIdentity(state.globus_user, idClaims, warnings);
  if (identity !== undefined) {
    result.identity = identity;
  }
  if (idToken !== undefined) {
    result.idToken = idToken;
  }
  return result;
}

function isDict(value: unknown): value is IPickleDict {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

function isSafeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * A key path segment. Only keys shaped like a resource server (a dotted host name or a
 * UUID) are shown: in a garbled pickle a token could end up as a key, and paths go into
 * error messages. Any other key is shown by its position.
 */
function keyPath(parent: string, key: string, index: number): string {
  const safe =
    /^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63}){1,8}$/i.test(key) ||
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key);
  return safe ? `${parent}[${JSON.stringify(key)}]` : `${parent}[#${index}]`;
}

function badShape(path: string, expected: string): GlobusDataError {
  return new GlobusDataError(
    `GLOBUS_DATA auth state has an unexpected value at ${path} (expected ${expected}).`,
    { reason: 'bad-shape', path }
  );
}

function optionalString(dict: IPickleDict, key: string, path: string): string | undefined {
  const value = dict[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw badShape(path, 'a string');
  }
  return value;
}

/**
 * A number of seconds; a number that is not finite (`NaN`, `±inf`: a Python float can be)
 * or an integer too large for a double is an unknown expiry, with a warning, not an error:
 * the token itself is still good.
 */
function optionalSeconds(
  dict: IPickleDict,
  key: string,
  path: string,
  warnings: string[]
): number | undefined {
  const value = dict[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'bigint' || (typeof value === 'number' && !Number.isFinite(value))) {
    warnings.push(`${path} is not a finite number of seconds; that token's expiry is unknown.`);
    return undefined;
  }
  if (!isSafeNumber(value)) {
    throw badShape(path, 'a number of seconds');
  }
  return value;
}

/**
 * One token dict → a token. Names only key paths in errors: the values are secrets.
 *
 * @param entry - the token dict
 * @param path - its key path, for errors
 * @param fallbackResourceServer - its key in `tokens`, if `resource_server` is absent
 * @param source - where it was found
 */
function normaliseToken(
  entry: PickleValue,
  path: string,
  fallbackResourceServer: string | undefined,
  source: INormalisedToken['source'],
  warnings: string[]
): INormalisedToken {
  if (!isDict(entry)) {
    throw badShape(path, 'a token dict');
  }
  const accessToken = entry.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw badShape(`${path}.access_token`, 'a non-empty string');
  }
  const resourceServer =
    optionalString(entry, 'resource_server', `${path}.resource_server`) ?? fallbackResourceServer;
  if (resourceServer === undefined || resourceServer.length === 0) {
    throw badShape(`${path}.resource_server`, 'a non-empty string');
  }
  const token: INormalisedToken = {
    resourceServer,
    accessToken,
    scope: optionalString(entry, 'scope', `${path}.scope`) ?? '',
    tokenType: optionalString(entry, 'token_type', `${path}.token_type`) ?? 'Bearer',
    source
  };
  const expiresAt = optionalSeconds(
    entry,
    'expires_at_seconds',
    `${path}.expires_at_seconds`,
    warnings
  );
  if (expiresAt !== undefined) {
    token.expiresAtSeconds = expiresAt;
  }
  const expiresIn = optionalSeconds(entry, 'expires_in', `${path}.expires_in`, warnings);
  if (expiresIn !== undefined) {
    token.expiresIn = expiresIn;
  }
  const refresh = optionalString(entry, 'refresh_token', `${path}.refresh_token`);
  if (refresh) {
    token.refreshToken = refresh;
  }
  return token;
}

/** `tokens`: a dict by resource server; `''`, `{}`, `None` or absent mean none. */
function normaliseTokenMap(value: PickleValue | undefined, warnings: string[]): INormalisedToken[] {
  if (value === undefined || value === null || value === '') {
    return [];
  }
  if (!isDict(value)) {
    throw badShape('tokens', 'a dict of tokens by resource server');
  }
  return Object.keys(value).map((key, i) =>
    normaliseToken(value[key], keyPath('tokens', key, i), key, 'tokens', warnings)
  );
}

/**
 * Tokens found only in `token_response` (the Auth token and `other_tokens`), which the
 * hub's `exclude_tokens` does not filter. Added after the `tokens` ones, never replacing
 * them; a malformed entry is skipped with a warning.
 */
function addResponseTokens(
  response: IPickleDict,
  tokens: INormalisedToken[],
  warnings: string[]
): void {
  const candidates: Array<[PickleValue, string]> = [];
  if (response.access_token !== undefined) {
    candidates.push([response, 'token_response']);
  }
  const others = response.other_tokens;
  if (Array.isArray(others)) {
    others.forEach((entry, i) => candidates.push([entry, `token_response.other_tokens[${i}]`]));
  } else if (others !== undefined && others !== null) {
    warnings.push('token_response.other_tokens is not a list; ignored.');
  }
  const known = new Set(tokens.map(t => t.resourceServer));
  for (const [entry, path] of candidates) {
    let token: INormalisedToken;
    try {
      token = normaliseToken(entry, path, undefined, 'token_response', warnings);
    } catch (error) {
      const where = error instanceof GlobusDataError && error.path ? error.path : path;
      warnings.push(`${where} is malformed; that token_response entry was ignored.`);
      continue;
    }
    if (!known.has(token.resourceServer)) {
      known.add(token.resourceServer);
      tokens.push(token);
    }
  }
}

function normaliseGroups(value: PickleValue | undefined): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw badShape('globus_groups', 'a list of group ids');
  }
  return value.map((group, i) => {
    if (typeof group !== 'string') {
      throw badShape(`globus_groups[${i}]`, 'a group id string');
    }
    return group;
  });
}

function normaliseIdentity(
  user: PickleValue | undefined,
  idClaims: Record<string, unknown> | undefined,
  warnings: string[]
): INormalisedIdentity | undefined {
  if (isDict(user) && typeof user.sub === 'string' && user.sub) {
    return identityFrom(user, 'globus_user');
  }
  if (user !== undefined && user !== null) {
    warnings.push('globus_user has no "sub"; identity taken from the id_token if any.');
  }
  if (idClaims !== undefined && typeof idClaims.sub === 'string' && idClaims.sub) {
    return identityFrom(idClaims, 'id_token');
  }
  return undefined;
}

function identityFrom(
  claims: Readonly<Record<string, unknown>>,
  source: INormalisedIdentity['source']
): INormalisedIdentity {
  const text = (key: string): string | undefined =>
    typeof claims[key] === 'string' ? (claims[key] as string) : undefined;
  const identity: INormalisedIdentity = { sub: text('sub') as string, source, claims };
  const optional: Array<[keyof INormalisedIdentity, string]> = [
    ['username', 'preferred_username'],
    ['name', 'name'],
    ['email', 'email'],
    ['identityProvider', 'identity_provider'],
    ['identityProviderDisplayName', 'identity_provider_display_name'],
    ['organization', 'organization']
  ];
  for (const [field, claim] of optional) {
    const value = text(claim);
    if (value !== undefined) {
      (identity as unknown as Record<string, unknown>)[field] = value;
    }
  }
  return identity;
}
