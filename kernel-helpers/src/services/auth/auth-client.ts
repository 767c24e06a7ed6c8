/**
 * The Globus Auth client of a session.
 */
import { Token } from '../../tokens/token';
import { ICallOptions, IServiceContext } from '../service-context';
import { getAllConsents, IGetConsentsOptions } from './consents';
import { getAllIdentities, getIdentity, getIdentityByUsername, IdentityQuery } from './identities';
import { IIntrospectOptions, introspectToken } from './introspect';
import {
  IConsentDocument,
  IIdentityDocument,
  IIntrospectDocument,
  IUserinfoDocument
} from './types';
import { getUserinfo } from './userinfo';

/**
 * Globus Auth: userinfo, identities, consents, introspection.
 */
export class AuthClient {
  readonly #ctx: IServiceContext;

  /**
   * @param ctx - the session's service context
   */
  constructor(ctx: IServiceContext) {
    this.#ctx = ctx;
  }

  /** Userinfo operations. */
  readonly userinfo = {
    /**
     * Get the OIDC userinfo of the logged-in user.
     *
     * @param options - signal, timeout, retry
     * @see https://docs.globus.org/api/auth/reference/#get_or_post_v2_oauth2_userinfo_resource
     */
    get: (options?: ICallOptions): Promise<IUserinfoDocument> => getUserinfo(this.#ctx, options)
  };

  /** Identity lookups. */
  readonly identities = {
    /**
     * Get one identity by id (`undefined` when unknown).
     *
     * @param id - identity UUID
     * @param options - signal, timeout, retry
     * @see https://docs.globus.org/api/auth/reference/#get_identities
     */
    get: (id: string, options?: ICallOptions): Promise<IIdentityDocument | undefined> =>
      getIdentity(this.#ctx, id, options),
    /**
     * Get one identity by username (`undefined` when unknown).
     *
     * @param username - e.g. `user@globusid.org`
     * @param options - signal, timeout, retry
     * @see https://docs.globus.org/api/auth/reference/#get_identities
     */
    getByUsername: (
      username: string,
      options?: ICallOptions
    ): Promise<IIdentityDocument | undefined> =>
      getIdentityByUsername(this.#ctx, username, options),
    /**
     * Get identities by ids or usernames.
     *
     * @param query - `{ ids }` or `{ usernames, provision? }`
     * @param options - signal, timeout, retry
     * @see https://docs.globus.org/api/auth/reference/#get_identities
     */
    getAll: (query: IdentityQuery, options?: ICallOptions): Promise<IIdentityDocument[]> =>
      getAllIdentities(this.#ctx, query, options)
  };

  /** Consent listing. */
  readonly consents = {
    /**
     * Get the consents of an identity.
     *
     * @param identityId - normally the logged-in user's id
     * @param options - `all`, signal, timeout, retry
     * @see https://docs.globus.org/api/auth/reference/#get_consents
     */
    getAll: (identityId: string, options?: IGetConsentsOptions): Promise<IConsentDocument[]> =>
      getAllConsents(this.#ctx, identityId, options)
  };

  /**
   * Introspect a token (needs a confidential client's credentials).
   *
   * @param token - the token
   * @param options - client credentials, `include`, signal, timeout, retry
   * @see https://docs.globus.org/api/auth/reference/#token_introspect
   */
  introspect(token: Token, options: IIntrospectOptions): Promise<IIntrospectDocument> {
    return introspectToken(this.#ctx, token, options);
  }

  /** Redacted display. */
  toString(): string {
    return 'AuthClient';
  }
}
