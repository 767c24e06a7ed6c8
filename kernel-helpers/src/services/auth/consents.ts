/**
 * Globus Auth consents: the user's consent forest for this client (or all clients),
 * through `@globus/sdk`'s `auth.identities.consents.getAll` (see `../sdk-call.ts`).
 */
import { sdkCall } from '../sdk-call';
import {
  callOptions,
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
  const res = await sdkCall<{ consents?: IConsentDocument[] }>(
    ctx,
    'auth',
    { operation: 'get consents', token, ...callOptions(options) },
    (sdk, o) =>
      sdk.auth.identities.consents.getAll(
        encodeURIComponent(identityId),
        { query: { all: options.all } },
        o
      )
  );
  return res.data?.consents ?? [];
}
