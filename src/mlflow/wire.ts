/**
 * The REST API's protobuf JSON (snake_case, empty fields omitted, numbers as numbers or strings)
 * and its conversion into entities.ts. Only this file knows the wire format.
 */
import type { Experiment, FileInfo, LoggedModel, Metric, ModelVersion, RegisteredModel, Run } from './entities';

export interface WireKeyValue {
  key: string;
  value?: string;
}
export interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  creation_time?: number | string;
  last_update_time?: number | string;
  tags?: WireKeyValue[];
}
export interface WireMetric {
  key: string;
  value?: number | string;
  timestamp?: number | string;
  step?: number | string;
}
export interface WireRun {
  info: {
    run_id?: string;
    run_uuid?: string;
    run_name?: string;
    experiment_id: string;
    user_id?: string;
    status?: string;
    start_time?: number | string;
    end_time?: number | string;
    artifact_uri?: string;
    lifecycle_stage?: string;
  };
  data?: { metrics?: WireMetric[]; params?: WireKeyValue[]; tags?: WireKeyValue[] };
  outputs?: { model_outputs?: Array<{ model_id: string; step?: number | string }> };
}
export interface WireFileInfo {
  path: string;
  is_dir?: boolean;
  file_size?: number | string;
}
export interface WireModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number | string;
  last_updated_timestamp?: number | string;
  description?: string;
  source?: string;
  run_id?: string;
  model_id?: string;
  status?: string;
  status_message?: string;
  current_stage?: string;
  tags?: WireKeyValue[];
  aliases?: string[];
}
export interface WireRegisteredModel {
  name: string;
  creation_timestamp?: number | string;
  last_updated_timestamp?: number | string;
  description?: string;
  latest_versions?: WireModelVersion[];
  tags?: WireKeyValue[];
  aliases?: Array<{ alias: string; version: string }>;
}
export interface WireLoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    artifact_uri?: string;
    status?: string;
    status_message?: string;
    model_type?: string;
    source_run_id?: string;
    creation_timestamp_ms?: number | string;
    last_updated_timestamp_ms?: number | string;
    tags?: WireKeyValue[];
  };
  data?: { params?: WireKeyValue[]; metrics?: WireMetric[] };
}

/** protobuf JSON writes int64 as a string or a number, and omits zero. */
const num = (value: number | string | undefined): number | undefined => (value === undefined || value === '' ? undefined : Number(value));

export function toRecord(pairs: readonly WireKeyValue[] | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const { key, value } of pairs ?? []) record[key] = value ?? '';
  return record;
}

export function toWirePairs(record: Readonly<Record<string, string>> | undefined): WireKeyValue[] {
  return Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));
}

export function toExperiment(wire: WireExperiment): Experiment {
  return {
    experimentId: wire.experiment_id,
    name: wire.name,
    artifactLocation: wire.artifact_location ?? '',
    lifecycleStage: wire.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    creationTime: num(wire.creation_time),
    lastUpdateTime: num(wire.last_update_time),
    tags: toRecord(wire.tags),
  };
}

export function toMetric(wire: WireMetric): Metric {
  // MLflow writes NaN and infinities as strings.
  return { key: wire.key, value: Number(wire.value ?? 0), timestamp: num(wire.timestamp) ?? 0, step: num(wire.step) ?? 0 };
}

export function toRun(wire: WireRun): Run {
  const tags = toRecord(wire.data?.tags);
  return {
    info: {
      runId: wire.info.run_id ?? wire.info.run_uuid ?? '',
      runName: wire.info.run_name ?? tags['mlflow.runName'] ?? '',
      experimentId: wire.info.experiment_id,
      userId: wire.info.user_id ?? '',
      status: (wire.info.status ?? 'RUNNING') as Run['info']['status'],
      startTime: num(wire.info.start_time),
      endTime: num(wire.info.end_time),
      artifactUri: wire.info.artifact_uri ?? '',
      lifecycleStage: wire.info.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    },
    metrics: (wire.data?.metrics ?? []).map(toMetric),
    params: toRecord(wire.data?.params),
    tags,
    modelOutputs: (wire.outputs?.model_outputs ?? []).map((o) => ({ modelId: o.model_id, step: num(o.step) ?? 0 })),
  };
}

export function toFileInfo(wire: WireFileInfo): FileInfo {
  return { path: wire.path, isDir: wire.is_dir === true, fileSize: num(wire.file_size) };
}

export function toModelVersion(wire: WireModelVersion): ModelVersion {
  return {
    name: wire.name,
    version: String(wire.version),
    creationTimestamp: num(wire.creation_timestamp),
    lastUpdatedTimestamp: num(wire.last_updated_timestamp),
    description: wire.description ?? '',
    source: wire.source ?? '',
    runId: wire.run_id || undefined,
    // MLflow 3.17 leaves model_id out of its answers; the source `models:/m-…` names it.
    modelId: wire.model_id || /^models:\/(m-[0-9a-f]+)$/.exec(wire.source ?? '')?.[1],
    status: (wire.status ?? 'READY') as ModelVersion['status'],
    statusMessage: wire.status_message || undefined,
    currentStage: (wire.current_stage ?? 'None') as ModelVersion['currentStage'],
    tags: toRecord(wire.tags),
    aliases: wire.aliases ?? [],
  };
}

export function toRegisteredModel(wire: WireRegisteredModel): RegisteredModel {
  const aliases: Record<string, string> = {};
  for (const { alias, version } of wire.aliases ?? []) aliases[alias] = String(version);
  return {
    name: wire.name,
    creationTimestamp: num(wire.creation_timestamp),
    lastUpdatedTimestamp: num(wire.last_updated_timestamp),
    description: wire.description ?? '',
    latestVersions: (wire.latest_versions ?? []).map(toModelVersion),
    tags: toRecord(wire.tags),
    aliases,
  };
}

export function toLoggedModel(wire: WireLoggedModel): LoggedModel {
  return {
    modelId: wire.info.model_id,
    experimentId: wire.info.experiment_id,
    name: wire.info.name,
    artifactUri: wire.info.artifact_uri ?? '',
    status: (wire.info.status ?? 'LOGGED_MODEL_PENDING') as LoggedModel['status'],
    statusMessage: wire.info.status_message || undefined,
    modelType: wire.info.model_type ?? '',
    sourceRunId: wire.info.source_run_id || undefined,
    creationTimestampMs: num(wire.info.creation_timestamp_ms),
    lastUpdatedTimestampMs: num(wire.info.last_updated_timestamp_ms),
    tags: toRecord(wire.info.tags),
    params: toRecord(wire.data?.params),
    metrics: (wire.data?.metrics ?? []).map(toMetric),
  };
}
