/**
 * A local, stateful Globus: Auth, Transfer, Groups and one GCS HTTPS origin per collection,
 * each on its own 127.0.0.1 port (clients join absolute API paths onto a base URL), plus an
 * admin origin for fault rules and the clock. `createEmulator()` starts everything and
 * returns the URLs, the state handles tests assert on, `globusData()` and `close()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultEngine, loadFaultRules, type IFaultRule } from './faults/index.js';
import {
  globusData,
  issueAuthState,
  type IGlobusDataOptions,
  type JsonValue
} from './globus-data/index.js';
import { startService, type AccessLog, type IRunningService } from './http/service.js';
import type { Router } from './http/router.js';
import { createAdminRouter } from './routes/admin/index.js';
import { addSeedRoutes } from './routes/admin/seed.js';
import { createAuthRouter } from './routes/auth/index.js';
import { createGcsRouter } from './routes/gcs/index.js';
import { createGroupsRouter } from './routes/groups/index.js';
import { createTransferRouter } from './routes/transfer/index.js';
import {
  startPlatform,
  type IPlatform,
  type IPlatformOptions,
  type IPlatformSecrets
} from './platform/index.js';
import type { RealmState } from './platform/realm-state.js';
import { AuthState } from './state/auth/auth-state.js';
import { OffsetClock } from './state/clock.js';
import { CollectionStore } from './state/collections.js';
import { createSeededRandom } from './state/seeded-random.js';
import { TaskEngine } from './state/tasks.js';
import type { IServiceDeps } from './state/service-deps.js';

export * as seed from './state/seed.js';
export * as platformSeed from './platform/seed.js';
export * from './platform/seed.js';
export type { IPlatformOptions, IPlatformSecrets, IPlatformUrls } from './platform/index.js';
export { RealmState } from './platform/realm-state.js';
export { AuthState, type IIssuedSecrets } from './state/auth/auth-state.js';
export { OffsetClock } from './state/clock.js';
export {
  authStateShapes,
  buildAuthState,
  pickleProtocols,
  type AuthStateShape,
  type IGlobusDataOptions,
  type PickleProtocol
} from './globus-data/index.js';
export type { AccessLog } from './http/service.js';

/** Options of `createEmulator`. */
export interface IEmulatorOptions {
  /** Where collections keep their files; default a fresh temporary folder, removed on close. */
  dataDir?: string;
  /** Seed of the PRNG every service shares (ids, fault decisions, weather values); default 0. */
  seed?: number;
  /** Fault rules active from the start, or the path of a JSON rules file. */
  faults?: IFaultRule[] | string;
  /** Transfer task speed in bytes per second; default unlimited. */
  transferRate?: number;
  /** Approve `/v2/oauth2/authorize` at once as the demo user (a test switch); default false. */
  autoApprove?: boolean;
  /** Access token lifetime; default 172800 (48 h, as Globus). */
  tokenLifetimeSeconds?: number;
  /** Per-request access log (method, path without query, status, ms — never tokens). */
  log?: AccessLog;
  /**
   * Fixed ports instead of ephemeral ones: auth = N, transfer = N+1, groups = N+2,
   * admin = N+3, then one per HTTPS collection in seed order.
   */
  portBase?: number;
  /**
   * Also start the research platform of issue #9: an OIDC realm, the workspace API and an
   * S3 server (`urls.oidc`, `urls.platform`, `urls.s3`); default off. With `portBase` they
   * take the ports after the collections.
   */
  platform?: boolean | IPlatformOptions;
}

