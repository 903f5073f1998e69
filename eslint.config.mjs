// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// What ships (src/) and what runs the product (scripts/: the demo, packaging) never imports test code;
// pieces the tests share with the demo live in scripts/lib/.
const noTestImports = {
  group: ['**/test/**'],
  message: 'src/ and scripts/ never import from test/: move what both need into scripts/lib/.',
};

/**
 * `no-restricted-imports` for the plain libraries: never `vscode`, never test code, and never a module
 * of the sibling folders named (matched by the import's path, e.g. `../../inference/lfsPointer`).
 * One object per library, because a later config's options for a rule replace an earlier one's.
 */
function libraryImportRules(libraries) {
  return Object.entries(libraries).map(([glob, { folders, message }]) => ({
    files: [glob],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message }],
          patterns: [
            ...(folders.length ? [{ group: folders.flatMap((folder) => [`**/${folder}`, `**/${folder}/**`]), message }] : []),
            noTestImports,
          ],
        },
      ],
    },
  }));
}

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
    files: ['src/**/*.ts', 'scripts/**/*.ts', 'scripts/**/*.mjs'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noTestImports] }],
    },
  },
  // The libraries stay free of the editor so they run and are tested in plain Node; the MLflow client
  // does not load the inference engine, and what both share (src/formats) depends on neither.
  ...libraryImportRules({
    'src/mlflow/**/*.ts': {
      folders: ['inference'],
      message: 'src/mlflow is the MLflow client library: no vscode or src/inference import (shared formats live in src/formats).',
    },
    'src/inference/**/*.ts': { folders: [], message: 'src/inference is a plain library: no vscode import.' },
    'src/evaluation/**/*.ts': {
      folders: ['mlflow', 'inference', 'chat'],
      message: 'src/evaluation is the plain scorer library: no vscode, src/mlflow, src/inference or src/chat import.',
    },
    'src/formats/**/*.ts': {
      folders: ['mlflow', 'inference'],
      message: 'src/formats is shared by src/mlflow and src/inference: no vscode, src/mlflow or src/inference import.',
    },
  }),
  {
    // The webview pages run in the browser, and the protocol modules on both sides of the messages.
    files: [
      'src/webview/*/**/*.ts',
      'src/chat/chatProtocol.ts',
      'src/charts/chartsProtocol.ts',
      'src/onnxLog/onnxLogProtocol.ts',
      'src/onnxLog/onnxLogForm.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'Webview pages and protocol modules run in the page too: no vscode import.' }],
          patterns: [{ group: ['node:*'], message: 'Webview pages and protocol modules run in the page too: no Node modules.' }],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
