/**
 * The MLflow objects the extension works with, converted from the REST API's protobuf JSON by
 * wire.ts: camelCase, tags and params as records, and every list present (MLflow omits empty ones).
 */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export type LifecycleStage = 'active' | 'deleted';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';
export type LoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';

export interface Experiment {
  readonly experimentId: string;
  readonly name: string;
  readonly artifactLocation: string;
  readonly lifecycleStage: LifecycleStage;
  readonly creationTime?: number;
  readonly lastUpdateTime?: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface Metric {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

export interface RunInfo {
  readonly runId: string;
  readonly runName: string;
  readonly experimentId: string;
  readonly userId: string;
  readonly status: RunStatus;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly artifactUri: string;
  readonly lifecycleStage: LifecycleStage;
}

export interface Run {
  readonly info: RunInfo;
  /** The latest value of each metric. */
  readonly metrics: readonly Metric[];
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  /** MLflow 3: the logged models this run produced. */
  readonly modelOutputs: ReadonlyArray<{ readonly modelId: string; readonly step: number }>;
}

export interface FileInfo {
  /** Relative to the listed root (a run's artifact root, or a logged model's). */
  readonly path: string;
  readonly isDir: boolean;
  readonly fileSize?: number;
}

export interface ModelVersion {
  readonly name: string;
  readonly version: string;
  readonly creationTimestamp?: number;
  readonly lastUpdatedTimestamp?: number;
  readonly description: string;
  readonly source: string;
  readonly runId?: string;
  readonly modelId?: string;
  readonly status: ModelVersionStatus;
  readonly statusMessage?: string;
  readonly currentStage: Stage;
  readonly tags: Readonly<Record<string, string>>;
  readonly aliases: readonly string[];
}

export interface RegisteredModel {
  readonly name: string;
  readonly creationTimestamp?: number;
  readonly lastUpdatedTimestamp?: number;
  readonly description: string;
  readonly latestVersions: readonly ModelVersion[];
  readonly tags: Readonly<Record<string, string>>;
  /** alias → version */
  readonly aliases: Readonly<Record<string, string>>;
}

export interface LoggedModel {
  readonly modelId: string;
  readonly experimentId: string;
  readonly name: string;
  readonly artifactUri: string;
  readonly status: LoggedModelStatus;
  readonly statusMessage?: string;
  readonly modelType: string;
  readonly sourceRunId?: string;
  readonly creationTimestampMs?: number;
  readonly lastUpdatedTimestampMs?: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  readonly metrics: readonly Metric[];
}

/** One page of a paged listing, and the token for the next (undefined on the last page). */
export interface Page<T> {
  readonly items: T[];
  readonly nextPageToken?: string;
}
