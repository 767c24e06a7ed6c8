/**
 * The Transfer and Auth JSON calls go through `@globus/sdk`'s service functions (6.2.0):
 * the SDK names each call's method, path, query and body; our transport sends it.
 *
 * How: every SDK service function takes `sdkOptions`, whose `fetch.options.__callable`
 * replaces the `fetch` it calls (marked experimental in 6.2.0). Ours hands the request to
 * `callService` (`http/request.ts`), so typed errors, retries, timeouts, abort, redirects,
 * token renewal and redaction stay ours. The call's base URL is the session's (resolved at
 * connect time from its `env`): only the path and query of the URL the SDK built are kept,
 * since the SDK reads its base from `process.env`. No `manager` is given to the SDK, so it
 * never adds or refreshes a token itself and returns our answer untouched.
 *
 * The SDK's CommonJS bundle is loaded on the first call, not at import: it brings
 * `cross-fetch` (about 35 ms of CPU in a fresh kernel), which `connect()` does not need.
 * Its ESM-only type declarations are imported as types only (`module: node20`).
 */
import type * as Sdk from '@globus/sdk';
import { GlobusKitError } from '../errors/globus-kit-error';
import { IHttpResponse } from '../http/request';
import { API_PREFIX } from '../http/service-urls';
import { callService, IServiceContext, IServiceRequest } from './service-context';

/** The SDK module (its CommonJS bundle, typed by its declarations). */
export type SdkModule = typeof Sdk;

/** The tail argument of every SDK service function. */
export type SdkOptions = NonNullable<Parameters<SdkModule['transfer']['task']['get']>[2]>;

/** The `fetch` an SDK call may bring. */
type SdkFetch = NonNullable<NonNullable<NonNullable<SdkOptions['fetch']>['options']>['__callable']>;

/** What an SDK call is about: everything of a request except what the SDK decides. */
export type ISdkRequest = Omit<
  IServiceRequest,
  'method' | 'path' | 'query' | 'json' | 'form' | 'body' | 'headers' | 'bodyLength' | 'baseUrl'
>;

let sdk: SdkModule | undefined;

/** The SDK, loaded once, on first use. */
function loadSdk(): SdkModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see header
  sdk ??= require('@globus/sdk') as SdkModule;
  return sdk;
}

type Method = NonNullable<IServiceRequest['method']>;
const METHODS: readonly Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The body the SDK built: JSON text, or a form for the OAuth2 token endpoints. */
function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) {
    return undefined;
  }
  if (typeof body === 'string') {
    return body;
  }
  if (body instanceof URLSearchParams) {
    return body.toString();
  }
  throw new GlobusKitError('@globus/sdk built a request body of an unexpected kind', {
    code: 'SDK_REQUEST'
  });
}

/** The Content-Type the SDK chose (its other headers are ours to set). */
function contentType(headers: unknown): Record<string, string> {
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
      if (name.toLowerCase() === 'content-type' && typeof value === 'string') {
        return { 'Content-Type': value };
      }
    }
  }
  return {};
}

/**
 * What the SDK gets back from our `fetch`. Without a `manager` the SDK returns it to us
 * as it is, so it carries only what a reader of a `Response` checks first.
 */
class SdkReply {
  readonly ok = true;
  constructor(
    readonly status: number,
    readonly url: string
  ) {}
}

/**
 * Make one Transfer or Auth call through an SDK service function, with our transport.
 *
 * @param ctx - the service context
 * @param service - `transfer` or `auth`
 * @param req - operation, token, resource and call options
 * @param invoke - calls the SDK function with the given `sdkOptions`
 * @returns our response, its body parsed as JSON
 * @throws the typed errors of `request()`; GlobusKitError `SDK_REQUEST` when the SDK
 *   fails before it sends (e.g. a `GLOBUS_SDK_*` variable it cannot read)
 */
export async function sdkCall<T>(
  ctx: IServiceContext,
  service: 'transfer' | 'auth',
  req: ISdkRequest,
  invoke: (sdk: SdkModule, options: SdkOptions) => Promise<unknown>
): Promise<IHttpResponse<T>> {
  let reply: IHttpResponse<T> | undefined;
  let failure: unknown;
  const send = async (
    input: unknown,
    init?: { method?: string; body?: unknown; headers?: unknown }
  ) => {
    try {
      const url = new URL(String(input));
      const prefix = API_PREFIX[service];
      const method = (init?.method ?? 'GET').toUpperCase() as Method;
      if (!url.pathname.startsWith(`${prefix}/`) || !METHODS.includes(method)) {
        throw new GlobusKitError(
          `@globus/sdk asked for ${method} ${url.pathname}, which is not a ${service} API call`,
          { code: 'SDK_REQUEST' }
        );
      }
      const query: Record<string, string> = {};
      url.searchParams.forEach((value, key) => {
        query[key] = value;
      });
      reply = await callService<T>(ctx, service, {
        ...req,
        method,
        path: url.pathname.slice(prefix.length),
        query,
        body: bodyText(init?.body),
        headers: contentType(init?.headers)
      });
      return new SdkReply(reply.status, reply.url);
    } catch (error) {
      // Our typed error, untouched by the SDK.
      failure = error;
      throw error;
    }
  };
  const options: SdkOptions = {
    // The SDK's own base URL is not used (see header); naming the environment keeps it from
    // rejecting a GLOBUS_SDK_ENVIRONMENT value it does not know.
    environment: 'production',
    fetch: { options: { __callable: send as unknown as SdkFetch } }
  };
  try {
    await invoke(loadSdk(), options);
  } catch (error) {
    if (failure !== undefined) {
      throw failure;
    }
    throw new GlobusKitError(
      `@globus/sdk could not make the ${service} ${req.operation} request: ${error instanceof Error ? error.message : String(error)}. Check the GLOBUS_SDK_* environment variables.`,
      { code: 'SDK_REQUEST', cause: error }
    );
  }
  if (reply === undefined) {
    throw new GlobusKitError(`@globus/sdk made no ${service} ${req.operation} request`, {
      code: 'SDK_REQUEST'
    });
  }
  return reply;
}
