/**
 * The URIs MLflow's clients load models from (`mlflow.pyfunc.load_model(uri)`), and the places in
 * MLflow's web UI that show each object. Plain functions, so every caller spells them the same way.
 */
export const runModelUri = (runId: string, artifactPath: string): string => `runs:/${runId}/${artifactPath.replace(/^\/+/, '')}`;
export const versionModelUri = (name: string, version: string): string => `models:/${name}/${version}`;
export const aliasModelUri = (name: string, alias: string): string => `models:/${name}@${alias}`;
export const loggedModelUri = (modelId: string): string => `models:/${modelId}`;

/** Paths after `#` in MLflow's web UI (a single-page app with hash routes). */
export const webUiPaths = {
  experiment: (experimentId: string) => `/experiments/${encodeURIComponent(experimentId)}`,
  run: (experimentId: string, runId: string) => `/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`,
  loggedModel: (experimentId: string, modelId: string) =>
    `/experiments/${encodeURIComponent(experimentId)}/models/${encodeURIComponent(modelId)}`,
  /**
   * A trace, open in its experiment's Traces tab: the tab reads the trace to show from
   * `selectedEvaluationId`, as MLflow 3.17's built UI writes its own links to one trace (the
   * notebook trace renderer's link, the regression-test detail's Trace button).
   */
  trace: (experimentId: string, traceId: string) =>
    `/experiments/${encodeURIComponent(experimentId)}/traces?selectedEvaluationId=${encodeURIComponent(traceId)}`,
  registeredModel: (name: string) => `/models/${encodeURIComponent(name)}`,
  modelVersion: (name: string, version: string) => `/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`,
};

/**
 * Where a registered version's files are, as an artifact source and path: `models:/<model_id>` (a
 * logged model, MLflow 3), `runs:/<run>/<path>`, or the run's own artifact URI with `/artifacts/<path>`.
 */
export function versionFiles(
  source: string,
  runId: string | undefined,
  modelId: string | undefined,
): { kind: 'loggedModel'; modelId: string; path: string } | { kind: 'run'; runId: string; path: string } | undefined {
  const logged = /^models:\/(m-[0-9a-f]+)\/?$/.exec(source);
  if (logged) return { kind: 'loggedModel', modelId: logged[1]!, path: '' };
  if (modelId && !runId) return { kind: 'loggedModel', modelId, path: '' };
  const run = /^runs:\/([^/]+)\/?(.*)$/.exec(source);
  if (run) return { kind: 'run', runId: run[1]!, path: run[2]!.replace(/\/+$/, '') };
  if (runId) {
    const index = source.indexOf(`${runId}/artifacts`);
    if (index >= 0) return { kind: 'run', runId, path: source.slice(index + runId.length + '/artifacts'.length).replace(/^\/+|\/+$/g, '') };
  }
  if (modelId) return { kind: 'loggedModel', modelId, path: '' };
  return undefined;
}
