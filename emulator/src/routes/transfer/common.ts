/**
 * What every Transfer route shares: the error document (`code`, `message`, `request_id`,
 * `resource`), bearer-token checking, the `data_access` consent check of non-HA mapped
 * collections, and query-parameter parsing that answers bad input with a 400 in the same
 * format instead of guessing.
 */
import { EmulatorHttpError, type IRequestContext } from '../../http/router.js';
import { actorFromCheck, type IActor } from '../../state/actor.js';
import { fsFailure, isCollectionError, isFsError } from '../../state/collection-paths.js';
import type { ICollectionSpec } from '../../state/collections.js';
import type { IIssuedToken, TokenRefusal } from '../../state/types.js';
import type { IServiceDeps } from '../../state/service-deps.js';

/** Transfer's resource server (token audience). */
export const TRANSFER_RESOURCE_SERVER = 'transfer.api.globus.org';
/** The Transfer scope. */
export const TRANSFER_SCOPE = 'urn:globus:auth:scope:transfer.api.globus.org:all';

/** The `resource` field: the request path without the `/v0.10` prefix, as recorded. */
export function resourceOf(ctx: IRequestContext): string {
  return ctx.path.replace(/^\/v0\.10/, '').replace(/\/+$/, '') || '/';
}

/**
 * Builds a Transfer error response.
 * @param extra - more top-level fields (e.g. `required_scopes`, `authorization_parameters`)
 */
export function transferError(
  ctx: IRequestContext,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {}
): EmulatorHttpError {
  return new EmulatorHttpError(
    status,
    { code, message, request_id: ctx.requestId, resource: resourceOf(ctx), ...extra },
    headers
  );
}

const refusalMessages: Record<TokenRefusal, string> = {
  missing: 'Authentication required: no bearer token in the Authorization header',
  invalid: 'Token is not active',
  expired: 'Token is not active',
  revoked: 'Token is not active',
  wrong_audience: 'Token is not valid for Globus Transfer (wrong resource server)'
};

/** An authenticated Transfer caller. */
export interface ICaller {
  actor: IActor;
  token: IIssuedToken;
}

/**
 * Checks the bearer token for Transfer.
 * @throws 401 `AuthenticationFailed` in the Transfer error format
 */
export function authenticate(deps: IServiceDeps, ctx: IRequestContext): ICaller {
  const check = deps.authority.check(ctx.bearer, TRANSFER_RESOURCE_SERVER);
  const actor = actorFromCheck(check);
  if (!check.ok || !actor) {
    const reason = check.ok ? 'invalid' : check.reason;
    throw transferError(
      ctx,
      401,
      'AuthenticationFailed',
      refusalMessages[reason],
      {},
      {
        'WWW-Authenticate': 'Bearer'
      }
    );
  }
  return { actor, token: check.token };
}

/** The Transfer scope with `data_access` dependencies, as ConsentRequired names it. */
export function dataAccessScope(collectionIds: string[]): string {
  const deps = collectionIds.map(id => `*https://auth.globus.org/scopes/${id}/data_access`);
  return `${TRANSFER_SCOPE}[${deps.join(' ')}]`;
}

/**
 * Requires a `data_access` consent for every non-HA GCSv5 mapped collection among `ids`.
 * @throws 403 `ConsentRequired` with legacy `required_scopes` and `authorization_parameters`
 */
export function requireConsent(
  deps: IServiceDeps,
  ctx: IRequestContext,
  caller: ICaller,
  ids: string[]
): void {
  const missing = [...new Set(ids)].filter(
    id =>
      deps.collections.requiresDataAccess(id) &&
      !deps.authority.hasDataAccessConsent(caller.token, id)
  );
  if (!missing.length) return;
  const scopes = [dataAccessScope(missing)];
  const message = 'Missing required data_access consent';
  throw transferError(ctx, 403, 'ConsentRequired', message, {
    required_scopes: scopes,
    authorization_parameters: { session_message: message, required_scopes: scopes }
  });
}

/** Minutes a high-assurance login stays fresh (the seeded `authentication_assurance_timeout`). */
export const ASSURANCE_TIMEOUT_MINUTES = 30;

