/**
 * Transfer endpoint and collection documents: `endpoint_search` (fulltext, filter_scope,
 * offset paging with `has_next_page`, at most 1000 results reachable) and `endpoint/{id}`.
 * @see https://docs.globus.org/api/transfer/endpoint_search/
 * @see https://docs.globus.org/api/transfer/endpoints_and_collections/
 */
import type { Router } from '../../http/router.js';
import { searchScopes } from '../../state/collections.js';
import type { IServiceDeps } from '../../state/service-deps.js';
import {
  authenticate,
  intParam,
  pickFields,
  requireCollection,
  resourceOf,
  transferError
} from './common.js';

const entityTypes = [
  'GCP_mapped_collection',
  'GCP_guest_collection',
  'GCSv5_endpoint',
  'GCSv5_mapped_collection',
  'GCSv5_guest_collection'
];

/** Largest `offset + limit` endpoint_search serves. */
export const maxSearchResults = 1000;

/** Adds the endpoint routes. */
export function addEndpointRoutes(router: Router, deps: IServiceDeps): void {
  const usernameOf = (id: string) => deps.authority.identity(id)?.username;

  router.add('GET', '/v0.10/endpoint_search', ctx => {
    const { actor } = authenticate(deps, ctx);
    const scope = ctx.query.get('filter_scope') || 'all';
    if (!(searchScopes as readonly string[]).includes(scope)) {
      throw transferError(
        ctx,
        400,
        'ClientError.BadRequest',
        `Invalid filter_scope '${scope.slice(0, 40)}'`
      );
    }
    const fulltext = ctx.query.get('filter_fulltext') ?? '';
    if (scope === 'all' && !fulltext.trim()) {
      throw transferError(
        ctx,
        400,
        'ClientError.BadRequest',
        "filter_fulltext is required when filter_scope is 'all'"
      );
    }
    const limit = intParam(ctx, 'limit', 25, 1, 100);
    const offset = intParam(ctx, 'offset', 0, 0, maxSearchResults);
    if (offset + limit > maxSearchResults) {
      throw transferError(
        ctx,
        400,
        'ClientError.BadRequest',
        `offset + limit must not exceed ${maxSearchResults}`
      );
    }
    const nf = ctx.query.get('filter_non_functional');
    const et = ctx.query.get('filter_entity_type');
    if (nf !== null && nf !== '' && et) {
      throw transferError(
        ctx,
        400,
        'ClientError.BadRequest',
        'filter_entity_type and filter_non_functional are mutually exclusive'
      );
    }
    let nonFunctional: boolean | undefined;
    if (nf !== null && nf !== '') {
      if (!/^(0|1|true|false)$/i.test(nf)) {
        throw transferError(
          ctx,
          400,
          'ClientError.BadRequest',
          'filter_non_functional must be 0 or 1'
        );
      }
      nonFunctional = nf === '1' || nf.toLowerCase() === 'true';
    }
    let types: string[] | undefined;
    if (et) {
      types = et.split(',');
      const bad = types.find(t => !entityTypes.includes(t));
      if (bad) {
        throw transferError(
          ctx,
          400,
          'ClientError.BadRequest',
          `Invalid filter_entity_type '${bad.slice(0, 40)}'`
        );
      }
    }
    const hits = deps.collections
      .search(
        {
          fulltext,
          scope,
          ownerId: ctx.query.get('filter_owner_id') || undefined,
          hostEndpoint: ctx.query.get('filter_host_endpoint') || undefined,
          nonFunctional,
          entityTypes: types,
          inUse: scope === 'in-use' ? deps.tasks.activeCollectionIds(actor) : undefined
        },
        actor
      )
      .slice(0, maxSearchResults);
    const page = hits.slice(offset, offset + limit);
    ctx.send(200, {
      DATA_TYPE: 'endpoint_list',
      limit,
      offset,
      has_next_page: offset + limit < hits.length,
      DATA: page.map(hit =>
        pickFields(ctx, {
          ...deps.collections.document(hit.id, actor, usernameOf),
          _rank: hit.rank
        })
      )
    });
  });

  router.add('GET', '/v0.10/endpoint/:id', ctx => {
    const { actor } = authenticate(deps, ctx);
    requireCollection(deps, ctx, ctx.params.id);
    ctx.send(200, pickFields(ctx, deps.collections.document(ctx.params.id, actor, usernameOf)));
  });

  // Activation is a GCSv4 leftover; GCSv5 collections never need it (globus-api README B.9).
  router.add('POST', '/v0.10/endpoint/:id/autoactivate', ctx => {
    authenticate(deps, ctx);
    requireCollection(deps, ctx, ctx.params.id);
    ctx.send(200, {
      DATA_TYPE: 'activation_result',
      code: 'AlreadyActivated',
      message: 'Endpoint does not require activation',
      activated: true,
      expires_in: -1,
      request_id: ctx.requestId,
      resource: resourceOf(ctx)
    });
  });
}
