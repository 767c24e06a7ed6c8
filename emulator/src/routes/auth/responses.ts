/**
 * Globus Auth's two error formats and its CORS headers. OAuth endpoints (token, introspect,
 * revoke) answer `{"error": "...", "error_description": "..."}`; the other API endpoints
 * answer a JSON:API-like `errors` array plus OAuth-ish top-level keys.
 * @see https://docs.globus.org/api/auth/reference/
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EmulatorHttpError } from '../../http/router.js';
import type { TokenRefusal } from '../../state/types.js';

/** Headers every CORS-enabled Auth API response carries. */
export const corsHeaders: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'WWW-Authenticate'
};

/** Headers of a CORS preflight answer. */
export const preflightHeaders: Record<string, string> = {
  ...corsHeaders,
  'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept, X-Requested-With',
  'Access-Control-Max-Age': '600'
};

/** Sets the CORS headers on a response before it is written. */
export function applyCors(res: ServerResponse): void {
  for (const [k, v] of Object.entries(corsHeaders)) res.setHeader(k, v);
}

/**
 * An OAuth 2.0 token-endpoint error (`A.2.5`).
 * @param status - 400, or 401 for `invalid_client`
 */
export function oauthError(status: number, error: string, description: string): EmulatorHttpError {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  if (status === 401) headers['WWW-Authenticate'] = 'Basic realm="auth.globus.org"';
  return new EmulatorHttpError(status, { error, error_description: description }, headers);
}

/**
 * An Auth API error with the `errors` array (`A.9`).
 * @param status - HTTP status
 * @param code - e.g. `UNAUTHORIZED`, `FORBIDDEN`, `NOT_FOUND`, `INVALID_PARAMETERS`
 * @param title - short title; also the `error_description`
 * @param detail - the longer sentence
 */
export function authApiError(
  status: number,
  code: string,
  title: string,
  detail: string,
  headers: Record<string, string> = {}
): EmulatorHttpError {
  return new EmulatorHttpError(
    status,
    {
      errors: [{ status: String(status), id: randomUUID(), code, detail, title }],
      error_description: title,
      error: code.toLowerCase()
    },
    headers
  );
}

/** The 401 an Auth API route answers for a refused bearer token. */
export function unauthorized(reason: TokenRefusal): EmulatorHttpError {
  const detail =
    reason === 'missing'
      ? 'Call must be authenticated'
      : reason === 'expired'
        ? 'Token is expired'
        : reason === 'revoked'
          ? 'Token has been revoked'
          : reason === 'wrong_audience'
            ? 'Token is not valid for this resource server'
            : 'Token is not active';
  return authApiError(401, 'UNAUTHORIZED', 'Unauthorized', detail, {
    'WWW-Authenticate': `Bearer realm="auth.globus.org", error="invalid_token"`
  });
}
