import { existsSync } from 'node:fs';
import { InferenceError } from '../inference/inferenceError';
import { formatPhi3Chat } from '../formats/phi3ChatFormat';
import { EngineClient } from '../inference/process/engineClient';
import { normalizeScoringUrl, ScoringClient } from '../mlflow/scoring/scoringClient';
import { providerName, type ScoringEndpoint, type ScoringProvider } from '../mlflow/scoring/scoringEndpoint';
import { invocationBody, promptTextOf, type ServedInput } from '../mlflow/scoring/scoringFormats';
import { describeScoringSignature, type ScoringSignature } from '../mlflow/scoring/scoringSignature';
import type { AnswerFigures } from './conversation';
import type { ExportedModel } from './conversationExport';
import { toSearchOptions, toServedSettings, type ChatSettings } from './generationSettings';

/**
 * Where a local folder came from when it is a model in MLflow, downloaded into the model cache
 * (src/mlflow/modelArtifactCache.ts): the panel's title names the model, not the cache folder.
 */
export interface MlflowModelOrigin {
  /** As opened, e.g. `models:/phi3-mini@champion`. */
  readonly requestedUri: string;
  /** What that is: an alias as the version it points to, e.g. `models:/phi3-mini/3`. */
  readonly resolvedUri: string;
  /** e.g. `phi3-mini v3 (@champion)`. */
  readonly title: string;
  readonly trackingUri: string;
}

/** Which model a chat talks to: saved with the conversation so a reload reopens the same one. */
export type ChatModelRef =
  | { readonly kind: 'local'; readonly folder: string; readonly mlflow?: MlflowModelOrigin }
  | {
      readonly kind: 'served';
      /** MLflow: the scoring server's address; Azure ML: the scoring URI; Databricks: the invocations URL. */
      readonly url: string;
      readonly signature: ScoringSignature;
      /** Who serves it; absent (chats saved before the clouds) is MLflow's scoring server. */
      readonly provider?: ScoringProvider;
      /** Azure ML: the deployment asked (`azureml-model-deployment`). */
      readonly deployment?: string;
    };

/**
 * The key or token of a cloud endpoint, read from SecretStorage when the chat opens it: a chat's
 * saved state (and so the webview) only ever holds the endpoint, never its secret.
 */
export type EndpointSecretReader = (endpoint: ScoringEndpoint) => Promise<string | undefined>;

/** The endpoint a served ref points at. */
export function servedEndpointOf(ref: Extract<ChatModelRef, { kind: 'served' }>): ScoringEndpoint {
  const kind = ref.provider ?? 'mlflow';
  return { kind, url: ref.url, ...(kind === 'azureml' && ref.deployment ? { deployment: ref.deployment } : {}) };
}

/** A conversation, or (raw-prompt mode) a prompt sent exactly as typed, special tokens and all. */
export type ChatInput = ServedInput;

/** How long each phase of a local answer took (the engine times them), for its trace's child spans. */
export interface AnswerPhases {
  readonly tokenizeMs: number;
  /** From the tokens to the first new one: the prefill step and picking the token. */
  readonly prefillMs: number;
  readonly decodeMs: number;
  /** Prompt tokens whose keys and values the previous turn's cache held. */
  readonly reusedTokens: number;
}

export interface ChatAnswer {
  readonly text: string;
  readonly figures: AnswerFigures;
  /** Local answers only: a served model's answer is one request the extension cannot see into. */
  readonly phases?: AnswerPhases;
}

/**
 * A model the chat panel can talk to: the local engine on an ONNX folder, or a served MLflow
 * model. Plain TS: the panel stays a thin layer over this.
 */
