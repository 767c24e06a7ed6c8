/**
 * The emulator's own temporary files in a collection's folder, and their clean-up.
 *
 * A transfer task copies each file into `.<name>.part-<8 hex of the task id>` and a GCS
 * HTTPS PUT streams into `.<name>.upload-<12 random hex>`; each is renamed to the final
 * name only when complete, so a partial file never lands at the final path. A process
 * killed mid-copy leaves the temporary file behind; `removeLeftoverTempFiles` deletes those
 * at start. The match is exact (leading dot, the suffix, its hex length), so a user's
 * `notes.part.txt` or `.draft.part-1` is never touched.
 */
import { randomBytes } from 'node:crypto';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { maxNameBytes } from './collection-paths.js';

const leftoverPattern = /^\..+\.(?:part-[0-9a-f]{8}|upload-[0-9a-f]{12})$/s;

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

/** True for a name `transferTempName` or `uploadTempName` makes, and nothing else. */
export function isLeftoverTempName(name: string): boolean {
  return leftoverPattern.test(name);
}

/**
 * Removes the emulator's temporary files left under `dir` by a killed run (regular files
 * whose name `isLeftoverTempName` accepts). Symlinks are neither followed nor removed.
 * @returns the number of files removed
 */
export async function removeLeftoverTempFiles(dir: string): Promise<number> {
  let removed = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      removed += await removeLeftoverTempFiles(path);
    } else if (entry.isFile() && isLeftoverTempName(entry.name)) {
      // Checked again right before unlinking: still a regular file, not a swapped-in link.
      const st = await lstat(path).catch(() => undefined);
      if (st?.isFile()) {
        await unlink(path).catch(() => undefined);
        removed++;
      }
    }
  }
  return removed;
}
