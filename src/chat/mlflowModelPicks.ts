import type { QuickPickItem } from 'vscode';
import type { Experiment, LoggedModel, ModelVersion, RegisteredModel, Run } from '../mlflow/entities';
import type { FoundOnnxFolder } from '../mlflow/modelArtifactCache';
import { pickText } from '../views/displayName';

/**
 * The quick pick items of "Phi-3: Open Chat…" for a model in MLflow (chatModelSources.ts): one
 * function per step, without vscode, so what they show can be tested in plain Node. Every text from
 * the server (names, aliases, ids, statuses, sources, paths) goes through `pickText`: a quick pick
 * renders `$(icon)` in label, description and detail. The items carry the server's values as they
 * are, for what the command does next.
 */

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export type RegisteredModelItem = QuickPickItem & { readonly model: RegisteredModel };

export function registeredModelItems(models: readonly RegisteredModel[]): RegisteredModelItem[] {
  return models.map((m) => ({
    label: pickText(m.name),
    description: pickText(
      Object.entries(m.aliases)
        .map(([alias, version]) => `@${alias} → v${version}`)
        .join(' · '),
    ),
    model: m,
  }));
}

export type VersionItem = QuickPickItem & { readonly version: string };

/** A registered model's versions; `aliases` (alias → version) marks those an alias points to. */
export function versionItems(versions: readonly ModelVersion[], aliases: Readonly<Record<string, string>>): VersionItem[] {
  const aliasesOf = (version: string) =>
    Object.entries(aliases)
      .filter(([, v]) => v === version)
      .map(([alias]) => `@${alias}`);
  return versions.map((v) => ({
    label: pickText(`Version ${v.version}`),
    description: pickText([...aliasesOf(v.version), v.status !== 'READY' ? v.status : ''].filter(Boolean).join(' · ')),
    detail: pickText(v.source),
    version: v.version,
  }));
}

export type AliasItem = QuickPickItem & { readonly alias: string };

export function aliasItems(aliases: Readonly<Record<string, string>>): AliasItem[] {
  return Object.entries(aliases).map(([alias, version]) => ({
    label: pickText(`@${alias}`),
    description: pickText(`version ${version}`),
    alias,
  }));
}

export type ExperimentItem = QuickPickItem & { readonly id: string };

export function experimentItems(experiments: readonly Experiment[]): ExperimentItem[] {
  return experiments.map((e) => ({ label: pickText(e.name), description: pickText(`id ${e.experimentId}`), id: e.experimentId }));
}

export type RunItem = QuickPickItem & { readonly runId: string };

export function runItems(runs: readonly Run[]): RunItem[] {
  return runs.map((r) => ({
    label: pickText(r.info.runName || r.info.runId),
    description: pickText(r.info.runId),
    detail: pickText(r.info.status),
    runId: r.info.runId,
  }));
}

export type LoggedModelItem = QuickPickItem & { readonly modelId: string };

export function loggedModelItems(models: readonly LoggedModel[]): LoggedModelItem[] {
  return models.map((m) => ({ label: pickText(m.name), description: pickText(m.modelId), modelId: m.modelId }));
}

export type OnnxFolderItem = QuickPickItem & { readonly found: FoundOnnxFolder };

/** The ONNX folders found in a model's artifacts, when there are several. */
export function onnxFolderItems(found: readonly FoundOnnxFolder[]): OnnxFolderItem[] {
  return found.map((f) => ({
    label: pickText(f.path || '(artifact root)'),
    description: `${f.layout}${f.bytes !== undefined ? ` · ${mib(f.bytes)}` : ''}`,
    detail: pickText(f.place.label),
    found: f,
  }));
}
