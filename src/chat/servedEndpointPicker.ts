import { parse as parseYaml } from 'yaml';
import * as vscode from 'vscode';
import { errorMessage } from '../errorMessage';
import { parseMlmodel } from '../mlflow/mlmodel';
import { normalizeScoringUrl } from '../mlflow/scoring/scoringClient';
import {
  checkAzureScoringUri,
  checkDatabricksEndpointName,
  checkDeploymentName,
  type CheckedEndpointUrl,
  databricksInvocationsUrl,
  parseDatabricksWorkspace,
  providerName,
  type ScoringProvider,
} from '../mlflow/scoring/scoringEndpoint';
import {
  chatSignature,
  describeScoringSignature,
  promptSignature,
  scoringSignatureOf,
  type ScoringSignature,
} from '../mlflow/scoring/scoringSignature';
import { pickText } from '../views/displayName';
import type { ChatModelRef } from './chatBackend';
import { type EndpointAuthKind, type RememberedEndpoint, type ServedEndpointStore } from './servedEndpointStore';

const title = 'Chat with a Served Model';

/**
 * "Chat with a Served Model…": which kind of endpoint (or one used before), then its URL, the
 * Azure deployment, the key or token (into SecretStorage, never settings), and the signature.
 * Undefined when the user cancels at any step.
 */
export async function pickServedEndpoint(store: ServedEndpointStore): Promise<ChatModelRef | undefined> {
  type Item = vscode.QuickPickItem & { action?: () => Promise<ChatModelRef | undefined> };
  const items: Item[] = [];
  const known = store.list();
  if (known.length) {
    items.push({ label: 'Used before', kind: vscode.QuickPickItemKind.Separator });
    for (const endpoint of known)
      items.push({
        label: `${iconOf(endpoint.kind)} ${pickText(endpointLabel(endpoint))}`,
        description: providerName(endpoint.kind),
        detail: describeScoringSignature(endpoint.signature),
        action: () => reopen(store, endpoint),
      });
    items.push({ label: 'New', kind: vscode.QuickPickItemKind.Separator });
  }
  items.push(
    {
      label: `${iconOf('mlflow')} MLflow Served Model URL…`,
      detail: 'mlflow models serve, or any server speaking its /invocations protocol',
      action: () => newMlflow(store),
    },
    {
      label: `${iconOf('azureml')} Azure Machine Learning Online Endpoint…`,
      detail: 'Its scoring URI (…inference.ml.azure.com/score) with an endpoint key or a Microsoft Entra token',
      action: () => newAzure(store),
    },
    {
      label: `${iconOf('databricks')} Databricks Model Serving Endpoint…`,
      detail: 'Its workspace and endpoint name (/serving-endpoints/<name>/invocations) with a token',
      action: () => newDatabricks(store),
    },
  );
  const clouds = known.filter((endpoint) => endpoint.kind !== 'mlflow');
  if (clouds.length)
    items.push({
      label: '$(key) Enter a New Key or Token…',
      detail: 'For an Azure ML or Databricks endpoint used before (a key rotated, an Entra token expired)',
      action: () => replaceSecret(store, clouds),
    });
  if (known.length)
    items.push({
      label: '$(trash) Forget a Served Endpoint…',
      detail: 'Removes it from this list, and its key or token from the secret storage',
      action: async () => {
        await forgetServedEndpoint(store);
        return undefined;
      },
    });
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Which served model?', ignoreFocusOut: true });
  return picked?.action?.();
}

/** "Phi-3: Forget Served Endpoint…": off the list, and its secret out of SecretStorage. */
export async function forgetServedEndpoint(store: ServedEndpointStore): Promise<RememberedEndpoint | undefined> {
  const known = store.list();
  if (!known.length) {
    void vscode.window.showInformationMessage('No served endpoint is remembered.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    known.map((endpoint) => ({
      label: `${iconOf(endpoint.kind)} ${pickText(endpointLabel(endpoint))}`,
      description: providerName(endpoint.kind),
      endpoint,
    })),
    { title: 'Forget a Served Endpoint', placeHolder: 'Its key or token is removed from the secret storage too' },
  );
  if (!picked) return undefined;
  await store.forget(picked.endpoint);
  void vscode.window.showInformationMessage(`Forgot ${endpointLabel(picked.endpoint)} (${providerName(picked.endpoint.kind)}).`);
  return picked.endpoint;
}

