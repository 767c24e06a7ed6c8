/**
 * Collections by id or by display name: notebooks read better with
 * `'Tutorial Guest Collection'` than with a UUID.
 */
import { BadInputError } from '../errors/bad-input-error';
import type { ICallOptions } from '../services/service-context';
import type { TransferClient } from '../services/transfer/transfer-client';
import type { IEndpointDocument } from '../services/transfer/types';

/** A collection as the verbs take it: an id, a display name, or a collection document. */
export type CollectionInput = string | IEndpointDocument;

/** A collection name matched none, or several, collections. */
export class CollectionNameError extends BadInputError {
  /** The collections that matched (ambiguous) or came closest (not found), at most 10. */
  readonly candidates: readonly { id: string; displayName: string | null }[];

  /**
   * @param message - what was looked up and the candidates
   * @param code - `COLLECTION_AMBIGUOUS` or `COLLECTION_NOT_FOUND`
   * @param candidates - ids and names to choose from
   */
  constructor(
    message: string,
    code: 'COLLECTION_AMBIGUOUS' | 'COLLECTION_NOT_FOUND',
    candidates: readonly { id: string; displayName: string | null }[]
  ) {
    super(message, { code });
    this.candidates = candidates;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Resolved documents per Transfer client (one cache per session, never process-wide). */
const cache = new WeakMap<TransferClient, Map<string, IEndpointDocument>>();

/**
 * The collection document for an id or a display name.
 *
 * A UUID is fetched directly. A name is searched (all words, every filter scope Transfer
 * allows for the user) and must match one collection's display name exactly, ignoring case
 * and surrounding spaces.
 *
 * @param transfer - the session's Transfer client
 * @param input - id, display name or document
 * @param options - signal, timeout, retry
 * @throws CollectionNameError when no collection, or more than one, has that name
 */
export async function resolveCollection(
  transfer: TransferClient,
  input: CollectionInput,
  options: ICallOptions = {}
): Promise<IEndpointDocument> {
  if (typeof input !== 'string') {
    return input;
  }
  const key = input.trim();
  if (key === '') {
    throw new BadInputError('A collection must be given by id or display name', {
      code: 'BAD_COLLECTION'
    });
  }
  let docs = cache.get(transfer);
  if (!docs) {
    docs = new Map();
    cache.set(transfer, docs);
  }
  const hit = docs.get(key.toLowerCase());
  if (hit) {
    return hit;
  }
  let doc: IEndpointDocument;
  if (UUID.test(key)) {
    doc = await transfer.collections.get(key, options);
  } else {
    const found = await transfer.collections.search({ fulltext: key, limit: 50, ...options });
    const want = key.toLowerCase();
    const exact = found.filter(d => (d.display_name ?? '').trim().toLowerCase() === want);
    const describe = (list: readonly IEndpointDocument[]): string =>
      list
        .slice(0, 10)
        .map(d => `'${d.display_name ?? '(no name)'}' (${d.id})`)
        .join(', ');
    const brief = (list: readonly IEndpointDocument[]) =>
      list.slice(0, 10).map(d => ({ id: d.id, displayName: d.display_name }));
    if (exact.length > 1) {
      throw new CollectionNameError(
        `${exact.length} collections are named '${key}': ${describe(exact)}. Use the id of the one you mean.`,
        'COLLECTION_AMBIGUOUS',
        brief(exact)
      );
    }
    if (exact.length === 0) {
      throw new CollectionNameError(
        found.length
          ? `No collection is named '${key}'. Similar: ${describe(found)}.`
          : `No collection named '${key}' was found. Check the name in the Globus web app, or use the collection's id.`,
        'COLLECTION_NOT_FOUND',
        brief(found)
      );
    }
    doc = exact[0];
  }
  docs.set(key.toLowerCase(), doc);
  docs.set(doc.id.toLowerCase(), doc);
  return doc;
}

/**
 * A collection name for messages and labels.
 *
 * @param doc - the collection document
 */
export function collectionLabel(doc: IEndpointDocument): string {
  return doc.display_name ? `'${doc.display_name}'` : doc.id;
}
