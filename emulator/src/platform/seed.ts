/**
 * Fixed names, ids and the demo secret of the emulated research platform: a Keycloak-like
 * OIDC realm, a TerrAPI-like workspace API and S3 workspaces. Tests, the demo and the docs
 * name these, so they never change between runs.
 */
import { weatherCsv } from '../state/weather-csv.js';

/** The realm name; the issuer is `<oidc origin>/realms/<REALM_NAME>`. */
export const REALM_NAME = 'platform';

/** The public client a person logs in with (authorization code + PKCE S256, no secret). */
export const PLATFORM_NOTEBOOK_CLIENT_ID = 'notebook-client';
/** The confidential client an application uses (client credentials). */
export const PLATFORM_APP_CLIENT_ID = 'app-client';
/** The app client's secret: a fixed demo value known to tests, not a user credential. */
export const PLATFORM_APP_CLIENT_SECRET = 'emulator-app-client-secret';

/** The audience (resource server) of realm access tokens besides `account`. */
export const PLATFORM_API_AUDIENCE = 'platform-api';
/** The scope the workspace API requires. */
export const PLATFORM_SCOPE = 'platform';
/** The platform id every workspace carries (`properties.platform_id`). */
export const PLATFORM_ID = 'demo';
/** The S3 region every workspace reports. */
export const PLATFORM_REGION = 'us-east-1';

/** A realm user. */
export interface IPlatformUser {
  sub: string;
  preferred_username: string;
  name: string;
  email: string;
  email_verified: boolean;
}

/** The person who logs in (the approve page logs in as her). */
export const PLATFORM_ALICE: Readonly<IPlatformUser> = Object.freeze({
  sub: '8f2c4b1e-6a3d-4e5f-9b7a-0c1d2e3f4a77',
  preferred_username: 'alice',
  name: 'Alice Researcher',
  email: 'alice@example.org',
  email_verified: true
});

/** A second person, owner of a workspace alice must not see. */
export const PLATFORM_BOB: Readonly<IPlatformUser> = Object.freeze({
  sub: '2d7e9a4c-1b3f-4c6d-8e5a-9f0b1c2d3e88',
  preferred_username: 'bob',
  name: 'Bob Analyst',
  email: 'bob@example.org',
  email_verified: true
});

/** The service-account user behind `app-client` (client credentials tokens carry its `sub`). */
export const PLATFORM_SERVICE_ACCOUNT: Readonly<IPlatformUser> = Object.freeze({
  sub: '5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c99',
  preferred_username: `service-account-${PLATFORM_APP_CLIENT_ID}`,
  name: 'App Client service account',
  email: `service-account-${PLATFORM_APP_CLIENT_ID}@example.org`,
  email_verified: false
});

/** A seeded S3 workspace. */
export interface IPlatformWorkspaceSeed {
  name: string;
  bucket: string;
  /** Key prefix, ending with `/`. */
  prefix: string;
  /** `sub`s of the users who may see and use it. */
  members: readonly string[];
}

/** Alice's private workspace. */
export const ALICE_WORKSPACE = 'demo-alice-private-workspace';
/** The processing-results workspace alice and the service account share. */
export const SERVICE_WORKSPACE = 'demo-processing-results-service-workspace';
/** Bob's private workspace (alice gets 404 for it). */
export const BOB_WORKSPACE = 'demo-bob-private-workspace';

/** Every seeded workspace. */
export const PLATFORM_WORKSPACES: readonly IPlatformWorkspaceSeed[] = Object.freeze([
  {
    name: ALICE_WORKSPACE,
    bucket: 'demo-workspaces',
    prefix: 'alice/',
    members: [PLATFORM_ALICE.sub]
  },
  {
    name: SERVICE_WORKSPACE,
    bucket: 'demo-processing-results',
    prefix: 'service/',
    members: [PLATFORM_ALICE.sub, PLATFORM_SERVICE_ACCOUNT.sub]
  },
  {
    name: BOB_WORKSPACE,
    bucket: 'demo-workspaces',
    prefix: 'bob/',
    members: [PLATFORM_BOB.sub]
  }
]);

/** The buckets the S3 server creates at start. */
export const PLATFORM_BUCKETS: readonly string[] = Object.freeze([
  ...new Set(PLATFORM_WORKSPACES.map(w => w.bucket))
]);

/** The seeded CSV's bucket. */
export const SEED_CSV_BUCKET = 'demo-workspaces';
/** The seeded CSV's object key (in alice's workspace). */
export const SEED_CSV_KEY = 'alice/weather/station-1.csv';

/**
 * The seeded CSV: January 1948 of the Globus demo's NOAA-style weather file (same columns,
 * DATE/TMAX/TMIN included), so `fetchCsv` reads the same shape from either provider.
 * @param seed - the emulator seed (drives the values)
 */
export function seedCsv(seed = 0): string {
  const lines = weatherCsv(1948, seed).split('\n');
  return `${lines.slice(0, 32).join('\n')}\n`;
}
