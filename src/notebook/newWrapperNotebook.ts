import * as vscode from 'vscode';
import { notebookType, toCellData } from './notebookSerializer';
import { type WrapperTemplateOptions, wrapperNotebookCells } from './wrapperNotebookTemplate';

/**
 * "Phi-3 MLflow: New Wrapper Notebook…": asks for the recipe, the model, the artifact path and an
 * optional registered-model name, and opens an untitled notebook following the recipe. Options given
 * as the argument (tests, other extensions) skip the questions.
 */
export async function newWrapperNotebook(given?: WrapperTemplateOptions): Promise<vscode.NotebookDocument | undefined> {
  const options = given ?? (await askOptions());
  if (!options) return undefined;
  const data = new vscode.NotebookData(wrapperNotebookCells(options).map(toCellData));
  data.metadata = { nbformat: 4, nbformat_minor: 5, metadata: { language_info: { name: 'python' } } };
  const notebook = await vscode.workspace.openNotebookDocument(notebookType, data);
  await vscode.window.showNotebookDocument(notebook);
  return notebook;
}

async function askOptions(): Promise<WrapperTemplateOptions | undefined> {
  const title = 'New Wrapper Notebook';
  const recipe = await vscode.window.showQuickPick(
    [
      {
        label: 'Transformers pipeline',
        detail: 'transformers.pipeline, logged with mlflow.transformers.log_model (task llm/v1/chat: an OpenAI-chat signature)',
        recipe: 'transformers-pipeline' as const,
      },
      {
        label: 'Custom ONNX wrapper',
        detail: 'an mlflow.pyfunc.PythonModel running an onnxruntime-genai folder ({prompt} → text)',
        recipe: 'custom-onnx-pyfunc' as const,
      },
    ],
    { title, placeHolder: 'Which recipe?', ignoreFocusOut: true },
  );
  if (!recipe) return undefined;
  let model: string | undefined;
  if (recipe.recipe === 'transformers-pipeline') {
    model = await vscode.window.showInputBox({
      title,
      prompt: 'A Hugging Face model id, or a local model folder',
      value: 'microsoft/Phi-3-mini-4k-instruct',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Enter a model'),
    });
  } else {
    const picked = await vscode.window.showOpenDialog({
      title: 'An onnxruntime-genai Phi-3 folder (with genai_config.json), e.g. cpu-int4-rtn-block-32-acc-level-4',
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Use this folder',
    });
    model = picked?.[0]?.fsPath;
  }
  if (!model?.trim()) return undefined;
  const artifactPath = await vscode.window.showInputBox({
    title,
    prompt: 'The artifact path the model is logged under',
    value: 'phi3-mlflow-model',
    ignoreFocusOut: true,
    validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v.trim()) ? undefined : 'Letters, digits, ".", "_" and "-"'),
  });
  if (!artifactPath) return undefined;
  const registeredModelName = await vscode.window.showInputBox({
    title,
    prompt: 'Register it as (optional: leave empty to only log it)',
    ignoreFocusOut: true,
  });
  if (registeredModelName === undefined) return undefined;
  return {
    recipe: recipe.recipe,
    model: model.trim(),
    artifactPath: artifactPath.trim(),
    registeredModelName: registeredModelName.trim() || undefined,
  };
}
