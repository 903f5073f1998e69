import * as vscode from 'vscode';
import { usePromptInChat as fillChat, type PromptInChat } from '../chat/chatPromptUse';
import type { ChatPanel } from '../chat/chatPanel';
import type { Ctx } from '../context';
import { parsePromptFile, PromptFileError } from '../formats/phi3PromptFile';
import type { MlflowClient } from '../mlflow/client';
import type { PromptVersion } from '../mlflow/prompts/promptEntities';
import { promptNamePattern } from '../mlflow/prompts/promptTags';
import { fillTemplate, type PromptTemplate } from '../mlflow/prompts/promptTemplate';
import { displayName, notificationText, pickText } from '../views/displayName';
import type { ExplorerNode } from '../views/explorerNode';
import { promptDocumentUri } from '../views/promptDocuments';
import { PromptAliasNode, PromptVersionNode } from '../views/promptNodes';
import type { CommandFactory } from './commandFactory';
import { UserFacingError } from './nodeArgument';

const selectionOf = (ctx: Ctx): readonly ExplorerNode[] => ctx.explorer.promptsView.selection;

/** A prompt version or alias node: the one the command was invoked on, else the Prompts view's selection. */
function promptNodeOf(arg: unknown, ctx: Ctx): PromptVersionNode | PromptAliasNode {
  const node = [arg, ...selectionOf(ctx)].find(
    (n): n is PromptVersionNode | PromptAliasNode => n instanceof PromptVersionNode || n instanceof PromptAliasNode,
  );
  if (!node) throw new UserFacingError('Select a prompt version or alias in the Prompts view first.');
  return node;
}

/** The version the node stands for, read now: an alias is resolved on the server, as MLflow's client does. */
async function versionOf(node: PromptVersionNode | PromptAliasNode): Promise<{ client: MlflowClient; version: PromptVersion }> {
  if (node instanceof PromptVersionNode) {
    if (node.unusable) throw new UserFacingError(node.unusable);
    return { client: node.server.client, version: node.version };
  }
  const { client, chatPrompts } = node.promptNode.server;
  const version = await client.prompts.getByAlias(node.promptNode.name, node.alias);
  if (version.type === 'chat' && !chatPrompts)
    throw new UserFacingError(`${node.uri} is a chat prompt: chat prompts need an MLflow 3 server.`);
  return { client, version };
}

