import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, venvPython } from './paths';
import type { SeedRun } from './seedMlflow';

export interface ExplorerSeedRun extends SeedRun {
  /** end_time - start_time; runs start a minute apart from 2023-11-14T22:13:20Z. */
  readonly durationMs?: number;
}

export interface ExplorerSeedSpec {
  readonly experiments: ReadonlyArray<{
    readonly name: string;
    readonly tags?: Record<string, string>;
    readonly runs?: readonly ExplorerSeedRun[];
    /** Deleted after seeding (shown only on request). */
    readonly deleted?: boolean;
    /** An MLflow 3 logged model from the first run, optionally registered. */
    readonly loggedModel?: {
      readonly name: string;
      readonly register?: ReadonlyArray<{
        readonly name: string;
        readonly description?: string;
        readonly tags?: Record<string, string>;
        readonly versions?: number;
        /** alias → version */
        readonly aliases?: Record<string, string>;
        /** version → stage */
        readonly stages?: Record<string, string>;
        readonly versionTags?: Record<string, Record<string, string>>;
      }>;
    };
  }>;
}

export interface ExplorerSeeded {
  readonly experiments: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly runs: ReadonlyArray<{ readonly id: string; readonly name: string }>;
    readonly loggedModel: { readonly id: string; readonly name: string; readonly runId: string } | null;
  }>;
  readonly registeredModels: ReadonlyArray<{ readonly name: string; readonly versions: readonly string[] }>;
}

/** Seeds what the explorer shows with MLflow's Python client (see seed_explorer.py). */
export function seedExplorer(trackingUri: string, spec: ExplorerSeedSpec): Promise<ExplorerSeeded> {
  const env: NodeJS.ProcessEnv = { ...process.env, MLFLOW_TRACKING_URI: trackingUri };
  const folder = mkdtempSync(join(tmpdir(), 'phi3-mlflow-seed-'));
  const resultFile = join(folder, 'seeded.json');
  return new Promise<ExplorerSeeded>((resolveSeed, reject) => {
    const child = spawn(venvPython, [join(repoRoot, 'test', 'harness', 'seed_explorer.py'), resultFile], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`seeding failed (exit ${code}):\n${stderr.slice(-3000)}`);
        resolveSeed(JSON.parse(readFileSync(resultFile, 'utf8')) as ExplorerSeeded);
      } catch (error) {
        reject(error as Error);
      }
    });
    child.stdin.end(JSON.stringify(spec));
  }).finally(() => rmSync(folder, { recursive: true, force: true }));
}
