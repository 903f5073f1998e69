import type { Metric } from '../mlflow/entities';
import { linkedPromptsTag } from '../mlflow/prompts/promptLinks';
import type { AnswerFigures, ConversationSnapshot } from './conversation';
import { conversationToJson, conversationToMarkdown, type ExportedModel } from './conversationExport';
import type { ChatSettings } from './generationSettings';

/** Who answered, as a logged run names it: the export's model, plus the MLflow URI it came from, when it did. */
export interface RunModel extends ExportedModel {
  /** e.g. `models:/phi3/3`, `models:/phi3@champion`, `runs:/<id>/model`: where the model was opened from in MLflow. */
  readonly mlflowUri?: string;
}

/** A file to log as an artifact, written from text. */
export interface RunArtifact {
  /** Relative to the run's artifact root, `/`-separated. */
  readonly path: string;
  readonly text: string;
}

/** Everything a run is made of, as plain data: what `logChatRun` sends to MLflow. */
export interface ChatRunRequest {
  readonly runName: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  readonly metrics: readonly Metric[];
  readonly artifacts: readonly RunArtifact[];
}

/** The generation settings as run params: MLflow keeps params as text, so each is written the way a user would type it. */
export function settingsParams(settings: ChatSettings): Record<string, string> {
  return {
    max_new_tokens: String(settings.maxNewTokens),
    do_sample: String(settings.doSample),
    temperature: String(settings.temperature),
    top_p: String(settings.topP),
    top_k: String(settings.topK),
    repetition_penalty: String(settings.repetitionPenalty),
    seed: settings.seed === undefined ? 'random' : String(settings.seed),
    stop_sequences: JSON.stringify(settings.stopSequences),
  };
}

/**
 * Tags naming the model, under `phi3.model.*` (suffix `_a`/`_b` tells the two models of a comparison
 * or bulk run apart), and the source tags MLflow's UI shows.
 */
export function modelTags(model: RunModel, suffix = ''): Record<string, string> {
  return {
    [`phi3.model.kind${suffix}`]: model.kind,
    [`phi3.model.${model.kind === 'local' ? 'folder' : 'url'}${suffix}`]: model.location,
    ...(model.signature ? { [`phi3.model.signature${suffix}`]: model.signature } : {}),
    ...(model.mlflowUri ? { [`phi3.model.uri${suffix}`]: model.mlflowUri } : {}),
  };
}

const sourceTags = { 'mlflow.source.type': 'LOCAL', 'mlflow.source.name': 'Phi-3 MLflow for VS Code' } as const;

/** The model's short name: a folder's last part, a URL without its scheme, or its MLflow URI. */
export function modelLabel(model: RunModel): string {
  if (model.mlflowUri) return model.mlflowUri;
  return model.kind === 'local'
    ? (model.location.split(/[\\/]/).filter(Boolean).pop() ?? model.location)
    : model.location.replace(/^https?:\/\//, '');
}

/** Suffixes that tell two models apart in keys (`new_tokens_a`, `new_tokens_b`); none with one model. */
export const modelSuffixes = (count: number): string[] => (count === 1 ? [''] : ['_a', '_b']);

/** One model's side of a conversation (two when comparing). */
export interface RunConversation {
  readonly model: RunModel;
  readonly conversation: ConversationSnapshot;
}

/**
 * A conversation as an MLflow run: the generation settings as params; each answer's figures as
 * metrics stepped by the answer's number (0, 1, …), with summaries over the conversation; the
 * transcript as Markdown and JSON artifacts (the same files Export writes); tags naming the model.
 * A comparison logs both sides in one run: keys end in `_a` and `_b`, and each side has its transcript.
 */
export function conversationRunRequest(input: {
  model: RunModel;
  settings: ChatSettings;
  conversation: ConversationSnapshot;
  loggedAt: Date;
  compare?: RunConversation;
  /** The prompt version the chat was filled from (`prompts:/name/version`): linked to the run as MLflow links them. */
  promptUri?: string;
}): ChatRunRequest {
  const { settings, loggedAt } = input;
  const sides: RunConversation[] = [{ model: input.model, conversation: input.conversation }, ...(input.compare ? [input.compare] : [])];
  const suffixes = modelSuffixes(sides.length);
  const timestamp = loggedAt.getTime();
  const metrics: Metric[] = [];
  const artifacts: RunArtifact[] = [];
  sides.forEach(({ model, conversation }, index) => {
    const suffix = suffixes[index]!;
    const answers = conversation.turns.filter((turn) => turn.role === 'assistant');
    const completed = answers.filter((turn) => turn.figures && !turn.error).map((turn) => turn.figures!);
    completed.forEach((figures, step) => metrics.push(...figureMetrics(figures, step, timestamp, suffix)));
    metrics.push(...summaryMetrics(completed, answers.length - completed.length, timestamp, suffix));
    const exported = {
      model: { kind: model.kind, location: model.location, ...(model.signature ? { signature: model.signature } : {}) },
      settings,
      conversation,
      exportedAt: loggedAt.toISOString(),
    };
    artifacts.push(
      { path: transcriptPath('md', suffix), text: conversationToMarkdown(exported) },
      { path: transcriptPath('json', suffix), text: conversationToJson(exported) },
    );
  });
  return {
    runName: `${sides.length === 1 ? 'chat' : 'compare'} ${sides.map((side) => modelLabel(side.model)).join(' vs ')} ${loggedAt.toISOString().slice(0, 16).replace('T', ' ')}`,
    tags: {
      ...sourceTags,
      ...Object.assign({}, ...sides.map((side, index) => modelTags(side.model, suffixes[index]))),
      'phi3.chat.kind': sides.length === 1 ? 'conversation' : 'comparison',
      ...(input.promptUri ? { 'phi3.promptVersion': input.promptUri, ...linkedPromptsTag([input.promptUri]) } : {}),
    },
    params: settingsParams(settings),
    metrics,
    artifacts,
  };
}

/** `chat/conversation.md`; `chat/conversation_b.json` for the second model of a comparison. */
export const transcriptPath = (extension: 'md' | 'json', suffix = ''): string => `chat/conversation${suffix}.${extension}`;

/** One answer's figures as metrics at `step`; figures a model did not report are left out. */
export function figureMetrics(figures: AnswerFigures, step: number, timestamp: number, suffix = ''): Metric[] {
  const values: Array<[string, number | undefined]> = [
    ['new_tokens', figures.newTokens],
    ['prompt_tokens', figures.promptTokens],
    ['time_to_first_token_ms', figures.timeToFirstTokenMs],
    ['tokens_per_second', figures.tokensPerSecond],
  ];
  return values
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ({ key: `${key}${suffix}`, value: value!, timestamp, step }));
}

function summaryMetrics(figures: readonly AnswerFigures[], failed: number, timestamp: number, suffix: string): Metric[] {
  const metric = (key: string, value: number): Metric => ({ key: `${key}${suffix}`, value, timestamp, step: 0 });
  const newTokens = figures.map((f) => f.newTokens).filter((n): n is number => n !== undefined);
  const speeds = figures.map((f) => f.tokensPerSecond).filter((n): n is number => n !== undefined);
  return [
    metric('answers', figures.length),
    metric('failed_answers', failed),
    ...(newTokens.length ? [metric('total_new_tokens', sum(newTokens))] : []),
    ...(figures.length ? [metric('mean_time_to_first_token_ms', mean(figures.map((f) => f.timeToFirstTokenMs)))] : []),
    ...(speeds.length ? [metric('mean_tokens_per_second', mean(speeds))] : []),
  ];
}

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
export const mean = (values: readonly number[]): number => sum(values) / values.length;
