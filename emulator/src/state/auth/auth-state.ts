/**
 * Globus Auth's state: who exists (the directory), what they consented to (the consent
 * forest), and every code and token issued. It implements `IAuthority`, the seam Transfer,
 * Groups and GCS HTTPS use to check bearer tokens.
 *
 * Tokens and codes are opaque random strings from `node:crypto`; each access token belongs to
 * exactly one resource server and has a real expiry read from the shared clock.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type {
  IAuthority,
  IClock,
  IIdentity,
  IIssuedToken,
  ISessionInfo,
  IUser,
  TokenCheck
} from '../types.js';
import { AuthStateError } from './auth-error.js';
import { ConsentStore, type IConsent } from './consents.js';
import { Directory, type IClientCredential, type IOAuthClient } from './directory.js';
import {
  AUTH_RESOURCE_SERVER,
  dataAccessCollectionOf,
  dataAccessScope,
  formatScopes,
  OFFLINE_ACCESS_SCOPE,
  parseScopes,
  resourceServerOf,
  ScopeSyntaxError,
  TRANSFER_RESOURCE_SERVER,
  TRANSFER_SCOPE,
  VIEW_IDENTITY_SET_SCOPE,
  type IScopeRequest
} from './scopes.js';
import { atHash, SigningKey } from './signing-key.js';

/** Globus's access token lifetime (48 h), the emulator's default. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 172800;
/** How long an authorization code stays redeemable. */
export const CODE_LIFETIME_SECONDS = 600;

/** One token in a token response (the top-level one, or an entry of `other_tokens`). */
export interface ITokenDocument {
  access_token: string;
  scope: string;
  expires_in: number;
  token_type: 'Bearer';
  resource_server: string;
  state: string;
  refresh_token?: string;
  id_token?: string;
}

/** A token endpoint response: one token per resource server, `other_tokens` always present. */
export interface ITokenResponse extends ITokenDocument {
  other_tokens: ITokenDocument[];
}

/** What `issueTokens` needs. */
export interface IIssueRequest {
  /** The client the tokens are for. */
  clientId: string;
  /** The identity the user logged in with; omit for client_credentials (the client itself). */
  identityId?: string;
  /** The scope request (a string in the request grammar, or already parsed). */
  scope: string | IScopeRequest[];
  /** Issue refresh tokens too. */
  offline?: boolean;
  /** Echoed in every token document (`_default` when absent, like the Python SDK). */
  state?: string;
  /** OIDC nonce for the id_token. */
  nonce?: string;
  /** Record the grant in the consent forest (default true for users). */
  recordConsent?: boolean;
  /** Marks consents as approved by the test switch. */
  autoApproved?: boolean;
  /** The login's session (a code redeemed after a `session_required_single_domain`). */
  session?: ISessionInfo;
}

/**
 * Every secret string this Auth has handed out or been shown, for test-side leak scans
 * (the admin origin's `GET /issued-secrets`). Test-only: a real Globus never lists these.
 */
export interface IIssuedSecrets {
  /** Access tokens, in issue order (refreshes add new ones). */
  accessTokens: string[];
  /** Refresh tokens, rotated ones included. */
  refreshTokens: string[];
  /** Signed OIDC id_tokens. */
  idTokens: string[];
  /** Authorization codes, redeemed or not. */
  authorizationCodes: string[];
  /** PKCE `code_verifier` values clients sent when redeeming a code. */
  codeVerifiers: string[];
  /** Secrets of the registered confidential clients. */
  clientSecrets: string[];
}

/** An authorization request waiting on the consent screen. */
export interface IPendingAuthorization {
  id: string;
  client: IOAuthClient;
  redirectUri: string;
  /** Whether the request named `redirect_uri` (then the token request must repeat it). */
  redirectUriGiven: boolean;
  scope: string;
  requests: IScopeRequest[];
  offline: boolean;
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain' | undefined;
  /** `session_required_single_domain` of the authorize request (lower case). */
  sessionDomains?: string[];
  /** Epoch seconds. */
  expiresAt: number;
}

interface IAuthorizationCode {
  pending: IPendingAuthorization;
  identityId: string;
  expiresAt: number;
  used: boolean;
  /** Access and refresh tokens issued from this code (revoked if the code is replayed). */
  issued: string[];
}