/**
 * Requires a fresh high-assurance session for every collection among `ids` that was seeded
 * with a `session_required_single_domain`: a token from a login that proved an identity in
 * that domain within {@link ASSURANCE_TIMEOUT_MINUTES}.
 * @throws 403 `AuthPolicyFailed` with `authorization_parameters` (the Transfer form of a
 *   Globus Auth requirements error: `session_message`, `session_required_single_domain`,
 *   `session_required_identities`, `session_required_mfa`)
 */
export function requireSession(
  deps: IServiceDeps,
  ctx: IRequestContext,
  caller: ICaller,
  ids: string[]
): void {
  const now = Math.floor(deps.clock.now() / 1000);
  const session = caller.token.session;
  for (const id of [...new Set(ids)]) {
    const domain = deps.collections.get(id)?.sessionDomain;
    if (!domain) continue;
    const fresh =
      !!session &&
      session.domains.includes(domain) &&
      now - session.authTime <= ASSURANCE_TIMEOUT_MINUTES * 60;
    if (fresh) continue;
    const message = `This high-assurance collection (${id}) requires a recent authentication with an identity from ${domain}`;
    throw transferError(ctx, 403, 'AuthPolicyFailed', message, {
      authorization_parameters: {
        session_message: message,
        session_required_identities: [],
        session_required_single_domain: [domain],
        session_required_mfa: false
      }
    });
  }
}

/**
 * Looks up a collection by id.
 * @throws 404 `EndpointNotFound`
 */
export function requireCollection(
  deps: IServiceDeps,
  ctx: IRequestContext,
  id: string
): ICollectionSpec {
  const spec = deps.collections.get(id);
  if (!spec) throw transferError(ctx, 404, 'EndpointNotFound', `No such endpoint '${id}'`);
  return spec;
}

/**
 * Requires a collection that can hold data (not a GCSv5 endpoint).
 * @throws 404 `EndpointNotFound`, 400 `NotSupported`
 */
export function requireFunctional(
  deps: IServiceDeps,
  ctx: IRequestContext,
  id: string
): ICollectionSpec {
  const spec = requireCollection(deps, ctx, id);
  if (spec.entityType === 'GCSv5_endpoint') {
    throw transferError(
      ctx,
      400,
      'NotSupported',
      `Endpoint '${spec.displayName}' (${id}) is a non-functional GCSv5 endpoint; use one of its collections`
    );
  }
  return spec;
}

/** Per-operation error codes for store errors. */
export interface IErrorCodes {
  op: string;
  notFound?: [number, string];
  exists?: [number, string];
  permission?: [number, string];
  notDirectory?: [number, string];
  parentMissing?: [number, string];
}

/**
 * Maps a store error, or a file system error (as `fsFailure` names it, without the host
 * path), to the Transfer error for an operation; anything else is rethrown.
 */
