import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { repoRoot, venvPython } from './paths';

export interface ScoringModels {
  /** `{prompt: string} -> string`, answering "echo: " + the prompt it received. */
  readonly promptEcho: string;
  /** Exactly the `llm/v1/chat` signature, answering with a description of what it received. */
  readonly chatEcho: string;
}

/**
 * Saves the two pyfunc test models of test/harness/save_scoring_models.py under `folder` with
 * MLflow's own `mlflow.pyfunc.save_model` (the venv's MLflow), ready for `mlflow models serve -m`.
 */
export function saveScoringModels(folder: string): ScoringModels {
  const result = spawnSync(venvPython, [join(repoRoot, 'test', 'harness', 'save_scoring_models.py'), folder], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (result.status !== 0)
    throw new Error(`save_scoring_models.py failed (${result.status ?? result.signal}):\n${result.stderr.slice(-3000)}`);
  return { promptEcho: join(folder, 'prompt-echo'), chatEcho: join(folder, 'chat-echo') };
}

export interface LoggedScoringModel {
  /** The registered model's name: version 1, with the alias `champion`. */
  readonly name: string;
  /** The logged model's id (`models:/<modelId>`). */
  readonly modelId: string;
}

/**
 * Logs the two models to the server at `trackingUri` with MLflow's own client (experiment `prefix`,
 * one run), registered as `<prefix>-chat` and `<prefix>-prompt`, version 1 aliased `champion`.
 */
export async function logScoringModels(
  trackingUri: string,
  prefix: string,
  /** More of the script's environment: MLFLOW_TRACKING_USERNAME/PASSWORD for a basic-auth server. */
  env: NodeJS.ProcessEnv = {},
): Promise<{ chat: LoggedScoringModel; prompt: LoggedScoringModel }> {
  try {
    const { stdout } = await promisify(execFile)(
      venvPython,
      [join(repoRoot, 'test', 'harness', 'save_scoring_models.py'), '--log', prefix],
      {
        env: { ...process.env, ...env, MLFLOW_TRACKING_URI: trackingUri, PYTHONUNBUFFERED: '1' },
        timeout: 180_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as { chat: LoggedScoringModel; prompt: LoggedScoringModel };
  } catch (error) {
    const failed = error as { stderr?: string; message?: string };
    throw new Error(`save_scoring_models.py --log failed: ${failed.message ?? String(error)}\n${(failed.stderr ?? '').slice(-3000)}`);
  }
}
