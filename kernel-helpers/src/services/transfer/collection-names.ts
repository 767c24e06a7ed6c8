/**
 * Names of collections a client has seen, so messages say `collection 'Tutorial 1'` rather
 * than a bare UUID. One cache per client (never process-wide), filled by `get` and `search`.
 */
import { BadInputError } from '../../errors/bad-input-error';
import { CollectionRef } from './types';

/** Display names by collection id, per client. */
export class CollectionNames {
  readonly #names = new Map<string, string>();

  /**
   * Remember a collection's display name.
   *
   * @param ref - a collection document (ids alone teach nothing)
   */
  remember(ref: CollectionRef): void {
    if (
      typeof ref === 'object' &&
      ref !== null &&
      typeof ref.id === 'string' &&
      typeof ref.display_name === 'string' &&
      ref.display_name
    ) {
      this.#names.set(ref.id, ref.display_name);
    }
  }

  /**
   * `collection 'Name'` (or `collection <id>`), plus ` path <p>` when given.
   *
   * @param ref - the collection
   * @param path - a path on it
   */
  describe(ref: CollectionRef, path?: string): string {
    this.remember(ref);
    const id = collectionId(ref);
    const name = this.#names.get(id);
    const what = name ? `collection '${name}'` : `collection ${id}`;
    return path === undefined ? what : `${what} path ${path}`;
  }
}

/**
 * The id of a collection reference.
 *
 * @param ref - an id or a document
 * @throws BadInputError `BAD_COLLECTION` for anything else (a `{ collection, path }` object
 *   here would otherwise become a request for `/endpoint/undefined/…`)
 */
export function collectionId(ref: CollectionRef): string {
  const id: unknown =
    typeof ref === 'string'
      ? ref
      : typeof ref === 'object' && ref !== null
        ? (ref as { id?: unknown }).id
        : undefined;
  if (typeof id !== 'string' || id.trim() === '') {
    throw new BadInputError(
      "A collection must be an id or a collection document (an object with a string 'id')",
      { code: 'BAD_COLLECTION' }
    );
  }
  return id;
}
