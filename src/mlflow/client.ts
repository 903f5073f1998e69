import { ArtifactsApi } from './artifacts';
import type { MlflowConnection } from './connection';
import { ExperimentsApi } from './experiments';
import { type HttpOptions, MlflowHttp } from './http';
import { LoggedModelsApi } from './loggedModels';
import { RegistryApi } from './registry';
import { RunsApi } from './runs';

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

  constructor(readonly connection: MlflowConnection, options: HttpOptions = {}) {
    this.http = new MlflowHttp(connection, options);
    this.experiments = new ExperimentsApi(this.http);
    this.runs = new RunsApi(this.http);
    this.artifacts = new ArtifactsApi(this.http);
    this.registry = new RegistryApi(this.http);
    this.loggedModels = new LoggedModelsApi(this.http);
  }

  /** The server's MLflow version (`GET /version`, answered without authentication). */
  async serverVersion(): Promise<string> {
    const response = await this.http.stream('GET', '/version');
    let text = '';
    for await (const chunk of response.data) text += (chunk as Buffer).toString();
    return text.trim();
  }
}
