// Where the built packages and tools the benchmarks use live, relative to the repository.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The emulator's build output (`npx tsc -p emulator`). */
export const EMULATOR_DIST = join(ROOT, 'emulator', 'dist');
/** The kernel helpers' build output (`npx tsc -p kernel-helpers`). */
export const HELPERS_DIST = join(ROOT, 'kernel-helpers', 'dist');
/** The project's Python (JupyterLab, requests, pandas). */
export const VENV_PYTHON = join(ROOT, '.venv', 'bin', 'python');

/** Throws with the remedy when a build the benchmarks need is missing. */
export function requireBuilds() {
  for (const [dir, name] of [
    [EMULATOR_DIST, 'emulator'],
    [HELPERS_DIST, 'kernel-helpers']
  ]) {
    if (!existsSync(join(dir, 'index.js'))) {
      throw new Error(`${name} is not built: run \`npm run build\` first`);
    }
  }
}
