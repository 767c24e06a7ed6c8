/**
 * Globus scope strings: parsing the request grammar (space-separated scopes, each with
 * optional `[...]` dependent scopes, `*` marking an optional dependency) and mapping each
 * scope to the one resource server whose token carries it.
 */

/** One requested scope and the scopes it depends on. */
export interface IScopeRequest {
  /** The scope string without dependencies, e.g. `urn:globus:auth:scope:transfer.api.globus.org:all`. */
  scope: string;
  /** True when requested with a leading `*` (an optional, atomically revocable dependency). */
  optional: boolean;
  /** Dependent scopes, in request order. */
  dependencies: IScopeRequest[];
}

/** Thrown for a scope string that does not follow the grammar. */
export class ScopeSyntaxError extends Error {
  readonly code = 'ScopeSyntaxError';
  constructor(message: string) {
    super(message);
    this.name = 'ScopeSyntaxError';
  }
}

/** The resource server of Globus Auth itself. */
export const AUTH_RESOURCE_SERVER = 'auth.globus.org';
/** The resource server of Globus Transfer. */
export const TRANSFER_RESOURCE_SERVER = 'transfer.api.globus.org';
/** The resource server of Globus Groups. */
export const GROUPS_RESOURCE_SERVER = 'groups.api.globus.org';

/** The Transfer scope. */
export const TRANSFER_SCOPE = 'urn:globus:auth:scope:transfer.api.globus.org:all';
/** The Groups scope that `my_groups` needs. */
export const GROUPS_VIEW_SCOPE =
  'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships';
/** The scope that adds `identity_set` to userinfo and id_tokens. */
export const VIEW_IDENTITY_SET_SCOPE = 'urn:globus:auth:scope:auth.globus.org:view_identity_set';
/** The scope for `GET /v2/api/identities`. */
export const VIEW_IDENTITIES_SCOPE = 'urn:globus:auth:scope:auth.globus.org:view_identities';
/** The scope for `GET /v2/api/identities/{id}/consents?all=true`. */
export const VIEW_CONSENTS_SCOPE = 'urn:globus:auth:scope:auth.globus.org:view_consents';
/** The pseudo-scope the JS SDK appends to ask for refresh tokens. */
export const OFFLINE_ACCESS_SCOPE = 'offline_access';

const uuidPattern = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const collectionScopePattern = new RegExp(
  `^https://auth\\.globus\\.org/scopes/(${uuidPattern})/(https|data_access)$`
);
const endpointScopePattern = new RegExp(
  `^urn:globus:auth:scope:(${uuidPattern}):manage_collections$`
);
const authScopes = new Set([
  'openid',
  'profile',
  'email',
  VIEW_IDENTITY_SET_SCOPE,
  VIEW_IDENTITIES_SCOPE,
  VIEW_CONSENTS_SCOPE,
  'urn:globus:auth:scope:auth.globus.org:manage_projects',
  'urn:globus:auth:scope:auth.globus.org:view_authentications',
  'urn:globus:auth:scope:auth.globus.org:view_clients',
  'urn:globus:auth:scope:auth.globus.org:view_clients_and_scopes'
]);
const transferScopes = new Set([
  TRANSFER_SCOPE,
  'urn:globus:auth:scope:transfer.api.globus.org:gcp_install'
]);
const groupsScopes = new Set([
  GROUPS_VIEW_SCOPE,
  'urn:globus:auth:scope:groups.api.globus.org:all'
]);

/**
 * Services the emulator does not serve, whose scopes `globus login` asks for (the CLI's
 * `login_manager/scopes.py`: Search, Timers with a Transfer dependency, Flows); resource
 * servers as the Globus SDK names them (`globus_sdk/scopes/data/*.py`). Tokens for them are
 * issued so the CLI's login completes; nothing answers them.
 */
const otherServiceScopes = new Map<string, string>([
  ['urn:globus:auth:scope:search.api.globus.org:all', 'search.api.globus.org'],
  [
    'https://auth.globus.org/scopes/524230d7-ea86-4a52-8312-86065a9e0417/timer',
    '524230d7-ea86-4a52-8312-86065a9e0417'
  ],
  ['https://auth.globus.org/scopes/eec9b274-0c81-4334-bdc2-54e90e689b9a/all', 'flows.globus.org']
]);

/**
 * Parses a `scope` request parameter.
 * @param text - e.g. `openid transfer:all[*https://auth.globus.org/scopes/<C>/data_access]`
 * @throws ScopeSyntaxError on unbalanced brackets or stray characters
 */
export function parseScopes(text: string): IScopeRequest[] {
  let pos = 0;
  const parseList = (closing: boolean): IScopeRequest[] => {
    const out: IScopeRequest[] = [];
    for (;;) {
      while (pos < text.length && /\s/.test(text[pos])) pos++;
      if (pos >= text.length) {
        if (closing) throw new ScopeSyntaxError('Unbalanced "[" in scope string');
        return out;
      }
      if (text[pos] === ']') {
        if (!closing) throw new ScopeSyntaxError('Unbalanced "]" in scope string');
        pos++;
        return out;
      }
      let optional = false;
      if (text[pos] === '*') {
        optional = true;
        pos++;
      }
      const start = pos;
      while (pos < text.length && !/[\s[\]*]/.test(text[pos])) pos++;
      const scope = text.slice(start, pos);
      if (!scope) throw new ScopeSyntaxError(`Empty scope name at offset ${start}`);
      let dependencies: IScopeRequest[] = [];
      if (text[pos] === '[') {
        pos++;
        dependencies = parseList(true);
      }
      out.push({ scope, optional, dependencies });
    }
  };
  return parseList(false);
}

/**
 * Renders scope requests back to the request grammar.
 * @param requests - parsed scopes
 */
export function formatScopes(requests: IScopeRequest[]): string {
  return requests
    .map(r => {
      const head = `${r.optional ? '*' : ''}${r.scope}`;
      return r.dependencies.length ? `${head}[${formatScopes(r.dependencies)}]` : head;
    })
    .join(' ');
}

/**
 * The resource server whose token carries a scope, or `undefined` for an unknown scope.
 * @param scope - one scope name, without dependencies
 */
export function resourceServerOf(scope: string): string | undefined {
  if (authScopes.has(scope)) return AUTH_RESOURCE_SERVER;
  if (transferScopes.has(scope)) return TRANSFER_RESOURCE_SERVER;
  if (groupsScopes.has(scope)) return GROUPS_RESOURCE_SERVER;
  const other = otherServiceScopes.get(scope);
  if (other) return other;
  const collection = collectionScopePattern.exec(scope);
  if (collection) return collection[1].toLowerCase();
  const endpoint = endpointScopePattern.exec(scope);
  if (endpoint) return endpoint[1].toLowerCase();
  return undefined;
}

/**
 * For `https://auth.globus.org/scopes/<C>/data_access`, returns `<C>`.
 * @param scope - one scope name
 */
export function dataAccessCollectionOf(scope: string): string | undefined {
  const m = collectionScopePattern.exec(scope);
  return m && m[2] === 'data_access' ? m[1].toLowerCase() : undefined;
}

/**
 * The HTTPS scope of a GCS collection.
 * @param collectionId - the collection UUID
 */
export function httpsScope(collectionId: string): string {
  return `https://auth.globus.org/scopes/${collectionId}/https`;
}

/**
 * The data_access scope of a GCSv5 mapped collection.
 * @param collectionId - the collection UUID
 */
export function dataAccessScope(collectionId: string): string {
  return `https://auth.globus.org/scopes/${collectionId}/data_access`;
}
