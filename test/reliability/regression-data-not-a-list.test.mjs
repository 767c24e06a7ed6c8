// Regression: a Transfer 200 answer whose DATA is not a list made kernel-helpers' ls and
// collection search throw a bare TypeError ("entries is not iterable"); found by the API
// response fuzz. It is now a GlobusApiError MALFORMED_RESPONSE.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emulatorModule, helpersModule } from './support.mjs';

describe('TransferClient', () => {
  let mod;
  let kh;
  let emu;
  let g;
  before(async () => {
    mod = await emulatorModule();
    kh = await helpersModule();
    emu = await mod.createEmulator();
    g = await kh.connect({ env: await emu.env(), requestDefaults: { retry: false } });
  });
  after(async () => {
    await emu?.close();
  });

  for (const [name, path, call] of [
    [
      '#files.ls',
      '/v0.10/operation/endpoint/*/ls',
      () => g.transfer.files.ls(mod.seed.PUBLIC_COLLECTION_ID, '/')
    ],
    [
      '#collections.search',
      '/v0.10/endpoint_search',
      () => g.transfer.collections.search({ fulltext: 'x' })
    ]
  ]) {
    describe(name, () => {
      it('should raise MALFORMED_RESPONSE when DATA is not a list', async () => {
        emu.faults.add({
          service: 'transfer',
          path,
          kind: 'status',
          status: 200,
          bodyText: '{"DATA": 5}',
          count: 1
        });
        await assert.rejects(
          call(),
          e => kh.isGlobusKitError(e) && e.code === 'MALFORMED_RESPONSE'
        );
      });
    });
  }
});
