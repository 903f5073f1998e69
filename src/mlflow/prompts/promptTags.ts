/**
 * How MLflow's OSS registry stores a prompt: a registered model tagged as a prompt, and one model
 * version per prompt version with its template in a tag. MLflow has no prompt endpoints of its own
 * (3.17's are the registered-model and model-version ones); these keys are all there is. Read from
 * MLflow 3.17's `mlflow/prompt/constants.py`.
 */
export const promptTags = {
  /** On the registered model and on each version: `"true"`. */
  isPrompt: 'mlflow.prompt.is_prompt',
  /** On each version: the template, the text itself or a chat prompt's messages as JSON. */
  text: 'mlflow.prompt.text',
  /** On each version: `text` or `chat`. MLflow 2 wrote no such tag: its prompts are all text. */
  type: '_mlflow_prompt_type',
  /** On each version, optional: the JSON schema of the answer the prompt asks for. */
  responseFormat: '_mlflow_prompt_response_format',
  /** On each version, optional: the model and its settings as JSON (`model_name`, `temperature`, …). */
  modelConfig: '_mlflow_prompt_model_config',
  /**
   * On the registered model: the experiments the prompt belongs to, as `,1,7,` (commas around each
   * id, so that a LIKE for `,1,` does not match 10). MLflow's client adds the active experiment.
   */
  experimentIds: '_mlflow_experiment_ids',
} as const;

/** The version tags MLflow keeps to itself: a PromptVersion's `tags` are the others (`_is_reserved_tag`). */
export const reservedVersionTags: ReadonlySet<string> = new Set([
  promptTags.isPrompt,
  promptTags.text,
  promptTags.type,
  promptTags.responseFormat,
  promptTags.modelConfig,
]);

/**
 * A model version needs a source; a prompt version has no files, so MLflow's client sends this
 * placeholder, and 3.17's server refuses any other source on a prompt version (`_validate_prompt_source`).
 */
export const promptVersionSource = 'dummy-source';

/** MLflow's rule for a prompt's name (`PROMPT_NAME_RULE`): letters, digits, `_`, `.` and `-`. */
export const promptNamePattern = /^[a-zA-Z0-9_.-]+$/;

/** The search filter that selects prompts: without it, MLflow's registry searches leave them out. */
export const isPromptFilter = `tags.\`${promptTags.isPrompt}\` = 'true'`;