export function mapCollectionError(
  ctx: IRequestContext,
  raw: unknown,
  spec: ICollectionSpec,
  codes: IErrorCodes
): never {
  if (!isCollectionError(raw) && !isFsError(raw)) throw raw;
  const err = fsFailure(raw, '(the requested path)');
  const detail = `Error (${codes.op})\nEndpoint: ${spec.displayName} (${spec.id})\nMessage: ${err.message}`;
  const pick = (fallback: [number, string], chosen?: [number, string]) => chosen ?? fallback;
  switch (err.code) {
    case 'BadPath':
      throw transferError(ctx, 400, 'ClientError.BadRequest', err.message);
    case 'NameTooLong':
      // "Depending on the collection's underlying filesystem, other characters or strings
      // may be disallowed. […] Globus attempts to classify such errors with code
      // InvalidPath" (https://docs.globus.org/api/transfer/file_operations/ §2.1 Invalid
      // Path Names). The status is not documented; 400, as for the other refused paths.
      throw transferError(ctx, 400, 'InvalidPath', `Invalid path, ${detail}`);
    case 'StorageError':
      // The same section names the generic code for what it cannot classify.
      throw transferError(ctx, 502, 'EndpointError', `Storage error, ${detail}`);
    case 'NotFunctional':
      throw transferError(ctx, 400, 'NotSupported', err.message);
    case 'NotSupported':
      throw transferError(ctx, 400, 'NotSupported', err.message);
    case 'PermissionDenied': {
      const [s, c] = pick([403, 'EndpointPermissionDenied'], codes.permission);
      throw transferError(ctx, s, c, `Permission denied. ${detail}`);
    }
    case 'NotFound': {
      const [s, c] = pick([404, 'ClientError.NotFound'], codes.notFound);
      throw transferError(ctx, s, c, `Path not found, ${detail}`);
    }
    case 'Exists': {
      const [s, c] = pick([409, 'Exists'], codes.exists);
      throw transferError(ctx, s, c, `Path already exists, ${detail}`);
    }
    case 'NotDirectory': {
      const [s, c] = pick([502, 'ExternalError.DirListingFailed.NotDirectory'], codes.notDirectory);
      throw transferError(ctx, s, c, `Not a directory, ${detail}`);
    }
    case 'ParentMissing': {
      const [s, c] = pick([404, 'ClientError.NotFound'], codes.parentMissing);
      throw transferError(ctx, s, c, `No such file or directory, ${detail}`);
    }
    default:
      throw transferError(ctx, 400, 'ClientError.BadRequest', err.message);
  }
}

/**
 * Parses an integer query parameter.
 * @throws 400 `ClientError.BadRequest` when present but not an integer in [min, max]
 */
export function intParam(
  ctx: IRequestContext,
  name: string,
  fallback: number,
  min: number,
  max: number
): number {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw transferError(
      ctx,
      400,
      'ClientError.BadRequest',
      `Invalid ${name} '${raw.slice(0, 40)}': must be an integer from ${min} to ${max}`
    );
  }
  return Number(raw);
}

/** Applies the `fields` query parameter (comma list) to a document; `DATA_TYPE` stays. */
export function pickFields(
  ctx: IRequestContext,
  doc: Record<string, unknown>
): Record<string, unknown> {
  const fields = ctx.query.get('fields');
  if (!fields) return doc;
  const keep = new Set(fields.split(',').map(f => f.trim()));
  keep.add('DATA_TYPE');
  return Object.fromEntries(Object.entries(doc).filter(([k]) => keep.has(k)));
}

/**
 * Reads a JSON object body.
 * @throws 400 `ClientError.BadRequest` when the body is not a JSON object
 */
export async function readObject(ctx: IRequestContext): Promise<Record<string, unknown>> {
  const body = await ctx.json<unknown>();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw transferError(
      ctx,
      400,
      'ClientError.BadRequest',
      'The request body must be a JSON object'
    );
  }
  return body as Record<string, unknown>;
}

/**
 * Reads an optional string field.
 * @throws 400 when present and not a string
 */
export function stringField(
  ctx: IRequestContext,
  body: Record<string, unknown>,
  name: string,
  required: boolean
): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) {
      throw transferError(ctx, 400, 'ClientError.BadRequest', `Missing required field '${name}'`);
    }
    return undefined;
  }
  if (typeof v !== 'string' || v.length > 4096) {
    throw transferError(ctx, 400, 'ClientError.BadRequest', `Field '${name}' must be a string`);
  }
  return v;
}

/**
 * Reads an optional boolean field.
 * @throws 400 when present and not a boolean
 */
export function boolField(
  ctx: IRequestContext,
  body: Record<string, unknown>,
  name: string,
  fallback: boolean
): boolean {
  const v = body[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') {
    throw transferError(ctx, 400, 'ClientError.BadRequest', `Field '${name}' must be a boolean`);
  }
  return v;
}

/** Checks `DATA_TYPE` when present. */
export function checkDataType(
  ctx: IRequestContext,
  body: Record<string, unknown>,
  expected: string
): void {
  if (body.DATA_TYPE !== undefined && body.DATA_TYPE !== expected) {
    throw transferError(
      ctx,
      400,
      'ClientError.BadRequest',
      `Expected DATA_TYPE '${expected}', got '${String(body.DATA_TYPE).slice(0, 40)}'`
    );
  }
}
