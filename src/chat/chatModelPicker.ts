import * as vscode from 'vscode';
import type { ScoringProvider } from '../mlflow/scoring/scoringEndpoint';
import type { ScoringSignature } from '../mlflow/scoring/scoringSignature';
import type { ChatModelRef } from './chatBackend';

/**
 * The public face of choosing a chat model, for any code in the extension (the chat panel's
 * Compare and Bulk run, the commands): ask the user, or turn a known source into what the chat
 * panel needs. A model in MLflow is downloaded (once, with progress and Cancel) into the model
 * cache before the ref comes back, so `createChatBackend(ref, log)` can open it at once.
 *
 * Both go through the chat's internal commands (chatCommands.ts), whose context holds the MLflow
 * connection and the cache: callers need nothing but these functions.
 */

/** The kinds of source the picker offers. */
export type ChatModelSourceKind = 'local' | 'served' | 'run' | 'loggedModel' | 'version' | 'alias';

export const allChatModelSourceKinds: readonly ChatModelSourceKind[] = ['local', 'served', 'run', 'loggedModel', 'version', 'alias'];

export interface PickChatModelOptions {
  /** The quick pick's title, e.g. "Compare with: the second model". */
  readonly title?: string;
  /** Which kinds to offer (default: all). */
  readonly kinds?: readonly ChatModelSourceKind[];
}

/** A model named without asking (a test, a comparison preset such as `models:/phi3@champion`). */
export type ChatModelSource =
  | { readonly kind: 'local'; readonly folder: string }
  /** Without a signature, the user is asked which one the server speaks. */
  | {
      readonly kind: 'served';
      /** MLflow: the server's address; Azure ML: the scoring URI; Databricks: the invocations URL. */
      readonly url: string;
      readonly signature?: ScoringSignature;
      /** Absent: MLflow's scoring server. A cloud's key or token must be in SecretStorage already (entered in the picker). */
      readonly provider?: ScoringProvider;
      /** Azure ML: the deployment to ask. */
      readonly deployment?: string;
    }
  /** `runs:/<run_id>[/<path>]`, `models:/<name>/<version>`, `models:/<name>@<alias>`, `models:/<model_id>`, on the active MLflow connection. */
  | { readonly kind: 'mlflow'; readonly uri: string };

export const pickChatModelCommand = 'phi3Mlflow.pickChatModel';
export const resolveChatModelCommand = 'phi3Mlflow.resolveChatModel';

/**
 * Asks the user for a chat model: a local ONNX folder, a served model's URL, or a run, logged
 * model, registered version or alias on the active MLflow connection. Undefined when the user
 * cancels; errors (404, no ONNX folder in the artifacts…) are thrown with a message fit to show.
 */
export async function pickChatModel(options: PickChatModelOptions = {}): Promise<ChatModelRef | undefined> {
  return vscode.commands.executeCommand<ChatModelRef | undefined>(pickChatModelCommand, options);
}

/** What the chat panel needs for a source named without asking; an MLflow model is downloaded first (or taken from the cache). */
export async function resolveChatModel(source: ChatModelSource): Promise<ChatModelRef | undefined> {
  return vscode.commands.executeCommand<ChatModelRef | undefined>(resolveChatModelCommand, source);
}