/** Base URLs (no trailing slash, no path) of every origin. */
export interface IEmulatorUrls {
  /** Globus Auth (`GLOBUS_SDK_SERVICE_URL_AUTH`). */
  auth: string;
  /** Globus Transfer (`GLOBUS_SDK_SERVICE_URL_TRANSFER`); API paths start with `/v0.10/`. */
  transfer: string;
  /** Globus Groups (`GLOBUS_SDK_SERVICE_URL_GROUPS`). */
  groups: string;
  /** The emulator's own admin origin (fault rules, clock); not part of Globus. */
  admin: string;
  /** collection id → its GCS HTTPS origin (`https_server`). */
  collections: Record<string, string>;
  /** The OIDC realm's issuer (`…/realms/platform`); only with the `platform` option. */
  oidc?: string;
  /** The workspace API base; only with the `platform` option. */
  platform?: string;
  /** The S3 endpoint; only with the `platform` option. */
  s3?: string;
}

/** A running emulator. */
export interface IEmulator {
  readonly urls: IEmulatorUrls;
  /** The folder holding the collections' files. */
  readonly dataDir: string;
  /** The seed in use. */
  readonly seed: number;
  /** Globus Auth state: identities, clients, tokens, consents (`expireNow`, `revoke`, `issueTokens`). */
  readonly auth: AuthState;
  /** Collections and their files. */
  readonly collections: CollectionStore;
  /** Transfer tasks. */
  readonly tasks: TaskEngine;
  /** Fault rules. */
  readonly faults: FaultEngine;
  /** The shared clock; `advance(ms)` moves every service's time forward. */
  readonly clock: OffsetClock;
  /** The auto-approve test switch; may be flipped while running. */
  autoApprove: boolean;
  /**
   * `GLOBUS_DATA` for a user: base64 of a real CPython pickle of a fresh `auth_state`.
   * @param options - shape (default `16+`), protocol (default 4), user, client, scopes
   */
  globusData(options?: IGlobusDataOptions): Promise<string>;
  /** The same `auth_state` as a plain object (fresh tokens each call). */
  authState(options?: IGlobusDataOptions): Promise<{ [key: string]: JsonValue }>;
  /** The environment a client needs: `GLOBUS_SDK_SERVICE_URL_*` and `GLOBUS_DATA`. */
  env(options?: IGlobusDataOptions): Promise<Record<string, string>>;
  /** The OIDC realm (tokens, sessions); undefined without the `platform` option. */
  readonly realm: RealmState | undefined;
  /**
   * The platform's environment (`GLOBUS_KIT_OIDC_ISSUER`, `GLOBUS_KIT_OIDC_CLIENT_ID`,
   * `GLOBUS_KIT_OIDC_APP_CLIENT_ID`, `GLOBUS_KIT_OIDC_APP_CLIENT_SECRET`,
   * `GLOBUS_KIT_PLATFORM_URL`, `GLOBUS_KIT_S3_ENDPOINT`); `{}` without the `platform` option.
   */
  platformEnv(): Record<string, string>;
  /**
   * Test-only: every secret the platform issued (realm tokens, codes, verifiers, the app
   * client secret, `stsSecretKeys`, `stsSessionTokens`); undefined without the platform.
   * The admin origin's `GET /issued-secrets` includes them too.
   */
  platformSecrets(): IPlatformSecrets | undefined;
  /** Stops every service and task; removes the data folder if the emulator created it. */
  close(): Promise<void>;
}

/**
 * Starts the emulator.
 * @param options - data folder, seed, faults, transfer rate, auto-approve, token lifetime, log
 */
