import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MlflowClient } from '../mlflow/client';
import type { ChatRunRequest } from './chatRunRequest';
import { errorMessage } from '../errorMessage';

export interface LoggedChatRun {
  readonly experimentId: string;
  readonly runId: string;
  readonly runName: string;
}

export type ChatRunPhase = 'creating' | 'logging' | 'uploading' | 'finishing';

/**
 * Sends a run request to MLflow: the run (with its tags), its params and metrics in as few
 * log-batch calls as the limits allow, each artifact uploaded from a temporary file, then the run
 * marked FINISHED. When something fails after the run exists, it is marked FAILED (so it does not
 * look finished or still running) and the error names it.
 */
export async function logChatRun(
  client: MlflowClient,
  experimentId: string,
  request: ChatRunRequest,
  options: { onPhase?: (phase: ChatRunPhase) => void; signal?: AbortSignal } = {},
): Promise<LoggedChatRun> {
  options.onPhase?.('creating');
  const run = await client.runs.create(experimentId, { runName: request.runName, tags: { ...request.tags } });
  const runId = run.info.runId;
  const scratch = await mkdtemp(join(tmpdir(), 'phi3-mlflow-chat-run-'));
  try {
    options.signal?.throwIfAborted();
    options.onPhase?.('logging');
    await client.runs.logBatch(runId, { params: { ...request.params }, metrics: request.metrics });
    options.onPhase?.('uploading');
    for (const [index, artifact] of request.artifacts.entries()) {
      options.signal?.throwIfAborted();
      const slash = artifact.path.lastIndexOf('/');
      const folder = join(scratch, String(index));
      const file = join(folder, artifact.path.slice(slash + 1));
      await mkdir(folder, { recursive: true });
      await writeFile(file, artifact.text, 'utf8');
      await client.artifacts.upload({ artifactUri: run.info.artifactUri, runId }, file, slash >= 0 ? artifact.path.slice(0, slash) : '', {
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    options.onPhase?.('finishing');
    await client.runs.update(runId, { status: 'FINISHED', endTime: Date.now() });
    return { experimentId, runId, runName: run.info.runName };
  } catch (error) {
    await client.runs.update(runId, { status: 'FAILED', endTime: Date.now() }).catch(() => undefined);
    const message = errorMessage(error);
    throw new Error(`Logging to MLflow failed: ${message} (run ${runId} in experiment ${experimentId} is marked FAILED).`, {
      cause: error,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
