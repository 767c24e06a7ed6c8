/**
 * Globus Auth userinfo: who the auth token belongs to.
 */
import {
  callOptions,
  callService,
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
  const res = await callService<IUserinfoDocument>(ctx, 'auth', {
    operation: 'userinfo',
    path: '/v2/oauth2/userinfo',
    token,
    ...callOptions(options)
  });
  return res.data;
}
