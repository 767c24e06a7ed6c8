// An emulator for one benchmark, in the runner's own process (the measured tools run in
// child processes, so its memory is not counted against them). Its data folder is a fresh
// temporary one; files are placed on collections after start-up and removed with it.
import { createRequire } from 'node:module';
import { copyFile, link, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EMULATOR_DIST, HELPERS_DIST } from './paths.mjs';

/**
 * Start an emulator.
 * @returns {Promise<{ emu: any, seed: any, env: Record<string, string>, dataDir: string,
 *   place(collection: string, path: string, source: string): Promise<string>,
 *   url(collection: string, path: string): string,
 *   bearerFor(collection: string): string, close(): Promise<void> }>}
 */
export async function startBenchEmulator() {
  const { createEmulator, seed } = await import(`${EMULATOR_DIST}/index.js`);
  const dataDir = await mkdtemp(join(tmpdir(), 'globus-kit-bench-'));
  const emu = await createEmulator({ dataDir, seed: 0 });
  const env = await emu.env();
  return {
    emu,
    seed,
    env,
    dataDir,
    /** Put a file (hard link, else copy) at `path` on a collection; returns its file path. */
    async place(collection, path, source) {
      const target = join(emu.collections.rootOf(collection), path);
      await mkdir(dirname(target), { recursive: true });
      await link(source, target).catch(() => copyFile(source, target));
      return target;
    },
    url(collection, path) {
      return `${emu.urls.collections[collection]}${path}`;
    },
    /** The access token GLOBUS_DATA holds for a collection's HTTPS scope (never print it). */
    bearerFor(collection) {
      const helpers = requireHelpers();
      const data = helpers.decodeGlobusData(env.GLOBUS_DATA);
      const token = data.tokens.find(t => t.resourceServer === collection);
      if (!token) throw new Error(`GLOBUS_DATA has no token for collection ${collection}`);
      return token.accessToken;
    },
    async close() {
      await emu.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  };
}

const require = createRequire(import.meta.url);
function requireHelpers() {
  return require(`${HELPERS_DIST}/index.js`);
}
