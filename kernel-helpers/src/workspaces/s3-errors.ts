/**
 * S3 failures as typed errors: what the AWS SDK (or the connection under it) threw, mapped
 * to a `WorkspaceError` with a stable code and a remedy (`CREDENTIALS_EXPIRED`,
 * `S3_ACCESS_DENIED`, `S3_NOT_FOUND`, `S3_REQUEST_FAILED`), its message scrubbed of the
 * workspace's credentials; and whether a failure is S3 refusing the credentials (renew
 * them and try once more).
 */
import { BadInputError } from '../errors/bad-input-error';
import { redactSecrets } from '../errors/globus-kit-error';
import { isAbortError } from '../errors/network-error';
import { WorkspaceError } from './workspace-error';

/** What an S3 failure is about, for its message and remedy. */
export interface IS3ErrorContext {
  /** The S3 operation, e.g. `GetObject`. */
  operation: string;
  /** The key relative to the workspace. */
  key: string;
  /** The workspace's name. */
  workspace: string;
  /** The workspace's key prefix. */
  prefix: string;
  /** The workspace's scopes (named in the access-denied remedy). */
  scopes: readonly string[];
  /** The credentials' secret parts, scrubbed from the message. */
  secrets: Iterable<string | undefined>;
}

/**
 * An S3 failure as a typed error (typed errors of ours, cancels and OIDC errors pass
 * through unchanged).
 *
 * @param error - what the call threw
 * @param context - the operation and the workspace
 */
export function s3Error(error: unknown, context: IS3ErrorContext): unknown {
  const { operation, key, workspace, prefix, scopes, secrets } = context;
  if (error instanceof WorkspaceError || error instanceof BadInputError) {
    return error;
  }
  if (isAbortError(error)) {
    return error;
  }
  if (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: string }).name === 'OidcError'
  ) {
    return error;
  }
  const e = (error ?? {}) as {
    name?: unknown;
    Code?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $response?: { statusCode?: unknown };
  };
  const status =
    typeof e.$metadata?.httpStatusCode === 'number'
      ? e.$metadata.httpStatusCode
      : typeof e.$response?.statusCode === 'number'
        ? e.$response.statusCode
        : undefined;
  const rawCode =
    typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : undefined;
  const code = rawCode && /^[A-Za-z.]{1,64}$/.test(rawCode) ? rawCode : undefined;
  const what = redactSecrets(
    `S3 ${operation} of ${workspace}:${key || '/'} failed (${[status, code].filter(Boolean).join(' ') || networkCode(error)})`,
    secrets
  );
  const base = { status, workspace, serviceCode: code };
  if (code === 'ExpiredToken' || code === 'TokenRefreshRequired') {
    return new WorkspaceError({
      ...base,
      code: 'CREDENTIALS_EXPIRED',
      message: `${what}: the temporary credentials expired and renewing them did not help.`,
      remedy:
        'Check the machine clock; then get the workspace again with `await oidc.workspace(name)`.'
    });
  }
  if (
    status === 403 ||
    code === 'AccessDenied' ||
    code === 'InvalidAccessKeyId' ||
    code === 'SignatureDoesNotMatch'
  ) {
    return new WorkspaceError({
      ...base,
      code: 'S3_ACCESS_DENIED',
      message: `${what}.`,
      remedy: `Check that the workspace grants this (its scopes: ${scopes.join(', ') || 'none listed'}) and that the key is inside it.`
    });
  }
  if (status === 404 || code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket') {
    return new WorkspaceError({
      ...base,
      code: 'S3_NOT_FOUND',
      message: `${what}: no such object.`,
      remedy: `List the workspace with \`await ws.ls()\` to see its keys (relative to ${prefix || 'the bucket'}).`
    });
  }
  return new WorkspaceError({
    ...base,
    code: 'S3_REQUEST_FAILED',
    message: `${what}.`,
    remedy:
      status !== undefined && status >= 500
        ? 'Try again later.'
        : 'Check the endpoint and the network, then try again.'
  });
}

/**
 * Whether S3 refused the credentials (403, an expired or unknown key): renew them and
 * run the call once more.
 *
 * @param error - what the call threw
 */
export function isCredentialRefusal(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  const name = typeof e?.name === 'string' ? e.name : '';
  return (
    e?.$metadata?.httpStatusCode === 403 ||
    name === 'ExpiredToken' ||
    name === 'InvalidAccessKeyId' ||
    name === 'InvalidToken' ||
    name === 'AccessDenied'
  );
}

/**
 * A short name of a low-level failure (`ECONNRESET`, the error's name), for messages.
 *
 * @param error - what was thrown
 */
export function networkCode(error: unknown): string {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  if (typeof e?.code === 'string') {
    return e.code;
  }
  if (typeof e?.cause?.code === 'string') {
    return e.cause.code;
  }
  return error instanceof Error ? error.name : 'error';
}
