import { isReleaseNumber } from '../serverVersion';
import { pythonYamlDump } from './pythonYaml';

/**
 * The requirements a wrapper model needs: MLflow (the version of the server it is logged to, so
 * loading uses the same model format), onnxruntime-genai, then the user's extras; or the user's own
 * list instead, as MLflow's `pip_requirements` replaces its inferred ones. Duplicates are dropped.
 */
export function wrapperRequirements(
  mlflowVersion: string,
  onnxruntimeGenai: string,
  pipRequirements?: readonly string[],
  extraPipRequirements: readonly string[] = [],
): string[] {
  // Pinned only to a release number: a server's odd /version answer never becomes a requirement line.
  const base = pipRequirements ?? [isReleaseNumber(mlflowVersion) ? `mlflow==${mlflowVersion}` : 'mlflow', onnxruntimeGenai];
  return [...new Set([...base, ...extraPipRequirements])];
}

/** `requirements.txt` as MLflow writes it: one requirement a line, no newline after the last. */
export function requirementsText(requirements: readonly string[]): string {
  return requirements.join('\n');
}

/**
 * `conda.yaml` in MLflow's layout. MLflow pins pip and the build tools to the versions it runs
 * with; written without Python those are unknown, so they are left unpinned.
 */
export function condaYaml(pythonVersion: string, requirements: readonly string[]): string {
  return pythonYamlDump({
    channels: ['conda-forge'],
    dependencies: [`python=${pythonVersion}`, 'pip', { pip: [...requirements] }],
    name: 'mlflow-env',
  });
}

/** `python_env.yaml`, read by MLflow's virtualenv and uv environment managers. */
export function pythonEnvYaml(pythonVersion: string): string {
  return pythonYamlDump({
    python: pythonVersion,
    build_dependencies: ['pip', 'setuptools', 'wheel'],
    dependencies: ['-r requirements.txt'],
  });
}
