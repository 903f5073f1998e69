import { promises as fs } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ArtifactOwner } from './artifactUpload';
import type { MlflowClient } from './client';
import type { ModelVersion } from './entities';
import { MlflowError } from './errors';
import { inputExampleProblems, type ModelSignatureSpec } from './modelDirectory/modelSignature';
import { onnxFolderProblems } from './modelDirectory/onnxFolderProblems';
import { type OnnxWrapperModel, promptInput } from './modelDirectory/onnxWrapperModel';
import { writeWrapperModelDirectory } from './modelDirectory/wrapperModelDirectory';
import { errorMessage } from '../errorMessage';

/** What to log: the wrapper model and where it goes (a checked `mlflow-wrapper` cell has this shape). */
export interface WrapperLogRequest {
  /** Everything but the Python version, which the logger knows from the interpreter unless set here. */
  readonly model: Omit<OnnxWrapperModel, 'pythonVersion'> & { readonly pythonVersion?: string };
  /** The logged model's name (MLflow 3); the run artifact path (MLflow 2). */
  readonly modelName: string;
  /** The experiment's name; created when missing. */
  readonly experiment: string;
  readonly runName?: string;
  readonly registeredModelName?: string;
  readonly alias?: string;
}

export type WrapperLogPhase = 'checking' | 'creating' | 'uploading' | 'finalizing' | 'registering';

export interface WrapperLogProgress {
  readonly phase: WrapperLogPhase;
  /** While uploading: bytes sent of all the model's files, and their total. */
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
}

export interface WrapperLogOptions {
  /** The Python of the notebook's interpreter (e.g. `3.11.7`), written when the request sets none. */
  readonly pythonVersion?: string;
  /** Recorded as the run's `mlflow.source.name`, e.g. the notebook's path. */
  readonly sourceName?: string;
  readonly onProgress?: (progress: WrapperLogProgress) => void;
  readonly signal?: AbortSignal;
  /** Where the model directory is written before upload (default: the OS temporary folder). */
  readonly scratchDir?: string;
}

export interface LoggedWrapperModel {
  /** `models:/<model_id>` on MLflow 3, `runs:/<run_id>/<model name>` on MLflow 2. */
  readonly modelUri: string;
  readonly experimentId: string;
  readonly runId: string;
  /** MLflow 3's logged model id. */
  readonly modelId?: string;
  /** Where the model's files are: the logged model's artifact URI, or the run's plus the model name. */
  readonly artifactUri: string;
  readonly signature: ModelSignatureSpec;
  readonly mlflowVersion: string;
  readonly files: number;
  readonly bytes: number;
  readonly registeredVersion?: ModelVersion;
}

/** Problems found before anything was created on the server: the model would fail once logged. */
export class WrapperPreflightError extends Error {
  override readonly name = 'WrapperPreflightError';
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0]! : `The wrapper cannot be logged:\n- ${problems.join('\n- ')}`);
  }
}

/** The model was logged, but registering it (or setting the alias) failed: `logged` says where it is. */
export class WrapperRegistrationError extends Error {
  override readonly name = 'WrapperRegistrationError';
  constructor(
    readonly logged: LoggedWrapperModel,
    override readonly cause: unknown,
  ) {
    super(`The model was logged as ${logged.modelUri}, but registering it failed: ${errorMessage(cause)}`);
  }
}

/** The Python written into the environment files when neither the request nor the caller names one. */
export const fallbackPythonVersion = '3.11';

/**
 * Logs an onnxruntime-genai wrapper as MLflow's Python client would: a run, on MLflow 3 a logged
 * model linked to it as its output, the model directory uploaded (the logged model's artifacts on
 * MLflow 3, the run's `<model name>/` otherwise; MLmodel last, so a model interrupted mid-upload
 * never looks complete), the logged model marked READY (or the run recorded in
 * `mlflow.log-model.history` on MLflow 2), then the version registered and the alias set if asked.
 * Checks the ONNX folder and the input example first, before anything is created. On failure or
 * cancellation the logged model is marked UPLOAD_FAILED and the run FAILED or KILLED.
 */
