/** An MLflow server's version, as `GET /version` answers it (`3.17.2`, `2.22.5`, `3.0.0rc1`). */
export interface MlflowVersion {
  readonly text: string;
  readonly major: number;
  readonly minor: number;
}

/**
 * A release number and nothing else: digits and dots, then an optional pre/post/dev/local part
 * (`3.0.0rc1`, `2.22.5.dev0`, `3.1.0+db`). No space, no newline: the text goes into
 * `requirements.txt` as `mlflow==<text>` and into the status bar, where a server could otherwise
 * inject lines such as `--extra-index-url`.
 */
const releasePattern = /^(\d{1,4})\.(\d{1,4})(?:\.\d{1,6}){0,2}(?:[a-z]{1,5}\d{0,6}|\.(?:dev|post)\d{0,6})*(?:\+[a-z0-9.]{1,40})?$/i;

/** What a server that answers `/version` with something else shows: the version is unknown. */
export const unknownVersionText = 'unknown';

/** The server's answer to `/version`; anything but a release number is an unknown version (major 0). */
export function parseMlflowVersion(text: string): MlflowVersion {
  const trimmed = text.trim();
  const match = trimmed.length <= 64 ? releasePattern.exec(trimmed) : null;
  if (!match) return { text: unknownVersionText, major: 0, minor: 0 };
  return { text: trimmed, major: Number(match[1]), minor: Number(match[2]) };
}

/** True for a release number that parseMlflowVersion accepts. */
export function isReleaseNumber(text: string): boolean {
  return text.length <= 64 && releasePattern.test(text);
}

/** What a server of this version offers, among the calls whose availability differs between 2.x and 3.x. */
export function featuresOf(version: MlflowVersion) {
  const atLeast = (major: number, minor: number) => version.major > major || (version.major === major && version.minor >= minor);
  return {
    /** MLflow 3: logged models and a run's model outputs. */
    loggedModels: atLeast(3, 0),
    /** MLflow 3: traces read through the v3 API (`traces/search`, `traces/get`) and linked to runs. */
    traces: atLeast(3, 0),
    /**
     * MLflow 3.4+: spans ingested over OTLP (`POST /v1/traces`) into the tracking store, which is
     * where MLflow's own Python client sends them from 3.4 on (RestStore.log_spans refuses older servers).
     */
    traceSpanIngest: atLeast(3, 4),
    /** MLflow 2.9+: multipart upload through the artifact proxy (for cloud stores). */
    multipartUpload: atLeast(2, 9),
    /** MLflow 2.1+: paged metric history. */
    pagedMetricHistory: atLeast(2, 1),
    /**
     * MLflow 2.21+: the prompt registry, registered models tagged as prompts. The server's part is
     * small (2.22's keeps prompts out of unfiltered model searches and takes a prompt version's
     * placeholder source); servers before the registry have neither.
     */
    promptRegistry: atLeast(2, 21),
    /** MLflow 3: chat prompts (a list of messages); MLflow 2's clients and web UI read every template as text. */
    chatPrompts: atLeast(3, 0),
  };
}

export type ServerFeatures = ReturnType<typeof featuresOf>;
