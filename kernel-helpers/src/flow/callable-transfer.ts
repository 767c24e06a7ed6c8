/**
 * `globus.transfer` is both the Transfer client (`globus.transfer.files.ls(…)`) and the
 * notebook verb (`await globus.transfer({ from, to, items })`), as the API asks.
 *
 * A function cannot carry the client's private fields, so the callable is a proxy: calling
 * it runs the verb, and every property read is answered by the real client (methods bound
 * to it). `instanceof TransferClient` still holds.
 */
import { inspect } from 'node:util';
import type { TransferClient } from '../services/transfer/transfer-client';
import type { ITaskDocument } from '../services/transfer/types';
import type { ITransferVerbOptions } from './transfer-task';

/** The Transfer client, callable as the transfer verb. */
export type CallableTransferClient = TransferClient &
  ((options: ITransferVerbOptions) => Promise<ITaskDocument>);

/**
 * Make the client callable.
 *
 * @param client - the session's Transfer client
 * @param verb - what a call does
 */
export function callableTransfer(
  client: TransferClient,
  verb: (options: ITransferVerbOptions) => Promise<ITaskDocument>
): CallableTransferClient {
  const target = function transfer(options: ITransferVerbOptions): Promise<ITaskDocument> {
    return verb(options);
  };
  // util.inspect looks at a proxy's target, not through the traps.
  Object.defineProperty(target, inspect.custom, {
    value: () => 'TransferClient (call it to run a transfer: globus.transfer({ from, to, items }))'
  });
  return new Proxy(target, {
    get(_t, key) {
      const value: unknown = Reflect.get(client, key, client);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(client)
        : value;
    },
    has(_t, key) {
      return Reflect.has(client, key);
    },
    getPrototypeOf() {
      return Object.getPrototypeOf(client) as object;
    }
  }) as unknown as CallableTransferClient;
}
