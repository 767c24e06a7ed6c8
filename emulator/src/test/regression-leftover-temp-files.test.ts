/**
 * Issue #15: a run killed mid-transfer or mid-upload leaves its `.part-`/`.upload-`
 * temporary files in a reused data folder; the next start removes them — only them, never a
 * user's file that merely looks similar.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator } from '../index.js';
import { GUEST_COLLECTION_ID, PUBLIC_COLLECTION_ID } from '../state/seed.js';
import { isLeftoverTempName, transferTempName, uploadTempName } from '../state/temp-names.js';

/** Names the emulator writes while copying (what a kill leaves behind). */
const leftovers = [
  '.big.csv.part-1a2b3c4d',
  '.results.nc.upload-0123456789ab',
  '..part-00000000.part-deadbeef'
];
/** User files and folders that must survive. */
const userNames = [
  'notes.part.txt',
  'notes.part-1a2b3c4d',
  '.draft.part-1',
  '.draft.part-1A2B3C4D',
  '.draft.part-1a2b3c4d.txt',
  '.x.upload-0123456789abc',
  '.x.upload-0123456789a',
  '.part-1a2b3c4d',
  'report.upload-0123456789ab'
];

describe('regression #15: leftover temporary files at start', () => {
  it('should match exactly the names the emulator makes', () => {
    const made = [
      transferTempName('data.csv', 'a1b2c3d4-0000-4000-8000-000000000000'),
      transferTempName('x'.repeat(255), 'a1b2c3d4-0000-4000-8000-000000000000'),
      uploadTempName('data.csv'),
      uploadTempName('é'.repeat(127))
    ];
    for (const name of [...made, ...leftovers]) assert.ok(isLeftoverTempName(name), name);
    for (const name of made) assert.ok(Buffer.byteLength(name) <= 255, name);
    for (const name of userNames) assert.ok(!isLeftoverTempName(name), name);
  });

  it('should remove planted leftovers in a reused data folder and keep user files', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'emu-leftovers-'));
    try {
      const guest = join(dataDir, 'collections', GUEST_COLLECTION_ID);
      const deep = join(dataDir, 'collections', PUBLIC_COLLECTION_ID, 'share', 'deeper');
      await mkdir(guest, { recursive: true });
      await mkdir(deep, { recursive: true });
      for (const dir of [guest, deep]) {
        for (const name of [...leftovers, ...userNames]) await writeFile(join(dir, name), name);
      }
      // A folder and a symlink with a leftover's name are not the emulator's files.
      await mkdir(join(guest, '.folder.part-1a2b3c4d'));
      await symlink('notes.part.txt', join(guest, '.link.part-1a2b3c4d'));

      const emu = await createEmulator({ dataDir, seed: 15 });
      try {
        for (const dir of [guest, deep]) {
          const names = await readdir(dir);
          for (const name of leftovers) assert.ok(!names.includes(name), `${name} left in ${dir}`);
          for (const name of userNames) assert.ok(names.includes(name), `${name} removed`);
        }
        const guestNames = await readdir(guest);
        assert.ok(guestNames.includes('.folder.part-1a2b3c4d'));
        assert.ok(guestNames.includes('.link.part-1a2b3c4d'));
        // The seeded files are still written where missing.
        assert.ok(guestNames.includes('README.txt'));
      } finally {
        await emu.close();
      }
      // The data folder is the caller's: it stays after close.
      assert.ok((await readdir(guest)).includes('notes.part.txt'));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