/** A value for each variable: given (tests, other extensions) or asked one InputBox at a time; undefined when cancelled. */
async function variableValues(version: PromptVersion, given: unknown): Promise<Record<string, string> | undefined> {
  const values: Record<string, string> = {};
  const known = typeof given === 'object' && given !== null ? (given as Record<string, unknown>) : {};
  for (const [index, name] of version.variables.entries()) {
    const preset = known[name];
    if (typeof preset === 'string') {
      values[name] = preset;
      continue;
    }
    const value = await vscode.window.showInputBox({
      title: pickText(`Use ${version.uri} in Chat (${index + 1}/${version.variables.length})`),
      prompt: pickText(`The value of {{ ${name} }}`),
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    values[name] = value;
  }
  return values;
}

/**
 * The chat panel to fill: the one in front, else the one opened or focused last (the set keeps
 * that order); none opens one (the model picker asks). A panel that just lost the front can still
 * say it is active for a moment, so of those that say so the one focused last wins.
 */
async function targetPanel(ctx: Ctx): Promise<ChatPanel | undefined> {
  const panels = [...ctx.chatPanels];
  const active = panels.filter((panel) => panel.panel.active).pop() ?? panels.pop();
  if (active) {
    active.panel.reveal();
    return active;
  }
  return vscode.commands.executeCommand<ChatPanel | undefined>('phi3Mlflow.openChat');
}

/**
 * "Use in Chat" on a prompt version or alias: asks for each {{ variable }}, then fills the chat
 * panel with the filled template (chatPromptUse.ts). `values` (an object) answers variables
 * without asking. Answers what it put into the panel; undefined when cancelled.
 */
export const usePromptInChat: CommandFactory =
  (ctx) =>
  async (arg?: unknown, values?: unknown): Promise<PromptInChat | undefined> => {
    const { version } = await versionOf(promptNodeOf(arg, ctx));
    const filledValues = await variableValues(version, values);
    if (!filledValues) return undefined;
    const filled: PromptTemplate = fillTemplate(version.template, filledValues);
    const panel = await targetPanel(ctx);
    if (!panel) return undefined;
    return fillChat(panel, version.uri, filled);
  };

/** What Register Prompt… saves: a `.phi3prompt` file's template, or the chat's system prompt. */
interface PromptSource {
  readonly template: PromptTemplate;
  readonly label: string;
}

async function promptSourceOf(arg: unknown): Promise<PromptSource> {
  if (typeof arg === 'object' && arg !== null && typeof (arg as { systemPrompt?: unknown }).systemPrompt === 'string') {
    const systemPrompt = (arg as { systemPrompt: string }).systemPrompt;
    if (!systemPrompt.trim()) throw new UserFacingError('The system prompt is empty: write one to register it as a prompt.');
    return { template: systemPrompt, label: 'the system prompt' };
  }
  const editor = vscode.window.activeTextEditor?.document;
  const uri = arg instanceof vscode.Uri ? arg : editor?.languageId === 'phi3-prompt' ? editor.uri : undefined;
  if (!uri) throw new UserFacingError('Open a .phi3prompt file (or choose one in the Explorer) to register it as a prompt.');
  // An open editor's text, unsaved changes and all: what the user sees is what gets registered.
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const name = uri.path.split('/').pop() ?? uri.path;
  try {
    return { template: parsePromptFile(text), label: name };
  } catch (error) {
    if (error instanceof PromptFileError) throw new UserFacingError(`${name}: ${error.message}`);
    throw error;
  }
}

/** The prompt to add a version to (one of the server's), or a new prompt's name, checked as MLflow checks it. */
async function askPromptName(client: MlflowClient, source: PromptSource, suggested: string | undefined): Promise<string | undefined> {
  const existing = await client.prompts.searchPrompts({ orderBy: ['name ASC'], maxResults: 200 });
  const newItem = { label: '$(add) New prompt…', name: undefined as string | undefined };
  const picked = await vscode.window.showQuickPick(
    [
      newItem,
      ...existing.items.map((p) => ({ label: pickText(p.name), description: 'add a version', name: p.name as string | undefined })),
    ],
    {
      title: `Register ${displayName(source.label)} as a Prompt`,
      placeHolder: 'A new prompt, or a new version of an existing one',
      ignoreFocusOut: true,
    },
  );
  if (!picked) return undefined;
  if (picked.name) return picked.name;
  const name = await vscode.window.showInputBox({
    title: 'New Prompt',
    prompt: "The prompt's name: letters, digits, '_', '.' and '-'",
    value: suggested,
    ignoreFocusOut: true,
    validateInput: promptNameProblem,
  });
  return name?.trim() || undefined;
}

export function promptNameProblem(value: string): string | undefined {
  const name = value.trim();
  if (!name) return 'Enter a name';
  return promptNamePattern.test(name) ? undefined : "MLflow takes only letters, digits, '_', '.' and '-' in a prompt's name";
}

/** MLflow's alias rules (`_validate_model_alias_name` and `_reserved`): `latest` and `v<number>` are its own. */
export function aliasProblem(value: string): string | undefined {
  const alias = value.trim();
  if (!alias) return undefined;
  if (!/^[\w-]*$/.test(alias)) return "An alias takes only letters, digits, '_' and '-'";
  if (alias.toLowerCase() === 'latest') return "'latest' is MLflow's own alias (the newest version)";
  if (/^[vV]\d+$/.test(alias)) return `'${alias}' reads as a version number: MLflow reserves it`;
  return undefined;
}

/** What tests and other extensions may give Register Prompt… instead of its questions. */
interface RegisterAnswers {
  readonly name?: string;
  readonly commitMessage?: string;
  readonly alias?: string;
}

/**
 * "Register Prompt…": a `.phi3prompt` file (Explorer, editor title, palette on the active one) or
 * the chat panel's system prompt (`{ systemPrompt }`), as a new version of a new or an existing
 * prompt, with a commit message and an optional alias; with progress and Cancel. Offers to open
 * the registered template; answers the version, or undefined when cancelled.
 */
export const registerPrompt: CommandFactory =
  (ctx) =>
  async (arg?: unknown, answersArg?: unknown): Promise<PromptVersion | undefined> => {
    const client = ctx.requireClient();
    const source = await promptSourceOf(arg);
    const answers = (typeof answersArg === 'object' && answersArg !== null ? answersArg : {}) as RegisterAnswers;
    const suggested = arg instanceof vscode.Uri ? (arg.path.split('/').pop() ?? '').replace(/\.phi3prompt$/, '') : undefined;
    const name = answers.name ?? (await askPromptName(client, source, suggested && !promptNameProblem(suggested) ? suggested : undefined));
    if (!name) return undefined;
    const nameProblem = promptNameProblem(name);
    if (nameProblem) throw new UserFacingError(`"${name}": ${nameProblem}`);
    const commitMessage =
      answers.commitMessage ??
      (await vscode.window.showInputBox({
        title: pickText(`Register "${name}": commit message`),
        prompt: 'What changed in this version (optional)',
        ignoreFocusOut: true,
      }));
    if (commitMessage === undefined) return undefined;
    const alias =
      answers.alias ??
      (await vscode.window.showInputBox({
        title: pickText(`Register "${name}": alias`),
        prompt: 'An alias to point at the new version, such as production (optional; it moves from any other version)',
        ignoreFocusOut: true,
        validateInput: aliasProblem,
      }));
    if (alias === undefined) return undefined;
    const problem = aliasProblem(alias);
    if (problem) throw new UserFacingError(`"${alias}": ${problem}`);

    const version = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: pickText(`Registering ${source.label} as prompt "${name}"`),
        cancellable: true,
      },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort(new Error('cancelled')));
        const registered = await client.prompts.registerPrompt(name, source.template, {
          commitMessage: commitMessage.trim() || undefined,
          signal: controller.signal,
        });
        if (alias.trim()) {
          progress.report({ message: `setting @${alias.trim()}…` });
          await client.prompts.setAlias(name, alias.trim(), registered.version, controller.signal);
        }
        return registered;
      },
    );
    ctx.log.info(`Registered ${source.label} as ${version.uri}${alias.trim() ? ` (@${alias.trim()})` : ''}`);
    ctx.explorer.prompts.refresh();
    void vscode.window
      .showInformationMessage(notificationText(`Registered ${source.label} as ${version.uri}.`), 'Open')
      .then((answer) => (answer === 'Open' ? openPromptTemplate(ctx)(version) : undefined));
    return version;
  };

/** Opens a prompt version's template read-only (`mlflow-prompt:`), highlighted as a `.phi3prompt` file. */
export const openPromptTemplate: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<vscode.TextEditor> => {
    // A version just registered, or a node of the Prompts view.
    const target = isVersionRef(arg) ? arg : (await versionOf(promptNodeOf(arg, ctx))).version;
    const document = await vscode.workspace.openTextDocument(promptDocumentUri(target.name, target.version));
    return vscode.window.showTextDocument(document, { preview: true });
  };

function isVersionRef(arg: unknown): arg is { readonly name: string; readonly version: string } {
  if (typeof arg !== 'object' || arg === null) return false;
  const { name, version } = arg as Record<string, unknown>;
  return typeof name === 'string' && typeof version === 'string';
}

/** Copies the `prompts:/` URI of a version or alias, as `mlflow.genai.load_prompt` takes it. */
export const copyPromptUri: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<string> => {
    const node = promptNodeOf(arg, ctx);
    const uri = node instanceof PromptVersionNode ? node.version.uri : node.uri;
    await vscode.env.clipboard.writeText(uri);
    void vscode.window.setStatusBarMessage(pickText(`Copied ${uri}`), 3000);
    return uri;
  };
