/**
 * Transfer `ls` pages of a large folder: the cheap path (name/type filters and orders stat
 * only the requested page) must answer exactly what the full path (every entry stat'ed)
 * answers, for every page, hidden files, symlinks, filters and orders.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GUEST_COLLECTION_ID } from '../state/seed.js';
import { startWorld, type IWorld } from './transfer-fixture.js';

const DIR = '/paging';
const COUNT = 1200;

describe('Transfer', () => {
  let world: IWorld;

  before(async () => {
    world = await startWorld();
    const root = world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string;
    const dir = join(root, 'paging');
    await mkdir(dir);
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < COUNT; i++) {
      const name = `f${String((i * 7919) % COUNT).padStart(5, '0')}${i % 3 === 0 ? '.csv' : '.txt'}`;
      jobs.push(writeFile(join(dir, name), 'x'.repeat(i % 50)));
    }
    for (let i = 0; i < 40; i++) jobs.push(mkdir(join(dir, `d${i}`)));
    for (let i = 0; i < 15; i++) jobs.push(writeFile(join(dir, `.hidden${i}`), 'h'));
    jobs.push(writeFile(join(dir, 'Ünïcode é.csv'), 'u'), writeFile(join(dir, 'Zeta'), 'z'));
    await Promise.all(jobs);
    await symlink('d1', join(dir, 'link-to-dir'));
    await symlink('f00001.txt', join(dir, 'link-to-file'));
    await symlink('missing', join(dir, 'link-dangling'));
    await symlink('/etc/passwd', join(dir, 'link-outside'));
  });

  after(async () => {
    await world.close();
  });

  const ls = async (query: Record<string, string | string[]>) => {
    const res = await world.api('GET', `/operation/endpoint/${GUEST_COLLECTION_ID}/ls`, {
      query: { path: DIR, ...query }
    });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    return res.body;
  };

  /** Every page of a query, concatenated, with the totals each page reported. */
  const allPages = async (query: Record<string, string | string[]>, limit: number) => {
    const data: unknown[] = [];
    const totals = new Set<unknown>();
    for (let offset = 0; offset < 5000; offset += limit) {
      const body = await ls({ ...query, limit: String(limit), offset: String(offset) });
      totals.add(body.total);
      data.push(...(body.DATA ?? []));
      if ((body.DATA ?? []).length < limit) break;
    }
    return { data, totals };
  };

  describe('#ls', () => {
    // Each cheap query, and an equivalent one that reads `size` (names are unique and every
    // size is >= 0), which takes the path that stats every entry.
    const cases: Array<
      [string, Record<string, string | string[]>, Record<string, string | string[]>]
    > = [
      ['default order', {}, { orderby: 'name ASC,size ASC' }],
      ['name DESC', { orderby: 'name DESC' }, { orderby: 'name DESC,size ASC' }],
      [
        'type then name',
        { orderby: 'type DESC,name ASC' },
        { orderby: 'type DESC,name ASC,size ASC' }
      ],
      ['hidden shown', { show_hidden: '1' }, { show_hidden: '1', orderby: 'name ASC,size DESC' }],
      ['name glob filter', { filter: 'name:~*.csv' }, { filter: 'name:~*.csv/size:>=0' }],
      [
        'type filter, two filters ANDed',
        { filter: ['type:dir', 'name:!d1'] },
        { filter: ['type:dir', 'name:!d1', 'size:>=0'] }
      ],
      [
        'type OR filter',
        { filter: 'type:file,dir', orderby: 'type ASC' },
        { filter: 'type:file,dir/size:>=0', orderby: 'type ASC,name ASC' }
      ]
    ];

    for (const [what, cheap, full] of cases) {
      it(`should page ${what} exactly as the full listing`, async () => {
        const reference = await ls({ ...full, limit: '100000' });
        assert.ok((reference.DATA ?? []).length > 0);
        assert.equal(reference.total, (reference.DATA ?? []).length);
        const whole = await ls({ ...cheap, limit: '100000' });
        assert.deepEqual(whole.DATA, reference.DATA);
        assert.equal(whole.total, reference.total);
        for (const limit of [1000, 333]) {
          const paged = await allPages(cheap, limit);
          assert.deepEqual(paged.data, reference.DATA, `pages of ${limit}`);
          assert.deepEqual([...paged.totals], [reference.total]);
        }
      });
    }

    it('should report symlinks as their targets and list a page past the end as empty', async () => {
      const body = await ls({ filter: 'name:~link-*' });
      const byName = new Map((body.DATA ?? []).map(d => [d.name, d]));
      assert.equal(byName.get('link-to-dir')?.type, 'dir');
      assert.equal(byName.get('link-to-file')?.type, 'file');
      assert.equal(byName.get('link-dangling')?.type, 'invalid_symlink');
      assert.equal(byName.get('link-outside')?.type, 'invalid_symlink');
      const past = await ls({ offset: '99999', limit: '10' });
      assert.deepEqual(past.DATA, []);
      assert.equal(past.length, 0);
      assert.ok(Number(past.total) > COUNT);
    });

    it('should see entries written after an earlier listing', async () => {
      const before = await ls({ filter: 'name:late.csv' });
      assert.equal(before.total, 0);
      const root = world.emu.collections.rootOf(GUEST_COLLECTION_ID) as string;
      await writeFile(join(root, 'paging', 'late.csv'), '12345');
      const after = await ls({ filter: 'name:late.csv' });
      assert.equal(after.total, 1);
      assert.equal(after.DATA?.[0]?.size, 5);
    });
  });
});
