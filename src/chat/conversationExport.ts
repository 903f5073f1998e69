import type { ConversationSnapshot, Turn } from './conversation';
import type { ChatSettings } from './generationSettings';

/** Who answered, as an export names it. */
export interface ExportedModel {
  /** `local` (an ONNX folder run by the extension) or `served` (an MLflow scoring server). */
  readonly kind: 'local' | 'served';
  /** The model folder or the scoring server's URL. */
  readonly location: string;
  /** For a served model, the signature it was asked in. */
  readonly signature?: string;
  /** For a served model, who serves it: MLflow, Azure Machine Learning or Databricks. */
  readonly provider?: string;
  /** For an Azure ML endpoint, the deployment asked. */
  readonly deployment?: string;
}

export interface ExportInput {
  readonly model: ExportedModel;
  readonly settings: ChatSettings;
  readonly conversation: ConversationSnapshot;
  /** ISO time of the export. */
  readonly exportedAt: string;
}

/** The conversation as JSON: messages as the `llm/v1/chat` signature has them, plus each answer's figures. */
export function conversationToJson({ model, settings, conversation, exportedAt }: ExportInput): string {
  const messages = [
    ...(conversation.systemPrompt.trim() ? [{ role: 'system', content: conversation.systemPrompt }] : []),
    ...conversation.turns.map((turn) => ({
      role: turn.role,
      content: turn.content,
      ...(turn.figures ? { figures: turn.figures } : {}),
      ...(turn.error ? { error: turn.error } : {}),
    })),
  ];
  return `${JSON.stringify({ format: 'phi3-mlflow-chat/1', exportedAt, model, settings: { ...settings, seed: settings.seed ?? null }, messages }, null, 2)}\n`;
}

/** The conversation as Markdown: a heading per message, the answers' own Markdown kept as written. */
export function conversationToMarkdown({ model, settings, conversation, exportedAt }: ExportInput): string {
  const lines = [
    '# Chat with a Phi-3 model',
    '',
    `- Model: ${model.kind === 'local' ? 'local ONNX folder' : `served by ${model.provider ?? 'MLflow'}`} \`${model.location}\`${model.deployment ? ` deployment \`${model.deployment}\`` : ''}${model.signature ? ` (${model.signature})` : ''}`,
    `- Settings: ${describeSettings(settings)}`,
    `- Exported: ${exportedAt}`,
    '',
  ];
  if (conversation.systemPrompt.trim()) lines.push('## System', '', conversation.systemPrompt, '');
  for (const turn of conversation.turns) {
    lines.push(`## ${turn.role === 'user' ? 'User' : 'Assistant'}`, '', turn.content || '_(no text)_', '');
    if (turn.figures) lines.push(`_${describeFigures(turn)}_`, '');
    if (turn.error) lines.push(`> Error: ${turn.error}`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function describeSettings(settings: ChatSettings): string {
  const sampling = settings.doSample
    ? `sampling (temperature ${settings.temperature}, top-p ${settings.topP}, top-k ${settings.topK})`
    : 'greedy';
  const stops = settings.stopSequences.length
    ? `, stop at ${settings.stopSequences.map((sequence) => JSON.stringify(sequence)).join(' or ')}`
    : '';
  return `max new tokens ${settings.maxNewTokens}, ${sampling}, repetition penalty ${settings.repetitionPenalty}, seed ${settings.seed ?? 'random'}${stops}`;
}

/** "12 tokens · 35 ms to first token · 140.2 tokens/s", as under each answer. */
export function describeFigures(turn: Pick<Turn, 'figures'>): string {
  const figures = turn.figures;
  if (!figures) return '';
  const parts = [
    figures.newTokens === undefined ? undefined : `${figures.newTokens} ${figures.newTokens === 1 ? 'token' : 'tokens'}`,
    `${Math.round(figures.timeToFirstTokenMs)} ms to first token`,
    figures.tokensPerSecond === undefined ? undefined : `${figures.tokensPerSecond.toFixed(1)} tokens/s`,
    figures.stopReason === 'cancelled'
      ? 'stopped'
      : figures.stopReason === 'max-new-tokens'
        ? 'max new tokens reached'
        : figures.stopReason === 'stop-sequence'
          ? 'stop sequence reached'
          : undefined,
  ];
  return parts.filter((part) => part !== undefined).join(' · ');
}
