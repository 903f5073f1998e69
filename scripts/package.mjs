// Packages the VSIX for this machine's platform, offline.
// The bundle (dist/extension.js) holds our code and its pure-JS dependencies. onnxruntime-node and
// koffi are native: their JS and the binaries for this one platform (and onnxruntime-common) are
// staged in dist/node_modules, where the bundle's require() finds them, and vsce runs with --no-dependencies.
import { cpSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const targets = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};
const platformKey = `${process.platform}-${process.arch}`;
const target = targets[platformKey];
if (!target) throw new Error(`onnxruntime-node ships no binaries for ${platformKey}`);

const staged = join('dist', 'node_modules');
// Only what runs: the CommonJS build and the binding, no source maps, type declarations or ESM copy.
const runtimeOnly = { recursive: true, filter: (source) => !/\.map$|\.d\.ts$|[\\/]esm$/.test(source) };
rmSync(staged, { recursive: true, force: true });
const ortNode = join('node_modules', 'onnxruntime-node');
const napi = JSON.parse(readFileSync(join(ortNode, 'package.json'), 'utf8')).binary.napi_versions[0];
const binaries = join('bin', `napi-v${napi}`, process.platform, process.arch);
for (const part of ['package.json', 'README.md', 'dist', binaries]) {
  cpSync(join(ortNode, part), join(staged, 'onnxruntime-node', part), runtimeOnly);
}
mkdirSync(join(staged, 'onnxruntime-common'), { recursive: true });
for (const part of ['package.json', 'README.md', 'dist']) {
  cpSync(join('node_modules', 'onnxruntime-common', part), join(staged, 'onnxruntime-common', part), runtimeOnly);
}
// koffi, the engine's FFI to onnxruntime's C API: its CommonJS loader and the one prebuilt package
// for this platform (@koromix/koffi-<platform>-<arch>, which npm installs alone as an optional
// dependency), not the C++ sources, docs and vendored headers the koffi package also holds.
const koffi = join('node_modules', 'koffi');
for (const part of [
  'package.json',
  'LICENSE.txt',
  'README.md',
  'index.cjs',
  join('src', 'koffi', 'index.cjs'),
  join('src', 'koffi', 'src', 'static.cjs'),
]) {
  cpSync(join(koffi, part), join(staged, 'koffi', part));
}
const koffiNative = join('@koromix', `koffi-${process.platform}-${process.arch}`);
cpSync(join('node_modules', koffiNative), join(staged, koffiNative), { recursive: true });

const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const vsix = `${name}-${version}-${target}.vsix`;
execFileSync(
  process.execPath,
  [
    join('node_modules', '@vscode', 'vsce', 'vsce'),
    'package',
    '--no-dependencies',
    '--target',
    target,
    '--allow-missing-repository',
    '--skip-license',
    '--out',
    vsix,
  ],
  { stdio: 'inherit' },
);
console.log(`${vsix}: ${(statSync(vsix).size / 1024 / 1024).toFixed(1)} MiB`);
