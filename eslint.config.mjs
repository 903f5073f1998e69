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
    files: ['scripts/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
