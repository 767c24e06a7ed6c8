/**
 * Transfer collections (endpoints): search and get, through `@globus/sdk`'s
 * `transfer.endpointSearch` and `transfer.endpoint.get` (see `../sdk-call.ts`).
 */
import type { transfer } from '@globus/sdk';
import { GlobusApiError } from '../../errors/api-error';
import { BadInputError } from '../../errors/bad-input-error';
import { sdkCall } from '../sdk-call';
import { callOptions, ICallOptions } from '../service-context';
import { collectionId } from './collection-names';
import { ITransferScope, transferToken } from './transfer-scope';
import { CollectionRef, IEndpointDocument } from './types';

/** `filter_scope` values of endpoint search. */
export type CollectionSearchScope =
  | 'all'
  | 'my-endpoints'
  | 'my-gcp-endpoints'
  | 'recently-used'
  | 'in-use'
  | 'shared-by-me'
  | 'shared-with-me'
  | 'administered-by-me'
  | 'hide-no-permissions';

/** Options of a collection search. */
export interface ICollectionSearchOptions extends ICallOptions {
  /** Words to match (name, description, organisation, keywords). Required for scope `all`. */
  fulltext?: string;
  /** Which collections to search (default `all`). */
  scope?: CollectionSearchScope;
  /** Only this entity type, e.g. `GCSv5_mapped_collection`. */
  entityType?: string;
  /** Results wanted (default 25, at most 1000 reachable). */
  limit?: number;
}

/** Page size of endpoint search (the API's maximum). */
const SEARCH_PAGE = 100;
/** Offset + limit beyond which the API refuses. */
const SEARCH_CAP = 1000;

/**
 * Search collections.
 *
 * @param scope - Transfer client state
 * @param options - fulltext, filter scope, entity type, limit
 * @see https://docs.globus.org/api/transfer/endpoint_search/#endpoint_search
 */
export async function searchCollections(
  scope: ITransferScope,
  options: ICollectionSearchOptions = {}
): Promise<IEndpointDocument[]> {
  const filterScope = options.scope ?? 'all';
  if (filterScope === 'all' && !options.fulltext) {
    throw new BadInputError("A search of scope 'all' needs fulltext words", {
      code: 'BAD_SEARCH'
    });
  }
  const want = Math.min(options.limit ?? 25, SEARCH_CAP);
  const token = transferToken(scope, 'endpoint search');
  const out: IEndpointDocument[] = [];
  for (let offset = 0; out.length < want && offset < SEARCH_CAP;) {
    const limit = Math.min(SEARCH_PAGE, want - out.length);
    const res = await sdkCall<{
      DATA?: IEndpointDocument[];
      has_next_page?: boolean;
    }>(
      scope.ctx,
      'transfer',
      { operation: 'endpoint search', token, ...callOptions(options) },
      (sdk, o) =>
        sdk.transfer.endpointSearch(
          {
            query: {
              filter_fulltext: options.fulltext,
              filter_scope: filterScope,
              // A string, so an entity type newer than the SDK's list still passes.
              filter_entity_type: options.entityType as transfer.endpoint.EntityType | undefined,
              limit,
              offset
            }
          },
          o
        )
    );
    const page = res.data?.DATA ?? [];
    // A 200 whose DATA is not a list (a proxy's or a broken server's answer) is a typed error.
    if (!Array.isArray(page)) {
      throw new GlobusApiError({
        code: 'MALFORMED_RESPONSE',
        status: res.status,
        service: 'transfer',
        operation: 'endpoint search',
        serverMessage: 'the response has no list of collections'
      });
    }
    for (const doc of page) {
      scope.names.remember(doc);
    }
    out.push(...page);
    offset += page.length;
    if (!res.data?.has_next_page || page.length === 0) {
      break;
    }
  }
  return out.slice(0, want);
}

/**
 * Get one collection (incl. `https_server`, `entity_type`, `high_assurance`).
 *
 * @param scope - Transfer client state
 * @param collection - id or document
 * @param options - signal, timeout, retry
 * @see https://docs.globus.org/api/transfer/endpoints_and_collections/#get_endpoint_or_collection_by_id
 */
export async function getCollection(
  scope: ITransferScope,
  collection: CollectionRef,
  options: ICallOptions = {}
): Promise<IEndpointDocument> {
  const id = collectionId(collection);
  const res = await sdkCall<IEndpointDocument>(
    scope.ctx,
    'transfer',
    {
      operation: 'get collection',
      resource: scope.names.describe(collection),
      token: transferToken(scope, 'get collection'),
      ...callOptions(options)
    },
    (sdk, o) => sdk.transfer.endpoint.get(encodeURIComponent(id), {}, o)
  );
  scope.names.remember(res.data);
  return res.data;
}
