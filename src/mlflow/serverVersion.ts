/** An MLflow server's version, as `GET /version` answers it (`3.17.2`, `2.22.5`, `3.0.0rc1`). */
export interface MlflowVersion {
  readonly text: string;
  readonly major: number;
  readonly minor: number;
}

export function parseMlflowVersion(text: string): MlflowVersion {
  const match = /^(\d+)\.(\d+)/.exec(text.trim());
  return { text: text.trim(), major: match ? Number(match[1]) : 0, minor: match ? Number(match[2]) : 0 };
}

/** What a server of this version offers, among the calls whose availability differs between 2.x and 3.x. */
export function featuresOf(version: MlflowVersion) {
  const atLeast = (major: number, minor: number) => version.major > major || (version.major === major && version.minor >= minor);
  return {
    /** MLflow 3: logged models and a run's model outputs. */
    loggedModels: atLeast(3, 0),
    /** MLflow 2.9+: multipart upload through the artifact proxy (for cloud stores). */
    multipartUpload: atLeast(2, 9),
    /** MLflow 2.1+: paged metric history. */
    pagedMetricHistory: atLeast(2, 1),
  };
}

export type ServerFeatures = ReturnType<typeof featuresOf>;
