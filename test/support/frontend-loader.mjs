// A module hook that lets node:test load the frontend's compiled modules (lib/, built by
// `tsc -p .` with bundler-style extensionless imports): `./x` inside lib/ resolves to
// `./x.js`. Registered by test/python-cells.test.mjs. (The model unit tests run under jest
// from src/ and replace src/api.ts with jest.mock: test/frontend/api-mock.js.)
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LIB = new URL('../../lib/', import.meta.url).href;

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
  return next(specifier, context);
}
