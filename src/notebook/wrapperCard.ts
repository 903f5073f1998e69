import type { LoggedWrapperModel, WrapperLogProgress } from '../mlflow/logWrapperModel';
import { formatBytes } from './pythonKernel';

/** What a logged-model card keeps in its output's metadata (and so in the .ipynb): the cell's actions read it. */
export interface WrapperCardFacts {
  readonly model_uri: string;
  readonly run_id: string;
  readonly experiment_id: string;
  readonly model_id?: string;
  /** Where the model's files are: what a registered version's source is on MLflow 2 (no logged-model id). */
  readonly artifact_uri: string;
  readonly onnx_folder: string;
  readonly registered_model?: { readonly name: string; readonly version: string; readonly aliases: readonly string[] };
}

/** Text from the server or the cell (names, URIs) made inert in Markdown: no markup, no HTML, no links. */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>&~]/g, (c) => `\\${c}`);
}

/** The card a logged wrapper model shows in its cell: Markdown, plus plain text for other renderers. */
export function wrapperCard(logged: LoggedWrapperModel, experiment: string): { markdown: string; plain: string } {
  const signature = `${logged.signature.inputs.map((c) => `${c.name ?? '(unnamed)'}: ${c.type}${c.required ? '' : ' (optional)'}`).join(', ')} → ${logged.signature.outputs.map((c) => c.type).join(', ')}`;
  const version = logged.registeredVersion;
  const rows: [string, string][] = [
    ['Model URI', logged.modelUri],
    ['Run', logged.runId],
    ['Experiment', `${experiment} (${logged.experimentId})`],
    ['Signature', signature],
    ['Files', `${logged.files} files, ${formatBytes(logged.bytes)}, MLflow ${logged.mlflowVersion}`],
  ];
  if (version) rows.push(['Registered', `${version.name} version ${version.version}${version.aliases.length ? ` (alias ${version.aliases.join(', ')})` : ''}`]);
  const markdown = [
    `**Logged the wrapper model** \`${logged.modelUri.replace(/`/g, '')}\``,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([name, value]) => `| ${name} | ${markdownText(value)} |`),
    '',
    'Actions are in the cell\'s status bar: Show in MLflow Explorer, Test in Chat, Copy Model URI, Register….',
  ].join('\n');
  const plain = ['Logged the wrapper model', ...rows.map(([name, value]) => `${name}: ${value}`)].join('\n');
  return { markdown, plain };
}

export function cardFacts(logged: LoggedWrapperModel, onnxFolder: string): WrapperCardFacts {
  const version = logged.registeredVersion;
  return {
    model_uri: logged.modelUri,
    run_id: logged.runId,
    experiment_id: logged.experimentId,
    ...(logged.modelId ? { model_id: logged.modelId } : {}),
    artifact_uri: logged.artifactUri,
    onnx_folder: onnxFolder,
    ...(version ? { registered_model: { name: version.name, version: version.version, aliases: [...version.aliases] } } : {}),
  };
}

/** One line on how logging goes, for the cell while it runs. */
export function progressLine(progress: WrapperLogProgress): string {
  switch (progress.phase) {
    case 'checking':
      return 'Checking the ONNX folder and the input example…';
    case 'creating':
      return 'Creating the run and the logged model…';
    case 'uploading': {
      const total = progress.bytesTotal ?? 0;
      const done = progress.bytesDone ?? 0;
      const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
      return `Uploading the model: ${formatBytes(done)} of ${formatBytes(total)} (${percent}%)… Interrupt the cell to cancel.`;
    }
    case 'finalizing':
      return 'Marking the model ready…';
    case 'registering':
      return 'Registering the model…';
  }
}