export async function logWrapperModel(
  client: MlflowClient,
  request: WrapperLogRequest,
  options: WrapperLogOptions = {},
): Promise<LoggedWrapperModel> {
  const report = (progress: WrapperLogProgress) => options.onProgress?.(progress);
  report({ phase: 'checking' });
  await preflight(request);
  throwIfCancelled(options.signal, 'before anything was logged');

  report({ phase: 'creating' });
  const mlflowVersion = await client.serverVersion();
  const { loggedModels: hasLoggedModels } = await client.features();
  const experiment = await client.experiments.getByName(request.experiment);
  if (experiment?.lifecycleStage === 'deleted') {
    throw new WrapperPreflightError([`The experiment "${request.experiment}" is deleted: restore it, or log to another experiment`]);
  }
  const experimentId = experiment?.experimentId ?? (await client.experiments.create(request.experiment));
  const tags = {
    'mlflow.user': userInfo().username,
    'mlflow.source.type': 'LOCAL',
    'mlflow.source.name': options.sourceName ?? 'mlflow-wrapper cell',
  };
  const run = await client.runs.create(experimentId, { runName: request.runName, tags });
  const runId = run.info.runId;
  const scratch = await fs.mkdtemp(join(options.scratchDir ?? tmpdir(), 'phi3-mlflow-wrapper-'));
  let modelId: string | undefined;
  let result: LoggedWrapperModel;
  try {
    const logged = hasLoggedModels
      ? await client.loggedModels.create({ experimentId, name: request.modelName, sourceRunId: runId, tags })
      : undefined;
    modelId = logged?.modelId;
    if (logged) await client.runs.logOutputs(runId, [{ modelId: logged.modelId, step: 0 }]);
    const owner: ArtifactOwner = logged ? { artifactUri: logged.artifactUri } : { artifactUri: run.info.artifactUri, runId };
    const prefix = logged ? '' : request.modelName;

    const model: OnnxWrapperModel = {
      ...request.model,
      pythonVersion: request.model.pythonVersion ?? options.pythonVersion ?? fallbackPythonVersion,
    };
    const directory = join(scratch, request.modelName);
    const written = await writeWrapperModelDirectory(
      directory,
      model,
      { artifactPath: logged?.artifactUri ?? request.modelName, runId, modelId, mlflowVersion },
      { onnxFolder: 'leave-out' },
    );

    // One running total over every file, the ONNX folder sent from where it is.
    const ownFiles = (await fs.readdir(directory)).sort((a, b) => (a === 'MLmodel' ? 1 : b === 'MLmodel' ? -1 : a.localeCompare(b)));
    const total = written.modelSizeBytes + Buffer.byteLength(written.mlmodel);
    let sent = 0;
    const upload = async (path: string, artifactPath: string) => {
      const base = sent;
      const uploaded = await client.artifacts.upload(owner, path, artifactPath, {
        signal: options.signal,
        onProgress: (done) => report({ phase: 'uploading', bytesDone: base + done, bytesTotal: total }),
      });
      sent = base + uploaded.bytes;
      report({ phase: 'uploading', bytesDone: sent, bytesTotal: total });
      return uploaded.files;
    };
    report({ phase: 'uploading', bytesDone: 0, bytesTotal: total });
    let files = await upload(model.onnxFolder, [prefix, 'artifacts'].filter(Boolean).join('/'));
    for (const name of ownFiles) {
      throwIfCancelled(options.signal, `upload of ${name}`);
      files += await upload(join(directory, name), prefix);
    }

    report({ phase: 'finalizing' });
    if (logged) {
      await client.loggedModels.finalize(logged.modelId, 'LOGGED_MODEL_READY');
    } else {
      await recordLoggedModel(client, runId, written.mlmodel);
    }
    await client.runs.update(runId, { status: 'FINISHED', endTime: Date.now() });

    const modelUri = logged ? `models:/${logged.modelId}` : `runs:/${runId}/${request.modelName}`;
    const artifactUri = logged ? logged.artifactUri : `${run.info.artifactUri}/${request.modelName}`;
    result = { modelUri, experimentId, runId, modelId, artifactUri, signature: model.signature, mlflowVersion, files, bytes: sent };
  } catch (error) {
    const cancelled = options.signal?.aborted === true || (error instanceof MlflowError && error.kind === 'cancelled');
    // Record the failure where the user will look; a second failure must not hide the first.
    if (modelId) await client.loggedModels.finalize(modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined);
    await client.runs.update(runId, { status: cancelled ? 'KILLED' : 'FAILED', endTime: Date.now() }).catch(() => undefined);
    throw error;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  if (!request.registeredModelName) return result;
  // The model is logged whatever happens now: a failed registration must not lose it.
  report({ phase: 'registering' });
  try {
    const registeredVersion = await client.registry.registerVersion(
      {
        name: request.registeredModelName,
        source: result.modelId ? result.modelUri : result.artifactUri,
        runId,
        modelId: result.modelId,
        alias: request.alias,
      },
      { signal: options.signal },
    );
    return { ...result, registeredVersion };
  } catch (error) {
    throw new WrapperRegistrationError(result, error);
  }
}

async function preflight(request: WrapperLogRequest): Promise<void> {
  const problems = await onnxFolderProblems(request.model.onnxFolder);
  const { inputs } = request.model.signature;
  if (!inputs.some((column) => column.name === promptInput && column.type === 'string')) {
    problems.push(`The signature has no string input "${promptInput}": the wrapper reads its prompts from model_input["${promptInput}"]`);
  }
  problems.push(
    ...inputExampleProblems(request.model.inputExample, inputs).map((problem) => problem.charAt(0).toUpperCase() + problem.slice(1)),
  );
  if (request.alias && !request.registeredModelName) problems.push('An alias needs a registered model name');
  if (problems.length > 0) throw new WrapperPreflightError(problems);
}

function throwIfCancelled(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted)
    throw new MlflowError('cancelled', `Cancelled ${where}`, {
      method: 'PUT',
      path: '/api/2.0/mlflow-artifacts/artifacts',
      subject: 'Wrapper model upload',
    });
}

/**
 * MLflow 2 keeps no logged-model object: its client appends the model's MLmodel (without signature
 * and input example) to the run's `mlflow.log-model.history` tag through `runs/log-model`.
 */
async function recordLoggedModel(client: MlflowClient, runId: string, mlmodel: string): Promise<void> {
  const model = parse(mlmodel) as Record<string, unknown>;
  const history = {
    run_id: model.run_id,
    artifact_path: model.artifact_path,
    utc_time_created: model.utc_time_created,
    model_uuid: model.model_uuid,
    flavors: model.flavors,
  };
  await client.http.json('POST', '/api/2.0/mlflow/runs/log-model', {
    body: { run_id: runId, model_json: JSON.stringify(history) },
    subject: `Run ${runId}`,
  });
}
