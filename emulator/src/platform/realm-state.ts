/**
 * The state of the emulated OIDC realm (Keycloak-shaped): its clients and users, pending
 * browser logins, authorization codes, sessions and refresh tokens, and the RS256 key that
 * signs access and id tokens. Access tokens are JWTs any client can verify against the
 * published JWKS; refresh tokens are opaque and live only here.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IClock } from '../state/types.js';
import { atHash, ID_TOKEN_ALG, SigningKey } from '../state/auth/signing-key.js';
import { RealmError } from './realm-error.js';
import {
  PLATFORM_ALICE,
  PLATFORM_API_AUDIENCE,
  PLATFORM_APP_CLIENT_ID,
  PLATFORM_APP_CLIENT_SECRET,
  PLATFORM_BOB,
  PLATFORM_NOTEBOOK_CLIENT_ID,
  PLATFORM_SERVICE_ACCOUNT,
  type IPlatformUser
} from './seed.js';

const loadJose = () => import('jose');

export { RealmError };

/** Scopes the realm knows. */
export const REALM_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'platform'] as const;

/** A realm client. */
export interface IRealmClient {
  id: string;
  /** Display name on the approve page. */
  name: string;
  /** Confidential clients authenticate with their secret; public ones must use PKCE. */
  confidential: boolean;
  secret?: string;
  /** The service-account user (client credentials), confidential clients only. */
  serviceAccount?: IPlatformUser;
}

/** A browser login waiting for the approve button. */
export interface IRealmPending {
  id: string;
  client: IRealmClient;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  expiresAt: number;
}

interface ICode {
  client: IRealmClient;
  user: IPlatformUser;
  redirectUri: string;
  scope: string;
  nonce?: string;
  codeChallenge?: string;
  sid: string;
  expiresAt: number;
  used: boolean;
}

interface ISession {
  sid: string;
  client: IRealmClient;
  user: IPlatformUser;
  authTime: number;
  revoked: boolean;
}

interface IRefresh {
  session: ISession;
  scope: string;
  issuedAt: number;
  expiresAt: number;
}

/** The token endpoint's success body (Keycloak's field set). */
export interface IRealmTokenResponse {
  access_token: string;
  expires_in: number;
  refresh_expires_in: number;
  refresh_token: string;
  token_type: 'Bearer';
  id_token?: string;
  'not-before-policy': 0;
  session_state: string;
  scope: string;
}

/** Claims of a verified access token. */
export interface IRealmAccessClaims {
  iss: string;
  sub: string;
  aud: string[];
  azp: string;
  exp: number;
  iat: number;
  jti: string;
  scope: string;
  sid: string;
  preferred_username: string;
  email: string;
  typ: string;
}

/** Why an access token was refused. */
export type RealmTokenRefusal = 'missing' | 'invalid' | 'expired' | 'revoked';

/** Options of `RealmState.create`. */
export interface IRealmStateOptions {
  clock: IClock;
  /** Access token lifetime; default 300 s (Keycloak's default). */
  accessTokenTtlSeconds?: number;
  /** Refresh token lifetime; default 1800 s (Keycloak's SSO idle default). */
  refreshTokenTtlSeconds?: number;
}

function secureEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function opaque(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** The realm. `issuer` must be set once the OIDC origin listens. */
export class RealmState {
  /** `http://127.0.0.1:<port>/realms/platform`. */
  issuer = '';
  readonly accessTtl: number;
  readonly refreshTtl: number;
  private readonly clients = new Map<string, IRealmClient>();
  private readonly users = new Map<string, IPlatformUser>();
  private readonly pending = new Map<string, IRealmPending>();
  private readonly codes = new Map<string, ICode>();
  private readonly sessions = new Map<string, ISession>();
  private readonly refreshTokens = new Map<string, IRefresh>();
  private readonly revokedJtis = new Set<string>();
  // Every secret the realm handed out or received, for leak scans (`issuedSecrets()`).
  private readonly issued = {
    accessTokens: [] as string[],
    refreshTokens: [] as string[],
    idTokens: [] as string[],
    authorizationCodes: [] as string[],
    codeVerifiers: new Set<string>()
  };
  private publicKey: Parameters<Awaited<ReturnType<typeof loadJose>>['jwtVerify']>[1] | undefined;

  private constructor(
    private readonly clock: IClock,
    /** The signing key (public half at `…/certs`). */
    readonly key: SigningKey,
    options: IRealmStateOptions
  ) {
    this.accessTtl = options.accessTokenTtlSeconds ?? 300;
    this.refreshTtl = options.refreshTokenTtlSeconds ?? 1800;
    this.clients.set(PLATFORM_NOTEBOOK_CLIENT_ID, {
      id: PLATFORM_NOTEBOOK_CLIENT_ID,
      name: 'Notebook',
      confidential: false
    });
    this.clients.set(PLATFORM_APP_CLIENT_ID, {
      id: PLATFORM_APP_CLIENT_ID,
      name: 'App client',
      confidential: true,
      secret: PLATFORM_APP_CLIENT_SECRET,
      serviceAccount: PLATFORM_SERVICE_ACCOUNT
    });
    for (const u of [PLATFORM_ALICE, PLATFORM_BOB, PLATFORM_SERVICE_ACCOUNT]) {
      this.users.set(u.sub, u);
    }
  }

  /** Creates the realm with a fresh signing key. */
  static async create(options: IRealmStateOptions): Promise<RealmState> {
    return new RealmState(options.clock, await SigningKey.generate(), options);
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** A client by id. */
  client(id: string | null | undefined): IRealmClient | undefined {
    return id ? this.clients.get(id) : undefined;
  }

  /** A user by `sub`. */
  user(sub: string): IPlatformUser | undefined {
    return this.users.get(sub);
  }

  /**
   * Authenticates the caller of the token, revoke or introspect endpoint:
   * `client_secret_basic`, `client_secret_post`, or `none` (public client, `client_id` only).
   * @throws RealmError `invalid_client` (401)
   */
  authenticateClient(authorization: string | undefined, form: URLSearchParams): IRealmClient {
    const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization ?? '');
    let id: string | null;
    let secret: string | null;
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new RealmError('invalid_client', 'Malformed Basic credentials', 401);
      try {
        id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
        secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
      } catch {
        throw new RealmError('invalid_client', 'Malformed Basic credentials', 401);
      }
      const formId = form.get('client_id');
      if (formId !== null && formId !== id) {
        throw new RealmError('invalid_client', 'client_id does not match the credentials', 401);
      }
    } else {
      id = form.get('client_id');
      secret = form.get('client_secret');
    }
    const client = this.client(id);
    if (!client)
      throw new RealmError('invalid_client', 'Invalid client or Invalid client credentials', 401);
    if (client.confidential) {
      if (secret === null || !client.secret || !secureEqual(secret, client.secret)) {
        throw new RealmError('invalid_client', 'Invalid client or Invalid client credentials', 401);
      }
    } else if (secret) {
      throw new RealmError('invalid_client', 'Public clients have no secret', 401);
    }
    return client;
  }

  /**
   * Normalises a requested scope string: every scope must be known; the realm answers
   * with the granted set in a stable order.
   * @throws RealmError `invalid_scope`
   */
  parseScope(text: string | null, fallback: string): string {
    const requested = (text ?? fallback).split(/\s+/).filter(Boolean);
    for (const s of requested) {
      if (!(REALM_SCOPES as readonly string[]).includes(s)) {
        throw new RealmError('invalid_scope', `Invalid scopes: ${s.slice(0, 80)}`);
      }
    }
    return REALM_SCOPES.filter(s => requested.includes(s)).join(' ');
  }

  /** Registers a browser login until it is approved (10 minutes). */
  addPending(p: Omit<IRealmPending, 'id' | 'expiresAt'>): IRealmPending {
    const pending: IRealmPending = {
      ...p,
      id: opaque(16),
      expiresAt: this.clock.now() + 10 * 60_000
    };
    this.pending.set(pending.id, pending);
    return pending;
  }

  /** Takes (removes) a pending login; undefined when unknown or expired. */
  takePending(id: string): IRealmPending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p && p.expiresAt > this.clock.now() ? p : undefined;
  }

  /** Approves a login as `user` and returns the single-use code (valid 60 s, as Keycloak). */
  approve(pending: IRealmPending, user: IPlatformUser): string {
    const code = opaque(32);
    this.issued.authorizationCodes.push(code);
    const session: ISession = {
      sid: randomUUID(),
      client: pending.client,
      user,
      authTime: this.nowSeconds(),
      revoked: false
    };
    this.sessions.set(session.sid, session);
    this.codes.set(code, {
      client: pending.client,
      user,
      redirectUri: pending.redirectUri,
      scope: pending.scope,
      nonce: pending.nonce,
      codeChallenge: pending.codeChallenge,
      sid: session.sid,
      expiresAt: this.clock.now() + 60_000,
      used: false
    });
    return code;
  }

  /**
   * `grant_type=authorization_code`. A code used twice fails and ends the session it
   * started (RFC 6749 §4.1.2), so tokens issued from it stop working.
   */
  async redeemCode(
    client: IRealmClient,
    code: string,
    redirectUri: string | null,
    verifier: string | null
  ): Promise<IRealmTokenResponse> {
    if (verifier) this.issued.codeVerifiers.add(verifier);
    const entry = this.codes.get(code);
    if (!entry) throw new RealmError('invalid_grant', 'Code not valid');
    const session = this.sessions.get(entry.sid);
    if (entry.used) {
      if (session) session.revoked = true;
      throw new RealmError('invalid_grant', 'Code not valid');
    }
    entry.used = true;
    if (entry.expiresAt <= this.clock.now())
      throw new RealmError('invalid_grant', 'Code is expired');
    if (entry.client.id !== client.id) {
      throw new RealmError('invalid_grant', 'Code was issued to another client');
    }
    if (redirectUri !== entry.redirectUri) {
      throw new RealmError('invalid_grant', 'Incorrect redirect_uri');
    }
    if (entry.codeChallenge !== undefined) {
      if (!verifier) throw new RealmError('invalid_grant', 'PKCE code verifier not specified');
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) {
        throw new RealmError('invalid_grant', 'Invalid code verifier');
      }
      const digest = createHash('sha256').update(verifier, 'ascii').digest('base64url');
      if (!secureEqual(digest, entry.codeChallenge)) {
        throw new RealmError('invalid_grant', 'PKCE verification failed: Code mismatch');
      }
    } else if (verifier) {
      throw new RealmError('invalid_grant', 'PKCE code verifier given but no challenge was');
    }
    if (!session || session.revoked) throw new RealmError('invalid_grant', 'Session not active');
    return this.issue(session, entry.scope, entry.nonce);
  }

  /** `grant_type=client_credentials`: a session of the client's service-account user. */
  async clientCredentials(
    client: IRealmClient,
    scope: string | null
  ): Promise<IRealmTokenResponse> {
    if (!client.confidential || !client.serviceAccount) {
      throw new RealmError('unauthorized_client', 'Client not enabled to retrieve service account');
    }
    const session: ISession = {
      sid: randomUUID(),
      client,
      user: client.serviceAccount,
      authTime: this.nowSeconds(),
      revoked: false
    };
    this.sessions.set(session.sid, session);
    return this.issue(session, this.parseScope(scope, 'profile email platform'));
  }

  /** `grant_type=refresh_token`, with rotation: the old refresh token stops working. */
  async refresh(
    client: IRealmClient,
    token: string,
    scope: string | null
  ): Promise<IRealmTokenResponse> {
    const entry = this.refreshTokens.get(token);
    if (!entry) throw new RealmError('invalid_grant', 'Invalid refresh token');
    this.refreshTokens.delete(token);
    if (entry.expiresAt <= this.clock.now())
      throw new RealmError('invalid_grant', 'Token is not active');
    if (entry.session.client.id !== client.id) {
      throw new RealmError('invalid_grant', 'Token client and authorized client do not match');
    }
    if (entry.session.revoked) throw new RealmError('invalid_grant', 'Session not active');
    let granted = entry.scope;
    if (scope) {
      granted = this.parseScope(scope, '');
      const held = entry.scope.split(' ');
      if (!granted.split(' ').every(s => held.includes(s))) {
        throw new RealmError('invalid_scope', 'Scope not granted in the original request');
      }
    }
    return this.issue(entry.session, granted);
  }

  private async issue(
    session: ISession,
    scope: string,
    nonce?: string
  ): Promise<IRealmTokenResponse> {
    const iat = this.nowSeconds();
    const { user, client } = session;
    const accessToken = await this.key.sign({
      exp: iat + this.accessTtl,
      iat,
      auth_time: session.authTime,
      jti: randomUUID(),
      iss: this.issuer,
      aud: [PLATFORM_API_AUDIENCE, 'account'],
      sub: user.sub,
      typ: 'Bearer',
      azp: client.id,
      session_state: session.sid,
      sid: session.sid,
      scope,
      email_verified: user.email_verified,
      name: user.name,
      preferred_username: user.preferred_username,
      email: user.email
    });
    this.issued.accessTokens.push(accessToken);
    const refreshToken = opaque(48);
    this.issued.refreshTokens.push(refreshToken);
    this.refreshTokens.set(refreshToken, {
      session,
      scope,
      issuedAt: iat,
      expiresAt: this.clock.now() + this.refreshTtl * 1000
    });
    const response: IRealmTokenResponse = {
      access_token: accessToken,
      expires_in: this.accessTtl,
      refresh_expires_in: this.refreshTtl,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      'not-before-policy': 0,
      session_state: session.sid,
      scope
    };
    if (scope.split(' ').includes('openid')) {
      const claims: Record<string, unknown> = {
        exp: iat + this.accessTtl,
        iat,
        auth_time: session.authTime,
        jti: randomUUID(),
        iss: this.issuer,
        aud: client.id,
        sub: user.sub,
        typ: 'ID',
        azp: client.id,
        sid: session.sid,
        at_hash: atHash(accessToken),
        email_verified: user.email_verified,
        name: user.name,
        preferred_username: user.preferred_username,
        email: user.email
      };
      if (nonce !== undefined) claims.nonce = nonce;
      response.id_token = await this.key.sign(claims);
      this.issued.idTokens.push(response.id_token);
    }
    return response;
  }

  /**
   * Verifies an access token: RS256 signature with the realm key, `iss`, `exp` (against the
   * emulator clock), and that neither it nor its session was revoked.
   */
  async verifyAccess(
    token: string | undefined
  ): Promise<{ ok: true; claims: IRealmAccessClaims } | { ok: false; reason: RealmTokenRefusal }> {
    if (!token) return { ok: false, reason: 'missing' };
    const jose = await loadJose();
    this.publicKey ??= await jose.importJWK({ ...this.key.jwk }, ID_TOKEN_ALG);
    let claims: IRealmAccessClaims;
    try {
      const result = await jose.jwtVerify(token, this.publicKey, {
        issuer: this.issuer,
        algorithms: [ID_TOKEN_ALG],
        currentDate: new Date(this.clock.now()),
        clockTolerance: 0
      });
      claims = result.payload as unknown as IRealmAccessClaims;
    } catch (e) {
      const code = (e as { code?: string }).code;
      return { ok: false, reason: code === 'ERR_JWT_EXPIRED' ? 'expired' : 'invalid' };
    }
    if (claims.typ !== 'Bearer') return { ok: false, reason: 'invalid' };
    if (this.revokedJtis.has(claims.jti)) return { ok: false, reason: 'revoked' };
    if (this.sessions.get(claims.sid)?.revoked !== false) return { ok: false, reason: 'revoked' };
    return { ok: true, claims };
  }

  /**
   * Every token, code and PKCE verifier the realm issued or received, and the app client's
   * secret (test-only: leak scans search output for each). Same keys as Globus Auth's list.
   */
  issuedSecrets(): {
    accessTokens: string[];
    refreshTokens: string[];
    idTokens: string[];
    authorizationCodes: string[];
    codeVerifiers: string[];
    clientSecrets: string[];
  } {
    return {
      accessTokens: [...this.issued.accessTokens],
      refreshTokens: [...this.issued.refreshTokens],
      idTokens: [...this.issued.idTokens],
      authorizationCodes: [...this.issued.authorizationCodes],
      codeVerifiers: [...this.issued.codeVerifiers],
      clientSecrets: [...this.clients.values()].flatMap(c => (c.secret ? [c.secret] : []))
    };
  }

  /**
   * Makes an access token unusable from now on (the fault engine's `expireToken`); a token
   * that is not a realm JWT is ignored.
   */
  expireNow(token: string): void {
    const jti = jwtId(token);
    if (jti) this.revokedJtis.add(jti);
  }

  /**
   * RFC 7009 revocation. A refresh token ends its session (so the access tokens issued in
   * it stop working, as in Keycloak); an access token is revoked on its own. Tokens of
   * other clients and unknown tokens are ignored (the answer is 200 either way).
   */
  async revoke(client: IRealmClient, token: string): Promise<void> {
    const refresh = this.refreshTokens.get(token);
    if (refresh) {
      if (refresh.session.client.id !== client.id) return;
      this.refreshTokens.delete(token);
      refresh.session.revoked = true;
      return;
    }
    const verified = await this.verifyAccess(token);
    if (verified.ok && verified.claims.azp === client.id) this.revokedJtis.add(verified.claims.jti);
  }

  /** RFC 7662 introspection of an access or refresh token. */
  async introspect(token: string): Promise<Record<string, unknown>> {
    const refresh = this.refreshTokens.get(token);
    if (refresh) {
      const active = refresh.expiresAt > this.clock.now() && !refresh.session.revoked;
      if (!active) return { active: false };
      return {
        active: true,
        token_type: 'Refresh',
        scope: refresh.scope,
        client_id: refresh.session.client.id,
        username: refresh.session.user.preferred_username,
        sub: refresh.session.user.sub,
        iss: this.issuer,
        iat: refresh.issuedAt,
        exp: Math.floor(refresh.expiresAt / 1000),
        sid: refresh.session.sid
      };
    }
    const verified = await this.verifyAccess(token);
    if (!verified.ok) return { active: false };
    const c = verified.claims;
    return {
      active: true,
      token_type: 'Bearer',
      scope: c.scope,
      client_id: c.azp,
      username: c.preferred_username,
      sub: c.sub,
      aud: c.aud,
      iss: c.iss,
      iat: c.iat,
      exp: c.exp,
      jti: c.jti,
      sid: c.sid,
      email: c.email
    };
  }
}

/** The `jti` of a JWT without verifying it, or undefined. */
function jwtId(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as {
      jti?: unknown;
    };
    return typeof payload.jti === 'string' ? payload.jti : undefined;
  } catch {
    return undefined;
  }
}
