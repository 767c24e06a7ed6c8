/**
 * Every failure as a typed error: a non-2xx answer (`TokenExpiredError`,
 * `ConsentRequiredError` from a GARE, or `GlobusApiError` with the service's code, message
 * and request id, secrets redacted), a socket failure (`NetworkError` with a stable code,
 * `TimeoutError`, `AbortError`), never quoting a secret.
 */
import { GlobusApiError } from '../errors/api-error';
import { ConsentRequiredError } from '../errors/consent-required-error';
import { redactSecrets, GlobusKitError } from '../errors/globus-kit-error';
import { AbortError, NetworkError, TimeoutError } from '../errors/network-error';
import { TOKEN_RENEWAL_REMEDY, TokenExpiredError } from '../errors/token-expired-error';
import { buildConsentUrl } from '../tokens/consents';
import { findAuthorizationRequirement } from './gare';
import type { IWireResponse } from './node-send';
import { IRequestOptions, label, redactUrl, secretsOf } from './request-options';

/** Maps what an attempt threw to a typed error; `phase` tells a refused connection from a cut body. */
export type FailureMapper = (error: unknown, phase: 'connect' | 'body') => GlobusKitError;

/** What the failure mapping of an attempt reads as the attempt goes on. */
export interface IAttemptState {
  /** The URL asked last (after redirects). */
  url: URL;
  /** Whether the per-attempt timer fired. */
  timedOut: boolean;
  /** The per-attempt time limit. */
  readonly timeoutMs: number;
}

export function abortErrorFor(signal: AbortSignal, options: IRequestOptions, url: URL): AbortError {
  return new AbortError(`${label(options)} was aborted (${redactUrl(url)})`, {
    cause: signal.reason
  });
}

/**
 * The failure mapping of one attempt: a typed error stays as it is; else the caller's abort,
 * the attempt's timeout, or a `NetworkError` whose code says what happened to the socket.
 *
 * @param options - the request
 * @param state - the attempt's URL and timer, read at the time of the failure
 */
export function failureMapper(options: IRequestOptions, state: IAttemptState): FailureMapper {
  return (error, phase) => {
    const url = state.url;
    const timeoutMs = state.timeoutMs;
    if (error instanceof GlobusKitError) {
      return error;
    }
    if (options.signal?.aborted) {
      return abortErrorFor(options.signal, options, url);
    }
    if (state.timedOut) {
      return new TimeoutError(
        `${label(options)} timed out after ${timeoutMs} ms (${redactUrl(url)}). Try again; if it persists the service may be slow or unreachable.`,
        timeoutMs,
        { url: redactUrl(url), cause: error }
      );
    }
    const code = networkCode(error, phase);
    const what =
      code === 'TRUNCATED_BODY'
        ? 'the response body was cut short'
        : code === 'CONNECTION_RESET'
          ? 'the connection was reset'
          : code === 'CONNECTION_REFUSED'
            ? 'the connection was refused'
            : 'a network error occurred';
    return new NetworkError(
      `${label(options)} failed: ${what} (${redactUrl(url)}). Check the network and try again.`,
      { code, url: redactUrl(url), cause: scrubCause(error, options) }
    );
  };
}

export function networkCode(error: unknown, phase: 'connect' | 'body'): string {
  const chain: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    chain.push(`${String(code ?? '')} ${String(message ?? '')}`);
    e = (e as { cause?: unknown }).cause;
  }
  const all = chain.join(' | ');
  if (/ECONNREFUSED/.test(all)) {
    return 'CONNECTION_REFUSED';
  }
  if (phase === 'body' || /terminated|UND_ERR_SOCKET.*other side closed.*\bbody\b/i.test(all)) {
    return phase === 'body' ? 'TRUNCATED_BODY' : 'CONNECTION_RESET';
  }
  if (/ECONNRESET|EPIPE|UND_ERR_SOCKET|other side closed|socket hang up/i.test(all)) {
    return 'CONNECTION_RESET';
  }
  return 'NETWORK_ERROR';
}

/** Keep causes, but never one whose message could quote a secret. */
export function scrubCause(error: unknown, options: IRequestOptions): unknown {
  if (error instanceof Error) {
    const secrets = secretsOf(options);
    if (secrets.some(s => error.message.includes(s))) {
      return new Error(redactSecrets(error.message, secrets));
    }
  }
  return error;
}

/** Turn a non-2xx response into the right typed error. */
export function errorFromResponse(
  options: IRequestOptions,
  method: string,
  url: URL,
  response: IWireResponse,
  text: string
): GlobusKitError {
  const secrets = secretsOf(options);
  const clean = redactSecrets(text, secrets);
  let body: unknown;
  try {
    body = clean ? JSON.parse(clean) : undefined;
  } catch {
    body = undefined;
  }
  const fields = errorFields(body);
  const status = response.status;
  const token = options.token;
  if (status === 401 && token && token.isExpired()) {
    return new TokenExpiredError({
      resourceServer: token.resourceServer,
      expiredAt: token.expiresAt,
      fingerprint: token.fingerprint,
      source: options.credentialSource,
      operation: label(options)
    });
  }
  const requirement = findAuthorizationRequirement(body);
  if (requirement) {
    const scopes = requirement.authorizationParameters.required_scopes ?? [];
    return new ConsentRequiredError({
      requiredScopes: scopes,
      authorizationParameters: requirement.authorizationParameters,
      consentUrl: buildConsentUrl(scopes, {
        ...options.consent,
        authorizationParameters: requirement.authorizationParameters
      }),
      globusCode: requirement.code,
      status,
      requestId: fields.requestId,
      service: options.service,
      operation: options.operation,
      resource: options.resource
    });
  }
  const code =
    status === 401
      ? 'UNAUTHORIZED'
      : status === 403
        ? 'FORBIDDEN'
        : status === 404
          ? 'NOT_FOUND'
          : status === 429
            ? 'RATE_LIMITED'
            : 'API_ERROR';
  let serverMessage = fields.message;
  if (!serverMessage && body === undefined && clean.trim()) {
    serverMessage = clean.trim().slice(0, 300);
  }
  if (status === 401) {
    // Globus answers the same 401 for revoked, expired-early and foreign tokens; the
    // remedy is the same as for an expired one.
    const remedy = options.token
      ? ` (token for ${options.token.resourceServer}, ${options.token.fingerprint}…). ${TOKEN_RENEWAL_REMEDY[options.credentialSource ?? 'unknown']}`
      : '';
    serverMessage = `${serverMessage ?? 'the token was rejected'}${remedy}`;
  }
  return new GlobusApiError({
    code,
    status,
    globusCode: fields.code,
    requestId: fields.requestId ?? response.headers.get('x-request-id') ?? undefined,
    service: options.service,
    operation: options.operation,
    resource: options.resource,
    serverMessage,
    method,
    url: redactUrl(url),
    body
  });
}

/** Code, message and request id from Transfer, Auth, GCS or Groups error documents. */
function errorFields(body: unknown): {
  code?: string;
  message?: string;
  requestId?: string;
} {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {};
  }
  const doc = body as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const first =
    Array.isArray(doc.errors) && typeof doc.errors[0] === 'object' && doc.errors[0] !== null
      ? (doc.errors[0] as Record<string, unknown>)
      : undefined;
  return {
    code: str(doc.code) ?? str(first?.code) ?? str(doc.error),
    message:
      str(doc.message) ??
      str(first?.detail) ??
      str(first?.title) ??
      str(doc.error_description) ??
      str(doc.detail) ??
      str(doc.description),
    requestId: str(doc.request_id) ?? str(first?.id)
  };
}
