/**
 * How MLflow 3.17 records that a run, a logged model or a trace used prompt versions: the tag
 * `mlflow.linkedPrompts` (TraceTagKey.LINKED_PROMPTS in mlflow/tracing/constant.py), a JSON list of
 * `{"name", "version"}`, as `update_linked_prompts_tag` (mlflow/tracing/utils/prompt.py) writes it.
 * Over REST that tag is all `MlflowClient.link_prompt_version_to_run` sets (the default method of
 * mlflow/store/model_registry/abstract_store.py), and MLflow's web UI reads it to list a run's prompts.
 */
import { pythonJsonDumps } from '../modelDirectory/pythonJson';
import { parsePromptUri } from './promptUris';

export const linkedPromptsTagKey = 'mlflow.linkedPrompts';

/** The tag for the prompt versions (`prompts:/name/version` URIs), each once, in order; aliases are refused. */
export function linkedPromptsTag(uris: readonly string[]): Record<string, string> {
  const entries: { name: string; version: string }[] = [];
  for (const uri of uris) {
    const reference = parsePromptUri(uri);
    if (!('version' in reference)) throw new Error(`${uri} names an alias: a linked prompt is a version (prompts:/<name>/<version>)`);
    if (!entries.some((entry) => entry.name === reference.name && entry.version === reference.version))
      entries.push({ name: reference.name, version: reference.version });
  }
  return entries.length ? { [linkedPromptsTagKey]: pythonJsonDumps(entries) } : {};
}
