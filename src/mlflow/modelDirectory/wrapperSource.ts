import { genaiSearchOptionKinds, type GenaiSearchOptions } from './genaiSearchOptions';
import { pythonJsonString } from './pythonJson';

export interface WrapperSourceOptions {
  /** The key of the ONNX folder in `context.artifacts`. */
  readonly artifactName: string;
  /** The input column (or dict key) holding the prompts. */
  readonly promptInput: string;
  readonly searchOptions: GenaiSearchOptions;
}

/**
 * The Python file of a "models from code" pyfunc around an onnxruntime-genai Phi-3 folder: MLflow's
 * code-model loader runs it and takes the model it passes to `mlflow.models.set_model`. It answers
 * one generated text per prompt, so a batch of prompts gets a list of the same length.
 */
export function wrapperSource(options: WrapperSourceOptions): string {
  return `# Written by the Phi-3 MLflow extension from a declarative mlflow-wrapper cell.
# MLflow loads it as a "models from code" pyfunc: mlflow.pyfunc.loaders.code_model runs this file
# and serves the model it passes to mlflow.models.set_model.
import mlflow
import onnxruntime_genai as og

ARTIFACT_NAME = ${pythonJsonString(options.artifactName)}
PROMPT_INPUT = ${pythonJsonString(options.promptInput)}
SEARCH_OPTIONS = ${pythonDict(options.searchOptions)}


class Phi3OnnxGenaiModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        self.model = og.Model(context.artifacts[ARTIFACT_NAME])
        self.tokenizer = og.Tokenizer(self.model)

    def predict(self, context, model_input, params=None):
        return [self._generate(prompt) for prompt in _prompts(model_input)]

    def _generate(self, prompt):
        input_tokens = self.tokenizer.encode(prompt)
        generator_params = og.GeneratorParams(self.model)
        if SEARCH_OPTIONS:
            generator_params.set_search_options(**SEARCH_OPTIONS)
        generator = og.Generator(self.model, generator_params)
        generator.append_tokens(input_tokens)
        while not generator.is_done():
            generator.generate_next_token()
        return self.tokenizer.decode(generator.get_sequence(0)[len(input_tokens):])


def _prompts(model_input):
    # A DataFrame or a dict, holding one prompt or a list of them. MLflow turns the dict
    # {"prompt": ["a", "b"]} into a DataFrame of one row whose cell is the whole list.
    prompts = model_input[PROMPT_INPUT]
    if isinstance(prompts, str):
        return [prompts]
    found = []
    for prompt in prompts:
        if isinstance(prompt, str):
            found.append(prompt)
        else:
            found.extend(str(item) for item in prompt)
    return found


mlflow.models.set_model(Phi3OnnxGenaiModel())
`;
}

/** The options as a Python dict literal, in the order of onnxruntime-genai's option table. */
function pythonDict(options: GenaiSearchOptions): string {
  const entries = (Object.keys(genaiSearchOptionKinds) as Array<keyof typeof genaiSearchOptionKinds>)
    .filter((name) => options[name] !== undefined)
    .map((name) => {
      const value = options[name]!;
      const kind = genaiSearchOptionKinds[name];
      const literal =
        typeof value === 'boolean'
          ? value
            ? 'True'
            : 'False'
          : kind === 'count' || Number.isInteger(value) === false
            ? String(value)
            : `${value}.0`;
      return `${pythonJsonString(name)}: ${literal}`;
    });
  return `{${entries.join(', ')}}`;
}
