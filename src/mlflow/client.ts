import { ArtifactsApi } from './artifacts';
import type { MlflowConnection } from './connection';
import { ExperimentsApi } from './experiments';
import { type HttpOptions, MlflowHttp } from './http';
import { LoggedModelsApi } from './loggedModels';
import { RegistryApi } from './registry';
import { MlflowError } from './errors';
import { PromptsApi } from './prompts/promptsApi';
import { RunsApi } from './runs';
import { featuresOf, type MlflowVersion, parseMlflowVersion, type ServerFeatures } from './serverVersion';
import { AssessmentsApi } from './traces/assessmentsApi';
import { TracesApi } from './traces/tracesApi';

/**
 * The extension's one way to reach MLflow: a connection and the REST services over it. Views, the
 * chat panel and the notebook controller each hold one; nothing else speaks HTTP to MLflow.
 */
export class MlflowClient {
  readonly http: MlflowHttp;
  readonly experiments: ExperimentsApi;
  readonly runs: RunsApi;
  readonly artifacts: ArtifactsApi;
  readonly registry: RegistryApi;
  readonly loggedModels: LoggedModelsApi;
  readonly prompts: PromptsApi;
  readonly traces: TracesApi;
  readonly assessments: AssessmentsApi;

  private version: Promise<MlflowVersion> | undefined;

  constructor(
    readonly connection: MlflowConnection,
    options: HttpOptions = {},
  ) {
    this.http = new MlflowHttp(connection, options);
    const requireMlflow3 = (what: string) => this.require('loggedModels', what);
    this.experiments = new ExperimentsApi(this.http);
    this.runs = new RunsApi(this.http, requireMlflow3);
    this.artifacts = new ArtifactsApi(this.http);
    this.registry = new RegistryApi(this.http);
    this.loggedModels = new LoggedModelsApi(this.http, requireMlflow3);
    this.prompts = new PromptsApi(this.http, (what) =>
      what === 'chat'
        ? this.require('chatPrompts', 'Chat prompts', 'need an MLflow 3 server (MLflow 2 reads every prompt template as text)')
        : this.require('promptRegistry', 'The prompt registry', 'needs MLflow 2.21 or later'),
    );
    // Reading traces needs MLflow 3; logging them needs its OTLP span ingestion, 3.4 on.
    this.traces = new TracesApi(this.http, (feature, what) =>
      this.require(feature, what, feature === 'traceSpanIngest' ? 'need an MLflow 3.4 server' : 'need an MLflow 3 server'),
    );
    this.assessments = new AssessmentsApi(this.http, () => this.require('traces', 'Assessments', 'need an MLflow 3 server'));
  }

  /** This client was replaced: its sockets close as their calls end (see MlflowHttp.retire). */
  retire(): void {
    this.http.retire();
  }

  /** The server's MLflow version (`GET /version`, answered without authentication), asked once. */
  async serverVersion(): Promise<string> {
    return (await this.mlflowVersion()).text;
  }

  async features(): Promise<ServerFeatures> {
    return featuresOf(await this.mlflowVersion());
  }

  private mlflowVersion(): Promise<MlflowVersion> {
    this.version ??= (async () => {
      const response = await this.http.stream('GET', '/version');
      // A version is a few bytes: read at most 1 KiB of the answer, whatever the server sends.
      let text = '';
      for await (const chunk of response.data) {
        text += (chunk as Buffer).toString();
        if (text.length > 1024) {
          response.data.destroy();
          break;
        }
      }
      return parseMlflowVersion(text);
    })();
    // A failed probe is not remembered: the next call asks again.
    this.version.catch(() => (this.version = undefined));
    return this.version;
  }

  /**
   * Throws an 'unsupported' error, before any call is made, when the server is too old for `what`:
   * "<what> <needs>; <server> runs MLflow <version>".
   */
  private async require(feature: keyof ServerFeatures, what: string, needs = 'need an MLflow 3 server'): Promise<void> {
    const version = await this.mlflowVersion();
    if (!featuresOf(version)[feature]) {
      throw new MlflowError('unsupported', `${what} ${needs}; ${this.http.base} runs MLflow ${version.text}`, {
        method: 'GET',
        path: '/version',
      });
    }
  }
}
