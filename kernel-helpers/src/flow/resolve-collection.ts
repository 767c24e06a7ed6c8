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

/**
 * A path on a collection: what `fetchCsv` and `upload` take, and what `ls`, `link` and
 * `share` take in place of their `(collection, path)` arguments.
 */
export interface ICollectionPath {
  /** Collection id or display name (or its document). */
  collection: CollectionInput;
  /** Absolute path on the collection. */
  path: string;
}

/** The forms a collection can be given in, for messages. */
const ACCEPTED = "an id, a display name, or a collection document (an object with a string 'id')";

/**
 * Whether `value` is a `{ collection, path }` object (and not a collection document).
 *
 * @param value - a verb's first argument
 */
export function isCollectionPath(value: unknown): value is ICollectionPath {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'collection' in value &&
    !('id' in value)
  );
}

/**
 * A verb's `(collection, path, options)` arguments, also given as
 * `({ collection, path }, options)`, so one argument style works for every verb.
 *
 * @param verb - the verb's name, for messages
 * @param first - a collection, or `{ collection, path }`
 * @param second - the path, or (with `{ collection, path }`) the options
 * @param third - the options (with a collection and a path)
 * @param defaultPath - the path when none is given (`ls`: the default folder)
 * @throws BadInputError `BAD_COLLECTION` when the path is given twice
 */
export function collectionArguments<O extends object>(
  verb: string,
  first: CollectionInput | ICollectionPath,
  second: string | O | undefined,
  third: O | undefined,
  defaultPath?: string
): { collection: CollectionInput; path: string; options: O | undefined } {
  if (!isCollectionPath(first)) {
    return {
      collection: first,
      path: (second as string | undefined) ?? (defaultPath as string),
      options: third
    };
  }
  if (typeof second === 'string' || third !== undefined) {
    throw new BadInputError(
      `${verb}({ collection, path }, options) takes the path in the object: do not pass it again (or use ${verb}(collection, path, options))`,
      { code: 'BAD_COLLECTION' }
    );
  }
  return {
    collection: first.collection,
    path: first.path ?? (defaultPath as string),
    options: second
  };
}

/**
 * The path of a verb's arguments, for its progress label (never throws).
 *
 * @param first - a collection, or `{ collection, path }`
 * @param second - the path, or the options
 * @param defaultPath - the path when none is given
 */
export function labelPath(first: unknown, second: unknown, defaultPath = ''): string {
  const path = isCollectionPath(first) ? first.path : second;
  return typeof path === 'string' ? path : defaultPath;
}

/**
 * Check the shape of a collection argument before anything is asked: a string, or a
 * document with a string `id` (else a `{ collection, path }` put where the collection goes
 * would become a request for `/endpoint/undefined`).
 *
 * @param input - the collection argument
 * @throws BadInputError `BAD_COLLECTION` naming the accepted forms
 */
export function checkCollectionInput(input: unknown): asserts input is CollectionInput {
  if (typeof input === 'string') {
    return;
  }
  if (
    typeof input === 'object' &&
    input !== null &&
    !Array.isArray(input) &&
    typeof (input as { id?: unknown }).id === 'string' &&
    (input as { id: string }).id.trim() !== ''
  ) {
    return;
  }
  throw new BadInputError(
    `A collection must be ${ACCEPTED} (got ${describeValue(input)}).${
      isCollectionPath(input)
        ? ' A { collection, path } object goes in place of both arguments: ls({ collection, path }), link({ collection, path }), share({ collection, path }, options).'
        : ''
    }`,
    { code: 'BAD_COLLECTION' }
  );
}

/** What a value is, for a message: its type, or an object's first keys (never its values). */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) {
    return `an array of ${value.length}`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value).slice(0, 5);
    return keys.length
      ? `an object with ${keys.map(k => JSON.stringify(k.slice(0, 40))).join(', ')}${
          Object.keys(value).length > 5 ? ', …' : ''
        }`
      : 'an empty object';
  }
  return `a ${typeof value}`;
}

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
 * @throws CollectionNameError when no collection, or more than one, has that name;
 *   BadInputError `BAD_COLLECTION` for anything but a string or a document with a string id
 */
export async function resolveCollection(
  transfer: TransferClient,
  input: CollectionInput,
  options: ICallOptions = {}
): Promise<IEndpointDocument> {
  checkCollectionInput(input);
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
