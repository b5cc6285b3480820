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
  // code, and the harness reaches the pipeline only through its public surfaces. Each rule covers
  // static imports and dynamic `import()` alike.
  partRule(
    'pipeline',
    ['simulators', 'harness', 'cli'],
    'pipeline/ may import only contracts/ and lib/ (DESIGN.md).',
  ),
  partRule(
    'simulators',
    ['pipeline', 'harness', 'cli'],
    'simulators/ may import only contracts/ and lib/ (DESIGN.md).',
  ),
  partRule(
    'harness',
    ['pipeline', 'cli'],
    'harness/ talks to the pipeline only through its public surfaces (DESIGN.md).',
  ),
  partRule(
    'contracts',
    ['pipeline', 'simulators', 'harness', 'cli'],
    'contracts/ may import only lib/ (DESIGN.md).',
  ),
  partRule(
    'lib',
    ['pipeline', 'simulators', 'harness', 'contracts', 'cli'],
    'lib/ imports nothing of the project (DESIGN.md).',
  ),
);

/**
 * Files of one part may not import the `forbidden` parts: `no-restricted-imports` for `import …
 * from`, and an AST selector for `import('…')` with a literal or template path, which that rule
 * does not see.
 */
function partRule(part, forbidden, message) {
  // esquery's regex literals cannot hold a slash: \\x2F is one.
  const path = `(^|\\x2F)(${forbidden.join('|')})\\x2F`;
  return {
    files: [`${part}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: forbidden.map((name) => `**/${name}/**`), message }] },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: `ImportExpression > Literal[value=/${path}/]`, message },
        {
          selector: `ImportExpression > TemplateLiteral > TemplateElement[value.raw=/${path}/]`,
          message,
        },
      ],
    },
  };
}
