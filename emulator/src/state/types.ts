/**
 * The seams between the emulator's services. Auth owns identities, clients, tokens and
 * consents (`IAuthority`); Transfer and GCS HTTPS consume it to check bearer tokens, so
 * each service can be written and tested on its own.
 */
/** A Globus identity as `GET /v2/api/identities` returns it. */
export interface IIdentity {
  id: string;
  username: string;
  name: string | null;
  email: string | null;
  organization: string | null;
  identity_provider: string;
  identity_provider_display_name: string;
  /** `client` for an OAuth client's own identity (`<id>@clients.auth.globus.org`). */
  identity_type: 'login' | 'client';
  status: 'used' | 'unused' | 'private' | 'closed';
}

/** A person: a primary identity plus linked identities (an identity set). */
export interface IUser {
  /** The primary identity (`sub`). */
  primary: IIdentity;
  /** Every identity in the set, the primary first. */
  identities: IIdentity[];
  /** Group ids the user is an active member of. */
  groupIds: string[];
}

/** Why a bearer token was refused. */
export type TokenRefusal = 'missing' | 'invalid' | 'expired' | 'revoked' | 'wrong_audience';

/** An issued access token, as the Auth state keeps it. */
export interface IIssuedToken {
  /** The opaque token string. */
  token: string;
  clientId: string;
  /** Primary identity id of the user; for client_credentials, `<client>@clients.auth.globus.org`'s id. */
  subject: string;
  resourceServer: string;
  /** The granted scope strings, as issued (may carry `[...]` dependent scopes). */
  scopes: string[];
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds. */
  expiresAt: number;
  revoked: boolean;
  /**
   * The authentication session behind a user token (a refresh keeps it): the identity
   * domains the login proved (`session_required_single_domain` it satisfied) and when.
   */
  session?: ISessionInfo;
}

/** A login's session facts that a high-assurance collection checks. */
export interface ISessionInfo {
  /** Identity domains authenticated for this session (e.g. `globusid.org`). */
  domains: string[];
  /** Epoch seconds of that authentication. */
  authTime: number;
}

/** Result of checking a bearer token for a resource server. */
export type TokenCheck =
  { ok: true; token: IIssuedToken; user: IUser | undefined } | { ok: false; reason: TokenRefusal };

/** What Transfer, Groups and GCS HTTPS need from Auth. */
export interface IAuthority {
  /** Checks a bearer token for one resource server (audience) and, optionally, a scope. */
  check(bearer: string | undefined, resourceServer: string, scope?: string): TokenCheck;
  /**
   * True when the user behind `token` has consented to `data_access` on a collection,
   * either as a dependent scope of the Transfer scope in this token's grant or (for HTTPS
   * tokens) as a top-level scope on the collection's resource server.
   */
  hasDataAccessConsent(token: IIssuedToken, collectionId: string): boolean;
  /** Looks up a user by any identity id in their set. */
  userByIdentity(identityId: string): IUser | undefined;
  /** Looks up an identity by id or username. */
  identity(idOrUsername: string): IIdentity | undefined;
}

/** The clock every service reads; tests and faults can move it. */
export interface IClock {
  /** Epoch milliseconds. */
  now(): number;
}