export interface ChatBackend {
  readonly ref: ChatModelRef;
  readonly exported: ExportedModel;
  /** Short name for the panel's title. */
  readonly title: string;
  /** Loads the model (local) or checks the server answers (served). */
  open(): Promise<void>;
  /** The model's context window, once known (local models). */
  readonly contextLength: number | undefined;
  /** Tokens of the prompt this input makes (local models), for the context bar. */
  countTokens(input: ChatInput): Promise<number | undefined>;
  /** Exactly what the model gets for this input: the prompt after the Phi-3 chat template, or the request body of an llm/v1/chat model. */
  exactPrompt(input: ChatInput): string;
  /** Generates an answer; `onText` gets each piece as it comes (a served model gives one piece at the end). */
  answer(input: ChatInput, settings: ChatSettings, onText: (text: string) => void): Promise<ChatAnswer>;
  /** Halts the answer being generated: it resolves with what was made (local) or is cancelled (served). */
  stop(): void;
  /** Why some settings do not apply to this model, if they do not. */
  readonly settingsNote: string | undefined;
  dispose(): void;
}

export function createChatBackend(ref: ChatModelRef, log: (line: string) => void, secrets?: EndpointSecretReader): ChatBackend {
  return ref.kind === 'local' ? new LocalChatBackend(ref, log) : new ServedChatBackend(ref, secrets);
}

export class LocalChatBackend implements ChatBackend {
  private readonly engine: EngineClient;
  private loaded: Promise<void> | undefined;
  readonly exported: ExportedModel;
  readonly settingsNote = undefined;

  constructor(
    readonly ref: Extract<ChatModelRef, { kind: 'local' }>,
    log: (line: string) => void,
    processScript?: string,
  ) {
    this.engine = new EngineClient({ onLog: log, ...(processScript ? { processScript } : {}) });
    this.exported = { kind: 'local', location: ref.folder };
  }

  get title(): string {
    return this.ref.mlflow?.title ?? this.ref.folder.split(/[\\/]/).filter(Boolean).pop() ?? this.ref.folder;
  }

  get contextLength(): number | undefined {
    return this.engine.model?.contextLength;
  }

  open(): Promise<void> {
    // After an engine crash the model is gone: load it again.
    if (!this.loaded || !this.engine.model) {
      const { mlflow } = this.ref;
      if (mlflow && !existsSync(this.ref.folder)) {
        return Promise.reject(
          new Error(
            `The download of ${mlflow.title} (${mlflow.resolvedUri}) is no longer in the model cache: open ${mlflow.requestedUri} again to download it.`,
          ),
        );
      }
      const loading = this.engine.load(this.ref.folder).then(() => undefined);
      this.loaded = loading;
      loading.catch(() => {
        if (this.loaded === loading) this.loaded = undefined;
      });
    }
    return this.loaded;
  }

  async countTokens(input: ChatInput): Promise<number | undefined> {
    await this.open();
    return (await this.engine.tokenize(input)).length;
  }

  exactPrompt(input: ChatInput): string {
    return 'prompt' in input ? input.prompt : formatPhi3Chat(input.messages);
  }

  async answer(input: ChatInput, settings: ChatSettings, onText: (text: string) => void): Promise<ChatAnswer> {
    await this.open();
    // Stop sequences end the answer where one first appears. Text that could be the start of one is
    // held back until the next piece tells, so the sequence never shows while streaming.
    const holdBack = Math.max(0, ...settings.stopSequences.map((sequence) => sequence.length - 1));
    let text = '';
    let emitted = 0;
    let cut: number | undefined;
    const result = await this.engine.generate(input, toSearchOptions(settings), (piece) => {
      if (cut !== undefined) return;
      text += piece;
      cut = firstStop(text, settings.stopSequences);
      if (cut !== undefined) this.engine.stop();
      const safe = cut ?? Math.max(emitted, text.length - holdBack);
      if (safe > emitted) onText(text.slice(emitted, safe));
      emitted = Math.max(emitted, safe);
    });
    const answer = cut === undefined ? result.text : result.text.slice(0, cut);
    if (answer.length > emitted) onText(answer.slice(emitted));
    const { stats } = result;
    return {
      text: answer,
      figures: {
        newTokens: stats.newTokens,
        promptTokens: stats.promptTokens,
        timeToFirstTokenMs: stats.timeToFirstTokenMs,
        tokensPerSecond: stats.newTokens > 1 ? stats.decodeTokensPerSecond : undefined,
        stopReason: cut === undefined ? result.stopReason : 'stop-sequence',
      },
      phases: {
        tokenizeMs: stats.tokenizeMs,
        prefillMs: Math.max(0, stats.timeToFirstTokenMs - stats.tokenizeMs),
        decodeMs: Math.max(0, stats.totalMs - stats.timeToFirstTokenMs),
        reusedTokens: stats.reusedTokens,
      },
    };
  }

