import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { condaYaml, pythonEnvYaml, requirementsText, wrapperRequirements } from './environmentFiles';
import { inputExampleFileName, inputExampleJson, servingInputExampleFileName, servingInputExampleJson } from './inputExampleFiles';
import { type MlmodelIdentity, mlmodelText } from './mlmodelFile';
import { type OnnxWrapperModel, onnxruntimeGenaiRequirement, promptInput, wrapperFileName } from './onnxWrapperModel';
import { wrapperSource } from './wrapperSource';

export interface WrapperDirectoryOptions {
  /**
   * `copy` (the default) copies the ONNX folder into `artifacts/`, giving a complete directory that
   * `mlflow.pyfunc.load_model` opens as it is. `leave-out` writes everything else: an uploader then
   * sends the folder from where it is, sparing a copy of gigabytes of weights.
   */
  readonly onnxFolder?: 'copy' | 'leave-out';
}

export interface WrapperModelDirectory {
  readonly directory: string;
  /** Every file of the model, relative, `/`-separated, sorted; the ONNX folder's too even when left out. */
  readonly files: readonly string[];
  /** Where the ONNX folder goes inside the model: `artifacts/<its folder name>`, as MLflow places it. */
  readonly onnxArtifactPath: string;
  readonly mlmodel: string;
  readonly requirements: readonly string[];
  readonly modelSizeBytes: number;
}

/**
 * Writes the MLflow model directory of an ONNX wrapper — MLmodel, the wrapper `.py`, the
 * environment files, the input examples and the ONNX folder as an artifact — into `directory`,
 * which must be missing or empty.
 */
export async function writeWrapperModelDirectory(
  directory: string,
  model: OnnxWrapperModel,
  identity: MlmodelIdentity,
  options: WrapperDirectoryOptions = {},
): Promise<WrapperModelDirectory> {
  await fs.mkdir(directory, { recursive: true });
  if ((await fs.readdir(directory)).length > 0)
    throw new Error(`${directory} is not empty: a model directory is written into an empty folder`);
  const onnxArtifactPath = `artifacts/${basename(model.onnxFolder)}`;
  const onnxFiles = await filesWithSizes(model.onnxFolder);
  const requirements = wrapperRequirements(
    identity.mlflowVersion,
    onnxruntimeGenaiRequirement,
    model.pipRequirements,
    model.extraPipRequirements,
  );
  const written: Record<string, string> = {
    [wrapperFileName]: wrapperSource({ artifactName: model.artifactName, promptInput, searchOptions: model.searchOptions }),
    [inputExampleFileName]: inputExampleJson(model.inputExample),
    [servingInputExampleFileName]: servingInputExampleJson(model.inputExample),
    'conda.yaml': condaYaml(model.pythonVersion, requirements),
    'python_env.yaml': pythonEnvYaml(model.pythonVersion),
    'requirements.txt': requirementsText(requirements),
  };
  // MLflow counts the model's size before writing MLmodel; so does this.
  const modelSizeBytes =
    Object.values(written).reduce((sum, text) => sum + Buffer.byteLength(text), 0) + onnxFiles.reduce((sum, file) => sum + file.size, 0);
  const mlmodel = mlmodelText({
    identity: { ...identity, modelUuid: identity.modelUuid ?? randomBytes(16).toString('hex') },
    flavor: {
      artifacts: { [model.artifactName]: { path: onnxArtifactPath, uri: model.onnxFolder } },
      modelCodePath: wrapperFileName,
      pythonVersion: model.pythonVersion,
    },
    signature: model.signature,
    inputExample: { artifactPath: inputExampleFileName, servingInputPath: servingInputExampleFileName },
    modelSizeBytes,
  });
  written.MLmodel = mlmodel;
  for (const [name, text] of Object.entries(written)) await fs.writeFile(join(directory, name), text);
  if ((options.onnxFolder ?? 'copy') === 'copy') await fs.cp(model.onnxFolder, join(directory, onnxArtifactPath), { recursive: true });
  return {
    directory,
    files: [...Object.keys(written), ...onnxFiles.map((file) => `${onnxArtifactPath}/${file.path}`)].sort(),
    onnxArtifactPath,
    mlmodel,
    requirements,
    modelSizeBytes,
  };
}

async function filesWithSizes(folder: string, prefix = ''): Promise<Array<{ path: string; size: number }>> {
  const found: Array<{ path: string; size: number }> = [];
  for (const entry of await fs.readdir(join(folder, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await filesWithSizes(folder, path)));
    else if (entry.isFile()) found.push({ path, size: (await fs.stat(join(folder, path))).size });
  }
  return found;
}
