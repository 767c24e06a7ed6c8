import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GUEST_COLLECTION_ID, PUBLIC_COLLECTION_ID } from '../state/seed.js';
import { startWorld, waitForTask, type IWorld } from './transfer-fixture.js';

describe('TaskEngine', () => {
  let world: IWorld;
  before(async () => {
    world = await startWorld({ seed: 5 });
  });
  after(() => world.close());

  describe('#copyFile', () => {
    it('regression #8: should fail a missing destination folder with FILE_NOT_FOUND, not UNKNOWN with a host path', async () => {
      const sub = await world.api('GET', '/submission_id');
      const submitted = await world.api('POST', '/transfer', {
        body: {
          DATA_TYPE: 'transfer',
          submission_id: sub.body.value,
          source_endpoint: PUBLIC_COLLECTION_ID,
          destination_endpoint: GUEST_COLLECTION_ID,
          DATA: [
            {
              DATA_TYPE: 'transfer_item',
              source_path: '/share/godata/file1.txt',
              destination_path: '/no-such-folder/file1.txt'
            }
          ]
        }
      });
      assert.equal(submitted.status, 202);
      const task = await waitForTask(world, submitted.body.task_id as string);
      assert.equal(task.status, 'FAILED');
      assert.equal((task.fatal_error as { code: string }).code, 'FILE_NOT_FOUND');
      const events = await world.api('GET', `/task/${submitted.body.task_id as string}/event_list`);
      const text = JSON.stringify(events.body);
      assert.ok(text.includes('No such directory'), text.slice(0, 300));
      assert.ok(!text.includes(world.emu.dataDir), 'no host path in the events');
      assert.ok(!text.includes('ENOENT'));
    });
  });
});
