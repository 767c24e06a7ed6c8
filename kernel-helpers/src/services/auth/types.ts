/**
 * Globus Auth documents, with the API's own field names. `IConsentDocument` is checked
 * against `@globus/sdk`'s published `Consent` type (6.2.0) at build time
 * (`../sdk-types.ts`; why it is not that type itself: see `../transfer/types.ts`). The SDK
 * publishes no type for the others (its `JwtUserInfo` is the id_token's claims, not the
 * userinfo answer; identities and introspection are typed as a bare `Response`).
 */

/** One identity in a userinfo `identity_set`. */
export interface IUserinfoIdentity {
  sub: string;
  username?: string;
  name?: string | null;
  email?: string | null;
  organization?: string | null;
  identity_provider?: string;
  identity_provider_display_name?: string;
  status?: string;
  [key: string]: unknown;
}

/**
 * OIDC userinfo; claims depend on the granted scopes.
 *
 * @see https://docs.globus.org/api/auth/reference/#get_or_post_v2_oauth2_userinfo_resource
 */
export interface IUserinfoDocument {
  sub: string;
  preferred_username?: string;
  name?: string | null;
  email?: string | null;
  organization?: string | null;
  identity_provider?: string;
  identity_provider_display_name?: string;
  identity_set?: IUserinfoIdentity[];
  [key: string]: unknown;
}

/**
 * An identity record.
 *
 * @see https://docs.globus.org/api/auth/reference/#v2_api_identities_resources
 */
export interface IIdentityDocument {
  id: string;
  username: string;
  status: 'unused' | 'used' | 'private' | 'closed' | string;
  name?: string | null;
  email?: string | null;
  organization?: string | null;
  identity_provider?: string;
  identity_type?: string;
  [key: string]: unknown;
}

/**
 * A consent node of the user's consent forest.
 *
 * @see https://docs.globus.org/api/auth/reference/#get_consents
 */
export interface IConsentDocument {
  id: number;
  scope_name: string;
  scope: string;
  status: string;
  client: string;
  dependency_path: number[];
  atomically_revocable: boolean;
  allows_refresh?: boolean;
  effective_identity?: string;
  auto_approved?: boolean;
  created?: string;
  updated?: string;
  last_used?: string | null;
  [key: string]: unknown;
}

/**
 * Token introspection result.
 *
 * @see https://docs.globus.org/api/auth/reference/#token_introspect
 */
export interface IIntrospectDocument {
  active: boolean;
  scope?: string;
  client_id?: string;
  sub?: string;
  username?: string;
  name?: string;
  email?: string;
  exp?: number;
  iat?: number;
  nbf?: number;
  aud?: string[];
  iss?: string;
  identity_set?: string[];
  session_info?: {
    session_id?: string;
    authentications?: Record<string, { auth_time?: number; idp?: string; [key: string]: unknown }>;
  };
  [key: string]: unknown;
}