export async function createEmulator(options: IEmulatorOptions = {}): Promise<IEmulator> {
  const seed = options.seed ?? 0;
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'globus-emulator-')));
  const clock = new OffsetClock();
  const random = createSeededRandom(seed);
  const services: IRunningService[] = [];
  let tasks: TaskEngine | undefined;
  let platform: IPlatform | undefined;

  const cleanup = async (): Promise<void> => {
    tasks?.close();
    await platform?.close();
    await Promise.all(services.splice(0).map(s => s.close()));
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const rules =
      typeof options.faults === 'string' ? await loadFaultRules(options.faults) : options.faults;
    const collections = await CollectionStore.create({ dataDir, clock, random, seed });
    const auth = await AuthState.create({
      clock,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds,
      isDataAccessCollection: id => collections.requiresDataAccess(id)
    });
    tasks = new TaskEngine({ collections, clock, random, transferRate: options.transferRate });
    const faults = new FaultEngine({
      rules,
      seed,
      clock,
      expireToken: bearer => {
        auth.expireNow(bearer);
        platform?.realm.expireNow(bearer);
      }
    });
    const deps: IServiceDeps = { authority: auth, collections, tasks, clock, random };
    let autoApprove = options.autoApprove ?? false;

    let port = options.portBase;
    const start = async (name: string, router: Router): Promise<IRunningService> => {
      const service = await startService(name, router, {
        faults: name === 'admin' ? undefined : faults,
        log: options.log,
        port: port === undefined ? undefined : port++
      });
      services.push(service);
      return service;
    };

    const authService = await start(
      'auth',
      createAuthRouter(auth, { autoApprove: () => autoApprove })
    );
    auth.issuer = authService.url;
    collections.setAuthServer(authService.url);
    const transferService = await start('transfer', createTransferRouter(deps));
    const groupsService = await start('groups', createGroupsRouter(auth));
    const adminService = await start(
      'admin',
      addSeedRoutes(
        createAdminRouter({
          faults,
          clock,
          // With the platform on, the realm's tokens join Globus Auth's lists (same keys) and
          // the STS secrets come as `stsSecretKeys` / `stsSessionTokens`.
          issuedSecrets: () => {
            const globus = auth.issuedSecrets();
            const p = platform?.issuedSecrets();
            if (!p) return globus;
            return {
              ...p,
              accessTokens: [...globus.accessTokens, ...p.accessTokens],
              refreshTokens: [...globus.refreshTokens, ...p.refreshTokens],
              idTokens: [...globus.idTokens, ...p.idTokens],
              authorizationCodes: [...globus.authorizationCodes, ...p.authorizationCodes],
              codeVerifiers: [...globus.codeVerifiers, ...p.codeVerifiers],
              clientSecrets: [...globus.clientSecrets, ...p.clientSecrets]
            };
          }
        }),
        { collections, auth, tasks, serveHttps: id => serveHttps(id) }
      )
    );
    const collectionUrls: Record<string, string> = {};
    const serveHttps = async (id: string): Promise<string> => {
      const service = await start(`gcs:${id}`, createGcsRouter(deps, id));
      collections.setHttpsServer(id, service.url);
      collectionUrls[id] = service.url;
      return service.url;
    };
    for (const id of collections.httpsCollectionIds()) await serveHttps(id);

    if (options.platform) {
      platform = await startPlatform(
        {
          clock,
          start,
          autoApprove: () => autoApprove,
          nextPort: () => (port === undefined ? undefined : port++),
          dataDir,
          seed,
          log: options.log
        },
        options.platform === true ? {} : options.platform
      );
    }

    const urls: IEmulatorUrls = {
      auth: authService.url,
      transfer: transferService.url,
      groups: groupsService.url,
      admin: adminService.url,
      collections: collectionUrls,
      ...(platform ? platform.urls : {})
    };
    const running = platform;
    let closed: Promise<void> | undefined;
    const engine = tasks;
    return {
      urls,
      dataDir,
      seed,
      auth,
      collections,
      tasks: engine,
      faults,
      clock,
      get autoApprove() {
        return autoApprove;
      },
      set autoApprove(value: boolean) {
        autoApprove = value;
      },
      realm: running?.realm,
      platformEnv: () => running?.env() ?? {},
      platformSecrets: () => running?.issuedSecrets(),
      globusData: opts => globusData(auth, opts),
      authState: opts => issueAuthState(auth, opts),
      async env(opts) {
        return {
          GLOBUS_SDK_SERVICE_URL_AUTH: urls.auth,
          GLOBUS_SDK_SERVICE_URL_TRANSFER: urls.transfer,
          GLOBUS_SDK_SERVICE_URL_GROUPS: urls.groups,
          GLOBUS_DATA: await globusData(auth, opts)
        };
      },
      close() {
        closed ??= cleanup();
        return closed;
      }
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
