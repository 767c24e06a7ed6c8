// The fault matrix: every notebook verb (kernel-helpers) and every server-extension route,
// each under every emulator fault (the runner and the cell rules are in fault-matrix.mjs).
// One emulator and one jupyter_server (GLOBUS_DATA) serve the whole matrix, plus a second
// jupyter_server with a stored login for the `renewal stuck` column; faults are count-limited.
// Everything the cells produced (errors, displays, route bodies, both logs) is then searched
// for every token the emulator issued.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SecretScanner } from '../security/secret-scanner.mjs';
import { createFaultMatrix, startStoredLoginServer } from './fault-matrix.mjs';
import { emulatorModule, helpersModule, issuedSecrets, startServer } from './support.mjs';

describe('fault matrix', () => {
  let emu;
  let server;
  let loginServer;
  let fm;
  const accessLog = [];

  before(async () => {
    const mod = await emulatorModule();
    const kh = await helpersModule();
    emu = await mod.createEmulator({
      seed: 8,
      log: line => accessLog.push(JSON.stringify(line))
    });
    const env = await emu.env();
    server = await startServer(env);
    loginServer = await startStoredLoginServer(emu, mod);
    fm = createFaultMatrix({ mod, kh, emu, server, loginServer });
    fm.globusDataSeen.push(env.GLOBUS_DATA);
  });

  after(async () => {
    await server?.stop();
    await loginServer?.stop();
    await emu?.close();
  });

  const noFaultColumn = prefix =>
    [...fm.matrix.entries()].filter(([k]) => k.startsWith(prefix)).map(([, r]) => r.none);

  it('should end every verb × fault cell in success or a typed error', async () => {
    await fm.runVerbs();
    const baseline = noFaultColumn('verb');
    assert.ok(
      baseline.length === 7 && baseline.every(c => c === 'ok'),
      `no-fault column: ${baseline}`
    );
    assert.deepEqual(fm.problems, []);
  });

  it('should end every route × fault cell in success or a JSON error with a code', async () => {
    await fm.runRoutes();
    const baseline = noFaultColumn('route');
    assert.ok(
      baseline.length === 9 && baseline.every(c => c === 'ok'),
      `no-fault column: ${baseline}`
    );
    assert.deepEqual(fm.problems, []);
    // regression #15: a renewal stuck at Auth froze every route and /api/status
    const renewal = [...fm.matrix.entries()]
      .filter(([k]) => k.startsWith('route'))
      .map(([, r]) => r['renewal stuck']);
    assert.ok(
      renewal.length === 9 && renewal.every(c => c === 'ok'),
      `renewal stuck column: ${renewal}`
    );
  });

  it('should print the matrix and leave no token in any output', async () => {
    console.log(`\nFault matrix (ok = success after bounded retries; CODE = typed error)\n`);
    console.log(fm.print());
    const secrets = await issuedSecrets(emu, fm.globusDataSeen);
    assert.ok(secrets.length >= 3, 'known tokens to search for');
    const scanner = new SecretScanner();
    for (const secret of secrets) scanner.add(secret, 'token');
    const sources = {
      'exception texts': fm.texts.errors,
      'verb displays': fm.texts.displays,
      'route bodies': server.bodies,
      'server log': [server.output()],
      'stored-login route bodies': loginServer.bodies,
      'stored-login server log': [loginServer.output()],
      'emulator access log': accessLog
    };
    for (const [name, texts] of Object.entries(sources)) {
      texts.forEach((t, i) => scanner.scan(name, `#${i}`, t));
    }
    const counts = Object.fromEntries(scanner.sources);
    console.log(`secret scan of the matrix: ${secrets.length} tokens, ${JSON.stringify(counts)}`);
    assert.ok(accessLog.length > 50, 'the access log was recorded');
    assert.deepEqual(scanner.describeHits(), []);
    assert.equal(fm.problems.length, 0);
  });
});
