/**
 * The seeded collections: what each one is (entity type, owner, policies), which files it
 * starts with, and the full Transfer endpoint document built from it. The tutorial ids come
 * from `seed.ts`; the extra collections exist so that search, filter_scope and paging have
 * something to page through.
 */
import {
  COLLEAGUE_IDENTITY_ID,
  DEMO_IDENTITY_ID,
  GUEST_COLLECTION_ID,
  MAPPED_COLLECTION_ID,
  PUBLIC_COLLECTION_ID,
  TUTORIAL_ENDPOINT_ID,
  TUTORIAL_GROUP_ID,
  WEATHER_DIR
} from './seed.js';
import { legacyUsername, nameUuid } from './transfer-format.js';
import { WEATHER_YEARS, weatherCsv } from './weather-csv.js';

/** Entity types the emulator serves. */
export type EntityType =
  'GCSv5_endpoint' | 'GCSv5_mapped_collection' | 'GCSv5_guest_collection' | 'GCP_mapped_collection';

/**
 * Who may do what on a collection.
 * - `endpoint`: nothing (a non-functional GCSv5 endpoint)
 * - `mapped`: any signed-in identity reads everywhere and writes in its own `/home/<local>/`
 *   (an account mapping with home directories)
 * - `owner`: only the owner (a personal Globus Connect Personal collection)
 * - `rules`: the owner, plus access rules (a guest collection)
 */
export type AccessPolicy = 'endpoint' | 'mapped' | 'owner' | 'rules';

/** An access rule as Transfer documents it (`DATA_TYPE: "access"`). */
export interface IAccessRule {
  DATA_TYPE: 'access';
  id: string;
  principal_type: 'identity' | 'group' | 'all_authenticated_users' | 'anonymous';
  principal: string;
  path: string;
  permissions: 'r' | 'rw';
  role_id: string | null;
  role_type: string | null;
  create_time: string;
  expiration_date: string | null;
}

/** What a seeded collection is. */
export interface ICollectionSpec {
  id: string;
  displayName: string;
  entityType: EntityType;
  /** Identity id of the owner, or the endpoint id for endpoint-owned (client) collections. */
  ownerId: string;
  description: string | null;
  organization: string | null;
  department: string | null;
  keywords: string | null;
  public: boolean;
  highAssurance: boolean;
  /**
   * Test seeding (admin `PATCH /seed/collections/<id>`): Transfer operations on this
   * high-assurance collection need a token from a login that proved an identity in this
   * domain within `authentication_assurance_timeout` minutes; else 403 `AuthPolicyFailed`.
   */
  sessionDomain?: string | null;
  /** Guest collections: the mapped collection they live on. */
  hostCollectionId: string | null;
  /** GCSv5 collections: the endpoint (server) they belong to. */
  endpointId: string | null;
  /** Served over GCS HTTPS (gets an `https_server`). */
  https: boolean;
  policy: AccessPolicy;
  /** Seed access rules (guest collections), without ids and times. */
  rules: Array<Pick<IAccessRule, 'principal_type' | 'principal' | 'path' | 'permissions'>>;
  /** Seed files, virtual path → content. */
  files: Record<string, string | (() => string)>;
}

/** Endpoint-owned collections are owned by the endpoint's client identity. */
function endpointOwned(id: string): boolean {
  return id === TUTORIAL_ENDPOINT_ID;
}

const godata: Record<string, string> = {
  '/share/godata/file1.txt': 'abc\n',
  '/share/godata/file2.txt': 'The quick brown fox jumps over the lazy dog.\n',
  '/share/godata/file3.txt': 'Globus tutorial data, file 3\n'
};

function base(
  partial: Partial<ICollectionSpec> & Pick<ICollectionSpec, 'id' | 'displayName' | 'entityType'>
): ICollectionSpec {
  return {
    ownerId: TUTORIAL_ENDPOINT_ID,
    description: null,
    organization: 'Globus Tutorials',
    department: null,
    keywords: null,
    public: true,
    highAssurance: false,
    hostCollectionId: null,
    endpointId: TUTORIAL_ENDPOINT_ID,
    https: false,
    policy: 'mapped',
    rules: [],
    files: {},
    ...partial
  };
}

/**
 * The seeded world's collections, in a stable order.
 * @param seed - the emulator seed (drives the weather CSV values)
 */
