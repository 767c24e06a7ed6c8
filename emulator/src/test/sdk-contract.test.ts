/**
 * Contract tests: the official `@globus/sdk`, pointed at the emulator only through its
 * documented `GLOBUS_SDK_SERVICE_URL_*` variables, must work against it unchanged. What the
 * SDK sends and expects is the contract; the assertions also check what the emulator
 * recorded (tasks, files), not only what came back.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createEmulator, type IEmulator } from '../index.js';
import {
  DEMO_IDENTITY_ID,
  GUEST_COLLECTION_ID,
  MAPPED_COLLECTION_ID,
  PUBLIC_COLLECTION_ID,
  TUTORIAL_GROUP_ID,
  WEATHER_DIR
} from '../state/seed.js';
import {
  bearer,
  demoTokens,
  groupsScope,
  transferScope,
  viewIdentitiesScope
} from './faults-fixture.js';

/** Loads the SDK (its ESM build, as a notebook's `import` would). */
const loadSdk = () => import('@globus/sdk');
type Sdk = Awaited<ReturnType<typeof loadSdk>>;

/** Reads a JSON response and fails with its body when the status is not the expected one. */
async function expectJson(response: Response, status = 200): Promise<Record<string, unknown>> {
  const text = await response.text();
  assert.equal(response.status, status, text.slice(0, 500));
  return JSON.parse(text) as Record<string, unknown>;
}

