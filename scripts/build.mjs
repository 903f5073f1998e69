// Builds with esbuild.
//   (default)     the extension host bundle dist/extension.js (Node, CommonJS), the webview pages
//                 dist/webview/*.js|css (browser, IIFE) and dist/ThirdPartyNotices.txt
//   --production  the same, minified, without source maps (for the VSIX)
//   --watch       rebuild the bundle on change
//   --tests       transpile src/, test/, scripts/ and bench/ to out/ file by file for the Node test runner
// Type-checking is `npm run typecheck` (tsc); esbuild only strips types.
import * as esbuild from 'esbuild';
import { cpSync, readdirSync, readFileSync, statSync, rmSync, writeFileSync } from 'node:fs';
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
    build.onLoad({ filter: /.*/, namespace: 'without-sharp' }, () => ({
      contents: 'module.exports = function sharp() { throw new Error("Image processing is not part of this extension."); };',
      loader: 'js',
    }));
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

// The webview pages: each a script and its stylesheet (uPlot's CSS among the charts' own), loaded
// by the panels from dist/webview/ under their CSP.
const webviewBuild = {
  entryPoints: {
    chat: 'src/webview/chat/chatPage.ts',
    metricCharts: 'src/webview/charts/metricChartsPage.ts',
    onnxLog: 'src/webview/onnxLog/onnxLogPage.ts',
  },
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  outdir: join('dist', 'webview'),
  minify: production,
  sourcemap: !production,
  logLevel: 'warning',
};

/**
 * The third-party packages bundled into what ships, with their licence texts, from the bundles'
 * metafiles: a package added to a bundle is listed without anyone remembering to.
 */
function writeThirdPartyNotices(metafiles) {
  const packages = new Map();
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (match) packages.set(match[1], input.slice(0, match.index + match[0].length));
    }
  }
  const sections = [...packages]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, folder]) => {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
      const licenceFile = readdirSync(folder).find((file) => /^(licen[sc]e|copying)(\.|$)/i.test(file));
      const text = licenceFile ? readFileSync(join(folder, licenceFile), 'utf8').trim() : `Licence: ${manifest.license ?? 'not stated'}`;
      return `${name} ${manifest.version}\n${'-'.repeat(name.length + 1 + manifest.version.length)}\n${text}\n`;
    });
  writeFileSync(
    join('dist', 'ThirdPartyNotices.txt'),
    `This extension bundles the following third-party software.\n\n${sections.join('\n')}`,
  );
}

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
    try {
      return statSync(d).isDirectory();
    } catch {
      return false;
    }
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
  for (const build of [extensionBuild, webviewBuild]) await (await esbuild.context(build)).watch();
  console.log('watching src/ for changes…');
} else {
  if (production) rmSync('dist', { recursive: true, force: true });
  const results = await Promise.all([extensionBuild, webviewBuild].map((build) => esbuild.build({ ...build, metafile: true })));
  writeThirdPartyNotices(results.map((result) => result.metafile));
}