  stop(): void {
    this.engine.stop();
  }

  dispose(): void {
    this.engine.dispose();
  }
}

export class ServedChatBackend implements ChatBackend {
  private client: ScoringClient | undefined;
  private running: AbortController | undefined;
  private readonly endpoint: ScoringEndpoint;
  readonly exported: ExportedModel;
  readonly contextLength = undefined;

  constructor(
    readonly ref: Extract<ChatModelRef, { kind: 'served' }>,
    private readonly secrets?: EndpointSecretReader,
  ) {
    const endpoint = servedEndpointOf(ref);
    this.endpoint = endpoint.kind === 'mlflow' ? { ...endpoint, url: normalizeScoringUrl(endpoint.url) } : endpoint;
    this.exported = {
      kind: 'served',
      location: this.endpoint.url,
      signature: ref.signature.kind,
      provider: providerName(this.endpoint.kind),
      ...(this.endpoint.deployment ? { deployment: this.endpoint.deployment } : {}),
    };
  }

  get title(): string {
    const where = this.endpoint.url.replace(/^https?:\/\//, '');
    return this.endpoint.deployment ? `${where} (${this.endpoint.deployment})` : where;
  }

  /** The client, with the endpoint's key or token read from SecretStorage the first time. */
  private async connected(): Promise<ScoringClient> {
    if (this.client) return this.client;
    const secret = this.endpoint.kind === 'mlflow' ? undefined : await this.secrets?.(this.endpoint);
    this.client = new ScoringClient(this.endpoint, this.ref.signature, secret ? { secret } : {});
    return this.client;
  }

  get settingsNote(): string | undefined {
    return this.ref.signature.kind === 'prompt'
      ? `This served model takes only a prompt (${describeScoringSignature(this.ref.signature)}): it answers with its own generation settings.`
      : "A served llm/v1/chat model takes max new tokens, and temperature, top-p and top-k with sampling on; repetition penalty and seed stay the server's.";
  }

  async open(): Promise<void> {
    // Read the secret afresh on each open ("Load Again" after it was entered anew).
    this.client = undefined;
    await (await this.connected()).ping();
  }

  async countTokens(): Promise<undefined> {
    return undefined;
  }

  exactPrompt(input: ChatInput): string {
    return this.ref.signature.kind === 'llm/v1/chat'
      ? JSON.stringify(invocationBody(this.ref.signature, input), null, 2)
      : promptTextOf(input);
  }

  async answer(input: ChatInput, settings: ChatSettings, onText: (text: string) => void): Promise<ChatAnswer> {
    if (this.running) throw new InferenceError('busy', 'The served model is already answering; stop it or wait for it to finish.');
    const controller = new AbortController();
    this.running = controller;
    try {
      const client = await this.connected();
      const answer = await client.answer(
        input,
        this.ref.signature.kind === 'llm/v1/chat' ? toServedSettings(settings) : {},
        controller.signal,
      );
      onText(answer.text);
      const tokens = answer.usage?.completionTokens;
      return {
        text: answer.text,
        figures: {
          newTokens: tokens,
          promptTokens: answer.usage?.promptTokens,
          timeToFirstTokenMs: answer.latencyMs,
          tokensPerSecond: tokens !== undefined && answer.latencyMs > 0 ? (tokens * 1000) / answer.latencyMs : undefined,
          stopReason: answer.finishReason,
        },
      };
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  stop(): void {
    this.running?.abort();
  }

  dispose(): void {
    this.stop();
  }
}

/** Where the first of the stop sequences begins in `text`, if any does. */
function firstStop(text: string, sequences: readonly string[]): number | undefined {
  let first: number | undefined;
  for (const sequence of sequences) {
    const at = text.indexOf(sequence);
    if (at >= 0 && (first === undefined || at < first)) first = at;
  }
  return first;
}
