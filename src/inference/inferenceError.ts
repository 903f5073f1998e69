/**
 * The one error type of the local engine. `message` is a single sentence fit to show a user, naming
 * the file or setting at fault and what to do about it; `kind` lets the UI pick an action.
 */
export type InferenceErrorKind =
  | 'not-a-model-folder' // neither the onnxruntime-genai nor the transformers.js layout
  | 'missing-file' // a file the layout needs is absent
  | 'lfs-pointer' // a Git LFS pointer where the weights should be
  | 'unsupported-config' // a config this engine cannot read (another runtime version, another model type)
  | 'graph-mismatch' // the ONNX graph lacks an input or output its config names
  | 'too-large' // the model would not fit in free memory
  | 'load-failed' // onnxruntime refused the graph (corrupt file, unknown operator)
  | 'runtime-mismatch' // the onnxruntime library does not offer the C API version this engine was written against
  | 'prompt-too-long' // the prompt does not fit the context window
  | 'invalid-option' // a search option out of range
  | 'no-model' // generate() before load()
  | 'busy' // a second generation while one runs
  | 'worker-crashed'; // the inference worker died

export class InferenceError extends Error {
  override readonly name = 'InferenceError';

  constructor(
    readonly kind: InferenceErrorKind,
    message: string,
  ) {
    super(message);
  }
}
