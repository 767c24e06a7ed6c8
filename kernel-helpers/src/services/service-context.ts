/**
 * What every service client shares: the tokens, how to build consent URLs, where the
 * tokens came from, request defaults, and one `call()` that picks the right token and
 * turns a missing one into a `ConsentRequiredError` (or, when the hub gave no tokens at
 * all, a `NO_CREDENTIALS` error saying so).
 */
import { CredentialSource } from '../errors/token-expired-error';
import { ConsentRequiredError } from '../errors/consent-required-error';
import { GlobusKitError } from '../errors/globus-kit-error';
import { GlobusServiceName } from '../errors/api-error';
import { IHttpResponse, IRequestOptions, request } from '../http/request';
import { IRetryPolicy } from '../http/retry';
import { API_PREFIX, FixedServiceName } from '../http/service-urls';
import { buildConsentUrl, IConsentUrlOptions } from '../tokens/consents';
import { Token } from '../tokens/token';
import { TokenSet } from '../tokens/token-set';
import type { IRequestAuthorizer } from '../login/refresh-authorizer';

/** Options every service method accepts. */
export interface ICallOptions {
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Per-attempt time limit in ms. */
  timeoutMs?: number;
  /** Retry policy overrides, or `false`. */
  retry?: Partial<IRetryPolicy> | false;
}

/** Shared state of the clients of one session. */
export interface IServiceContext {
  /** The user's tokens. */
  readonly tokens: TokenSet;
  /** How to build consent URLs (auth base, client id). */
  readonly consent: IConsentUrlOptions;
  /** Where the tokens came from (decides renewal advice). */
  readonly credentialSource: CredentialSource;
  /** Defaults applied to every call. */
  readonly defaults?: ICallOptions;
  /**
   * Base URLs of the fixed services, resolved once at connect time (so a session made
   * with an explicit `env` never falls back to `process.env` or production).
   */
  readonly baseUrls?: Readonly<Partial<Record<FixedServiceName, string>>>;
  /** Renews tokens of a stored login before expiry and on 401 (standalone login only). */
  readonly authorizer?: IRequestAuthorizer;
  /**
   * Set when the hub gave no tokens (revoked at logout): the message of the
   * `NO_CREDENTIALS` error every Globus call then throws before any request, instead of a
   * consent link built on the hub's client, which the user cannot complete.
   */
  readonly noCredentials?: string;
}

/**
 * Throw the session's `NO_CREDENTIALS` error when the hub gave it no tokens.
 *
 * @param ctx - the service context
 * @throws GlobusKitError `NO_CREDENTIALS`
 */
export function requireCredentials(ctx: Pick<IServiceContext, 'noCredentials'>): void {
  if (ctx.noCredentials !== undefined) {
    throw new GlobusKitError(ctx.noCredentials, { code: 'NO_CREDENTIALS' });
  }
}

/** Resource servers of the fixed services. */
export const RESOURCE_SERVERS = {
  auth: 'auth.globus.org',
  transfer: 'transfer.api.globus.org',
  groups: 'groups.api.globus.org'
} as const;

/** The scope to ask for when a service's token is missing. */
const SCOPE_FOR: Readonly<Record<keyof typeof RESOURCE_SERVERS, string>> = {
  auth: 'openid profile email urn:globus:auth:scope:auth.globus.org:view_identities',
  transfer: 'urn:globus:auth:scope:transfer.api.globus.org:all',
  groups: 'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships'
};

/**
 * The token for a fixed service, or a `ConsentRequiredError` naming the scope to grant.
 *
 * @param ctx - the service context
 * @param service - which service
 * @param operation - what we were about to do (for the message)
 */
export function requireServiceToken(
  ctx: IServiceContext,
  service: keyof typeof RESOURCE_SERVERS,
  operation: string
): Token {
  const token = ctx.tokens.for(RESOURCE_SERVERS[service]);
  if (token) {
    return token;
  }
  requireCredentials(ctx);
  const scopes = SCOPE_FOR[service].split(' ');
  throw new ConsentRequiredError({
    requiredScopes: scopes,
    authorizationParameters: { required_scopes: scopes },
    consentUrl: buildConsentUrl(scopes, ctx.consent),
    globusCode: 'NoToken',
    service,
    operation
  });
}

/** A request description without the session-wide parts. */
export type IServiceRequest = Omit<IRequestOptions, 'consent' | 'credentialSource' | 'service'> &
  ICallOptions;

/**
 * Make a request with the session's consent and credential settings and defaults.
 *
 * @param ctx - the service context
 * @param service - which service
 * @param req - the request
 */
export function callService<T>(
  ctx: IServiceContext,
  service: GlobusServiceName,
  req: IServiceRequest
): Promise<IHttpResponse<T>> {
  if (service !== 'https') {
    // A plain https URL (fetchCsv of a web address) needs no Globus token.
    requireCredentials(ctx);
  }
  const fixedBase = service === 'https' ? undefined : ctx.baseUrls?.[service];
  const options: IRequestOptions = {
    timeoutMs: ctx.defaults?.timeoutMs,
    retry: ctx.defaults?.retry,
    baseUrl:
      fixedBase === undefined ? undefined : fixedBase + API_PREFIX[service as FixedServiceName],
    ...req,
    service,
    consent: ctx.consent,
    credentialSource: ctx.credentialSource
  };
  if (ctx.authorizer) {
    return ctx.authorizer.run(req.token, token => request<T>({ ...options, token }));
  }
  return request<T>(options);
}

/**
 * Strip `undefined` so a caller's `{ timeoutMs: undefined }` does not override defaults.
 *
 * @param options - call options
 */
export function callOptions(options: ICallOptions = {}): ICallOptions {
  const out: ICallOptions = {};
  if (options.signal) {
    out.signal = options.signal;
  }
  if (options.timeoutMs !== undefined) {
    out.timeoutMs = options.timeoutMs;
  }
  if (options.retry !== undefined) {
    out.retry = options.retry;
  }
  return out;
}
