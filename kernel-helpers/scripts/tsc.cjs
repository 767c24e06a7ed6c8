// Runs the TypeScript compiler this package declares (devDependencies), found the way Node
// finds any module. Not `tsc` from PATH: beside tslab, that name is taken by tslab's own
// TypeScript 5.0, which cannot build this package.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script
require(require.resolve('typescript/bin/tsc'));
