/**
 * Globus Auth userinfo: who the auth token belongs to, through `@globus/sdk`'s
 * `auth.oauth2.userinfo` (see `../sdk-call.ts`).
 */
import { sdkCall } from '../sdk-call';
import {
  callOptions,
  ICallOptions,
  IServiceContext,
  requireServiceToken
} from '../service-context';
import { IUserinfoDocument } from './types';

/**
 * Get the OIDC userinfo of the logged-in user.
 *
 * @param ctx - service context
 * @param options - signal, timeout, retry
 * @see https://docs.globus.org/api/auth/reference/#get_or_post_v2_oauth2_userinfo_resource
 */
export async function getUserinfo(
  ctx: IServiceContext,
  options: ICallOptions = {}
): Promise<IUserinfoDocument> {
  const token = requireServiceToken(ctx, 'auth', 'userinfo');
  const res = await sdkCall<IUserinfoDocument>(
    ctx,
    'auth',
    { operation: 'userinfo', token, ...callOptions(options) },
    (sdk, o) => sdk.auth.oauth2.userinfo(undefined, o)
  );
  return res.data;
}
