import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, venvPython } from './paths';

export interface PyfuncPrediction {
  readonly predictions: unknown;
  readonly metadata: {
    readonly loader_module: string;
    readonly run_id: string | null;
    readonly model_id: string | null;
    readonly signature: { inputs: string; outputs: string; params: string | null } | null;
    readonly saved_input_example_info: Record<string, string> | null;
  };
}

/**
 * `mlflow.pyfunc.load_model(modelUri).predict(input)` in the project's venv, against a tracking
 * server: what real MLflow makes of a model, answered as JSON.
 */
export function predictWithPyfunc(trackingUri: string, modelUri: string, input: unknown, timeoutMs = 300_000): Promise<PyfuncPrediction> {
  const folder = mkdtempSync(join(tmpdir(), 'phi3-mlflow-pyfunc-'));
  const resultFile = join(folder, 'result.json');
  const env: NodeJS.ProcessEnv = { ...process.env, MLFLOW_TRACKING_URI: trackingUri, PYTHONUNBUFFERED: '1' };
  return new Promise<PyfuncPrediction>((resolvePrediction, reject) => {
    const child = spawn(venvPython, [join(repoRoot, 'test', 'harness', 'pyfunc_predict.py'), modelUri, JSON.stringify(input), resultFile], {
      env,
      cwd: folder,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`pyfunc_predict.py exited with ${code ?? signal}:\n${output}`);
        resolvePrediction(JSON.parse(readFileSync(resultFile, 'utf8')) as PyfuncPrediction);
      } catch (error) {
        reject(error);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });
  });
}
