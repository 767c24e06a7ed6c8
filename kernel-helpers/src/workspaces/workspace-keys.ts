/**
 * Object keys relative to a workspace's prefix. A workspace is a prefix inside a shared
 * bucket, so a key must never climb out of it: `..` segments, absolute keys (a leading
 * `/` or a `scheme://`), NUL and over-long keys are refused before any request is made.
 */
import { BadInputError } from '../errors/bad-input-error';

/** S3's limit on a key's UTF-8 length. */
const MAX_KEY_BYTES = 1024;

/**
 * Check a key (or, with `allowFolder`, a listing prefix) relative to a workspace.
 *
 * @param key - the relative key
 * @param options - `allowEmpty` / `allowFolder` for listing prefixes
 * @returns the key as given
 * @throws BadInputError `BAD_KEY`
 */
export function checkRelativeKey(
  key: unknown,
  options: { allowEmpty?: boolean; allowFolder?: boolean } = {}
): string {
  const bad = (why: string): BadInputError =>
    new BadInputError(
      `A workspace key must be relative to the workspace, like "results/plot.png" (${why}).`,
      { code: 'BAD_KEY' }
    );
  if (typeof key !== 'string') {
    throw bad(`got ${typeof key}`);
  }
  if (key === '') {
    if (options.allowEmpty) {
      return key;
    }
    throw bad('got an empty key');
  }
  if (key.includes('\0')) {
    throw bad('it contains a NUL character');
  }
  if (key.startsWith('/') || key.startsWith('\\') || /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(key)) {
    throw bad(`${JSON.stringify(key)} is absolute`);
  }
  const segments = key.split(/[/\\]/);
  if (segments.some(s => s === '..' || s === '.')) {
    throw bad(`${JSON.stringify(key)} has a "." or ".." segment`);
  }
  if (key.endsWith('/') && !options.allowFolder) {
    throw bad(`${JSON.stringify(key)} names a folder, not an object`);
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw bad(`longer than ${MAX_KEY_BYTES} bytes`);
  }
  return key;
}
