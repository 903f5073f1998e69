import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The onnxruntime shared library that onnxruntime-node ships beside its binding. Driving that same
 * file through the C API means one onnxruntime on disk and in memory, of the version the tests pin,
 * rather than a second download. Returns undefined when this platform's build is not there.
 */
export function onnxruntimeLibraryPath(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string | undefined {
  let packageDir: string;
  try {
    packageDir = dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    return undefined;
  }
  const bin = join(packageDir, 'bin');
  if (!existsSync(bin)) return undefined;
  // napi-v6 today; any napi-v* folder, newest first, so a new binding layout still resolves.
  const napiDirs = readdirSync(bin)
    .filter((name) => /^napi-v\d+$/.test(name))
    .sort((a, b) => Number(b.slice(6)) - Number(a.slice(6)));
  for (const napi of napiDirs) {
    const dir = join(bin, napi, platform, arch);
    if (!existsSync(dir)) continue;
    const found = libraryNames(platform, readdirSync(dir)).find((name) => existsSync(join(dir, name)));
    if (found) return join(dir, found);
  }
  return undefined;
}

/** The file names a platform's onnxruntime library goes by, most specific first. */
function libraryNames(platform: NodeJS.Platform, present: readonly string[]): string[] {
  if (platform === 'win32') return ['onnxruntime.dll'];
  if (platform === 'darwin') {
    const versioned = present.filter((n) => /^libonnxruntime\.\d+\.\d+\.\d+\.dylib$/.test(n));
    return [...versioned, 'libonnxruntime.1.dylib', 'libonnxruntime.dylib'];
  }
  const versioned = present.filter((n) => /^libonnxruntime\.so\.\d+\.\d+\.\d+$/.test(n));
  return [...versioned, 'libonnxruntime.so.1', 'libonnxruntime.so'];
}
