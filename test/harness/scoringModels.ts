import { spawnSync } from 'node:child_process';
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