interface IRefreshToken {
  token: string;
  clientId: string;
  subject: string;
  resourceServer: string;
  scopes: IScopeRequest[];
  /** Tokens minted from one grant share a family; revoking the refresh token kills it. */
  family: string;
  state: string;
  nonce: string | undefined;
  revoked: boolean;
  issuedAt: number;
  session?: ISessionInfo;
}

interface IAccessToken extends IIssuedToken {
  family: string;
}

/** Options of `AuthState.create`. */
export interface IAuthStateOptions {
  clock: IClock;
  /** Access token lifetime; default 48 h. */
  tokenLifetimeSeconds?: number;
  /**
   * Whether a collection takes a `data_access` scope (a non-HA GCSv5 mapped collection).
   * Requesting it for any other collection fails login with "Unknown Scope", as in Globus.
   * Default: every collection does.
   */
  isDataAccessCollection?: (collectionId: string) => boolean;
}

function newSecret(prefix: string, bytes = 36): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

function baseScopes(requests: IScopeRequest[]): string[] {
  return requests.map(r => r.scope);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when `secret` is the client's secret or one of its credentials' secrets. */
function secretMatches(client: IOAuthClient, secret: string): boolean {
  const secrets = [client.secret, ...(client.credentials ?? []).map(c => c.secret)];
  return secrets.some(s => s !== undefined && safeEqual(secret, s));
}

/** Globus Auth's state. Create with `AuthState.create()` (key generation is asynchronous). */
export class AuthState implements IAuthority {
  /** Identities, users, clients and groups. */
  readonly directory = new Directory();
  /** The consent forest. */
  readonly consents: ConsentStore;
  /** The id_token signing key. */
  readonly signingKey: SigningKey;
  /** Access token lifetime in seconds. */
  tokenLifetimeSeconds: number;
  /** The public base URL of the Auth service (the `iss` of id_tokens); set once it listens. */
  issuer = 'https://auth.globus.org';

  private readonly clock: IClock;
  private readonly isDataAccessCollection: (collectionId: string) => boolean;
  private readonly accessTokens = new Map<string, IAccessToken>();
  private readonly refreshTokens = new Map<string, IRefreshToken>();
  private readonly codes = new Map<string, IAuthorizationCode>();
  private readonly pending = new Map<string, IPendingAuthorization>();
  // Codes are swept from `codes` after an hour and verifiers are never stored; these lists
  // keep every one for `issuedSecrets()` (a test run issues a few hundred at most).
  private readonly issuedCodes: string[] = [];
  private readonly receivedVerifiers: string[] = [];
  private readonly issuedIdTokens: string[] = [];
  /** Secrets of client credentials made over the API (kept after a credential is deleted). */
  private readonly issuedClientSecrets: string[] = [];

  private constructor(options: IAuthStateOptions, signingKey: SigningKey) {
    this.clock = options.clock;
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
    this.isDataAccessCollection = options.isDataAccessCollection ?? (() => true);
    this.consents = new ConsentStore(options.clock);
    this.signingKey = signingKey;
  }

  /** Creates the state and its signing key. */
  static async create(options: IAuthStateOptions): Promise<AuthState> {
    return new AuthState(options, await SigningKey.generate());
  }

  /** Now, in epoch seconds. */
  nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  // ---- IAuthority ------------------------------------------------------------------------

  /** @inheritdoc */
  check(bearer: string | undefined, resourceServer: string, scope?: string): TokenCheck {
    if (!bearer) return { ok: false, reason: 'missing' };
    const token = this.accessTokens.get(bearer);
    if (!token) return { ok: false, reason: 'invalid' };
    if (token.revoked) return { ok: false, reason: 'revoked' };
    if (token.expiresAt <= this.nowSeconds()) return { ok: false, reason: 'expired' };
    if (token.resourceServer !== resourceServer.toLowerCase())
      return { ok: false, reason: 'wrong_audience' };
    if (scope !== undefined && !this.tokenHasScope(token, scope))
      return { ok: false, reason: 'wrong_audience' };
    return { ok: true, token: { ...token }, user: this.directory.userByIdentity(token.subject) };
  }

  /** @inheritdoc */
  hasDataAccessConsent(token: IIssuedToken, collectionId: string): boolean {
    const collection = collectionId.toLowerCase();
    const scope = dataAccessScope(collection);
    const issued = parseScopes(token.scopes.join(' '));
    const user = this.directory.userByIdentity(token.subject);
    const ids = new Set(user ? user.identities.map(i => i.id) : [token.subject]);
    if (token.resourceServer === TRANSFER_RESOURCE_SERVER) {
      const inGrant = issued.some(
        r => r.scope === TRANSFER_SCOPE && r.dependencies.some(d => d.scope === scope)
      );
      return inGrant || this.consents.hasDependency(token.clientId, ids, TRANSFER_SCOPE, scope);
    }
    if (token.resourceServer === collection) {
      return (
        issued.some(r => r.scope === scope) || this.consents.hasRoot(token.clientId, ids, scope)
      );
    }
    return false;
  }

  /** @inheritdoc */
  userByIdentity(identityId: string): IUser | undefined {
    return this.directory.userByIdentity(identityId);
  }

  /** @inheritdoc */
  identity(idOrUsername: string): IIdentity | undefined {
    return this.directory.identity(idOrUsername);
  }

  // ---- clients and scopes ----------------------------------------------------------------

  /** A registered client, or undefined. */
  client(clientId: string | null | undefined): IOAuthClient | undefined {
    return clientId ? this.directory.clients.get(clientId.toLowerCase()) : undefined;
  }

  /**
   * Authenticates a client from an HTTP Basic header or a `client_id` form field.
   * @returns the client, or undefined when no credentials were sent
   * @throws AuthStateError `invalid_client` (401) for wrong credentials or a confidential
   *   client that sent no secret
   */
  authenticateClient(
    authorization: string | undefined,
    formClientId: string | null
  ): IOAuthClient | undefined {
    const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const id = decodeURIComponent(colon >= 0 ? decoded.slice(0, colon) : decoded);
      const secret = decodeURIComponent(colon >= 0 ? decoded.slice(colon + 1) : '');
      const client = this.client(id);
      if (!client || !client.confidential || !secretMatches(client, secret)) {
        throw new AuthStateError('invalid_client', 'Client authentication failed', 401);
      }
      return client;
    }
    if (formClientId) {
      const client = this.client(formClientId);
      if (!client) throw new AuthStateError('invalid_client', 'Unknown client', 401);
      if (client.confidential) {
        throw new AuthStateError(
          'invalid_client',
          'This client must authenticate with HTTP Basic',
          401
        );
      }
      return client;
    }
    return undefined;
  }

  /**
   * Parses and validates a scope request: every scope must be known, and `data_access`
   * only exists on collections that take it.
   * @throws AuthStateError `invalid_scope`
   */
  parseScopeRequest(text: string): { requests: IScopeRequest[]; offline: boolean } {
    let requests: IScopeRequest[];
    try {
      requests = parseScopes(text);
    } catch (e) {
      if (e instanceof ScopeSyntaxError) throw new AuthStateError('invalid_scope', e.message);
      throw e;
    }
    const offline = requests.some(r => r.scope === OFFLINE_ACCESS_SCOPE);
    requests = requests.filter(r => r.scope !== OFFLINE_ACCESS_SCOPE);
    if (requests.length === 0)
      throw new AuthStateError('invalid_scope', 'No scopes were requested');
    const visit = (r: IScopeRequest): void => {
      if (!resourceServerOf(r.scope))
        throw new AuthStateError('invalid_scope', `Unknown Scope: ${r.scope}`);
      const collection = dataAccessCollectionOf(r.scope);
      if (collection && !this.isDataAccessCollection(collection)) {
        throw new AuthStateError('invalid_scope', `Unknown Scope: ${r.scope}`);
      }
      r.dependencies.forEach(visit);
    };
    requests.forEach(visit);
    return { requests, offline };
  }

  // ---- the authorization code flow -------------------------------------------------------

  /** Stores a validated authorization request until the user approves or denies it. */
  addPending(request: Omit<IPendingAuthorization, 'id' | 'expiresAt'>): IPendingAuthorization {
    const pending: IPendingAuthorization = {
      ...request,
      id: newSecret('', 18),
      expiresAt: this.nowSeconds() + 3600
    };
    this.sweep();
    this.pending.set(pending.id, pending);
    return pending;
  }

  /** Takes (and forgets) a pending authorization request; undefined if unknown or stale. */
  takePending(id: string): IPendingAuthorization | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (!pending || pending.expiresAt <= this.nowSeconds()) return undefined;
    return pending;
  }

  /** Looks at a pending request without consuming it. */
  peekPending(id: string): IPendingAuthorization | undefined {
    const pending = this.pending.get(id);
    return pending && pending.expiresAt > this.nowSeconds() ? pending : undefined;
  }

  /**
   * The user approved: records consents and returns a single-use, short-lived code.
   * @param pending - the approved request
   * @param identityId - who logged in
   * @param autoApproved - approved by the test switch, not a person
   */
  approve(pending: IPendingAuthorization, identityId: string, autoApproved: boolean): string {
    this.consents.grant(pending.client.id, identityId, pending.requests, {
      offline: pending.offline,
      autoApproved
    });
    const code = newSecret('', 24);
    this.issuedCodes.push(code);
    this.codes.set(code, {
      pending,
      identityId,
      expiresAt: this.nowSeconds() + CODE_LIFETIME_SECONDS,
      used: false,
      issued: []
    });
    return code;
  }

  /**
   * Redeems an authorization code (`grant_type=authorization_code`).
   * @throws AuthStateError `invalid_grant` for an unknown, expired, reused or foreign code, a
   *   redirect_uri mismatch or a failed PKCE check
   */
  async redeemCode(
    client: IOAuthClient,
    code: string,
    redirectUri: string | null,
    codeVerifier: string | null
  ): Promise<ITokenResponse> {
    if (codeVerifier) this.receivedVerifiers.push(codeVerifier);
    const entry = this.codes.get(code);
    if (!entry) throw new AuthStateError('invalid_grant', 'Invalid authorization code');
    if (entry.used) {
      // RFC 6749 §4.1.2: a replayed code should revoke what it already produced.
      for (const t of entry.issued) this.revoke(t);
      throw new AuthStateError('invalid_grant', 'Authorization code has already been used');
    }
    entry.used = true;
    const p = entry.pending;
    if (entry.expiresAt <= this.nowSeconds())
      throw new AuthStateError('invalid_grant', 'Authorization code expired');
    if (p.client.id !== client.id)
      throw new AuthStateError('invalid_grant', 'Code was issued to another client');
    if ((redirectUri ?? (p.redirectUriGiven ? null : p.redirectUri)) !== p.redirectUri) {
      throw new AuthStateError(
        'invalid_grant',
        'redirect_uri does not match the authorization request'
      );
    }
    if (p.codeChallenge !== undefined) {
      if (!codeVerifier) throw new AuthStateError('invalid_grant', 'code_verifier is required');
      const computed =
        p.codeChallengeMethod === 'plain'
          ? codeVerifier
          : createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
      if (!safeEqual(computed, p.codeChallenge)) {
        throw new AuthStateError(
          'invalid_grant',
          'PKCE verification failed: code_verifier does not match'
        );
      }
    }
    const response = await this.issueTokens({
      clientId: client.id,
      identityId: entry.identityId,
      scope: p.requests,
      offline: p.offline,
      state: p.state,
      nonce: p.nonce,
      recordConsent: false,
      session: this.sessionOf(entry.identityId, p.sessionDomains ?? [])
    });
    for (const doc of [response, ...response.other_tokens]) {
      entry.issued.push(doc.access_token);
      if (doc.refresh_token) entry.issued.push(doc.refresh_token);
    }
    return response;
  }

  // ---- issuing, refreshing, revoking ------------------------------------------------------

  /**
   * Issues one access token per resource server named in the scope request (and refresh
   * tokens when `offline`). The `auth.globus.org` token comes first and carries the id_token
   * when `openid` was requested. Used by the token endpoint and by `globusData()`.
   * @throws AuthStateError `invalid_scope` for unknown scopes
   */
  async issueTokens(request: IIssueRequest): Promise<ITokenResponse> {
    let requests: IScopeRequest[];
    let offline = request.offline ?? false;
    if (typeof request.scope === 'string') {
      const parsed = this.parseScopeRequest(request.scope);
      requests = parsed.requests;
      offline ||= parsed.offline;
    } else {
      requests = request.scope;
    }
    const subject = request.identityId ?? request.clientId;
    const user = request.identityId ? this.directory.userByIdentity(request.identityId) : undefined;
    if (request.identityId && !user)
      throw new AuthStateError('invalid_request', 'Unknown identity');
    if (user && (request.recordConsent ?? true)) {
      this.consents.grant(request.clientId, request.identityId ?? subject, requests, {
        offline,
        autoApproved: request.autoApproved ?? false
      });
    }
    const byServer = new Map<string, IScopeRequest[]>();
    for (const r of requests) {
      const rs = resourceServerOf(r.scope) as string;
      byServer.set(rs, [...(byServer.get(rs) ?? []), r]);
    }
    const servers = [...byServer.keys()].sort(
      (a, b) => Number(b === AUTH_RESOURCE_SERVER) - Number(a === AUTH_RESOURCE_SERVER)
    );
    const state = request.state ?? '_default';
    const docs: ITokenDocument[] = [];
    for (const rs of servers) {
      const family = randomUUID();
      docs.push(
        await this.mint({
          clientId: request.clientId,
          subject,
          resourceServer: rs,
          scopes: byServer.get(rs) as IScopeRequest[],
          family,
          state,
          nonce: request.nonce,
          offline: offline && user !== undefined,
          session: request.session
        })
      );
    }
    const [first, ...rest] = docs;
    return { ...first, other_tokens: rest };
  }

  /**
   * Exchanges a refresh token (`grant_type=refresh_token`). The refresh token is rotated:
   * the response carries a new one and the old one stops working; access tokens already
   * issued stay valid.
   * @throws AuthStateError `invalid_grant`
   */
  async refresh(client: IOAuthClient, refreshToken: string): Promise<ITokenResponse> {
    const entry = this.refreshTokens.get(refreshToken);
    if (!entry || entry.revoked) throw new AuthStateError('invalid_grant', 'Invalid refresh token');
    if (entry.clientId !== client.id)
      throw new AuthStateError('invalid_grant', 'Refresh token belongs to another client');
    entry.revoked = true;
    const doc = await this.mint({
      clientId: entry.clientId,
      subject: entry.subject,
      resourceServer: entry.resourceServer,
      scopes: entry.scopes,
      family: entry.family,
      state: entry.state,
      nonce: entry.nonce,
      offline: true,
      session: entry.session
    });
    return { ...doc, other_tokens: [] };
  }

  /**
   * The session a login proves: of the domains the authorize request required, the one of
   * the identity that logged in (its username's part after `@`), authenticated now.
   * Undefined when none was required.
   */
  private sessionOf(identityId: string, required: string[]): ISessionInfo | undefined {
    if (!required.length) return undefined;
    const username = this.directory.identity(identityId)?.username ?? '';
    const domain = username.includes('@') ? username.split('@').pop()!.toLowerCase() : '';
    return { domains: required.filter(d => d === domain), authTime: this.nowSeconds() };
  }

  /**
   * Revokes an access or refresh token. Revoking a refresh token also revokes every access
   * token minted from its grant.
   * @returns whether the token was known
   */
  revoke(token: string): boolean {
    const access = this.accessTokens.get(token);
    if (access) {
      access.revoked = true;
      return true;
    }
    const refresh = this.refreshTokens.get(token);
    if (!refresh) return false;
    refresh.revoked = true;
    for (const t of this.accessTokens.values()) {
      if (t.family === refresh.family) t.revoked = true;
    }
    return true;
  }

  // ---- client registration (native app instances) ----------------------------------------

  /**
   * Makes an instance of a native app, as `globus login` does on first use: a new
   * confidential client whose `parent_client` is the template, with one credential.
   * @param template - a registered native app with `templatable`
   * @param name - the instance's name
   * @see https://docs.globus.org/api/auth/reference/#create_client
   */
  createNativeAppInstance(
    template: IOAuthClient,
    name: string
  ): { client: IOAuthClient; credential: IClientCredential } {
    const client: IOAuthClient = {
      id: randomUUID(),
      name,
      confidential: true,
      redirectUris: [],
      parentClient: template.id,
      credentials: []
    };
    this.directory.addClient(client);
    const credential = this.addClientCredential(client, 'Auto-created at client creation');
    return { client, credential };
  }

  /** Adds a credential (a new secret) to a native app instance. */
  addClientCredential(client: IOAuthClient, name: string): IClientCredential {
    const credential: IClientCredential = {
      id: randomUUID(),
      name,
      secret: randomBytes(32).toString('base64'),
      created: new Date(this.clock.now()).toISOString().replace(/Z$/, '000+00:00')
    };
    client.credentials = [...(client.credentials ?? []), credential];
    this.issuedClientSecrets.push(credential.secret);
    return credential;
  }

  /** Removes a credential; its secret stops working at once. */
  removeClientCredential(
    client: IOAuthClient,
    credentialId: string
  ): IClientCredential | undefined {
    const found = (client.credentials ?? []).find(c => c.id === credentialId);
    if (found) client.credentials = (client.credentials ?? []).filter(c => c !== found);
    return found;
  }

  /**
   * Deletes a native app instance (`globus logout`): the client, its identity and every
   * token issued to it stop working.
   */
  deleteClient(client: IOAuthClient): void {
    for (const t of this.accessTokens.values()) if (t.clientId === client.id) t.revoked = true;
    for (const t of this.refreshTokens.values()) if (t.clientId === client.id) t.revoked = true;
    this.directory.removeClient(client.id);
  }

  /**
   * Makes an access token expire now (the faults helper's "token expiry now").
   * @returns whether the token was known
   */
  expireNow(bearer: string): boolean {
    const token = this.accessTokens.get(bearer);
    if (!token) return false;
    token.expiresAt = Math.min(token.expiresAt, this.nowSeconds());
    return true;
  }

  /**
   * Describes a token for `/v2/oauth2/token/introspect`; `{ active: false }` for unknown,
   * revoked or expired ones.
   * @param include - `identity_set`, `session_info`
   */
  introspect(token: string, include: ReadonlySet<string>): Record<string, unknown> {
    const access = this.accessTokens.get(token);
    const refresh = access ? undefined : this.refreshTokens.get(token);
    const now = this.nowSeconds();
    let base: {
      clientId: string;
      subject: string;
      resourceServer: string;
      scopes: string[];
      iat: number;
      exp: number;
    };
    if (access && !access.revoked && access.expiresAt > now) {
      base = {
        clientId: access.clientId,
        subject: access.subject,
        resourceServer: access.resourceServer,
        scopes: access.scopes,
        iat: access.issuedAt,
        exp: access.expiresAt
      };
    } else if (refresh && !refresh.revoked) {
      base = {
        clientId: refresh.clientId,
        subject: refresh.subject,
        resourceServer: refresh.resourceServer,
        scopes: [formatScopes(refresh.scopes)],
        iat: refresh.issuedAt,
        exp: refresh.issuedAt + 180 * 86400
      };
    } else {
      return { active: false };
    }
    const identity = this.directory.identity(base.subject);
    const user = this.directory.userByIdentity(base.subject);
    const doc: Record<string, unknown> = {
      active: true,
      token_type: 'Bearer',
      scope: baseScopes(parseScopes(base.scopes.join(' '))).join(' '),
      client_id: base.clientId,
      username: identity?.username ?? null,
      name: identity?.name ?? null,
      email: identity?.email ?? null,
      exp: base.exp,
      iat: base.iat,
      nbf: base.iat,
      sub: base.subject,
      aud: [base.resourceServer, base.clientId],
      iss: this.issuer
    };
    if (include.has('identity_set')) {
      doc.identity_set = user ? user.identities.map(i => i.id) : [base.subject];
    }
    if (include.has('session_info')) {
      doc.session_info = {
        session_id: randomUUID(),
        authentications: {
          [base.subject]: {
            acr: null,
            amr: null,
            idp: identity?.identity_provider ?? null,
            auth_time: base.iat,
            custom_claims: {}
          }
        }
      };
    }
    return doc;
  }

  /**
   * The userinfo claims for an `auth.globus.org` token: `sub`, `preferred_username`, `name`,
   * `email` (with the `email` scope), `identity_set` (with `view_identity_set`).
   */
  userinfo(token: IIssuedToken): Record<string, unknown> {
    const scopes = new Set(baseScopes(parseScopes(token.scopes.join(' '))));
    const user = this.directory.userByIdentity(token.subject);
    const identity = this.directory.identity(token.subject);
    if (!identity) return { sub: token.subject };
    const claims: Record<string, unknown> = {
      sub: identity.id,
      preferred_username: identity.username,
      name: identity.name,
      organization: identity.organization,
      identity_provider: identity.identity_provider,
      identity_provider_display_name: identity.identity_provider_display_name,
      last_authentication: token.issuedAt
    };
    if (scopes.has('email')) claims.email = identity.email;
    if (scopes.has(VIEW_IDENTITY_SET_SCOPE)) {
      claims.identity_set = (user?.identities ?? [identity]).map(i => ({
        sub: i.id,
        username: i.username,
        name: i.name,
        email: i.email,
        organization: i.organization,
        identity_provider: i.identity_provider,
        identity_provider_display_name: i.identity_provider_display_name,
        status: i.status,
        last_authentication: i.id === identity.id ? token.issuedAt : null
      }));
    }
    return claims;
  }

  /**
   * Consents of the user behind `identityId` (`all=false`: only trees rooted at `clientId`).
   */
  consentsOf(identityId: string, clientId: string | undefined): IConsent[] {
    const user = this.directory.userByIdentity(identityId);
    const ids = new Set(user ? user.identities.map(i => i.id) : [identityId]);
    return this.consents.list(ids, clientId);
  }

  /**
   * Every token, code, verifier and client secret seen so far (see {@link IIssuedSecrets}).
   * Test-only: lets a leak scan search logs and pages for all of them.
   */
  issuedSecrets(): IIssuedSecrets {
    const clientSecrets: string[] = [];
    for (const client of this.directory.clients.values()) {
      if (client.secret) clientSecrets.push(client.secret);
    }
    clientSecrets.push(...this.issuedClientSecrets);
    return {
      accessTokens: [...this.accessTokens.keys()],
      refreshTokens: [...this.refreshTokens.keys()],
      idTokens: [...this.issuedIdTokens],
      authorizationCodes: [...this.issuedCodes],
      codeVerifiers: [...new Set(this.receivedVerifiers)],
      clientSecrets
    };
  }

  // ---- internals ----------------------------------------------------------------------------

  /** Forgets stale login requests and old codes, so a long-running demo does not grow. */
  private sweep(): void {
    const now = this.nowSeconds();
    for (const [id, p] of this.pending) if (p.expiresAt <= now) this.pending.delete(id);
    // A used or expired code is kept for an hour so that a replay is still recognised.
    for (const [code, c] of this.codes) if (c.expiresAt + 3600 <= now) this.codes.delete(code);
  }

  private tokenHasScope(token: IIssuedToken, scope: string): boolean {
    return parseScopes(token.scopes.join(' ')).some(r => r.scope === scope);
  }

  private async mint(m: {
    clientId: string;
    subject: string;
    resourceServer: string;
    scopes: IScopeRequest[];
    family: string;
    state: string;
    nonce: string | undefined;
    offline: boolean;
    session?: ISessionInfo;
  }): Promise<ITokenDocument> {
    const now = this.nowSeconds();
    const accessToken = newSecret('Ag');
    const token: IAccessToken = {
      token: accessToken,
      clientId: m.clientId,
      subject: m.subject,
      resourceServer: m.resourceServer,
      scopes: m.scopes.map(r => formatScopes([r])),
      issuedAt: now,
      expiresAt: now + this.tokenLifetimeSeconds,
      revoked: false,
      family: m.family,
      ...(m.session ? { session: m.session } : {})
    };
    this.accessTokens.set(accessToken, token);
    const doc: ITokenDocument = {
      access_token: accessToken,
      scope: baseScopes(m.scopes).join(' '),
      expires_in: this.tokenLifetimeSeconds,
      token_type: 'Bearer',
      resource_server: m.resourceServer,
      state: m.state
    };
    if (m.offline) {
      const refresh = newSecret('Ag', 48);
      this.refreshTokens.set(refresh, {
        token: refresh,
        clientId: m.clientId,
        subject: m.subject,
        resourceServer: m.resourceServer,
        scopes: m.scopes,
        family: m.family,
        state: m.state,
        nonce: m.nonce,
        revoked: false,
        issuedAt: now,
        session: m.session
      });
      doc.refresh_token = refresh;
    }
    if (m.resourceServer === AUTH_RESOURCE_SERVER && m.scopes.some(r => r.scope === 'openid')) {
      doc.id_token = await this.idToken(token, m.nonce);
      this.issuedIdTokens.push(doc.id_token);
    }
    return doc;
  }

  private idToken(token: IAccessToken, nonce: string | undefined): Promise<string> {
    const info = this.userinfo(token);
    const claims: Record<string, unknown> = {
      ...info,
      iss: this.issuer,
      aud: token.clientId,
      iat: token.issuedAt,
      exp: token.expiresAt,
      at_hash: atHash(token.token)
    };
    if (nonce !== undefined) claims.nonce = nonce;
    return this.signingKey.sign(claims);
  }
}
