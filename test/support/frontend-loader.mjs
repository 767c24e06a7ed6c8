// Module hooks that let node:test load the frontend's compiled models (lib/, built by
// `tsc -p .` with bundler-style extensionless imports) and that replace lib/api.js, the
// one module talking HTTP, with frontend-api-stub.mjs. Registered by the model tests.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LIB = new URL('../../lib/', import.meta.url).href;
const STUB = new URL('./frontend-api-stub.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (
    context.parentURL?.startsWith(LIB) &&
    specifier.startsWith('.') &&
    !/\.[cm]?js$/.test(specifier)
  ) {
    const url = new URL(`${specifier}.js`, context.parentURL);
    if (existsSync(fileURLToPath(url))) {
      specifier = url.href;
    }
  }
  const resolved = await next(specifier, context);
  if (resolved.url === `${LIB}api.js`) {
    return { url: STUB, shortCircuit: true };
  }
  return resolved;
}