/** A new key or token for a cloud endpoint used before, then the chat on it. */
async function replaceSecret(store: ServedEndpointStore, clouds: readonly RememberedEndpoint[]): Promise<ChatModelRef | undefined> {
  const picked = await vscode.window.showQuickPick(
    clouds.map((endpoint) => ({
      label: `${iconOf(endpoint.kind)} ${pickText(endpointLabel(endpoint))}`,
      description: providerName(endpoint.kind),
      endpoint,
    })),
    { title: `${title}: a new key or token for which endpoint?`, ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  const asked = await askSecret(picked.endpoint.kind);
  if (!asked) return undefined;
  await store.remember({ ...picked.endpoint, auth: asked.auth }, asked.secret);
  return refOf(picked.endpoint);
}

/** An endpoint used before: its secret asked again only when SecretStorage no longer has it. */
async function reopen(store: ServedEndpointStore, endpoint: RememberedEndpoint): Promise<ChatModelRef | undefined> {
  if (endpoint.kind !== 'mlflow' && !(await store.secretOf(endpoint))) {
    const asked = await askSecret(endpoint.kind);
    if (!asked) return undefined;
    await store.remember({ ...endpoint, auth: asked.auth }, asked.secret);
  } else {
    await store.remember(endpoint);
  }
  return refOf(endpoint);
}

async function newMlflow(store: ServedEndpointStore): Promise<ChatModelRef | undefined> {
  const url = await askScoringUrl();
  if (!url) return undefined;
  const signature = await pickSignature();
  if (!signature) return undefined;
  const endpoint: RememberedEndpoint = { kind: 'mlflow', url: normalizeScoringUrl(url), signature };
  await store.remember(endpoint);
  return refOf(endpoint);
}

async function newAzure(store: ServedEndpointStore): Promise<ChatModelRef | undefined> {
  const raw = await vscode.window.showInputBox({
    title: `${title}: Azure Machine Learning`,
    prompt: "The endpoint's scoring URI (its Consume tab, or az ml online-endpoint show --query scoring_uri)",
    placeHolder: 'https://<endpoint>.<region>.inference.ml.azure.com/score',
    ignoreFocusOut: true,
    validateInput: (value) => validation(() => checkAzureScoringUri(value)),
  });
  if (raw === undefined) return undefined;
  const { url } = checkAzureScoringUri(raw);
  const deploymentText = await vscode.window.showInputBox({
    title: `${title}: Azure Machine Learning`,
    prompt: "A deployment to send to (azureml-model-deployment), or nothing to let the endpoint's traffic rules choose",
    placeHolder: 'blue',
    ignoreFocusOut: true,
    validateInput: (value) => validation(() => checkDeploymentName(value)),
  });
  if (deploymentText === undefined) return undefined;
  const deployment = checkDeploymentName(deploymentText);
  const asked = await askSecret('azureml');
  if (!asked) return undefined;
  const signature = await pickSignature();
  if (!signature) return undefined;
  const endpoint: RememberedEndpoint = { kind: 'azureml', url, signature, auth: asked.auth, ...(deployment ? { deployment } : {}) };
  await store.remember(endpoint, asked.secret);
  return refOf(endpoint);
}

async function newDatabricks(store: ServedEndpointStore): Promise<ChatModelRef | undefined> {
  const raw = await vscode.window.showInputBox({
    title: `${title}: Databricks`,
    prompt: 'The workspace host, or the whole invocations URL of the endpoint',
    placeHolder: 'adb-1234567890123456.7.azuredatabricks.net or https://<workspace-host>/serving-endpoints/<name>/invocations',
    ignoreFocusOut: true,
    validateInput: (value) => validation(() => ({ url: value, ...parseDatabricksWorkspace(value) })),
  });
  if (raw === undefined) return undefined;
  const workspace = parseDatabricksWorkspace(raw);
  let name = workspace.name;
  if (!name) {
    const typed = await vscode.window.showInputBox({
      title: `${title}: Databricks`,
      prompt: `The serving endpoint's name in ${new URL(workspace.origin).host}, as its Serving page lists it`,
      ignoreFocusOut: true,
      validateInput: (value) => validation(() => ({ url: checkDatabricksEndpointName(value) })),
    });
    if (typed === undefined) return undefined;
    name = checkDatabricksEndpointName(typed);
  }
  const asked = await askSecret('databricks');
  if (!asked) return undefined;
  const signature = await pickSignature();
  if (!signature) return undefined;
  const endpoint: RememberedEndpoint = {
    kind: 'databricks',
    url: databricksInvocationsUrl(workspace.origin, name),
    signature,
    auth: asked.auth,
  };
  await store.remember(endpoint, asked.secret);
  return refOf(endpoint);
}

/** The key or token, typed as a password; a pasted `Bearer ` prefix is dropped. */
async function askSecret(kind: ScoringProvider): Promise<{ auth: EndpointAuthKind; secret: string } | undefined> {
  let auth: EndpointAuthKind = 'token';
  if (kind === 'azureml') {
    const picked = await vscode.window.showQuickPick(
      [
        { label: 'Endpoint Key', detail: "The endpoint's primary or secondary key (key-based auth)", auth: 'key' as const },
        {
          label: 'Microsoft Entra Token',
          detail: 'az account get-access-token --resource https://ml.azure.com --query accessToken (expires)',
          auth: 'entra' as const,
        },
      ],
      { title: `${title}: how does the endpoint authenticate?`, ignoreFocusOut: true },
    );
    if (!picked) return undefined;
    auth = picked.auth;
  }
  const what =
    auth === 'key' ? 'endpoint key' : auth === 'entra' ? 'Microsoft Entra access token' : 'Databricks personal access or OAuth token';
  const typed = await vscode.window.showInputBox({
    title: `${title}: ${providerName(kind)}`,
    prompt: `The ${what}: kept in VS Code's secret storage, never in settings or logs`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => secretProblem(value),
  });
  if (typed === undefined) return undefined;
  return { auth, secret: bareSecret(typed) };
}

function bareSecret(typed: string): string {
  return typed.trim().replace(/^Bearer\s+/i, '');
}

function secretProblem(typed: string): string | undefined {
  const secret = bareSecret(typed);
  if (!secret) return 'Paste the key or token.';
  // It goes into an HTTP header: no spaces or line breaks (a paste of two lines, say).
  if (/\s/.test(secret)) return 'A key or token has no spaces or line breaks: paste just the one value.';
  return undefined;
}

export async function askScoringUrl(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt: 'The address of an MLflow scoring server (mlflow models serve), or of any endpoint that speaks its /invocations protocol',
    value: 'http://127.0.0.1:5001',
    validateInput: (value) => validation(() => ({ url: normalizeScoringUrl(value) })),
  });
}

