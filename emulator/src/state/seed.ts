/**
 * Fixed ids and names of the emulator's seeded world, shared by every service so that the
 * demo notebook, the tests and the docs can name them. The world mirrors the seed
 * tutorial: a public collection with NOAA-style weather CSVs under
 * `/portal/catalog/dataset_las/`, a guest collection the demo user can write to, and a mapped
 * collection that needs a `data_access` consent.
 */

/** The GCSv5 endpoint (server) hosting the tutorial collections. */
export const TUTORIAL_ENDPOINT_ID = '6f1e7a52-3c1b-4b8e-9a57-1c2d3e4f5a60';
/** Public guest collection (anonymous read rule) holding the weather CSVs: no data_access consent needed. */
export const PUBLIC_COLLECTION_ID = 'a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01';
/** Mapped collection (non-HA) requiring a data_access consent; host of the guest collection. */
export const MAPPED_COLLECTION_ID = 'e56c36e4-1063-4a6e-a747-22000bf2d559';
/** Guest collection on the mapped collection, writable by the demo user. */
export const GUEST_COLLECTION_ID = '9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2';

/** The demo user's primary identity. */
export const DEMO_IDENTITY_ID = '3b1d9f6e-4c2a-4f8e-b7d1-2e9a6c5f0a11';
/** The demo user's linked institutional identity. */
export const DEMO_LINKED_IDENTITY_ID = '7c2e0a4b-8d1f-4e3a-9b6c-5d4e3f2a1b22';
/** A second user, to share with. */
export const COLLEAGUE_IDENTITY_ID = '1f4e8c2d-6b3a-4d9e-8a7f-0c1b2d3e4f33';
/** The Tutorial Users group (the demo user is a member). */
export const TUTORIAL_GROUP_ID = '50b6a29c-63ac-11e4-8062-22000ab68755';

/** The hub's client (confidential; JupyterHub's Globus authenticator). */
export const HUB_CLIENT_ID = 'c0a8e2f4-1b3d-4e5f-8a9b-0c1d2e3f4a55';
/** A secret for the hub client, known to tests (it is not a user token). */
export const HUB_CLIENT_SECRET = 'emulator-hub-client-secret';
/** A native app client (PKCE, no secret) for standalone login. */
export const NATIVE_CLIENT_ID = 'd1b9f3a5-2c4e-4f6a-9b0c-1d2e3f4a5b66';
/**
 * The Globus CLI's native app, which `globus login` makes an instance of (its client id in
 * the CLI's source, `login_manager/storage.py`), so the real CLI can log in to the emulator.
 */
export const GLOBUS_CLI_CLIENT_ID = '95fdeba8-fac2-42bd-a357-e068d82ff78e';

/** Where the weather CSVs live on the public collection. */
export const WEATHER_DIR = '/portal/catalog/dataset_las/';
