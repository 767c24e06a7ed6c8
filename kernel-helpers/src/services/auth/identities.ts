/**
 * Globus Auth identities: look up identities by id or by username, through `@globus/sdk`'s
 * `auth.identities.getAll` (see `../sdk-call.ts`).
 */
import { BadInputError } from '../../errors/bad-input-error';
import { sdkCall } from '../sdk-call';
import {
  callOptions,
  ICallOptions,
  IServiceContext,
  requireServiceToken
} from '../service-context';
import { IIdentityDocument } from './types';

/** Which identities to look up: ids xor usernames. */
export type IdentityQuery =
  | { ids: readonly string[]; usernames?: undefined }
  | { usernames: readonly string[]; ids?: undefined; provision?: boolean };

/**
 * Get identities by ids or by usernames (unknown ones are simply absent).
 *
 * @param ctx - service context
 * @param query - `{ ids }` or `{ usernames, provision? }`
 * @param options - signal, timeout, retry
 * @see https://docs.globus.org/api/auth/reference/#get_identities
 */
export async function getAllIdentities(
  ctx: IServiceContext,
  query: IdentityQuery,
  options: ICallOptions = {}
): Promise<IIdentityDocument[]> {
  const ids = query.ids ?? [];
  const usernames = query.usernames ?? [];
  if (ids.length > 0 === usernames.length > 0) {
    throw new BadInputError('Give either ids or usernames (not both, not neither)', {
      code: 'BAD_IDENTITY_QUERY'
    });
  }
  const token = requireServiceToken(ctx, 'auth', 'get identities');
  const res = await sdkCall<{ identities?: IIdentityDocument[] }>(
    ctx,
    'auth',
    { operation: 'get identities', token, ...callOptions(options) },
    (sdk, o) =>
      sdk.auth.identities.getAll(
        {
          query:
            ids.length > 0
              ? { ids: [...ids] }
              : {
                  usernames: [...usernames],
                  provision:
                    'provision' in query && query.provision !== undefined
                      ? query.provision
                      : undefined
                }
        },
        o
      )
  );
  return res.data?.identities ?? [];
}

/**
 * Get one identity by id; `undefined` when Auth does not know it.
 *
 * @param ctx - service context
 * @param id - identity UUID
 * @param options - signal, timeout, retry
 * @see https://docs.globus.org/api/auth/reference/#get_identities
 */
export async function getIdentity(
  ctx: IServiceContext,
  id: string,
  options: ICallOptions = {}
): Promise<IIdentityDocument | undefined> {
  const found = await getAllIdentities(ctx, { ids: [id] }, options);
  return found.find(i => i.id === id);
}

/**
 * Get one identity by username; `undefined` when Auth does not know it.
 *
 * @param ctx - service context
 * @param username - e.g. `user@globusid.org`
 * @param options - signal, timeout, retry
 * @see https://docs.globus.org/api/auth/reference/#get_identities
 */
export async function getIdentityByUsername(
  ctx: IServiceContext,
  username: string,
  options: ICallOptions = {}
): Promise<IIdentityDocument | undefined> {
  const found = await getAllIdentities(ctx, { usernames: [username] }, options);
  return found.find(i => i.username.toLowerCase() === username.toLowerCase());
}
