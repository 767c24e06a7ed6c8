/**
 * What every Transfer resource function needs: the service context, the client's
 * collection-name cache, and the Transfer token.
 */
import { Token } from '../../tokens/token';
import { IServiceContext, requireServiceToken } from '../service-context';
import { CollectionNames } from './collection-names';

/** Shared state of one Transfer client. */
export interface ITransferScope {
  /** The session's service context. */
  readonly ctx: IServiceContext;
  /** Display names seen by this client. */
  readonly names: CollectionNames;
}

/**
 * The Transfer token, or a `ConsentRequiredError` naming the Transfer scope.
 *
 * @param scope - the Transfer client's state
 * @param operation - what we were about to do
 */
export function transferToken(scope: ITransferScope, operation: string): Token {
  return requireServiceToken(scope.ctx, 'transfer', operation);
}
