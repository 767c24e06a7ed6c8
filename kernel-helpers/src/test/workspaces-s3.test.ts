/**
 * S3 workspaces against the emulator's workspace API and its real S3 server (loopback):
 * listing (the caller's only), a foreign workspace as WORKSPACE_NOT_FOUND, STS credentials
 * renewed before expiry and after S3 refuses expired ones, ls / upload / download /
 * downloadFile, a multipart upload of 64 MiB with progress, signed URLs that work with
 * plain HTTP and fail after expiry, keys that try to leave the workspace refused, access
 * denied typed, and the `{ workspace, key }` form of fetchCsv / upload / link on both an
 * OIDC and a Globus session.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { connect as tcpConnect, createServer as createTcpServer, type Socket } from 'node:net';
import { connect } from '../session';
import { isBadInputError } from '../errors/bad-input-error';
import { isNetworkError } from '../errors/network-error';
import { connectOidc, OidcSession } from '../oidc/oidc-session';
import { Workspace } from '../workspaces/workspace';
import { isWorkspaceError } from '../workspaces/workspace-error';
import { Emulator, EmulatorModule, loadEmulator, RecordingSink } from './flow-support';

/** The compiled package: child processes run plain node, which cannot load the .ts sources. */
const DIST = join(__dirname, '..', '..', 'dist');

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

async function expectCode(run: () => Promise<unknown>, code: string): Promise<Error> {
  try {
    await run();
  } catch (error) {
    assert.equal((error as { code?: string }).code, code, String(error));
    return error as Error;
  }
  assert.fail(`expected ${code}`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A loopback TCP proxy in front of an S3 server that passes each response's head and its
 * first `bodyBytes` body bytes, then closes both sockets: a download killed mid-body.
 */
async function cuttingProxy(
  target: string,
  bodyBytes: number
): Promise<{ url: string; cuts: () => number; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer(client => {
    const upstream = tcpConnect(Number(port), hostname);
    for (const sock of [client, upstream]) {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => undefined);
    }
    client.pipe(upstream);
    let head = Buffer.alloc(0);
    let inBody = false;
    let sent = 0;
    upstream.on('data', (chunk: Buffer) => {
      let body = chunk;
      if (!inBody) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          return;
        }
        client.write(head.subarray(0, end + 4));
        inBody = true;
        body = head.subarray(end + 4);
      }
      const room = bodyBytes - sent;
      if (body.length < room) {
        client.write(body);
        sent += body.length;
        return;
      }
      cuts++;
      client.write(body.subarray(0, room), () => {
        client.destroy();
        upstream.destroy();
      });
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cuts: () => cuts,
    close: async () => {
      for (const sock of sockets) sock.destroy();
      await new Promise(r => server.close(r));
    }
  };
}

describe('the AWS SDK', () => {
  it('should not be loaded until a workspace needs it', () => {
    const script = `
      require(${JSON.stringify(join(DIST, 'index.js'))});
      const aws = Object.keys(require.cache).filter(k => k.includes('@aws-sdk'));
      process.stdout.write(String(aws.length));`;
    const child = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      timeout: 20_000
    });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, '0');
  });
});

