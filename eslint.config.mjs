// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Every venv (.venv, .venv-mlflow2, .venv-transformers, .venv-models …) holds third-party JS of its own.
  { ignores: ['dist/', 'out/', 'node_modules/', '.venv*/', '.bench-models/', '.tools/', '.demo/', 'test-results/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The libraries stay free of the editor so they run and are tested in plain Node.
    files: ['src/mlflow/**/*.ts', 'src/inference/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/mlflow and src/inference are plain libraries: no vscode import.' }] }],
    },
  },
  {
    // The webview pages run in the browser, and the protocol modules on both sides of the messages.
    files: ['src/webview/*/**/*.ts', 'src/chat/chatProtocol.ts', 'src/charts/chartsProtocol.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Webview pages and protocol modules run in the page too: no vscode import.' }], patterns: [{ group: ['node:*'], message: 'Webview pages and protocol modules run in the page too: no Node modules.' }] }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
