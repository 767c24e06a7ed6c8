import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator, type IEmulator } from '../index.js';
import {
  DEMO_IDENTITY_ID,
  GUEST_COLLECTION_ID,
  NATIVE_CLIENT_ID,
  PUBLIC_COLLECTION_ID
} from '../state/seed.js';
import { authorizeUrl, pkcePair } from './auth-fixture.js';

/** Mints tokens for the demo user through the native client, as a login would. */
function issue(emu: IEmulator, scope: string) {
  return emu.auth.issueTokens({ clientId: NATIVE_CLIENT_ID, identityId: DEMO_IDENTITY_ID, scope });
}

describe('createEmulator', () => {
  let emu: IEmulator;
  const log: string[] = [];
  before(async () => {
    emu = await createEmulator({
      seed: 11,
      tokenLifetimeSeconds: 60,
      faults: [
        {
          kind: 'status',
          status: 429,
          headers: { 'Retry-After': '1' },
          service: 'auth',
          path: '/jwk.json',
          count: 1
        }
      ],
      log: l => log.push(`${l.service} ${l.method} ${l.path} ${l.status}`)
    });
  });
  after(() => emu.close());

  describe('#urls', () => {
    it('should give every origin its own port and no path', () => {
      const all = [
        emu.urls.auth,
        emu.urls.transfer,
        emu.urls.groups,
        emu.urls.admin,
        ...Object.values(emu.urls.collections)
      ];
      for (const url of all) assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(new Set(all).size, all.length);
      assert.deepEqual(
        Object.keys(emu.urls.collections).sort(),
        emu.collections.httpsCollectionIds().sort()
      );
      assert.ok(GUEST_COLLECTION_ID in emu.urls.collections);
    });

    it("should publish each collection's origin as its Transfer https_server", async () => {
      const token = (await issue(emu, 'urn:globus:auth:scope:transfer.api.globus.org:all'))
        .access_token;
      const res = await fetch(`${emu.urls.transfer}/v0.10/endpoint/${PUBLIC_COLLECTION_ID}`, {
        headers: { Authorization: `Bearer ${token}` }
      });
      assert.equal(res.status, 200);
      assert.equal(
        ((await res.json()) as { https_server: string }).https_server,
        emu.urls.collections[PUBLIC_COLLECTION_ID]
      );
    });
  });

  describe('#options', () => {
    it('should apply tokenLifetimeSeconds and the shared clock', async () => {
      const doc = await issue(emu, 'openid');
      assert.equal(doc.expires_in, 60);
      const userinfo = (): Promise<Response> =>
        fetch(`${emu.urls.auth}/v2/oauth2/userinfo`, {
          headers: { Authorization: `Bearer ${doc.access_token}` }
        });
      assert.equal((await userinfo()).status, 200);
      emu.clock.advance(61_000);
      try {
        assert.equal((await userinfo()).status, 401);
      } finally {
        emu.clock.advance(-61_000);
      }
    });

    it('should apply fault rules given as options', async () => {
      const first = await fetch(`${emu.urls.auth}/jwk.json`);
      assert.equal(first.status, 429);
      assert.equal(first.headers.get('retry-after'), '1');
      assert.equal((await fetch(`${emu.urls.auth}/jwk.json`)).status, 200);
    });

    it('should flip the auto-approve switch while running', async () => {
      const url = authorizeUrl(emu.urls.auth, {
        scope: 'openid',
        code_challenge: pkcePair().challenge,
        client_id: NATIVE_CLIENT_ID
      });
      assert.equal((await fetch(url, { redirect: 'manual' })).status, 200);
      emu.autoApprove = true;
      try {
        assert.equal((await fetch(url, { redirect: 'manual' })).status, 302);
      } finally {
        emu.autoApprove = false;
      }
    });
  });

  describe('#globusData', () => {
    it('should default to shape 16+ pickled with protocol 4', async () => {
      const raw = Buffer.from(await emu.globusData(), 'base64');
      assert.equal(raw[0], 0x80);
      assert.equal(raw[1], 4);
      const env = await emu.env({ protocol: 2 });
      assert.deepEqual(Object.keys(env), [
        'GLOBUS_SDK_SERVICE_URL_AUTH',
        'GLOBUS_SDK_SERVICE_URL_TRANSFER',
        'GLOBUS_SDK_SERVICE_URL_GROUPS',
        'GLOBUS_DATA'
      ]);
      assert.equal(Buffer.from(env.GLOBUS_DATA, 'base64')[1], 2);
      const state = await emu.authState();
      assert.deepEqual(Object.keys(state), [
        'client_id',
        'tokens',
        'token_response',
        'globus_user',
        'globus_groups'
      ]);
    });
  });

  describe('#log', () => {
    it('should log method, path and status without query strings or tokens', async () => {
      emu.autoApprove = true;
      try {
        await fetch(
          authorizeUrl(emu.urls.auth, { scope: 'openid', code_challenge: pkcePair().challenge }),
          { redirect: 'manual' }
        );
      } finally {
        emu.autoApprove = false;
      }
      assert.ok(log.some(l => l.startsWith('auth GET /v2/oauth2/authorize 302')));
      for (const line of log) assert.doesNotMatch(line, /[?=]|Bearer|Ag[A-Za-z0-9_-]{20}/);
    });
  });

  describe('#close', () => {
    it('should remove a temporary data folder but keep a given one', async () => {
      const own = await createEmulator();
      assert.ok(existsSync(own.dataDir));
      await own.close();
      assert.equal(existsSync(own.dataDir), false);
      const dir = await mkdtemp(join(tmpdir(), 'emulator-keep-'));
      try {
        const kept = await createEmulator({ dataDir: dir });
        await kept.close();
        await kept.close();
        assert.ok(existsSync(join(dir, 'collections')));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
