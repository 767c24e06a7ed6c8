/**
 * The stored login as `connect()` sees it: the token file turned into the same normalised
 * record GLOBUS_DATA decodes to, plus the refresh authorizer that keeps it fresh.
 */
import { INormalisedGlobusData, INormalisedIdentity } from '../globus-data/types';
import { RefreshAuthorizer } from './refresh-authorizer';
import { ITokenFileDocument, TokenFile, tokenFilePath } from './token-file';

/**
 * Read the stored login, or `undefined` when there is none.
 *
 * @param env - the environment (`GLOBUS_KIT_TOKEN_FILE`, `JUPYTER_DATA_DIR`)
 * @throws LoginError for a corrupt, foreign or too-new token file
 */
export async function readStoredLogin(
  env: Readonly<Record<string, string | undefined>> = process.env
): Promise<INormalisedGlobusData | undefined> {
  const doc = await new TokenFile(tokenFilePath(env)).read();
  if (!doc || Object.keys(doc.tokens).length === 0) {
    return undefined;
  }
  return normaliseStored(doc);
}

/**
 * The refresh authorizer for the stored login of `env`.
 *
 * @param env - the environment
 * @param expiringWindowSeconds - display window of renewed tokens
 */
export function storedLoginAuthorizer(
  env: Readonly<Record<string, string | undefined>> = process.env,
  expiringWindowSeconds?: number
): RefreshAuthorizer {
  return new RefreshAuthorizer({ file: new TokenFile(tokenFilePath(env)), expiringWindowSeconds });
}

/**
 * The token file as a normalised auth state.
 *
 * @param doc - the token file document
 */
export function normaliseStored(doc: ITokenFileDocument): INormalisedGlobusData {
  let identity: INormalisedIdentity | undefined;
  if (doc.identity) {
    const i = doc.identity;
    identity = {
      sub: i.sub,
      username: i.preferred_username,
      name: i.name,
      email: i.email,
      organization: i.organization,
      identityProviderDisplayName: i.identity_provider_display_name,
      source: 'id_token',
      claims: { ...i }
    };
  }
  return {
    shape: '16+',
    clientId: doc.client_id,
    identity,
    idToken: doc.id_token ?? undefined,
    groups: [],
    tokens: Object.values(doc.tokens).map(t => ({
      resourceServer: t.resource_server,
      accessToken: t.access_token,
      scope: t.scope,
      tokenType: t.token_type,
      expiresAtSeconds: t.expires_at_seconds ?? undefined,
      refreshToken: t.refresh_token ?? undefined,
      source: 'tokens'
    })),
    sourceKeys: Object.keys(doc),
    warnings: []
  };
}
