import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, venvPython } from './paths';

export interface SeedRun {
  readonly name: string;
  readonly params?: Record<string, string | number>;
  /** Each metric's history, one value a step from step 0. */
  readonly metrics?: Record<string, number[]>;
  readonly tags?: Record<string, string>;
  /** Artifact path → text content. */
  readonly artifacts?: Record<string, string>;
  readonly status?: 'FINISHED' | 'FAILED' | 'KILLED';
}

export interface SeedSpec {
  readonly experiments: ReadonlyArray<{
    readonly name: string;
    readonly tags?: Record<string, string>;
    readonly runs?: readonly SeedRun[];
  }>;
}

export interface Seeded {
  readonly experiments: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly runs: ReadonlyArray<{ readonly id: string; readonly name: string }>;
  }>;
}

/** Creates experiments, runs, params, metrics, tags and artifacts on a server with MLflow's Python client. */
export function seedMlflow(trackingUri: string, spec: SeedSpec, credentials?: { username: string; password: string }): Promise<Seeded> {
  const env: NodeJS.ProcessEnv = { ...process.env, MLFLOW_TRACKING_URI: trackingUri };
  if (credentials) {
    env.MLFLOW_TRACKING_USERNAME = credentials.username;
    env.MLFLOW_TRACKING_PASSWORD = credentials.password;
  }
  return runSeedScript<Seeded>('seed_mlflow.py', spec, env);
}

/**
 * Runs one of the Python seed scripts beside this file with the venv's MLflow: the spec goes in on stdin as
 * JSON, and the script writes what it created to a JSON file named by its one argument.
 */
export function runSeedScript<T>(script: string, spec: unknown, env: NodeJS.ProcessEnv): Promise<T> {
  const folder = mkdtempSync(join(tmpdir(), 'phi3-mlflow-seed-'));
  const resultFile = join(folder, 'seeded.json');
  return new Promise<T>((resolveSeed, reject) => {
    const child = spawn(venvPython, [join(repoRoot, 'scripts', 'lib', script), resultFile], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`seeding failed (exit ${code}):\n${stderr.slice(-3000)}`);
        resolveSeed(JSON.parse(readFileSync(resultFile, 'utf8')) as T);
      } catch (error) {
        reject(error as Error);
      }
    });
    child.stdin.end(JSON.stringify(spec));
  }).finally(() => rmSync(folder, { recursive: true, force: true }));
}
