/**
 * The public shapes of the S3 workspace operations (options and results of `ls`,
 * `upload`, `download`, `downloadFile`, `signedUrl`, and a workspace's non-secret
 * description). Types only: no AWS SDK type appears here, so tslab's TypeScript (5.0,
 * node10 resolution) need not resolve the SDK's declarations to type-check a cell.
 */
import type { Readable } from 'node:stream';
import type { IDisplaySink } from '../display/sink';
import type { Chart } from '../flow/plot';
import type { IVerbOptions } from '../flow/verb-context';

/** Progress of an upload or download. */
export interface IWorkspaceProgress {
  /** Bytes done. */
  loaded: number;
  /** Bytes in all, when known. */
  total?: number;
  /** The multipart part that just finished, if multipart. */
  part?: number;
}

/** What `Workspace.upload` takes: bytes, text, a chart, `{ file }`, a `file:` URL or a stream. */
export type WorkspaceUploadInput =
  | Uint8Array
  | string
  | Chart
  | { file: string }
  | URL
  | NodeJS.ReadableStream
  | AsyncIterable<Uint8Array>;

/** Options of `Workspace.upload`. */
export interface IWorkspaceUploadOptions extends IVerbOptions {
  /** Called as parts finish (and at the end). */
  onProgress?: (p: IWorkspaceProgress) => void;
  /** Content-Type (default: from the key's extension). */
  contentType?: string;
  /** PNG pixel density for a chart (default 1). */
  scale?: number;
  /** Multipart part size in bytes (default 8 MiB, at least 5 MiB); smaller bodies go in one PUT. */
  partSize?: number;
  /** Parts sent at once (default 4). */
  queueSize?: number;
}

/** What `Workspace.upload` returns. */
export interface IWorkspaceUploadResult {
  workspace: string;
  /** The key relative to the workspace. */
  key: string;
  bucket: string;
  /** The full object key (prefix + key). */
  objectKey: string;
  bytes: number;
  /** SHA-256 of what was sent, hex. */
  sha256: string;
  contentType: string;
  /** Whether it went as a multipart upload. */
  multipart: boolean;
  etag: string | null;
}

/** What `Workspace.download` returns. */
export interface IWorkspaceDownload {
  key: string;
  /** The body; read it once. */
  stream: Readable;
  /** Content-Length, when the server sent it. */
  size: number | undefined;
  contentType: string | undefined;
  etag: string | undefined;
}

/** What `Workspace.downloadFile` returns. */
export interface IWorkspaceFileDownload {
  key: string;
  /** The local file written. */
  path: string;
  bytes: number;
  sha256: string;
}

/** Options of `Workspace.ls`. */
export interface IWorkspaceLsOptions extends IVerbOptions {
  /** Rows shown (default 50); the table returned has them all. */
  preview?: number;
  /** Stop after this many entries (default 100,000). */
  maxEntries?: number;
}

/** Options of `Workspace.signedUrl`. */
export interface ISignedUrlOptions extends IVerbOptions {
  /** Seconds the URL works (default 3600; at most 7 days, and never past the credentials' expiry). */
  expiresIn?: number;
}

/** A presigned GET URL (it is itself the capability to read the object until it expires). */
export interface ISignedUrl {
  workspace: string;
  key: string;
  url: string;
  /** When it stops working. */
  expiresAt: Date;
  /** Seconds it works from now (after capping to the credentials' expiry). */
  expiresIn: number;
}

/** The non-secret description of a workspace (the listing's rows). */
export interface IWorkspaceInfo {
  name: string;
  storageType: string;
  endpoint: string;
  bucket: string;
  prefix: string;
  region: string;
  scopes: string[];
}

/** Options of a {@link Workspace}. */
export interface IWorkspaceOptions {
  /** Where its verbs show progress and results. */
  display?: IDisplaySink;
  /** Renew credentials that expire within this many seconds (default 60; at most a quarter of their lifetime). */
  renewWindowSeconds?: number;
}
