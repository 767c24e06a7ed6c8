// jest runs the unit tests of the kernel helpers (kernel-helpers/src/test/*.test.ts) and of
// the frontend's UI-free models (test/frontend/*.test.js), TypeScript through ts-jest.
// The integration suites (browser, notebooks, the emulator end to end) stay on node's test
// runner; test/run-all.mjs runs both and adds their counts.
//
// A kernel-helpers test file that imports 'node:test' is a node-runner file (run from its
// compiled copy in dist/test); every other *.test.ts there is a jest file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

const KERNEL_TESTS = join(root, 'kernel-helpers', 'src', 'test');
const NODE_RUNNER = /from 'node:test'/;

/** The kernel-helpers test files that stay on node's runner (they import 'node:test'). */
const nodeRunnerFiles = readdirSync(KERNEL_TESTS).filter(
  f => f.endsWith('.test.ts') && NODE_RUNNER.test(readFileSync(join(KERNEL_TESTS, f), 'utf8'))
);
const escape = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ts-jest only transpiles (isolatedModules): `tsc` type-checks the same files in the build.
const tsJest = tsconfig => ['ts-jest', { tsconfig: { ...tsconfig, isolatedModules: true } }];

export default {
  // At most two workers: the machines that run the suite have two cores.
  maxWorkers: 2,
  // node:test has no per-test time limit; these tests start servers and child processes.
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'kernel-helpers',
      rootDir: join(root, 'kernel-helpers'),
      testEnvironment: 'node',
      setupFilesAfterEnv: ['<rootDir>/src/test/jest-setup.ts'],
      testMatch: ['<rootDir>/src/test/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        ...nodeRunnerFiles.map(f => `/src/test/${escape(f)}$`)
      ],
      transform: {
        // The package's own module setting: `import()` stays a real dynamic import of the
        // ESM-only packages (openid-client, vega), which jest loads natively (run-all.mjs
        // starts jest with --experimental-vm-modules).
        '^.+\\.ts$': tsJest({ module: 'node16', moduleResolution: 'node16' }),
        // jose is ESM-only and `require()`d (globus-data/normalise.ts); jest cannot
        // require an ES module on Node 20, so it gets a CommonJS copy when required.
        '/node_modules/jose/.+\\.js$': [
          'ts-jest',
          { useESM: true, tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }
        ]
      },
      transformIgnorePatterns: ['/node_modules/(?!jose/)']
    },
    {
      // The frontend's UI-free models (src/model/) with the one HTTP module, src/api.ts,
      // replaced through jest.mock (test/frontend/api-mock.js). No DOM: the models touch none.
      displayName: 'frontend',
      rootDir: root,
      roots: ['<rootDir>/src', '<rootDir>/test/frontend'],
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/frontend/**/*.test.js'],
      transform: {
        '^.+\\.[jt]s$': tsJest({ allowJs: true, module: 'commonjs', moduleResolution: 'node10' })
      }
    }
  ]
};
