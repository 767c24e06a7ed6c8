/**
 * The emulated research platform of issue #9: an OIDC realm (Keycloak-shaped), a
 * TerrAPI-like workspace API and an S3 server, each on its own loopback origin.
 * `createEmulator({ platform: true })` starts it through `startPlatform`.
 */
import { join } from 'node:path';
import type { AccessLog, IRunningService } from '../http/service.js';
import type { Router } from '../http/router.js';
import type { IClock } from '../state/types.js';
import { RealmState } from './realm-state.js';
import { createRealmRouter, REALM_PATH } from './realm-routes.js';
import { S3Server } from './s3-server.js';
import {
  PLATFORM_APP_CLIENT_ID,
  PLATFORM_APP_CLIENT_SECRET,
  PLATFORM_BUCKETS,
  PLATFORM_NOTEBOOK_CLIENT_ID,
  PLATFORM_WORKSPACES,
  SEED_CSV_BUCKET,
  SEED_CSV_KEY,
  seedCsv
} from './seed.js';
import { createWorkspaceRouter } from './workspace-routes.js';

export { RealmState, RealmError, type IRealmTokenResponse } from './realm-state.js';
export type { IStsCredentials } from './s3-server.js';

/** Options of the platform (`createEmulator({ platform: { … } })`). */
export interface IPlatformOptions {
  /** Realm access token lifetime; default 300 s. */
  accessTokenTtlSeconds?: number;
  /** Realm refresh token lifetime; default 1800 s. */
  refreshTokenTtlSeconds?: number;
  /** Lifetime of STS credentials from the workspace API; default 900 s. */
  stsTtlSeconds?: number;
}

/** Every secret the platform issued (test-only; leak scans search output for each). */
export interface IPlatformSecrets {
  accessTokens: string[];
  refreshTokens: string[];
  idTokens: string[];
  authorizationCodes: string[];
  codeVerifiers: string[];
  clientSecrets: string[];
  /** STS secret keys. */
  stsSecretKeys: string[];
  /** STS session tokens (also inside presigned URLs, by design). */
  stsSessionTokens: string[];
}

/** Base URLs of the platform's origins (no trailing slash). */
export interface IPlatformUrls {
  /** The realm's issuer, `http://127.0.0.1:<port>/realms/platform`. */
  oidc: string;
  /** The workspace API base (`/v2/…` routes below it). */
  platform: string;
  /** The S3 endpoint. */
  s3: string;
}

/** What the platform needs from the emulator. */
export interface IPlatformDeps {
  clock: IClock;
  /** Starts a loopback service with the emulator's fault hook, log and port allocation. */
  start(name: string, router: Router): Promise<IRunningService>;
  /** The auto-approve test switch. */
  autoApprove(): boolean;
  /** The next fixed port (with `portBase`), else undefined for an ephemeral one. */
  nextPort(): number | undefined;
  /** The emulator's data folder (the S3 store goes to `<dataDir>/s3`). */
  dataDir: string;
  /** The emulator seed (drives the seeded CSV's values). */
  seed: number;
  log?: AccessLog;
}

/** A running platform. */
export interface IPlatform {
  readonly urls: IPlatformUrls;
  readonly realm: RealmState;
  /** The S3 server (STS keys, `sweep()`). */
  readonly s3: S3Server;
  /** `GLOBUS_KIT_OIDC_*`, `GLOBUS_KIT_PLATFORM_URL`, `GLOBUS_KIT_S3_ENDPOINT`. */
  env(): Record<string, string>;
  /** Test-only: the realm's issued secrets plus `stsSecretKeys` and `stsSessionTokens`. */
  issuedSecrets(): IPlatformSecrets;
  /** Stops what `startPlatform` started outside the emulator's service list (the S3 server). */
  close(): Promise<void>;
}

/**
 * Starts the realm, the workspace API and the S3 server.
 * @param deps - clock, service starter, auto-approve switch
 * @param options - token and STS lifetimes
 */
export async function startPlatform(
  deps: IPlatformDeps,
  options: IPlatformOptions = {}
): Promise<IPlatform> {
  const realm = await RealmState.create({
    clock: deps.clock,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds
  });
  const oidc = await deps.start(
    'oidc',
    createRealmRouter(realm, { autoApprove: deps.autoApprove })
  );
  realm.issuer = `${oidc.url}${REALM_PATH}`;
  const stsTtl = options.stsTtlSeconds ?? 900;
  const urls: IPlatformUrls = { oidc: realm.issuer, platform: '', s3: '' };
  const api = await deps.start(
    'platform',
    createWorkspaceRouter({
      realm,
      workspaces: PLATFORM_WORKSPACES,
      baseUrl: () => urls.platform,
      s3Url: () => urls.s3,
      issueSts: w => s3.issue({ bucket: w.bucket, prefix: w.prefix }, stsTtl)
    })
  );
  urls.platform = api.url;
  const s3 = await S3Server.start({
    clock: deps.clock,
    directory: join(deps.dataDir, 's3'),
    buckets: PLATFORM_BUCKETS,
    port: deps.nextPort(),
    log: deps.log,
    seedObjects: [
      {
        bucket: SEED_CSV_BUCKET,
        key: SEED_CSV_KEY,
        body: Buffer.from(seedCsv(deps.seed)),
        contentType: 'text/csv'
      }
    ]
  });
  urls.s3 = s3.url;
  return {
    urls,
    realm,
    s3,
    env() {
      return {
        GLOBUS_KIT_OIDC_ISSUER: urls.oidc,
        GLOBUS_KIT_OIDC_CLIENT_ID: PLATFORM_NOTEBOOK_CLIENT_ID,
        GLOBUS_KIT_OIDC_APP_CLIENT_ID: PLATFORM_APP_CLIENT_ID,
        GLOBUS_KIT_OIDC_APP_CLIENT_SECRET: PLATFORM_APP_CLIENT_SECRET,
        GLOBUS_KIT_PLATFORM_URL: urls.platform,
        GLOBUS_KIT_S3_ENDPOINT: urls.s3
      };
    },
    issuedSecrets() {
      return { ...realm.issuedSecrets(), ...s3.issuedSecrets() };
    },
    close() {
      return s3.close();
    }
  };
}
