/**
 * The public API must type-check in a tslab notebook cell: tslab's own TypeScript (5.0,
 * `@tslab/typescript-for-tslab`) with its settings (`moduleResolution: node10`,
 * `lib: es2022`, no DOM lib), importing the package by name from its built `dist`.
 * Library .d.ts files are checked too (tslab skips them, which would silently turn a bad
 * type into `any`), but only diagnostics in our own files count.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

type TsModule = typeof import('typescript');

function loadCompiler(): { ts: TsModule; which: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- tslab's compiler is CommonJS
    const ts = require('@tslab/typescript-for-tslab') as TsModule;
    return { ts, which: '@tslab/typescript-for-tslab' };
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- fallback compiler
    return { ts: require('typescript') as TsModule, which: 'typescript' };
  }
}

/** A notebook cell as a user would write it. */
const CELL = `
import {
  connect,
  GlobusSession,
  isConsentRequiredError,
  isTokenExpiredError,
  isGlobusApiError,
  GlobusScopes,
  TokenSet,
  Token,
  IDisplaySink,
  IFileDocument,
  ITaskDocument,
  IProgress,
  connectOidc,
  OidcSession,
  Workspace,
  IWorkspaceInfo,
  ISignedUrl,
  isOidcError,
  isWorkspaceError
} from '@jupyterlab-globus-kit/kernel-helpers';

const fakeDisplay = { html(s: string) {}, text(s: string) {}, markdown(s: string) {}, raw(t: string, b: string | Uint8Array) {} };
const sink: IDisplaySink = { display: fakeDisplay, newDisplay: () => fakeDisplay };

async function main(): Promise<void> {
  const globus: GlobusSession = await connect({ display: sink, requiredScopes: [GlobusScopes.TRANSFER_ALL] });
  const who: string | undefined = globus.identity?.username;
  const tokens: TokenSet = globus.tokens;
  const t: Token | undefined = tokens.for('transfer.api.globus.org');
  const status: 'valid' | 'expiring' | 'expired' | 'unknown' | undefined = t?.status();
  const files: IFileDocument[] = await globus.transfer.files.ls('id', '/~/', { signal: AbortSignal.timeout(1000) });
  for await (const f of globus.transfer.files.iterate('id', '/~/')) { const n: string = f.name; }
  const bytes: Uint8Array = await globus.https.downloadBytes('id', '/a.csv', { onProgress: (p: IProgress) => p.loaded });
  const dl = await globus.https.download('id', '/a.csv', { range: { start: 0, end: 9 } });
  dl.stream.pipe(process.stdout);
  await globus.https.upload('id', '/b.txt', 'hello', { onProgress: p => p.total });
  const r = await globus.transfer.tasks.submitTransfer({ source: 'a', destination: 'b', items: [{ source: '/x', destination: '/y' }] });
  const done: ITaskDocument = await globus.transfer.waitForTask(r, { onProgress: task => task.status });
  const consents = globus.consentStatus();
  const url: string | undefined = consents[0]?.consentUrl;
  try {
    await globus.auth.userinfo.get();
  } catch (e) {
    if (isConsentRequiredError(e)) { const u: string | undefined = e.consentUrl; const s: readonly string[] = e.requiredScopes; }
    else if (isTokenExpiredError(e)) { const rs: string = e.resourceServer; }
    else if (isGlobusApiError(e)) { const code: string | undefined = e.globusCode; const st: number = e.status; }
  }
  console.log(who, status, files.length, bytes.byteLength, done.status, url, JSON.stringify(globus));
  const oidc: OidcSession = await connectOidc({ display: sink, scopes: ['openid', 'platform'] });
  const me = await oidc.whoami();
  const sub: string = me.userinfo.sub;
  const spaces: IWorkspaceInfo[] = await oidc.workspaces();
  const ws: Workspace = await oidc.workspace(spaces[0].name);
  const listing = await ws.ls('weather/');
  const csv = await oidc.fetchCsv({ workspace: ws.name, key: 'weather/station-1.csv' });
  const chart = await oidc.plot(csv, { x: 'DATE', y: 'TMAX' });
  const up = await oidc.upload(chart, { workspace: ws, key: 'out/plot.png', onProgress: p => p.loaded });
  const big = await ws.upload(new Uint8Array(10), 'out/big.bin', { onProgress: p => p.total });
  const signed: ISignedUrl = await oidc.link({ workspace: ws, key: up.key }, { expiresIn: 600 });
  const viaGlobus: ISignedUrl = await globus.link({ workspace: ws, key: up.key });
  const t2 = await globus.fetchCsv({ workspace: ws, key: 'a.csv' });
  const arrowRows: number = t2.toArrow().numRows;
  const temps: Float64Array | Uint8Array | ReadonlyArray<string | null> = t2.storage('TMAX').values;
  const u2 = await globus.upload('x', { workspace: ws, key: 'b.txt' });
  const obj = await ws.download('a.csv');
  obj.stream.pipe(process.stdout);
  const exp: Date = signed.expiresAt;
  try {
    await oidc.userinfo();
  } catch (e) {
    if (isOidcError(e)) { const c: string = e.code; const r: string = e.remedy; }
    else if (isWorkspaceError(e)) { const w: string | undefined = e.workspace; }
  }
  console.log(sub, arrowRows, temps.length, listing.numRows, big.multipart, viaGlobus.url, t2.numRows, u2.sha256, exp, JSON.stringify(oidc));
}
main();
`;

function check(settings: 'tslab' | 'commonjs'): { which: string; messages: string[] } {
  const { ts, which } = loadCompiler();
  const pkgRoot = resolve(__dirname, '..', '..');
  const dir = join(pkgRoot, 'dist', 'test', `typecheck-${settings}`);
  mkdirSync(dir, { recursive: true });
  const cell = join(dir, 'cell.ts');
  writeFileSync(cell, CELL);
  const options: import('typescript').CompilerOptions = {
    module: settings === 'tslab' ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    strict: true,
    esModuleInterop: true,
    skipLibCheck: false,
    noEmit: true
  };
  const program = ts.createProgram([cell], options);
  const own = (file: string | undefined): boolean =>
    file !== undefined && (file === cell || resolve(file).startsWith(join(pkgRoot, 'dist') + sep));
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .filter(d => d.file === undefined || own(d.file.fileName));
  const messages = diagnostics.map(d => {
    const where = d.file
      ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  // The cell really resolved the package from dist (not some other copy).
  const resolved = program
    .getSourceFiles()
    .some(
      f =>
        f.fileName.includes(`${sep}kernel-helpers${sep}dist${sep}index.d.ts`) ||
        f.fileName.endsWith('/kernel-helpers/dist/index.d.ts')
    );
  if (!resolved) {
    messages.push(`package not resolved to ${dirname(cell)}/../../index.d.ts`);
  }
  return { which, messages };
}

describe('public API in a tslab cell', () => {
  describe('#typecheck', () => {
    it("should compile with zero diagnostics under tslab's compiler and settings", () => {
      const { which, messages } = check('tslab');
      assert.equal(which, '@tslab/typescript-for-tslab');
      assert.deepEqual(messages, []);
    });
    it('should compile with zero diagnostics as CommonJS / node10', () => {
      assert.deepEqual(check('commonjs').messages, []);
    });
  });
});
