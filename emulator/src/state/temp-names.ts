/**
 * The emulator's own temporary files in a collection's folder.
 *
 * A transfer task copies each file into `.<name>.part-<8 hex of the task id>` and a GCS
 * HTTPS PUT streams into `.<name>.upload-<12 random hex>`; each is renamed to the final
 * name only when complete, so a partial file never lands at the final path.
 */
import { randomBytes } from 'node:crypto';
import { maxNameBytes } from './collection-paths.js';

/** Cuts a string to at most `maxBytes` UTF-8 bytes, never inside a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** `.<name>.<suffix>`, the name cut so the whole fits in one file name (`maxNameBytes`). */
function tempName(name: string, suffix: string): string {
  return `.${truncateUtf8(name, maxNameBytes - 1 - Buffer.byteLength(suffix, 'utf8'))}${suffix}`;
}

/**
 * The temporary name a transfer task copies a file into.
 * @param name - the destination file's name
 * @param taskId - the task's UUID (its first 8 hex digits are used)
 */
export function transferTempName(name: string, taskId: string): string {
  return tempName(name, `.part-${taskId.slice(0, 8)}`);
}

/** The temporary name a GCS HTTPS PUT streams into. */
export function uploadTempName(name: string): string {
  return tempName(name, `.upload-${randomBytes(6).toString('hex')}`);
}
