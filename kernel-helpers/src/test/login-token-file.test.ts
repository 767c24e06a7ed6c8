import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ITokenFileDocument, jupyterDataDir, TokenFile, tokenFilePath } from '../login/token-file';
import { isLoginError } from '../login/login-error';
import { withFileLock } from '../login/file-lock';

function sampleDoc(): ITokenFileDocument {
  return {
    format: 'jupyterlab-globus-kit/tokens',
    format_version: 1,
    revision: 0,
    updated_at: 0,
    client_id: 'client',
    auth_base_url: 'http://127.0.0.1:1',
    identity: { sub: 'abc', preferred_username: 'u@example.org' },
    id_token: null,
    tokens: {
      'transfer.api.globus.org': {
        resource_server: 'transfer.api.globus.org',
        access_token: 'SECRET-ACCESS',
        refresh_token: 'SECRET-REFRESH',
        scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
        expires_at_seconds: 2000000000,
        token_type: 'Bearer'
      }
    }
  };
}

describe('TokenFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'gk-tokenfile-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('#update', () => {
    it('should write mode 0600 in a new 0700 folder, bump the revision, and read back', async () => {
      const file = new TokenFile(join(dir, 'a', 'tokens.json'));
      const written = await file.update(() => sampleDoc());
      assert.equal(written?.revision, 1);
      const st = await fs.stat(file.path);
      assert.equal(st.mode & 0o777, 0o600);
      assert.equal((await fs.stat(join(dir, 'a'))).mode & 0o777, 0o700);
      const again = await file.update(doc => ({ ...(doc as ITokenFileDocument) }));
      assert.equal(again?.revision, 2);
      const read = await file.read();
      assert.equal(read?.tokens['transfer.api.globus.org'].refresh_token, 'SECRET-REFRESH');
      assert.deepEqual(
        [...(await fs.readdir(join(dir, 'a')))].sort(),
        ['tokens.json'],
        'no temp or lock files left behind'
      );
    });

    it('should lose no write when 25 updates race in one process', async () => {
      const file = new TokenFile(join(dir, 'race', 'tokens.json'));
      await file.update(() => sampleDoc());
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          file.update(doc => {
            const d = doc as ITokenFileDocument;
            return { ...d, identity: { sub: `${d.identity?.sub ?? ''}${i % 10}` } };
          })
        )
      );
      const doc = await file.read();
      assert.equal(doc?.revision, 26);
      assert.equal(doc?.identity?.sub.length, 3 + 25);
    });

    it('should delete the file when the change returns null', async () => {
      const file = new TokenFile(join(dir, 'del', 'tokens.json'));
      await file.update(() => sampleDoc());
      await file.remove();
      assert.equal(await file.read(), undefined);
    });
  });

  describe('#read', () => {
    it('should move a corrupt file aside and throw TOKEN_FILE_CORRUPT without the content', async () => {
      const path = join(dir, 'corrupt.json');
      await fs.writeFile(path, '{"format": "jupyterlab-globus-kit/tokens", SECRET-XYZ');
      const error = await new TokenFile(path).read().then(
        () => assert.fail('should throw'),
        (e: unknown) => e
      );
      assert.ok(isLoginError(error));
      assert.equal(error.code, 'TOKEN_FILE_CORRUPT');
      assert.doesNotMatch(error.message, /SECRET/);
      assert.match(error.message, /Log in again/);
      assert.ok(error.movedTo);
      assert.match(await fs.readFile(error.movedTo, 'utf8'), /SECRET-XYZ/, 'bad file kept');
      await assert.rejects(fs.stat(path), { code: 'ENOENT' });
    });

    it('should move a foreign JSON file aside with TOKEN_FILE_FOREIGN', async () => {
      const path = join(dir, 'foreign.json');
      await fs.writeFile(path, JSON.stringify({ transfer: { access_token: 'x' } }));
      await assert.rejects(new TokenFile(path).read(), { code: 'TOKEN_FILE_FOREIGN' });
      await assert.rejects(fs.stat(path), { code: 'ENOENT' });
    });

    it('should leave a newer format version untouched with TOKEN_FILE_UNSUPPORTED', async () => {
      const path = join(dir, 'newer.json');
      await fs.writeFile(path, JSON.stringify({ ...sampleDoc(), format_version: 99 }));
      await assert.rejects(new TokenFile(path).read(), { code: 'TOKEN_FILE_UNSUPPORTED' });
      await fs.stat(path);
    });

    it('should treat mistyped tokens as corrupt', async () => {
      const path = join(dir, 'mistyped.json');
      const doc = sampleDoc() as unknown as { tokens: Record<string, { access_token: unknown }> };
      doc.tokens['transfer.api.globus.org'].access_token = 42;
      await fs.writeFile(path, JSON.stringify(doc));
      await assert.rejects(new TokenFile(path).read(), { code: 'TOKEN_FILE_CORRUPT' });
    });
  });
});

describe('withFileLock', () => {
  it('should break a stale lock and time out on a live one', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'gk-lock-'));
    const path = join(dir, 'f.json');
    await fs.writeFile(`${path}.lock`, '{}');
    const old = new Date(Date.now() - 60000);
    await fs.utimes(`${path}.lock`, old, old);
    assert.equal(await withFileLock(path, async () => 'got it', { staleMs: 30000 }), 'got it');
    await fs.writeFile(`${path}.lock`, '{}');
    await assert.rejects(
      withFileLock(path, async () => 'no', { timeoutMs: 100 }),
      {
        code: 'TOKEN_FILE_LOCKED'
      }
    );
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('tokenFilePath', () => {
  it('should follow jupyter_core: JUPYTER_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
    assert.equal(
      tokenFilePath({ JUPYTER_DATA_DIR: '/d' }),
      join('/d', 'globus-kit', 'tokens.json')
    );
    assert.equal(jupyterDataDir({ HOME: '/h', XDG_DATA_HOME: '/x' }, 'linux'), '/x/jupyter');
    assert.equal(jupyterDataDir({ HOME: '/h' }, 'linux'), '/h/.local/share/jupyter');
    assert.equal(jupyterDataDir({ HOME: '/h' }, 'darwin'), '/h/Library/Jupyter');
    assert.equal(
      tokenFilePath({ GLOBUS_KIT_TOKEN_FILE: '/t.json', JUPYTER_DATA_DIR: '/d' }),
      '/t.json'
    );
  });
});
