import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './freePort';
import { venvBin } from './paths';
import { ProcessGroup } from './processGroup';

export interface ModelServer {
  /** `http://127.0.0.1:PORT`: POST /invocations, GET /ping, /health, /version. */
  readonly url: string;
  readonly log: () => string;
  readonly stop: () => Promise<void>;
}

/**
 * `mlflow models serve -m MODEL_URI --env-manager local` from the project's venv, on 127.0.0.1 and
 * a free port, in its own process group (uvicorn and its worker stop together). Resolves once
 * `/ping` answers 200, that is once the model has been downloaded and loaded.
 */
export async function startModelServer(
  trackingUri: string,
  modelUri: string,
  options: { startTimeoutMs?: number } = {},
): Promise<ModelServer> {
  const port = await freePort();
  const folder = mkdtempSync(join(tmpdir(), 'phi3-mlflow-serve-'));
  // With --env-manager local, MLflow runs `uvicorn` from PATH: the venv's, as if it were activated.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${venvBin}${delimiter}${process.env.PATH ?? ''}`,
    MLFLOW_TRACKING_URI: trackingUri,
    PYTHONUNBUFFERED: '1',
  };
  const group = ProcessGroup.start(
    join(venvBin, 'mlflow'),
    ['models', 'serve', '-m', modelUri, '--env-manager', 'local', '--host', '127.0.0.1', '-p', String(port), '-w', '1'],
    { cwd: folder, env },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await group.stop();
    rmSync(folder, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 300_000);
  try {
    for (;;) {
      if (group.hasExited) throw new Error(`mlflow models serve exited while starting:\n${group.log.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`mlflow models serve did not answer /ping in time:\n${group.log.slice(-4000)}`);
      try {
        if ((await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) })).status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, log: () => group.log, stop };
}
