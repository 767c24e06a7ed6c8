/**
 * Globus Auth token introspection, through `@globus/sdk`'s `auth.oauth2.token.introspect`
 * (see `../sdk-call.ts`). Needs a confidential client's credentials (HTTP Basic, added by
 * our transport so the secret is redacted like a token); a hub's or a native app's tokens
 * alone cannot introspect.
 */
import { Token } from '../../tokens/token';
import { sdkCall } from '../sdk-call';
import { callOptions, ICallOptions, IServiceContext } from '../service-context';
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
  const payload: { token: string; include?: string } = { token: token.unsafeRevealAccessToken() };
  if (options.include && options.include.length > 0) {
    payload.include = options.include.join(',');
  }
  const res = await sdkCall<IIntrospectDocument>(
    ctx,
    'auth',
    {
      operation: 'introspect',
      basicAuth: {
        username: options.clientCredentials.clientId,
        password: options.clientCredentials.clientSecret
      },
      idempotent: true,
      ...callOptions(options)
    },
    (sdk, o) => sdk.auth.oauth2.token.introspect({ payload }, o)
  );
  return res.data;
}
