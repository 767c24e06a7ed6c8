import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GUEST_COLLECTION_ID, PUBLIC_COLLECTION_ID } from '../state/seed.js';
import { startWorld, waitForTask, type IWorld } from './transfer-fixture.js';

describe('TaskEngine', () => {
  let world: IWorld;
  before(async () => {
    world = await startWorld({ seed: 5 });
  });
  after(() => world.close());

  describe('#copyFile', () => {
    const transferFile = async (destinationPath: string): Promise<Record<string, unknown>> => {
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
              destination_path: destinationPath
            }
          ]
        }
      });
      assert.equal(submitted.status, 202);
      return waitForTask(world, submitted.body.task_id as string);
    };

    it('should make the missing destination folders of a file, as a Globus transfer does', async () => {
      const task = await transferFile('/no-such-folder/deeper/file1.txt');
      assert.equal(task.status, 'SUCCEEDED');
      const root = world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string;
      const copied = await readFile(join(root, 'no-such-folder', 'deeper', 'file1.txt'));
      const source = await readFile(
        join(world.emu.collections.rootOf(PUBLIC_COLLECTION_ID) as string, 'share/godata/file1.txt')
      );
      assert.deepEqual(copied, source);
    });

    it('regression #8: should fail a folder that cannot be made with FILE_NOT_FOUND, not UNKNOWN with a host path', async () => {
      const root = world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string;
      await writeFile(join(root, 'a-file'), 'not a folder');
      const task = await transferFile('/a-file/file1.txt');
      assert.equal(task.status, 'FAILED');
      assert.equal((task.fatal_error as { code: string }).code, 'FILE_NOT_FOUND');
      const events = await world.api('GET', `/task/${task.task_id as string}/event_list`);
      const text = JSON.stringify(events.body);
      assert.ok(text.includes('No such directory'), text.slice(0, 300));
      assert.ok(!text.includes(world.emu.dataDir), 'no host path in the events');
      assert.ok(!/ENOENT|ENOTDIR|EEXIST/.test(text));
    });
  });
});
