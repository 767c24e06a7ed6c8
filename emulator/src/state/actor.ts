/**
 * Who is acting on a collection: the identity set behind a checked token. Transfer, the
 * task engine and GCS HTTPS all decide permissions from this one shape, so that a linked
 * identity or a group membership grants the same rights on every service.
 */
import type { IUser, TokenCheck } from './types.js';

/** The person (or app) behind a request. */
export interface IActor {
  /** Primary identity id (`sub`), or the client's identity for client_credentials tokens. */
  primaryId: string;
  /** Every identity id of the set, the primary first. */
  identityIds: string[];
  /** Groups the user is an active member of. */
  groupIds: string[];
  /** The primary username (`demo@globusid.org`), used for task `username`/owner strings. */
  username: string;
  /** The local account a mapped collection maps this person to (`demo`). */
  localName: string;
}

/**
 * Derives the local account name from a Globus username: the part before `@`, reduced to
 * characters a POSIX account may hold. Names are untrusted, so nothing else survives.
 */
export function localAccountName(username: string): string {
  const local = username
    .split('@')[0]
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '_');
  return local.replace(/^[.]+/, '_').slice(0, 32) || 'user';
}

/**
 * Builds the actor from a successful token check.
 * @param check - result of `IAuthority.check`; `undefined` actor when it failed
 */
export function actorFromCheck(check: TokenCheck): IActor | undefined {
  if (!check.ok) return undefined;
  const user = check.user;
  if (user) return actorOfUser(user);
  const subject = check.token.subject;
  return {
    primaryId: subject,
    identityIds: [subject],
    groupIds: [],
    username: `${check.token.clientId}@clients.auth.globus.org`,
    localName: localAccountName(check.token.clientId)
  };
}

/**
 * The actor for a user's identity set (what a token of theirs would make).
 * @param user - the user, as the directory holds them
 */
export function actorOfUser(user: IUser): IActor {
  return {
    primaryId: user.primary.id,
    identityIds: user.identities.map(i => i.id),
    groupIds: [...user.groupIds],
    username: user.primary.username,
    localName: localAccountName(user.primary.username)
  };
}
