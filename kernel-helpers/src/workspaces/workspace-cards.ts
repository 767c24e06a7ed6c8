/**
 * The HTML cards a workspace verb shows in the notebook: after an upload, and for a signed
 * URL. Names render as text (the display helpers escape them).
 */
import { formatBytes, joinHtml, keyValueHtml, linkHtml } from '../display/html';
import type { ISignedUrl, IWorkspaceUploadResult } from './workspace-types';

/**
 * The card shown after a workspace upload.
 *
 * @param r - the result
 */
export function uploadCard(r: IWorkspaceUploadResult) {
  return joinHtml(
    [
      keyValueHtml(
        [
          ['Workspace', r.workspace],
          ['Key', r.key],
          ['Object', `s3://${r.bucket}/${r.objectKey}`],
          ['Size', `${formatBytes(r.bytes)} (${r.bytes} bytes)`],
          ['Type', r.contentType],
          ['Multipart', r.multipart ? 'yes' : 'no'],
          ['SHA-256', r.sha256]
        ],
        { title: 'Uploaded' }
      )
    ],
    { className: 'jp-GlobusKit-Upload' }
  );
}

/**
 * The card of a signed URL.
 *
 * @param s - the signed URL
 */
export function signedUrlCard(s: ISignedUrl) {
  return joinHtml(
    [
      keyValueHtml(
        [
          ['Workspace', s.workspace],
          ['Key', s.key],
          ['Signed URL', linkHtml(s.url, s.url)],
          ['Expires', `${s.expiresAt.toISOString()} (in ${s.expiresIn} s)`]
        ],
        { title: 'Download link' }
      )
    ],
    { className: 'jp-GlobusKit-Links' }
  );
}