export function seedCollections(seed: number): ICollectionSpec[] {
  const weatherFiles: Record<string, () => string> = {};
  for (const year of WEATHER_YEARS) {
    weatherFiles[`${WEATHER_DIR}${year}.csv`] = () => weatherCsv(year, seed);
  }
  const specs: ICollectionSpec[] = [
    base({
      id: TUTORIAL_ENDPOINT_ID,
      displayName: 'Globus Tutorials GCSv5 Endpoint',
      entityType: 'GCSv5_endpoint',
      description: 'The Globus Connect Server v5 endpoint hosting the tutorial collections',
      endpointId: null,
      policy: 'endpoint'
    }),
    base({
      id: PUBLIC_COLLECTION_ID,
      displayName: 'Globus Tutorials Public Data',
      entityType: 'GCSv5_guest_collection',
      description:
        'Public tutorial data: NOAA-style daily weather summaries for Las Vegas, 1948-1960',
      keywords: 'tutorial,weather,noaa,climate,public',
      hostCollectionId: MAPPED_COLLECTION_ID,
      https: true,
      policy: 'rules',
      rules: [{ principal_type: 'anonymous', principal: '', path: '/', permissions: 'r' }],
      files: {
        ...weatherFiles,
        [`${WEATHER_DIR}README.txt`]:
          'Daily summaries (PRCP in inches, SNOW/SNWD in inches, TMAX/TMIN in degrees F).\n' +
          'Station USW00023169. Synthetic data generated by the emulator.\n',
        ...godata
      }
    }),
    base({
      id: MAPPED_COLLECTION_ID,
      displayName: 'Globus Tutorials Mapped Collection',
      entityType: 'GCSv5_mapped_collection',
      description: 'Mapped collection on the tutorial endpoint; home directories under /home/',
      keywords: 'tutorial,mapped,posix',
      public: true,
      https: true,
      policy: 'mapped',
      files: { ...godata, '/home/README.txt': 'Home directories of mapped accounts.\n' }
    }),
    base({
      id: GUEST_COLLECTION_ID,
      displayName: 'Tutorial Guest Collection',
      entityType: 'GCSv5_guest_collection',
      ownerId: DEMO_IDENTITY_ID,
      description: "The demo user's shared workspace on the tutorial mapped collection",
      keywords: 'tutorial,guest,shared,workspace',
      public: false,
      hostCollectionId: MAPPED_COLLECTION_ID,
      https: true,
      policy: 'rules',
      rules: [
        { principal_type: 'identity', principal: DEMO_IDENTITY_ID, path: '/', permissions: 'rw' }
      ],
      files: { '/README.txt': 'Write your results here.\n' }
    }),
    base({
      id: nameUuid('emulator:demo-laptop'),
      displayName: "Demo User's Laptop",
      entityType: 'GCP_mapped_collection',
      ownerId: DEMO_IDENTITY_ID,
      organization: null,
      description: 'Globus Connect Personal on the demo laptop',
      public: false,
      endpointId: null,
      policy: 'owner',
      files: { '/Documents/notes.txt': 'Remember to plot TMAX and TMIN.\n' }
    }),
    base({
      id: nameUuid('emulator:colleague-share'),
      displayName: 'Colleague Shared Results',
      entityType: 'GCSv5_guest_collection',
      ownerId: COLLEAGUE_IDENTITY_ID,
      description: 'Results a colleague shares with the demo user',
      keywords: 'shared,results',
      public: false,
      hostCollectionId: MAPPED_COLLECTION_ID,
      policy: 'rules',
      rules: [
        { principal_type: 'identity', principal: DEMO_IDENTITY_ID, path: '/', permissions: 'r' }
      ],
      files: { '/results/summary.csv': 'year,mean_tmax\n1952,80.1\n' }
    }),
    base({
      id: nameUuid('emulator:group-share'),
      displayName: 'Tutorial Users Group Share',
      entityType: 'GCSv5_guest_collection',
      ownerId: COLLEAGUE_IDENTITY_ID,
      description: 'Shared with the Tutorial Users group',
      keywords: 'shared,group,tutorial',
      public: false,
      hostCollectionId: MAPPED_COLLECTION_ID,
      policy: 'rules',
      rules: [
        { principal_type: 'group', principal: TUTORIAL_GROUP_ID, path: '/', permissions: 'rw' }
      ],
      files: { '/welcome.txt': 'Hello, Tutorial Users.\n' }
    }),
    base({
      id: nameUuid('emulator:climate-archive'),
      displayName: 'Climate Reanalysis Archive (HA)',
      entityType: 'GCSv5_mapped_collection',
      description: 'High-assurance mapped collection of climate reanalysis output',
      organization: 'Example Climate Center',
      keywords: 'climate,reanalysis,weather,netcdf',
      highAssurance: true,
      files: { '/reanalysis/README.txt': 'Monthly means, 1950-2020.\n' }
    })
  ];
  const topics = [
    ['Ocean Buoy Observations', 'ocean,buoy,weather'],
    ['Genomics Core Sequencing Output', 'genomics,sequencing'],
    ['Materials Lab Instrument Data', 'materials,microscopy'],
    ['Atmospheric Model Runs', 'atmosphere,model,weather'],
    ['University HPC Scratch', 'hpc,scratch'],
    ['Lab Archive Tape Gateway', 'archive,tape'],
    ['Weather Station Mirror', 'weather,station,mirror'],
    ['Radio Astronomy Survey', 'astronomy,radio'],
    ['Hydrology Stream Gauges', 'hydrology,water,weather'],
    ['Seismic Network Waveforms', 'seismic,waveforms']
  ];
  topics.forEach(([name, keywords], i) => {
    specs.push(
      base({
        id: nameUuid(`emulator:extra:${i}`),
        displayName: name,
        entityType: 'GCSv5_mapped_collection',
        description: `${name} (emulated research collection)`,
        organization: i % 2 ? 'Example University' : 'Example National Laboratory',
        department: i % 3 ? 'Research Computing' : null,
        keywords,
        highAssurance: i % 4 === 3,
        files: { '/README.txt': `${name}\n` }
      })
    );
  });
  return specs;
}

