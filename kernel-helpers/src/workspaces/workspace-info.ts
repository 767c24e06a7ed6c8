/**
 * A workspace API document read as an S3 workspace's non-secret description: bucket,
 * endpoint, key prefix, region and scopes (from the document's fields or its
 * `properties`), or `WORKSPACE_UNSUPPORTED`.
 */
import type { IWorkspaceDocument } from './platform-client';
import { WorkspaceError } from './workspace-error';
import type { IWorkspaceInfo } from './workspace-types';

/**
 * The non-secret description of a workspace document.
 *
 * @param doc - the workspace API's document
 * @throws WorkspaceError `WORKSPACE_UNSUPPORTED` when it is not S3 or lacks bucket/endpoint
 */
export function workspaceInfoOf(doc: IWorkspaceDocument): IWorkspaceInfo {
  const prop = (k: string): string | undefined => {
    const v = doc.properties?.[k];
    return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
  };
  const storageType = doc.storage_type ?? prop('storage_type') ?? 'unknown';
  const fromUri = /^s3:\/\/([^/]+)\/?(.*)$/.exec(
    doc.resource_uris?.[0] ?? prop('storage_url') ?? ''
  );
  const bucket = prop('bucket') ?? fromUri?.[1];
  const endpoint = prop('service_url') ?? doc.end_point;
  let prefix = prop('key') ?? fromUri?.[2] ?? '';
  if (prefix !== '' && !prefix.endsWith('/')) {
    prefix += '/';
  }
  if (storageType.toLowerCase() !== 's3' || !bucket || !endpoint) {
    throw new WorkspaceError({
      code: 'WORKSPACE_UNSUPPORTED',
      message: `Workspace ${JSON.stringify(doc.name)} is ${storageType} storage${bucket && endpoint ? '' : ' without a bucket and endpoint'}; only S3 workspaces are supported.`,
      remedy: 'Choose an S3 workspace from `await oidc.workspaces()`.',
      workspace: doc.name
    });
  }
  return {
    name: doc.name,
    storageType,
    endpoint,
    bucket,
    prefix: prefix.replace(/^\/+/, ''),
    region: prop('region') ?? 'us-east-1',
    scopes: Array.isArray(doc.scopes) ? doc.scopes.filter(s => typeof s === 'string') : []
  };
}