describe('@globus/sdk against the emulator', () => {
  let emu: IEmulator;
  let sdk: Sdk;
  let tokens: Record<string, string>;
  const saved: Record<string, string | undefined> = {};
  const transfer = (): { headers: Record<string, string> } => ({
    headers: bearer(tokens['transfer.api.globus.org'])
  });
  const auth = (): { headers: Record<string, string> } => ({
    headers: bearer(tokens['auth.globus.org'])
  });

  before(async () => {
    emu = await createEmulator({ seed: 1 });
    const env = {
      GLOBUS_SDK_SERVICE_URL_AUTH: emu.urls.auth,
      GLOBUS_SDK_SERVICE_URL_TRANSFER: emu.urls.transfer,
      GLOBUS_SDK_SERVICE_URL_GROUPS: emu.urls.groups
    };
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    // Loaded only now, after the environment points at the emulator.
    sdk = await loadSdk();
    tokens = await demoTokens(emu, [
      'openid',
      'profile',
      'email',
      viewIdentitiesScope,
      transferScope,
      groupsScope
    ]);
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await emu?.close();
  });

  describe('transfer.endpointSearch', () => {
    it('should find the tutorial collection by full text', async () => {
      const body = await expectJson(
        await sdk.transfer.endpointSearch({
          query: { filter_fulltext: 'tutorial', limit: 50 },
          ...transfer()
        })
      );
      assert.equal(body.DATA_TYPE, 'endpoint_list');
      const ids = (body.DATA as { id: string }[]).map(d => d.id);
      assert.ok(ids.includes(PUBLIC_COLLECTION_ID), JSON.stringify(ids));
    });

    it('should page with limit and offset', async () => {
      const page = await expectJson(
        await sdk.transfer.endpointSearch({
          query: { filter_fulltext: 'tutorial', limit: 1, offset: 0 },
          ...transfer()
        })
      );
      assert.equal((page.DATA as unknown[]).length, 1);
      assert.equal(page.has_next_page, true);
    });
  });

  describe('transfer.fileOperations.ls', () => {
    it('should list the weather CSVs', async () => {
      const body = await expectJson(
        await sdk.transfer.fileOperations.ls(PUBLIC_COLLECTION_ID, {
          query: { path: WEATHER_DIR },
          ...transfer()
        })
      );
      assert.equal(body.DATA_TYPE, 'file_list');
      const names = (body.DATA as { name: string; type: string }[]).map(d => d.name);
      assert.ok(names.includes('1952.csv'), JSON.stringify(names));
    });

    it('should answer a missing directory with a Transfer error the SDK can read', async () => {
      const response = await sdk.transfer.fileOperations.ls(PUBLIC_COLLECTION_ID, {
        query: { path: '/no/such/' },
        ...transfer()
      });
      const body = await expectJson(response, 404);
      assert.equal(body.code, 'ClientError.NotFound');
      assert.equal(sdk.errors.isErrorWellFormed(body), true);
    });
  });

  describe('transfer.fileOperations.mkdir', () => {
    it('should create a directory on the guest collection, and refuse it twice', async () => {
      const path = '/sdk-contract-dir/';
      const made = await expectJson(
        await sdk.transfer.fileOperations.mkdir(GUEST_COLLECTION_ID, {
          payload: { path },
          ...transfer()
        })
      );
      assert.equal(made.code, 'DirectoryCreated');
      const listing = await expectJson(
        await sdk.transfer.fileOperations.ls(GUEST_COLLECTION_ID, {
          query: { path: '/' },
          ...transfer()
        })
      );
      assert.ok((listing.DATA as { name: string }[]).some(d => d.name === 'sdk-contract-dir'));
      const again = await expectJson(
        await sdk.transfer.fileOperations.mkdir(GUEST_COLLECTION_ID, {
          payload: { path },
          ...transfer()
        }),
        502
      );
      assert.equal(again.code, 'ExternalError.MkdirFailed.Exists');
    });
  });

  describe('transfer.taskSubmission.submitTransfer', () => {
    it('should move a CSV to the guest collection and reach SUCCEEDED', async () => {
      const submission = await expectJson(
        await sdk.transfer.taskSubmission.submissionId(transfer())
      );
      const submitted = await expectJson(
        await sdk.transfer.taskSubmission.submitTransfer({
          payload: {
            submission_id: String(submission.value),
            source_endpoint: PUBLIC_COLLECTION_ID,
            destination_endpoint: GUEST_COLLECTION_ID,
            label: 'sdk contract',
            DATA: [
              {
                DATA_TYPE: 'transfer_item',
                source_path: `${WEATHER_DIR}1952.csv`,
                destination_path: '/sdk-1952.csv'
              }
            ]
          },
          ...transfer()
        }),
        202
      );
      assert.equal(submitted.code, 'Accepted');
      const taskId = String(submitted.task_id);
      let task: Record<string, unknown> = {};
      const deadline = Date.now() + 15_000;
      for (let i = 0; i < 300 && Date.now() < deadline; i++) {
        task = await expectJson(await sdk.transfer.task.get(taskId, transfer()));
        if (task.status !== 'ACTIVE') break;
        await new Promise(r => setTimeout(r, 50));
      }
      assert.equal(task.status, 'SUCCEEDED', JSON.stringify(task));
      assert.equal(task.files_transferred, 1);
      assert.equal(task.type, 'TRANSFER');
      // What the emulator recorded: the bytes arrived.
      const source = (await sdk.transfer.fileOperations
        .ls(PUBLIC_COLLECTION_ID, {
          query: { path: WEATHER_DIR },
          ...transfer()
        })
        .then(r => r.json())) as { DATA: { name: string; size: number }[] };
      const size = source.DATA.find(d => d.name === '1952.csv')?.size;
      assert.equal(task.bytes_transferred, size);
      const dest = await expectJson(
        await sdk.transfer.fileOperations.ls(GUEST_COLLECTION_ID, {
          query: { path: '/' },
          ...transfer()
        })
      );
      assert.equal(
        (dest.DATA as { name: string; size: number }[]).find(d => d.name === 'sdk-1952.csv')?.size,
        size
      );
      const original = await fetch(
        `${emu.urls.collections[PUBLIC_COLLECTION_ID]}${WEATHER_DIR}1952.csv`
      );
      const https = await demoTokens(emu, [
        `https://auth.globus.org/scopes/${GUEST_COLLECTION_ID}/https`
      ]);
      const copy = await fetch(`${emu.urls.collections[GUEST_COLLECTION_ID]}/sdk-1952.csv`, {
        headers: bearer(https[GUEST_COLLECTION_ID])
      });
      assert.equal(copy.status, 200);
      assert.deepEqual(
        Buffer.from(await copy.arrayBuffer()),
        Buffer.from(await original.arrayBuffer())
      );
    });
  });

  describe('auth.oauth2.userinfo', () => {
    it('should return the demo user', async () => {
      const body = await expectJson(
        await sdk.auth.oauth2.userinfo({
          ...auth(),
          // The SDK declares `payload: never` as required here; a GET sends none.
          payload: undefined as never
        })
      );
      assert.equal(body.sub, DEMO_IDENTITY_ID);
      assert.equal(typeof body.preferred_username, 'string');
    });
  });

  describe('auth.identities.getAll', () => {
    it('should resolve an identity by id', async () => {
      const body = await expectJson(
        await sdk.auth.identities.getAll({ query: { ids: DEMO_IDENTITY_ID }, ...auth() })
      );
      const identities = body.identities as { id: string; username: string }[];
      assert.equal(identities.length, 1);
      assert.equal(identities[0].id, DEMO_IDENTITY_ID);
    });

    it('should resolve the same identity by username', async () => {
      const byId = await expectJson(await sdk.auth.identities.get(DEMO_IDENTITY_ID, auth()));
      const username = (byId.identity as { username: string }).username;
      const body = await expectJson(
        await sdk.auth.identities.getAll({ query: { usernames: username }, ...auth() })
      );
      assert.equal((body.identities as { id: string }[])[0].id, DEMO_IDENTITY_ID);
    });
  });

  describe('groups.groups.getMyGroups', () => {
    it("should list the demo user's groups", async () => {
      const response = await sdk.groups.groups.getMyGroups({
        headers: bearer(tokens['groups.api.globus.org'])
      });
      assert.equal(response.status, 200);
      const groups = (await response.json()) as { id: string }[];
      assert.ok(Array.isArray(groups));
      assert.ok(
        groups.some(g => g.id === TUTORIAL_GROUP_ID),
        JSON.stringify(groups)
      );
    });
  });

  describe('errors.isConsentRequiredError', () => {
    it('should recognise the ConsentRequired answer for the mapped collection', async () => {
      const response = await sdk.transfer.fileOperations.ls(MAPPED_COLLECTION_ID, {
        query: { path: '/' },
        ...transfer()
      });
      const body = await expectJson(response, 403);
      assert.equal(sdk.errors.isConsentRequiredError(body), true);
      assert.equal(sdk.errors.isAuthorizationRequirementsError(body), true);
    });
  });
});
