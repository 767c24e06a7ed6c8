/**
 * The one check every collection path passes before it goes into a Globus URL or request
 * body. A `..` segment is refused rather than resolved: URL parsing would silently resolve
 * it on the client (`/a/../../etc` is sent as `/etc`), so a path built from a hostile name
 * could address something other than what the code and its display say.
 */
import { BadInputError } from '../errors/bad-input-error';

/** Longest collection path accepted (Transfer's own limit is about 4 KiB). */
export const MAX_COLLECTION_PATH = 4096;

/**
 * Throw `BAD_PATH` unless `path` is an absolute collection path (`/…` or `/~/…`) without a
 * `..` segment, NUL or other control character, and at most {@link MAX_COLLECTION_PATH}
 * characters.
 *
 * @param path - the path as given
 * @param what - what the path is, for the message (`ls path`, `upload path`)
 */
export function requireCollectionPath(
  path: unknown,
  what = 'A collection path'
): asserts path is string {
  const fail = (why: string): never => {
    const shown = typeof path === 'string' && path.length > 200 ? `${path.slice(0, 200)}…` : path;
    throw new BadInputError(`${what} ${why} (got ${JSON.stringify(shown)})`, { code: 'BAD_PATH' });
  };
  if (typeof path !== 'string' || !path.startsWith('/')) fail("must be absolute (start with '/')");
  const p = path as string;
  if (p.length > MAX_COLLECTION_PATH) fail(`is longer than ${MAX_COLLECTION_PATH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) fail('contains a NUL or control character');
  if (p.split('/').includes('..')) fail("must not contain a '..' segment");
}
