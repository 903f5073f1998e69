// Builds with esbuild.
//   (default)     the extension host bundle dist/extension.js (Node, CommonJS)
//   --production  the same, minified, without source maps (for the VSIX)
//   --watch       rebuild the bundle on change
//   --tests       transpile src/, test/, scripts/ and bench/ to out/ file by file for the Node test runner
// Type-checking is `npm run typecheck` (tsc); esbuild only strips types.
import * as esbuild from 'esbuild';
import { cpSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

/** vscode is provided by the host; onnxruntime-node and koffi (the C API path's FFI) are native and are shipped beside the bundle. */
const external = ['vscode', 'onnxruntime-node', 'koffi', 'sharp'];

/**
 * transformers.js (the tokenizer) requires sharp for images at load, and refuses to load without it;
 * the engine never touches images, so sharp becomes a stand-in that throws only if called, instead of
 * a native module the VSIX does not carry.
 */
const withoutSharp = {
  name: 'without-sharp',
  setup(build) {
    build.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'without-sharp' }));
    build.onLoad({ filter: /.*/, namespace: 'without-sharp' }, () => ({ contents: 'module.exports = function sharp() { throw new Error("Image processing is not part of this extension."); };', loader: 'js' }));
  },
};

const extensionBuild = {
  // The extension, and the local inference engine's own process (started only when a model is loaded).
  entryPoints: { extension: 'src/extension.ts', engineProcess: 'src/inference/process/engineProcess.ts' },
  bundle: true,
  plugins: [withoutSharp],
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outdir: 'dist',
  external,
  minify: production,
  sourcemap: !production,
  logLevel: 'warning',
};

function tsFilesUnder(dir) {
  let found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(tsFilesUnder(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

if (args.has('--tests')) {
  rmSync('out', { recursive: true, force: true });
  const roots = ['src', 'test', 'scripts', 'bench'].filter((d) => {
    try { return statSync(d).isDirectory(); } catch { return false; }
  });
  await esbuild.build({
    entryPoints: roots.flatMap(tsFilesUnder),
    outdir: 'out',
    outbase: '.',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  // Sources import the cell schema as JSON; unbundled, out/src/… requires it from out/schemas/.
  cpSync('schemas', 'out/schemas', { recursive: true });
} else if (args.has('--watch')) {
  const context = await esbuild.context(extensionBuild);
  await context.watch();
  console.log('watching src/ for changes…');
} else {
  if (production) rmSync('dist', { recursive: true, force: true });
  await esbuild.build(extensionBuild);
}
