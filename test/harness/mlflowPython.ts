import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mlflow2VenvBin, repoRoot, venvPython } from './paths';

export interface MlflowPythonOptions {
  /** MLFLOW_TRACKING_URI for the script; none by default, so a stray one of the environment is not used. */
  readonly trackingUri?: string;
  /** 2: the MLflow 2 venv's Python (.venv-mlflow2); the project's MLflow 3 venv otherwise. */
  readonly mlflowMajor?: 2 | 3;
  readonly timeoutMs?: number;
}

/**
 * Runs a Python script with MLflow's own client and answers what it prints on its last line, as
 * JSON: the script reads its input, also JSON, from `json.loads(sys.argv[1])`. This is how the
 * tests ask real MLflow what it makes of something.
 */
export async function runMlflowPython<T>(script: string, input: unknown, options: MlflowPythonOptions = {}): Promise<T> {
  const python = options.mlflowMajor === 2 ? join(mlflow2VenvBin, 'python') : venvPython;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MLFLOW_TRACKING_URI: options.trackingUri ?? '',
    PYTHONUNBUFFERED: '1',
    PYTHONIOENCODING: 'utf-8',
  };
  try {
    const { stdout } = await promisify(execFile)(python, ['-c', script, JSON.stringify(input)], {
      cwd: repoRoot,
      env,
      timeout: options.timeoutMs ?? 180_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as T;
  } catch (error) {
    const failed = error as { stderr?: string; message?: string };
    throw new Error(`The MLflow Python script failed: ${failed.message ?? String(error)}\n${(failed.stderr ?? '').slice(-4000)}`);
  }
}