export async function pickSignature(): Promise<ScoringSignature | undefined> {
  const fromFile = { label: "$(file) Read It from the Model's MLmodel File…", signature: undefined as ScoringSignature | undefined };
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'llm/v1/chat', detail: describeScoringSignature(chatSignature), signature: chatSignature as ScoringSignature | undefined },
      {
        label: '{prompt} → string',
        detail: describeScoringSignature(promptSignature),
        signature: promptSignature as ScoringSignature | undefined,
      },
      fromFile,
    ],
    {
      title: 'Which signature does the served model have?',
      placeHolder: 'The Phi-3 recipes log either a transformers llm/v1/chat model or a custom {prompt} wrapper',
    },
  );
  if (!picked) return undefined;
  if (picked.signature) return picked.signature;
  const file = await vscode.window.showOpenDialog({
    title: "The served model's MLmodel file",
    canSelectFiles: true,
    canSelectMany: false,
    openLabel: 'Use Its Signature',
  });
  if (!file?.[0]) return undefined;
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file[0]));
  const summary = parseMlmodel(text);
  const metadata = (parseYaml(text) as { metadata?: { task?: unknown } } | null)?.metadata;
  const signature = scoringSignatureOf(summary.signature, typeof metadata?.task === 'string' ? metadata.task : undefined);
  if (!signature)
    throw new Error(`${file[0].fsPath} has neither the llm/v1/chat signature nor a single string input: choose the signature yourself.`);
  return signature;
}

/** The chat's ref for an endpoint: where and how to ask, no secret. */
export function refOf(endpoint: RememberedEndpoint): ChatModelRef {
  return {
    kind: 'served',
    url: endpoint.url,
    signature: endpoint.signature,
    ...(endpoint.kind !== 'mlflow' ? { provider: endpoint.kind } : {}),
    ...(endpoint.deployment ? { deployment: endpoint.deployment } : {}),
  };
}

function endpointLabel(endpoint: RememberedEndpoint): string {
  const where = endpoint.url.replace(/^https?:\/\//, '');
  return endpoint.deployment ? `${where} (deployment ${endpoint.deployment})` : where;
}

function iconOf(kind: ScoringProvider): string {
  return kind === 'azureml' ? '$(azure)' : kind === 'databricks' ? '$(database)' : '$(server)';
}

/** An input box's answer to `check`: its error, or its warning (the value is still accepted). */
function validation(check: () => Partial<CheckedEndpointUrl> | string | undefined): string | vscode.InputBoxValidationMessage | undefined {
  try {
    const checked = check();
    const warning = typeof checked === 'object' ? checked.warning : undefined;
    return warning ? { message: warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
  } catch (error) {
    return errorMessage(error);
  }
}
