/**
 * What every service router is built from: the shared state of one emulator. Apart from
 * `types.ts`, so the stores (which import those types) and this bundle of the stores do
 * not import each other.
 */
import type { CollectionStore } from './collections.js';
import type { TaskEngine } from './tasks.js';
import type { IAuthority, IClock } from './types.js';

/**
 * What every service router is built from. `createEmulator` makes one of these and hands it
 * to the Transfer and GCS HTTPS routers, so that they share one clock, one seeded random
 * source, one token authority, one collection store and one task engine.
 */
export interface IServiceDeps {
  /** Checks bearer tokens and consents (Globus Auth). */
  authority: IAuthority;
  /** The collections and their data directories. */
  collections: CollectionStore;
  /** Transfer and delete tasks that move real bytes. */
  tasks: TaskEngine;
  /** The clock every service reads. */
  clock: IClock;
  /** A seeded PRNG in [0, 1), shared by the services, so runs repeat with `--seed`. */
  random: () => number;
}
