/**
 * The two request shapes a Phi-3 model served by MLflow (`mlflow models serve`) takes at
 * `/invocations`, as the Phi-3 MLflow recipes log it:
 * - `llm/v1/chat`: a transformers pipeline logged with that task (or a pyfunc with MLflow's chat
 *   schema) takes `{"messages": [...], "temperature", "max_tokens", …}` and answers OpenAI-style.
 * - `prompt`: the custom onnxruntime-genai wrapper, `{prompt: string} -> string`, which takes the
 *   prompt already in the Phi-3 chat format, as `{"inputs": {"prompt": [...]}}` or
 *   `{"dataframe_records": [{"prompt": ...}]}`, and answers `{"predictions": ["..."]}`.
 */
export type ScoringSignature =
  | { readonly kind: 'llm/v1/chat' }
  | {
      readonly kind: 'prompt';
      /** The input column holding the prompt (`prompt` in the recipes). */
      readonly promptInput: string;
      /** `inputs` (the default) or `dataframe_records`; the scoring server reads both the same. */
      readonly requestShape: 'inputs' | 'dataframe_records';
    };

export const chatSignature: ScoringSignature = { kind: 'llm/v1/chat' };
export const promptSignature: ScoringSignature = { kind: 'prompt', promptInput: 'prompt', requestShape: 'inputs' };

/** The part of an MLmodel signature this needs (what `parseMlmodel` in src/mlflow/mlmodel.ts gives). */
export interface SignatureColumns {
  readonly inputs: readonly { readonly name?: string; readonly type: string; readonly required?: boolean }[];
}

/**
 * The request shape a model's MLmodel signature calls for, or undefined when it is neither (the
 * caller then lets the user choose). `task` is MLmodel's `metadata.task`, which transformers and
 * chat pyfuncs set to `llm/v1/chat`.
 */
export function scoringSignatureOf(signature: SignatureColumns | undefined, task?: string): ScoringSignature | undefined {
  if (task === 'llm/v1/chat') return chatSignature;
  if (!signature) return undefined;
  const inputs = signature.inputs;
  if (inputs.some((column) => column.name === 'messages' && column.type.startsWith('array'))) return chatSignature;
  const required = inputs.filter((column) => column.required !== false);
  // One string input (the recipes name it `prompt`) is the wrapper's prompt.
  if (required.length === 1 && required[0]!.type === 'string' && required[0]!.name) {
    return { kind: 'prompt', promptInput: required[0]!.name, requestShape: 'inputs' };
  }
  return undefined;
}

/** How the panel names a signature to the user. */
export function describeScoringSignature(signature: ScoringSignature): string {
  return signature.kind === 'llm/v1/chat'
    ? 'llm/v1/chat (messages → chat completion)'
    : `{${signature.promptInput}: string} → string (Phi-3 chat format applied here)`;
}
