/**
 * The user's tokens, one per resource server, found by resource server, by scope, or by
 * collection; redacted in every display.
 */
import { inspect, InspectOptions } from 'node:util';
import { ITokenInit, ITokenOptions, ITokenSummary, Token } from './token';
import { parseScopes, resourceServerOfScope } from './scopes';

/**
 * One token per resource server.
 */
export class TokenSet implements Iterable<Token> {
  readonly #byResourceServer: Map<string, Token>;

  /**
   * @param tokens - the tokens; when two share a resource server the one expiring later wins
   */
  constructor(tokens: Iterable<Token> = []) {
    this.#byResourceServer = new Map();
    for (const token of tokens) {
      const existing = this.#byResourceServer.get(token.resourceServer);
      if (!existing || expiresLater(token, existing)) {
        this.#byResourceServer.set(token.resourceServer, token);
      }
    }
  }

  /**
   * Build a set from plain token records (e.g. decoded GLOBUS_DATA).
   *
   * @param records - token fields
   * @param options - options for every token (the `expiring` window)
   */
  static fromRecords(records: Iterable<ITokenInit>, options: ITokenOptions = {}): TokenSet {
    return new TokenSet([...records].map(r => new Token(r, options)));
  }

  /** Number of tokens. */
  get size(): number {
    return this.#byResourceServer.size;
  }

  /** Resource servers present. */
  get resourceServers(): string[] {
    return [...this.#byResourceServer.keys()];
  }

  /**
   * The token for a resource server (`transfer.api.globus.org`) or for a scope
   * (`urn:globus:auth:scope:transfer.api.globus.org:all`, `openid`,
   * `https://auth.globus.org/scopes/<id>/https`); `undefined` when none matches.
   *
   * @param resourceServerOrScope - a resource server or a scope string
   */
  for(resourceServerOrScope: string): Token | undefined {
    const direct = this.#byResourceServer.get(resourceServerOrScope);
    if (direct) {
      return direct;
    }
    let names: string[];
    try {
      names = parseScopes(resourceServerOrScope).map(s => s.name);
    } catch {
      return undefined;
    }
    if (names.length !== 1) {
      return undefined;
    }
    const name = names[0];
    for (const token of this.#byResourceServer.values()) {
      if (token.hasScope(name)) {
        return token;
      }
    }
    const rs = resourceServerOfScope(name);
    return rs === undefined ? undefined : this.#byResourceServer.get(rs);
  }

  /**
   * The HTTPS token of a GCS collection (its resource server is the collection id).
   *
   * @param collectionId - the collection UUID
   */
  forCollection(collectionId: string): Token | undefined {
    return (
      this.#byResourceServer.get(collectionId.toLowerCase()) ??
      this.#byResourceServer.get(collectionId)
    );
  }

  /**
   * Put `token` in place of the one held for its resource server (a renewed token from
   * the Jupyter server's broker).
   *
   * @param token - the newer token
   */
  replace(token: Token): void {
    this.#byResourceServer.set(token.resourceServer, token);
  }

  /**
   * Whether some token grants the scope name at top level.
   *
   * @param scopeName - a scope name
   */
  hasScope(scopeName: string): boolean {
    for (const token of this.#byResourceServer.values()) {
      if (token.hasScope(scopeName)) {
        return true;
      }
    }
    return false;
  }

  /** Iterate the tokens. */
  [Symbol.iterator](): Iterator<Token> {
    return this.#byResourceServer.values();
  }

  /** The redacted, JSON-safe view. */
  toJSON(): ITokenSummary[] {
    return [...this].map(t => t.toJSON());
  }

  /** One line per token, redacted. */
  toString(): string {
    return `TokenSet(${[...this].map(t => t.toString()).join(', ')})`;
  }

  /** Redacted `util.inspect` / console / tslab view. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `TokenSet ${inspect(this.toJSON(), { ...options, depth: 3 })}`;
  }
}

// Module internals (not exported).
function expiresLater(a: Token, b: Token): boolean {
  if (!a.expiresAt) {
    return false;
  }
  return !b.expiresAt || a.expiresAt.getTime() > b.expiresAt.getTime();
}
