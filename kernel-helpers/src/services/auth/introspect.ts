/**
 * Globus Auth token introspection. Needs a confidential client's credentials (HTTP Basic);
 * a hub's or a native app's tokens alone cannot introspect.
 */
import { Token } from '../../tokens/token';
import { callOptions, callService, ICallOptions, IServiceContext } from '../service-context';
import { IIntrospectDocument } from './types';

/** Options for introspection. */
export interface IIntrospectOptions extends ICallOptions {
  /** The confidential client's id and secret. */
  clientCredentials: { clientId: string; clientSecret: string };
  /** Extra data: `identity_set`, `session_info`. */
  include?: ReadonlyArray<'identity_set' | 'session_info'>;
}

/**
 * Introspect a token: whether it is active, its scopes, expiry and identity set.
 *
 * @param ctx - service context
 * @param token - the token to introspect
 * @param options - client credentials, `include`, signal, timeout, retry
 * @see https://docs.globus.org/api/auth/reference/#token_introspect
 */
export async function introspectToken(
  ctx: IServiceContext,
  token: Token,
  options: IIntrospectOptions
): Promise<IIntrospectDocument> {
  const form: Record<string, string> = { token: token.unsafeRevealAccessToken() };
  if (options.include && options.include.length > 0) {
    form.include = options.include.join(',');
  }
  const res = await callService<IIntrospectDocument>(ctx, 'auth', {
    operation: 'introspect',
    method: 'POST',
    path: '/v2/oauth2/token/introspect',
    form,
    basicAuth: {
      username: options.clientCredentials.clientId,
      password: options.clientCredentials.clientSecret
    },
    idempotent: true,
    ...callOptions(options)
  });
  return res.data;
}
