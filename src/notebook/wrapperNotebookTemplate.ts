import { CellKind, type CellData } from './ipynb';

export type WrapperRecipe = 'transformers-pipeline' | 'custom-onnx-pyfunc';

export interface WrapperTemplateOptions {
  readonly recipe: WrapperRecipe;
  /** A Hugging Face model id (transformers recipe) or a local ONNX folder (custom recipe). */
  readonly model: string;
  readonly artifactPath: string;
  readonly registeredModelName?: string;
  readonly experiment?: string;
}

const python = (value: string): CellData => ({ kind: CellKind.Code, value, languageId: 'python' });
const markdown = (value: string): CellData => ({ kind: CellKind.Markup, value, languageId: 'markdown' });
/** A Python string literal for any text (JSON's escapes are Python's for these). */
const literal = (text: string) => JSON.stringify(text);

const chatPrompt = '<|user|>\\nWhat is MLflow?<|end|>\\n<|assistant|>';

/**
 * The cells of a new wrapper notebook, step by step as the recipe goes: settings, a check for the
 * packages it needs, the model, logging it to the tracking server the extension hands the kernel
 * (MLFLOW_TRACKING_URI), and loading the logged model back to call predict with its signature's input.
 */
export function wrapperNotebookCells(options: WrapperTemplateOptions): CellData[] {
  const experiment = options.experiment ?? 'phi3-wrappers';
  const registered = options.registeredModelName ? literal(options.registeredModelName) : 'None';
  const settings = (modelLine: string) =>
    python(
      `# Settings: change them here, then run the cells in order.\n${modelLine}\nARTIFACT_PATH = ${literal(options.artifactPath)}\nEXPERIMENT = ${literal(experiment)}\nREGISTERED_MODEL_NAME = ${registered}  # None: log without registering`,
    );
  const packages = (modules: string[]) =>
    python(
      `# The packages this recipe needs, looked up in this notebook's Python.\nimport importlib.util, subprocess, sys\n\nneeded = {${modules.map((m) => `${literal(m.split('=')[0]!)}: ${literal(m.split('=')[1] ?? m)}`).join(', ')}}\nmissing = [pip for module, pip in needed.items() if importlib.util.find_spec(module) is None]\nif missing:\n    print("Installing", *missing)\n    subprocess.check_call([sys.executable, "-m", "pip", "install", *missing])\nelse:\n    print("All there:", ", ".join(needed.values()))`,
    );
  const tracking = python(
    'import mlflow\n\n# The extension hands this Python the connected server (MLFLOW_TRACKING_URI and its credentials).\nprint("Tracking server:", mlflow.get_tracking_uri())\nmlflow.set_experiment(EXPERIMENT)',
  );

  if (options.recipe === 'transformers-pipeline') {
    return [
      markdown(
        '# Phi-3 as an MLflow model: Transformers pipeline\n\nWraps a `transformers` text-generation pipeline and logs it with the `llm/v1/chat` task, which gives the model an OpenAI-chat-compatible signature.',
      ),
      settings(`MODEL_ID = ${literal(options.model)}  # a Hugging Face model id, or a local folder`),
      // torchvision: mlflow.transformers.log_model pins it among a torch model's requirements, and fails without it.
      packages(['mlflow', 'transformers', 'torch', 'torchvision']),
      tracking,
      python('import transformers\n\npipeline = transformers.pipeline(task="text-generation", model=MODEL_ID)\npipeline'),
      python(
        'with mlflow.start_run() as run:\n    model_info = mlflow.transformers.log_model(\n        transformers_model=pipeline,\n        name=ARTIFACT_PATH,\n        model_config={"max_new_tokens": 256, "temperature": 0.1, "do_sample": True},\n        task="llm/v1/chat",\n        registered_model_name=REGISTERED_MODEL_NAME,\n    )\nprint("Logged", model_info.model_uri, "in run", run.info.run_id)',
      ),
      markdown('## Load it back and ask it something\n\nThe `llm/v1/chat` signature takes OpenAI-style messages.'),
      python(
        'loaded = mlflow.pyfunc.load_model(model_info.model_uri)\nloaded.predict({"messages": [{"role": "user", "content": "What is MLflow?"}]})',
      ),
    ];
  }
  return [
    markdown(
      '# Phi-3 as an MLflow model: custom ONNX wrapper\n\nA `mlflow.pyfunc.PythonModel` runs an onnxruntime-genai Phi-3 folder (such as `cpu-int4-rtn-block-32-acc-level-4`), logged with the folder as the artifact `phi3-mini-onnx`; its signature is `{prompt: string} -> string`.',
    ),
    settings(`ONNX_FOLDER = ${literal(options.model)}  # an onnxruntime-genai model folder (genai_config.json inside)`),
    packages(['mlflow', 'onnxruntime_genai=onnxruntime-genai', 'numpy']),
    tracking,
    python(
      `import mlflow.pyfunc


class Phi3Model(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        import onnxruntime_genai as og

        self.og = og
        self.model = og.Model(context.artifacts["phi3-mini-onnx"])
        self.tokenizer = og.Tokenizer(self.model)
        self.params = og.GeneratorParams(self.model)
        self.params.set_search_options(max_length=300, temperature=0.2)

    def predict(self, context, model_input):
        prompt = model_input["prompt"][0]
        generator = self.og.Generator(self.model, self.params)
        generator.append_tokens(self.tokenizer.encode(prompt))
        while not generator.is_done():
            generator.generate_next_token()
        return self.tokenizer.decode(generator.get_sequence(0))`,
    ),
    python(
      `from mlflow.models import infer_signature

input_example = {"prompt": "${chatPrompt}"}
with mlflow.start_run() as run:
    model_info = mlflow.pyfunc.log_model(
        name=ARTIFACT_PATH,
        python_model=Phi3Model(),
        artifacts={"phi3-mini-onnx": ONNX_FOLDER},
        input_example=input_example,
        signature=infer_signature(input_example, ["Run"]),
        extra_pip_requirements=["torch", "onnxruntime_genai", "numpy"],
        registered_model_name=REGISTERED_MODEL_NAME,
    )
print("Logged", model_info.model_uri, "in run", run.info.run_id)`,
    ),
    markdown("## Load it back and ask it something\n\nThe signature takes a `prompt` in Phi-3's chat format."),
    python(`loaded = mlflow.pyfunc.load_model(model_info.model_uri)\nloaded.predict({"prompt": "${chatPrompt}"})`),
  ];
}
