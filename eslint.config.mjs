// ESLint flat config: typescript-eslint recommended rules, JupyterLab's interface naming,
// Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'lib/**',
      '.venv/**',
      'jupyterlab_globus_kit/labextension/**',
      'test-output/**',
      '**/*.d.ts'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        { selector: 'interface', format: ['PascalCase'], custom: { regex: '^I[A-Z]', match: true } }
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ],
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error'
    }
  },
  { files: ['src/**/*.ts', 'src/**/*.tsx'], languageOptions: { globals: { ...globals.browser } } },
  // Unit tests under jest (jest.config.cjs): describe/it/expect/jest are globals there.
  {
    files: ['kernel-helpers/src/test/**/*.ts', 'test/frontend/**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } }
  },
  // Browser tests and benchmarks pass callbacks to page.evaluate(), which run in the page.
  {
    files: ['test/**/*.mjs', 'bench/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } }
  },
  prettier
);
