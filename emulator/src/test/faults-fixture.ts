/**
 * Shared set-up for the tests that drive a whole emulator: real tokens for the demo user,
 * issued by the emulated Auth exactly as a login would, keyed by resource server.
 */
import type { IEmulator } from '../index.js';
import { DEMO_IDENTITY_ID, HUB_CLIENT_ID } from '../state/seed.js';

/** Transfer's scope. */
export const transferScope = 'urn:globus:auth:scope:transfer.api.globus.org:all';
/** Auth's identity lookup scope. */
export const viewIdentitiesScope = 'urn:globus:auth:scope:auth.globus.org:view_identities';
/** Groups' read scope. */
export const groupsScope =
  'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships';

/** A collection's HTTPS scope. */
export function httpsScope(collectionId: string): string {
  return `https://auth.globus.org/scopes/${collectionId}/https`;
}

/** A collection's data_access scope. */
export function dataAccessScope(collectionId: string): string {
  return `https://auth.globus.org/scopes/${collectionId}/data_access`;
}

/**
 * Logs the demo user in through the hub client and returns access tokens by resource
 * server (`auth.globus.org`, `transfer.api.globus.org`, a collection id, …).
 * @param emulator - the running emulator
 * @param scopes - the scope request (space-joined)
 */
export async function demoTokens(
  emulator: IEmulator,
  scopes: string[]
): Promise<Record<string, string>> {
  const response = await emulator.auth.issueTokens({
    clientId: HUB_CLIENT_ID,
    identityId: DEMO_IDENTITY_ID,
    scope: scopes.join(' ')
  });
  const out: Record<string, string> = {};
  for (const doc of [response, ...response.other_tokens])
    out[doc.resource_server] = doc.access_token;
  return out;
}

/** An `Authorization` header. */
export function bearer(token: string | undefined): Record<string, string> {
  if (!token) throw new Error('no token was issued for this resource server');
  return { Authorization: `Bearer ${token}` };
}
