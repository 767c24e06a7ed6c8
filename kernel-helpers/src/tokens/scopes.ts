/**
 * Globus scope strings: parse and serialise, including dependent scopes in brackets and the
 * optional `*` marker.
 *
 * Grammar (from the Globus SDKs' scope representation): a space-separated list of scopes;
 * a scope is an optional `*` (the dependency is optional / atomically revocable), a name
 * without `[`, `]`, `*` or whitespace, and optionally `[` a scope list `]` of dependencies.
 * Example: `urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/<C>/data_access]`.
 *
 * Written by hand: `@globus/sdk`'s `splitScopeString` only splits the top level and does
 * not model the `*` marker or report malformed input.
 */
import { BadInputError } from '../errors/bad-input-error';

/** One parsed scope. */
export interface IScope {
  /** The scope string without `*` and without dependencies. */
  readonly name: string;
  /** Whether it was marked optional with `*`. */
  readonly optional: boolean;
  /** Dependent scopes (from the bracketed list). */
  readonly dependencies: readonly IScope[];
}

/** Upper bounds that keep the parser linear and shallow on hostile input. */
const MAX_SCOPE_TEXT = 64 * 1024;
const MAX_DEPTH = 16;

/**
 * Parse a scope string (or several, space-separated) into a tree.
 *
 * @param text - the scope string
 * @returns the top-level scopes, in order
 * @throws BadInputError (`BAD_SCOPE`) on unbalanced brackets, an empty name, or a stray `*`
 */
export function parseScopes(text: string): IScope[] {
  if (typeof text !== 'string') {
    throw new BadInputError('A scope string was expected', { code: 'BAD_SCOPE' });
  }
  if (text.length > MAX_SCOPE_TEXT) {
    throw new BadInputError(`Scope string too long (${text.length} characters)`, {
      code: 'BAD_SCOPE'
    });
  }
  let pos = 0;
  const fail = (why: string): never => {
    throw new BadInputError(`Malformed scope string at offset ${pos}: ${why}`, {
      code: 'BAD_SCOPE'
    });
  };
  const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  const skipSpace = (): void => {
    while (pos < text.length && isSpace(text[pos])) {
      pos++;
    }
  };
  const parseList = (depth: number, closing: boolean): IScope[] => {
    if (depth > MAX_DEPTH) {
      fail('dependencies nested too deeply');
    }
    const out: IScope[] = [];
    for (;;) {
      skipSpace();
      if (pos >= text.length) {
        if (closing) {
          fail("missing ']'");
        }
        return out;
      }
      if (text[pos] === ']') {
        if (!closing) {
          fail("unexpected ']'");
        }
        pos++;
        return out;
      }
      let optional = false;
      if (text[pos] === '*') {
        optional = true;
        pos++;
      }
      const start = pos;
      while (pos < text.length && !isSpace(text[pos]) && !'[]*'.includes(text[pos])) {
        pos++;
      }
      const name = text.slice(start, pos);
      if (!name) {
        fail(text[pos] === '*' ? "doubled '*'" : 'empty scope name');
      }
      let dependencies: IScope[] = [];
      if (text[pos] === '[') {
        pos++;
        dependencies = parseList(depth + 1, true);
      }
      if (pos < text.length && !isSpace(text[pos]) && text[pos] !== ']') {
        fail(text[pos] === '*' ? "'*' inside a scope name" : `unexpected '${text[pos]}'`);
      }
      out.push({ name, optional, dependencies });
    }
  };
  return parseList(0, false);
}

/**
 * Serialise one scope (with its dependencies) back to a string.
 *
 * @param scope - a parsed scope
 */
export function formatScope(scope: IScope): string {
  const deps =
    scope.dependencies.length > 0 ? `[${scope.dependencies.map(formatScope).join(' ')}]` : '';
  return `${scope.optional ? '*' : ''}${scope.name}${deps}`;
}

/**
 * Serialise a list of scopes to a space-separated scope string.
 *
 * @param scopes - parsed scopes
 */
export function formatScopes(scopes: readonly IScope[]): string {
  return scopes.map(formatScope).join(' ');
}

/**
 * Build a scope with dependencies (helper for data_access and similar).
 *
 * @param name - the scope name
 * @param dependencies - dependent scopes (strings are parsed)
 * @param optional - mark it optional with `*`
 */
export function makeScope(
  name: string,
  dependencies: ReadonlyArray<IScope | string> = [],
  optional = false
): IScope {
  const parsedName = parseScopes(name);
  if (parsedName.length !== 1 || parsedName[0].dependencies.length > 0 || parsedName[0].optional) {
    throw new BadInputError(`Not a single scope name: ${name}`, { code: 'BAD_SCOPE' });
  }
  return {
    name,
    optional,
    dependencies: dependencies.flatMap(d => (typeof d === 'string' ? parseScopes(d) : [d]))
  };
}

/** Well-known Globus scope strings and builders. */
export const GlobusScopes = {
  /** Transfer's only scope. */
  TRANSFER_ALL: 'urn:globus:auth:scope:transfer.api.globus.org:all',
  /** Groups: the user's memberships. */
  GROUPS_VIEW_MY_GROUPS:
    'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships',
  /** Auth: identity lookups. */
  AUTH_VIEW_IDENTITIES: 'urn:globus:auth:scope:auth.globus.org:view_identities',
  /** Auth: consent listing. */
  AUTH_VIEW_CONSENTS: 'urn:globus:auth:scope:auth.globus.org:view_consents',
  /**
   * HTTPS access scope of a GCS collection (token resource server = the collection id).
   *
   * @param collectionId - the collection UUID
   */
  https(collectionId: string): string {
    return `https://auth.globus.org/scopes/${collectionId}/https`;
  },
  /**
   * data_access scope of a non-HA GCSv5 mapped collection.
   *
   * @param collectionId - the collection UUID
   */
  dataAccess(collectionId: string): string {
    return `https://auth.globus.org/scopes/${collectionId}/data_access`;
  },
  /**
   * Transfer scope with an optional data_access dependency for each collection.
   *
   * @param collectionIds - mapped collection UUIDs needing data_access
   */
  transferWithDataAccess(collectionIds: readonly string[]): string {
    const deps = collectionIds.map(c => `*https://auth.globus.org/scopes/${c}/data_access`);
    return deps.length > 0
      ? `urn:globus:auth:scope:transfer.api.globus.org:all[${deps.join(' ')}]`
      : 'urn:globus:auth:scope:transfer.api.globus.org:all';
  }
} as const;

/**
 * The resource server a scope string's tokens are issued for, where it can be told from
 * the name alone (well-known `urn:globus:auth:scope:<rs>:<x>` and collection scopes
 * `https://auth.globus.org/scopes/<id>/<x>`); `undefined` otherwise.
 *
 * @param scopeName - a scope name (no dependencies)
 */
export function resourceServerOfScope(scopeName: string): string | undefined {
  const urn = /^urn:globus:auth:scope:([^:]+):[^:]+$/.exec(scopeName);
  if (urn) {
    return urn[1];
  }
  const url = /^https:\/\/auth\.globus\.org\/scopes\/([^/]+)\/[^/]+$/.exec(scopeName);
  if (url) {
    return url[1];
  }
  if (scopeName === 'openid' || scopeName === 'profile' || scopeName === 'email') {
    return 'auth.globus.org';
  }
  return undefined;
}
