/**
 * Globus Auth consents: the user's consent forest for this client (or all clients).
 */
import {
  callOptions,
  callService,
  ICallOptions,
  IServiceContext,
  requireServiceToken
} from '../service-context';
import { IConsentDocument } from './types';

/** Options for listing consents. */
export interface IGetConsentsOptions extends ICallOptions {
  /** All clients' consents (needs `view_consents`), not just this client's. */
  all?: boolean;
}

/**
 * Get the consents of an identity.
 *
 * @param ctx - service context
 * @param identityId - the identity (normally the logged-in user's)
 * @param options - `all`, signal, timeout, retry
 * @see https://docs.globus.org/api/auth/reference/#get_consents
 */
export async function getAllConsents(
  ctx: IServiceContext,
  identityId: string,
  options: IGetConsentsOptions = {}
): Promise<IConsentDocument[]> {
  const token = requireServiceToken(ctx, 'auth', 'get consents');
  const res = await callService<{ consents?: IConsentDocument[] }>(ctx, 'auth', {
    operation: 'get consents',
    path: `/v2/api/identities/${encodeURIComponent(identityId)}/consents`,
    query: { all: options.all === undefined ? undefined : options.all },
    token,
    ...callOptions(options)
  });
  return res.data?.consents ?? [];
}