/**
 * Builds the full Transfer endpoint document for a collection, with every field the
 * recorded documents and the documented field list carry.
 * @param spec - the collection
 * @param httpsServer - its GCS HTTPS origin, or null when not served
 * @param hostName - display name of the host collection (guest collections)
 * @param endpointName - display name of the endpoint (GCSv5 collections)
 */
export function endpointDocument(
  spec: ICollectionSpec,
  httpsServer: string | null,
  hostName: string | null,
  endpointName: string | null
): Record<string, unknown> {
  const isGcs = spec.entityType.startsWith('GCSv5');
  const isGuest = spec.entityType === 'GCSv5_guest_collection';
  const isGcp = spec.entityType === 'GCP_mapped_collection';
  const ownerIsClient = endpointOwned(spec.ownerId);
  const shortId = spec.id.slice(0, 6);
  const endpointHost = `${(spec.endpointId ?? spec.id).slice(0, 5)}.${(spec.endpointId ?? spec.id).slice(9, 13)}.data.globus.invalid`;
  const username = legacyUsername(spec.ownerId);
  return {
    DATA: [
      {
        DATA_TYPE: 'server',
        hostname: isGcp ? null : httpsServer ? new URL(httpsServer).host : endpointHost
      }
    ],
    DATA_TYPE: 'endpoint',
    acl_available: isGuest,
    acl_editable: false,
    acl_max_expiration_period_mins: null,
    activated: false,
    associated_flow_policy: null,
    authentication_assurance_timeout: spec.highAssurance ? 30 : null,
    authentication_policy_id: null,
    authentication_timeout_mins: isGcs ? 15840 : null,
    auto_delete_timeout: null,
    canonical_name: `${username}#${spec.id}`,
    contact_email: isGcs ? 'support@tutorials.example.org' : null,
    contact_info: null,
    default_directory: spec.policy === 'mapped' ? '/~/' : null,
    department: spec.department,
    description: spec.description,
    disable_anonymous_writes: isGcs,
    disable_verify: false,
    display_name: spec.displayName,
    entity_type: spec.entityType,
    expire_time: null,
    expires_in: -1,
    force_encryption: false,
    force_verify: false,
    french_english_bilingual: false,
    gcp_connected: isGcp ? true : null,
    gcp_paused: isGcp ? false : null,
    gcs_manager_url: isGcs ? `https://${endpointHost}` : null,
    gcs_version: isGcs ? '5.4.78' : null,
    globus_connect_setup_key: null,
    guest_collection_activity_notification_policy: null,
    high_assurance: spec.highAssurance,
    host_endpoint: null,
    host_endpoint_display_name: isGuest ? hostName : null,
    host_endpoint_id: isGuest ? spec.hostCollectionId : null,
    host_path: null,
    https_server: httpsServer,
    id: spec.id,
    in_use: false,
    info_link: null,
    is_globus_connect: isGcp,
    is_go_storage: false,
    keywords: spec.keywords,
    last_accessed_time: null,
    local_user_info_available: spec.entityType === 'GCSv5_mapped_collection',
    location: null,
    mapped_collection_display_name: isGuest ? hostName : null,
    mapped_collection_id: isGuest ? spec.hostCollectionId : null,
    max_concurrency: isGcs ? 4 : null,
    max_parallelism: isGcs ? 8 : null,
    mfa_required: false,
    my_effective_roles: [],
    myproxy_dn: null,
    myproxy_server: null,
    name: spec.id,
    network_use: isGcs ? 'normal' : null,
    non_functional: spec.entityType === 'GCSv5_endpoint',
    non_functional_endpoint_display_name: spec.endpointId ? endpointName : null,
    non_functional_endpoint_id: spec.endpointId,
    oauth_server: null,
    organization: spec.organization,
    owner_id: spec.ownerId,
    owner_string: ownerIsClient ? `${spec.ownerId}@clients.auth.globus.org` : spec.ownerId,
    preferred_concurrency: isGcs ? 2 : null,
    preferred_parallelism: isGcs ? 4 : null,
    preserve_modtime: false,
    public: spec.public,
    requester_pays: false,
    restrict_transfers_to_high_assurance: null,
    s3_owner_activated: false,
    s3_url: null,
    shareable: spec.entityType === 'GCSv5_mapped_collection',
    sharing_target_endpoint: null,
    sharing_target_root_path: null,
    skip_auto_delete: false,
    storage_type: null,
    subscription_admin_verified: false,
    subscription_id: isGcs ? '964be8f5-5f9b-11e4-b64e-12313940394d' : null,
    tlsftp_server:
      isGcs && spec.entityType !== 'GCSv5_endpoint'
        ? `tlsftp://${isGuest ? 'g' : 'm'}-${shortId}.${endpointHost}:443`
        : null,
    user_message: null,
    user_message_link: null,
    username
  };
}
