import { runSeedScript, type SeedRun } from './seedMlflow';

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
  return runSeedScript<ExplorerSeeded>('seed_explorer.py', spec, env);
}
