/**
 * Unit tests of the collection store's pure parts: path normalisation, the symlink guard,
 * name globs, Transfer's list query grammar and the weather CSV generator.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectionError,
  echoDirPath,
  normalizePath,
  resolveInside
} from '../state/collection-paths.js';
import { globToRegExp } from '../state/name-glob.js';
import { weatherCsv, WEATHER_STATION_NAME } from '../state/weather-csv.js';
import {
  compileFilter,
  compileOrder,
  ListQueryError,
  lsFilterFields,
  lsOrderFields
} from '../routes/transfer/list-query.js';
import { legacyUsername, lsTime, isoSeconds } from '../state/transfer-format.js';

describe('normalizePath', () => {
  it('should resolve /~/ and ~ against the home directory', () => {
    assert.equal(normalizePath('/~/', '/home/demo'), '/home/demo');
    assert.equal(normalizePath('/~/data/x.csv', '/home/demo'), '/home/demo/data/x.csv');
    assert.equal(normalizePath('~/a', '/home/demo'), '/home/demo/a');
    assert.equal(normalizePath('~', '/'), '/');
  });

  it('should take relative paths relative to home and collapse slashes and dots', () => {
    assert.equal(normalizePath('a//b/./c/', '/home/demo'), '/home/demo/a/b/c');
    assert.equal(normalizePath('/share/godata/', '/home/demo'), '/share/godata');
    assert.equal(normalizePath('/', '/home/demo'), '/');
  });

  it('should refuse .. segments, NUL bytes and empty paths', () => {
    for (const bad of ['/../etc/passwd', '/a/../../b', '/~/..', 'x/..', '/a\0b', '']) {
      assert.throws(
        () => normalizePath(bad, '/home/demo'),
        (e: unknown) => e instanceof CollectionError && e.code === 'BadPath',
        bad
      );
    }
  });

  it('should keep a name that merely contains dots', () => {
    assert.equal(normalizePath('/a/..b/c..', '/'), '/a/..b/c..');
  });
});

describe('echoDirPath', () => {
  it('should add a trailing slash and keep the /~/ form', () => {
    assert.equal(echoDirPath('/share', '/share', '/'), '/share/');
    assert.equal(echoDirPath('/~/', '/home/demo', '/home/demo'), '/~/');
    assert.equal(echoDirPath('/~/sub', '/home/demo/sub', '/home/demo'), '/~/sub/');
    assert.equal(echoDirPath('/', '/', '/'), '/');
  });
});

describe('resolveInside', () => {
  let base: string;
  let root: string;
  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'paths-test-')));
    root = join(base, 'root');
    await mkdir(join(root, 'inside'), { recursive: true });
    await writeFile(join(base, 'secret.txt'), 'secret');
    await symlink(join(base, 'secret.txt'), join(root, 'out-link'));
    await symlink(base, join(root, 'out-dir'));
    await symlink(join(root, 'inside'), join(root, 'in-link'));
    await symlink(join(base, 'missing'), join(root, 'dangling'));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('should map a plain path under the root', async () => {
    assert.equal(
      await resolveInside(root, '/inside/new.txt', true),
      join(root, 'inside', 'new.txt')
    );
  });

  it('should allow a symlink that stays inside', async () => {
    assert.equal(await resolveInside(root, '/in-link/x', true), join(root, 'in-link', 'x'));
  });

  it('should refuse symlinks that lead out of the collection', async () => {
    for (const p of ['/out-link', '/out-dir/secret.txt', '/out-dir']) {
      await assert.rejects(
        resolveInside(root, p, true),
        (e: unknown) => e instanceof CollectionError && e.code === 'PermissionDenied',
        p
      );
    }
  });

  it('should refuse a dangling symlink in the middle of a path', async () => {
    await assert.rejects(
      resolveInside(root, '/dangling/x.txt', true),
      (e: unknown) => e instanceof CollectionError && e.code === 'NotFound'
    );
  });

  it('should not follow the final symlink when asked to act on the link itself', async () => {
    assert.equal(await resolveInside(root, '/out-link', false), join(root, 'out-link'));
  });
});

describe('globToRegExp', () => {
  it('should match * ? and sets, and escape everything else', () => {
    assert.ok(globToRegExp('*.csv').test('1952.csv'));
    assert.ok(!globToRegExp('*.csv').test('1952.csv.bak'));
    assert.ok(globToRegExp('19?2.csv').test('1952.csv'));
    assert.ok(globToRegExp('[ab]*').test('beta'));
    assert.ok(!globToRegExp('[!ab]*').test('beta'));
    assert.ok(!globToRegExp('a.c').test('abc'));
    assert.ok(globToRegExp('(x)+').test('(x)+'));
  });
});

describe('compileFilter', () => {
  const docs = [
    { name: 'a.csv', type: 'file', size: 10, last_modified: '2020-01-01 00:00:00+00:00' },
    { name: 'b.txt', type: 'file', size: 2000, last_modified: '2022-06-01 00:00:00+00:00' },
    { name: 'dir', type: 'dir', size: 4096, last_modified: '2021-01-01 00:00:00+00:00' }
  ];
  const names = (filters: string[]) =>
    docs.filter(compileFilter(filters, lsFilterFields)).map(d => d.name);

  it('should support name operators =, ~, !, !~ and comma alternatives', () => {
    assert.deepEqual(names(['name:a.csv']), ['a.csv']);
    assert.deepEqual(names(['name:=b.txt']), ['b.txt']);
    assert.deepEqual(names(['name:~*.csv']), ['a.csv']);
    assert.deepEqual(names(['name:!dir']), ['a.csv', 'b.txt']);
    assert.deepEqual(names(['name:!~*.*']), ['dir']);
    assert.deepEqual(names(['name:a.csv,b.txt']), ['a.csv', 'b.txt']);
  });

  it('should AND clauses joined by / and repeated filter params', () => {
    assert.deepEqual(names(['type:file/name:~b*']), ['b.txt']);
    assert.deepEqual(names(['type:file', 'size:>100']), ['b.txt']);
  });

  it('should support time ranges with an open bound', () => {
    assert.deepEqual(names(['last_modified:,2021-06-01']), ['a.csv', 'dir']);
    assert.deepEqual(names(['last_modified:2021-06-01,']), ['b.txt']);
  });

  it('should reject unknown fields and malformed clauses', () => {
    assert.throws(() => compileFilter(['owner:me'], lsFilterFields), ListQueryError);
    assert.throws(() => compileFilter(['nocolon'], lsFilterFields), ListQueryError);
    assert.throws(() => compileFilter(['size:big'], lsFilterFields), ListQueryError);
  });
});

describe('compileOrder', () => {
  it('should sort by several keys with directions', () => {
    const docs = [
      { name: 'b', type: 'file', size: 1 },
      { name: 'a', type: 'file', size: 2 },
      { name: 'c', type: 'dir', size: 3 }
    ];
    const order = compileOrder('type ASC,name DESC', lsOrderFields, 'name ASC');
    assert.deepEqual(
      [...docs].sort(order).map(d => d.name),
      ['c', 'b', 'a']
    );
    assert.deepEqual(
      [...docs].sort(compileOrder(null, lsOrderFields, 'size DESC')).map(d => d.name),
      ['c', 'a', 'b']
    );
  });

  it('should reject unknown fields and directions', () => {
    assert.throws(() => compileOrder('owner ASC', lsOrderFields, 'name ASC'), ListQueryError);
    assert.throws(() => compileOrder('name UP', lsOrderFields, 'name ASC'), ListQueryError);
  });
});

describe('weatherCsv', () => {
  const parse = (line: string) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map(m => m[1]);

  it('should write the NOAA daily header and one row per day', () => {
    const lines = weatherCsv(1952).trimEnd().split('\n');
    assert.deepEqual(parse(lines[0]), [
      'STATION',
      'NAME',
      'DATE',
      'PRCP',
      'SNOW',
      'SNWD',
      'TMAX',
      'TMIN'
    ]);
    assert.equal(lines.length, 1 + 366, '1952 is a leap year');
    assert.equal(weatherCsv(1953).trimEnd().split('\n').length, 1 + 365);
    const first = parse(lines[1]);
    assert.equal(first[0], 'USW00023169');
    assert.equal(first[1], WEATHER_STATION_NAME);
    assert.equal(first[2], '19520101');
    assert.equal(parse(lines[366])[2], '19521231');
  });

  it('should have TMAX above TMIN, seasonal temperatures and some empty cells', () => {
    const rows = weatherCsv(1955).trimEnd().split('\n').slice(1).map(parse);
    let empties = 0;
    const mean = (m: string) => {
      const month = rows.filter(r => r[2].slice(4, 6) === m).map(r => Number(r[6]));
      return month.reduce((a, b) => a + b, 0) / month.length;
    };
    for (const r of rows) {
      assert.ok(Number(r[6]) > Number(r[7]), `TMAX > TMIN on ${r[2]}`);
      empties += r.slice(3, 6).filter(v => v === '').length;
    }
    assert.ok(empties > 0, 'some values are empty');
    assert.ok(mean('07') - mean('01') > 30, 'July is much hotter than January');
    assert.ok(mean('07') > 95 && mean('07') < 112, `July mean TMAX ${mean('07')}`);
  });

  it('should be deterministic for a seed and differ between seeds', () => {
    assert.equal(weatherCsv(1960, 3), weatherCsv(1960, 3));
    assert.notEqual(weatherCsv(1960, 3), weatherCsv(1960, 4));
  });
});

describe('transfer-format', () => {
  it('should format times as Transfer does', () => {
    const t = Date.UTC(2021, 8, 2, 18, 4, 49, 123);
    assert.equal(isoSeconds(t), '2021-09-02T18:04:49+00:00');
    assert.equal(lsTime(t), '2021-09-02 18:04:49+00:00');
  });

  it('should build u_ usernames of 26 base32 characters', () => {
    assert.match(legacyUsername('ae332d86-d274-11e5-b885-b31714a110e9'), /^u_[a-z2-7]{26}$/);
  });
});
