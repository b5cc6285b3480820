// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'runs/', '.b2b/', 'bench/results/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': 'off',
    },
  },
  // DESIGN.md's two import rules, enforced: the fake partner and the system under test never share
  // code, and the harness reaches the pipeline only through its public surfaces.
  {
    files: ['pipeline/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/simulators/**', '**/harness/**', '**/cli/**'],
              message: 'pipeline/ may import only contracts/ and lib/ (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['simulators/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/pipeline/**', '**/harness/**', '**/cli/**'],
              message: 'simulators/ may import only contracts/ and lib/ (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['harness/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/pipeline/**', '**/cli/**'],
              message:
                'harness/ talks to the pipeline only through its public surfaces (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/pipeline/**', '**/simulators/**', '**/harness/**', '**/cli/**'],
              message: 'contracts/ may import only lib/ (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/pipeline/**',
                '**/simulators/**',
                '**/harness/**',
                '**/contracts/**',
                '**/cli/**',
              ],
              message: 'lib/ imports nothing of the project (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
);