describe('Workspace', () => {
  let mod: EmulatorModule;
  let emu: Emulator;
  let short: Emulator;
  let app: OidcSession;
  let alice: OidcSession;
  let ws: Workspace;
  let dir: string;
  const sink = new RecordingSink();

  async function appSession(e: Emulator, display?: RecordingSink): Promise<OidcSession> {
    const env = e.platformEnv();
    return connectOidc({
      issuer: env.GLOBUS_KIT_OIDC_ISSUER,
      clientId: env.GLOBUS_KIT_OIDC_APP_CLIENT_ID,
      clientSecret: env.GLOBUS_KIT_OIDC_APP_CLIENT_SECRET,
      platformUrl: env.GLOBUS_KIT_PLATFORM_URL,
      display,
      env: {}
    });
  }

  beforeAll(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    mod = await loadEmulator();
    emu = await mod.createEmulator({ platform: true, autoApprove: true });
    short = await mod.createEmulator({ platform: { stsTtlSeconds: 3 } });
    dir = await fs.mkdtemp(join(tmpdir(), 'gk-ws-'));
    app = await appSession(emu, sink);
    ws = await app.workspace(mod.SERVICE_WORKSPACE);
    const env = emu.platformEnv();
    alice = await connectOidc({
      issuer: env.GLOBUS_KIT_OIDC_ISSUER,
      clientId: env.GLOBUS_KIT_OIDC_CLIENT_ID,
      platformUrl: env.GLOBUS_KIT_PLATFORM_URL,
      tokenFile: join(dir, 'alice.json'),
      env: {}
    });
    const start = await alice.login();
    const res = await fetch(start.url, { redirect: 'manual' });
    await alice.login.complete(res.headers.get('location') as string);
  });
  afterAll(async () => {
    app?.dispose();
    alice?.dispose();
    await emu?.close();
    await short?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('#workspaces', () => {
    it("should list only the caller's workspaces, with bucket, prefix and scopes", async () => {
      const list = await alice.workspaces();
      const names = list.map(w => w.name).sort();
      assert.deepEqual(names, [mod.ALICE_WORKSPACE, mod.SERVICE_WORKSPACE].sort());
      const mine = list.find(w => w.name === mod.ALICE_WORKSPACE);
      assert.equal(mine?.bucket, 'demo-workspaces');
      assert.equal(mine?.prefix, 'alice/');
      assert.equal(mine?.storageType, 's3');
      assert.ok(mine?.scopes.includes('s3:PutObject'));
      const svc = await app.workspaces();
      assert.deepEqual(
        svc.map(w => w.name),
        [mod.SERVICE_WORKSPACE]
      );
      const table = sink.outputs.find(o => String(o.data).includes('Workspaces (1)'));
      assert.ok(table, 'workspaces table shown');
    });

    it('should renew the token once when the workspace API answers 401', async () => {
      const s = await appSession(emu);
      const token = await s.accessToken();
      emu.realm?.expireNow(token.unsafeRevealAccessToken());
      const list = await s.workspaces();
      assert.equal(list.length, 1);
      assert.equal(s.refreshCount, 1);
      s.dispose();
    });

    it('should throw PLATFORM_NOT_CONFIGURED without a workspace API URL', async () => {
      const env = emu.platformEnv();
      const s = await connectOidc({
        issuer: env.GLOBUS_KIT_OIDC_ISSUER,
        clientId: env.GLOBUS_KIT_OIDC_APP_CLIENT_ID,
        clientSecret: env.GLOBUS_KIT_OIDC_APP_CLIENT_SECRET,
        env: {}
      });
      await expectCode(() => s.workspaces(), 'PLATFORM_NOT_CONFIGURED');
    });

    it("should answer WORKSPACE_NOT_FOUND for someone else's workspace", async () => {
      const e = await expectCode(() => alice.workspace(mod.BOB_WORKSPACE), 'WORKSPACE_NOT_FOUND');
      assert.ok(isWorkspaceError(e));
      await expectCode(() => alice.workspace('a/b'), 'WORKSPACE_NOT_FOUND');
    });
  });

  describe('#credentials', () => {
    it('should renew credentials that are about to expire', async () => {
      const s = await appSession(short);
      const w = await s.workspace(mod.SERVICE_WORKSPACE);
      const first = await w.credentials();
      assert.equal(await w.credentials(), first, 'reused while fresh');
      await sleep(3100);
      await w.upload('x', 'after-expiry.txt');
      const second = await w.credentials();
      assert.notEqual(second.accessKeyId, first.accessKeyId);
      assert.ok(w.credentialRenewals >= 2);
      assert.ok((second.expiresInSeconds() ?? 0) > 0);
      s.dispose();
    });

    it('should renew once when S3 refuses expired credentials', async () => {
      const s = await appSession(emu);
      const w = await s.workspace(mod.SERVICE_WORKSPACE);
      const first = await w.credentials();
      // Expire them on the S3 side only: our clock still thinks they are fresh.
      emu.clock.advance(3600_000);
      try {
        const t = await w.ls();
        assert.ok(t.numRows >= 0);
        assert.equal(w.credentialRenewals, 2);
        assert.notEqual((await w.credentials()).accessKeyId, first.accessKeyId);
      } finally {
        emu.clock.advance(-3600_000);
        s.dispose();
      }
    });
  });

  describe('#upload', () => {
    it('should upload, list and download back', async () => {
      const r = await ws.upload('a,b\n1,2\n', 'tests/small.csv');
      assert.equal(r.objectKey, 'service/tests/small.csv');
      assert.equal(r.multipart, false);
      assert.equal(r.contentType, 'text/csv');
      const t = await ws.ls('tests');
      assert.ok(t.column('name').includes('small.csv'));
      assert.equal(t.column('key')[t.column('name').indexOf('small.csv')], 'tests/small.csv');
      const dl = await ws.download('tests/small.csv');
      const chunks: Buffer[] = [];
      for await (const c of dl.stream) chunks.push(c as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'a,b\n1,2\n');
      assert.equal(dl.size, 8);
    });

    it('should upload 64 MiB in parts with progress and read back the same bytes', async () => {
      const body = Buffer.alloc(64 * 1024 * 1024);
      for (let i = 0; i < body.length; i += 4096) body.writeUInt32LE(i, i);
      const events: number[] = [];
      const r = await ws.upload(body, 'tests/big.bin', { onProgress: p => events.push(p.loaded) });
      assert.equal(r.multipart, true);
      assert.equal(r.bytes, body.length);
      assert.equal(r.sha256, sha256(body));
      assert.ok(events.length >= 8, `progress events: ${events.length}`);
      assert.ok(
        events.every((v, i) => i === 0 || v >= events[i - 1]),
        'progress only grows'
      );
      assert.equal(events[events.length - 1], body.length);
      const progress = sink.outputs.filter(
        o => o.kind === 'updatable' && String(o.data).includes('Uploading big.bin')
      );
      assert.equal(progress.length, 1, 'one updatable progress display');
      const target = join(dir, 'big.bin');
      const back = await ws.downloadFile('tests/big.bin', target);
      assert.equal(back.sha256, r.sha256);
      assert.equal((await fs.stat(target)).size, body.length);
    });

    it('should abort a cancelled multipart upload and leave no object', async () => {
      const body = Buffer.alloc(32 * 1024 * 1024, 3);
      const ac = new AbortController();
      let events = 0;
      await assert.rejects(
        ws.upload(body, 'tests/cancelled.bin', {
          signal: ac.signal,
          partSize: 5 * 1024 * 1024,
          queueSize: 1,
          onProgress: () => {
            if (++events === 1) ac.abort();
          }
        }),
        (e: Error) => e.name === 'AbortError'
      );
      assert.ok(events >= 1, 'it had started');
      const t = await ws.ls('tests/');
      assert.ok(!t.column('name').includes('cancelled.bin'), 'no object after a cancel');
      const cancelled = sink.outputs.find(o => String(o.data).includes('Uploading cancelled.bin'));
      assert.match(String(cancelled?.data), /jp-mod-cancelled/);
    });

    it('should upload a local file as a stream', async () => {
      const file = join(dir, 'local.txt');
      await fs.writeFile(file, 'local file body');
      const r = await ws.upload({ file }, 'tests/local.txt');
      assert.equal(r.bytes, 15);
      assert.equal(r.sha256, sha256(Buffer.from('local file body')));
      assert.equal(r.contentType, 'text/plain; charset=utf-8');
    });

    it('should upload a stream with the content type of its key', async () => {
      const body = Buffer.from('{"a":1}');
      const r = await ws.upload(Readable.from([body]), 'tests/stream.json');
      assert.equal(r.bytes, body.byteLength);
      assert.equal(r.sha256, sha256(body));
      assert.equal(r.contentType, 'application/json');
    });
  });

  describe('#download', () => {
    it('should throw S3_NOT_FOUND and leave nothing at the path', async () => {
      const target = join(dir, 'missing.csv');
      await expectCode(() => ws.downloadFile('tests/missing.csv', target), 'S3_NOT_FOUND');
      await assert.rejects(fs.stat(target), /ENOENT/);
      const left = [...(await fs.readdir(dir))].filter(n => n.startsWith('missing.csv'));
      assert.deepEqual(left, []);
    });

    it('should throw S3_ACCESS_DENIED outside what the credentials allow', async () => {
      const doc = {
        ...ws.document,
        properties: { ...ws.document.properties, key: ['elsewhere/'] }
      };
      const other = new Workspace(doc, app.platform);
      await expectCode(() => other.ls(), 'S3_ACCESS_DENIED');
      other.dispose();
    });
  });

  describe('#keys', () => {
    it('should refuse keys that leave the workspace, before any request', async () => {
      for (const key of [
        '../bob/x',
        'a/../../x',
        '/abs/x',
        'a\0b',
        's3://demo-workspaces/x',
        'a/./b',
        ''
      ]) {
        const e = await expectCode(() => ws.upload('x', key), 'BAD_KEY');
        assert.ok(isBadInputError(e));
      }
      await expectCode(() => ws.download('../x'), 'BAD_KEY');
      await expectCode(() => ws.signedUrl('/x'), 'BAD_KEY');
      await expectCode(() => ws.ls('..'), 'BAD_KEY');
    });
  });

  describe('#signedUrl', () => {
    it('should work with plain HTTP and fail after it expires', async () => {
      await ws.upload('signed body', 'tests/signed.txt');
      const s = await ws.signedUrl('tests/signed.txt', { expiresIn: 2 });
      assert.equal(s.expiresIn, 2);
      const ok = await fetch(s.url);
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), 'signed body');
      await sleep(3100);
      const late = await fetch(s.url);
      assert.equal(late.status, 403);
      await late.body?.cancel();
    });

    it('should cap the URL to the credentials it is signed with', async () => {
      const s = await appSession(short);
      const w = await s.workspace(mod.SERVICE_WORKSPACE);
      const url = await w.signedUrl('x.txt', { expiresIn: 3600 });
      assert.ok(url.expiresIn <= 3, `capped to the 3 s credentials (${url.expiresIn})`);
      await expectCode(() => w.signedUrl('x.txt', { expiresIn: 0 }), 'BAD_EXPIRES_IN');
      s.dispose();
    });
  });

  describe('#verbs', () => {
    it('should fetch the seeded CSV by workspace name on an OIDC session', async () => {
      const table = await alice.fetchCsv({
        workspace: mod.ALICE_WORKSPACE,
        key: 'weather/station-1.csv'
      });
      assert.equal(table.numRows, 31);
      assert.equal(table.column('TMAX').length, 31);
    });

    it('should take { workspace, key } on a Globus session too', async () => {
      const globusSink = new RecordingSink();
      const globus = await connect({ env: await emu.env(), display: globusSink });
      const up = await globus.upload('x,y\n1,2\n3,4\n', { workspace: ws, key: 'tests/globus.csv' });
      assert.equal(up.objectKey, 'service/tests/globus.csv');
      const table = await globus.fetchCsv({ workspace: ws, key: 'tests/globus.csv' });
      assert.equal(table.numRows, 2);
      const link = await globus.link({ workspace: ws, key: 'tests/globus.csv' }, { expiresIn: 60 });
      assert.equal((await fetch(link.url)).status, 200);
      const card = globusSink.outputs.find(o => String(o.data).includes('Download link'));
      assert.ok(card, 'link card shown');
      assert.ok(String(card.data).includes('Expires'));
      await expectCode(
        () => globus.fetchCsv({ workspace: mod.SERVICE_WORKSPACE, key: 'tests/globus.csv' }),
        'BAD_WORKSPACE'
      );
    });
  });

  describe('regression #15: a download killed mid-body', () => {
    it('should fail download, downloadFile and fetchCsv with TRUNCATED_BODY, leaving no file', async () => {
      const rows = Array.from({ length: 8000 }, (_, i) => `${i},${(i * 7) % 1000}`).join('\n');
      const csv = `n,v\n${rows}\n`;
      await ws.upload(csv, 'tests/cut.csv');
      const proxy = await cuttingProxy(emu.platformEnv().GLOBUS_KIT_S3_ENDPOINT, 1000);
      const doc = {
        ...ws.document,
        end_point: proxy.url,
        properties: { ...ws.document.properties, service_url: [proxy.url] }
      };
      const cut = new Workspace(doc, app.platform);
      const expectTruncated = (what: string) => (e: unknown) => {
        assert.ok(isNetworkError(e), `${what}: ${String(e)}`);
        assert.equal(e.code, 'TRUNCATED_BODY', what);
        assert.match(
          e.message,
          /S3 GetObject of .+:tests\/cut\.csv failed: the response body was cut short \(1000 of \d+ bytes/
        );
        assert.ok(!e.message.includes(proxy.url), `${what}: no URL`);
        return true;
      };
      try {
        const dl = await cut.download('tests/cut.csv');
        assert.equal(dl.size, Buffer.byteLength(csv));
        await assert.rejects(async () => {
          for await (const _chunk of dl.stream) {
            // read until the cut
          }
        }, expectTruncated('download'));
        const target = join(dir, 'cut.csv');
        await assert.rejects(
          cut.downloadFile('tests/cut.csv', target),
          expectTruncated('downloadFile')
        );
        await assert.rejects(fs.stat(target), /ENOENT/);
        assert.deepEqual(
          [...(await fs.readdir(dir))].filter(n => n.startsWith('cut.csv')),
          []
        );
        const globus = await connect({ env: await emu.env() });
        await assert.rejects(
          globus.fetchCsv({ workspace: cut, key: 'tests/cut.csv' }),
          expectTruncated('fetchCsv')
        );
        assert.equal(proxy.cuts(), 3, 'each request was cut');
        const whole = await ws.download('tests/cut.csv');
        const chunks: Buffer[] = [];
        for await (const c of whole.stream) chunks.push(c as Buffer);
        assert.equal(Buffer.concat(chunks).toString(), csv, 'the same object reads whole directly');
      } finally {
        cut.dispose();
        await proxy.close();
      }
    });
  });
});
