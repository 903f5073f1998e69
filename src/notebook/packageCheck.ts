import { spawn } from 'node:child_process';

/** The modules the two recipes need, by import name, with the name pip installs them by. */
export const recipeModules: Readonly<Record<string, string>> = {
  mlflow: 'mlflow',
  transformers: 'transformers',
  onnxruntime_genai: 'onnxruntime-genai',
  torch: 'torch',
};

/** The recipe modules these cells import (`import x`, `import a, x.y`, `from x import …`), in recipeModules' order. */
export function recipeModulesImported(sources: readonly string[]): string[] {
  const imported = new Set<string>();
  for (const source of sources) {
    for (const match of source.matchAll(/^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([\w., \t]+))/gm)) {
      const names = match[1] !== undefined ? [match[1]] : match[2]!.split(',').map((part) => part.trim().split(/[ \t]+as[ \t]+/)[0]!);
      for (const name of names) imported.add(name.split('.')[0]!.trim());
    }
  }
  return Object.keys(recipeModules).filter((module) => imported.has(module));
}

/** Which of `modules` the interpreter cannot import (looked up without importing them: fast, no side effects). */
export function missingModules(python: string, modules: readonly string[], env?: NodeJS.ProcessEnv): Promise<string[]> {
  if (modules.length === 0) return Promise.resolve([]);
  const probe =
    'import importlib.util, json, sys\nprint(json.dumps([m for m in json.loads(sys.argv[1]) if importlib.util.find_spec(m) is None]))';
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', probe, JSON.stringify(modules)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', (error) => reject(new Error(`Could not run ${python}: ${error.message}`)));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${python} could not look up its packages (exit ${code}): ${err.trim().split('\n').at(-1) ?? ''}`));
      else {
        // A sitecustomize or a wrapper script can print before the probe: never throw in a close handler.
        try {
          const missing: unknown = JSON.parse(out.trim().split('\n').at(-1) ?? '');
          if (Array.isArray(missing) && missing.every((name) => typeof name === 'string')) resolve(missing);
          else
            reject(
              new Error(`${python} answered the package look-up with something other than a list of names: ${out.trim().slice(0, 200)}`),
            );
        } catch {
          reject(new Error(`${python} answered the package look-up with something other than JSON: ${out.trim().slice(0, 200)}`));
        }
      }
    });
  });
}

/**
 * `python -m pip install <packages>` into that interpreter, each line of pip's output to `onLine`
 * as it comes; rejects with pip's last lines when it fails, and stops pip when `signal` aborts.
 */
export function pipInstall(
  python: string,
  packages: readonly string[],
  options: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void; signal?: AbortSignal } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'pip', 'install', '--disable-pip-version-check', ...packages], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk
        .toString()
        .split(/\r?\n/)
        .filter((l) => l.trim())) {
        tail.push(line);
        if (tail.length > 10) tail.shift();
        options.onLine?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const abort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (error) => reject(new Error(`Could not run ${python}: ${error.message}`)));
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', abort);
      if (options.signal?.aborted) reject(new Error(`Installing ${packages.join(', ')} was cancelled`));
      else if (code === 0) resolve();
      else reject(new Error(`pip could not install ${packages.join(', ')} (${signal ?? `exit ${code}`}):\n${tail.join('\n')}`));
    });
  });
}
