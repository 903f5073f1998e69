import type { Experiment, Page, ViewType } from './entities';
import type { MlflowHttp } from './http';
import { allItems } from './paging';
import { toExperiment, toWirePairs, type WireExperiment } from './wire';

export interface ExperimentSearch {
  /** MLflow's filter syntax, e.g. `name LIKE 'phi3%'` or `tags.team = 'nlp'`. */
  readonly filter?: string;
  /** e.g. `['last_update_time DESC']`. */
  readonly orderBy?: readonly string[];
  readonly viewType?: ViewType;
  /** Page size (the server's maximum is 50,000). */
  readonly maxResults?: number;
}

export class ExperimentsApi {
  constructor(private readonly http: MlflowHttp) {}

  async searchPage(search: ExperimentSearch = {}, pageToken?: string, signal?: AbortSignal): Promise<Page<Experiment>> {
    const answer = await this.http.json<{ experiments?: WireExperiment[]; next_page_token?: string }>(
      'POST',
      '/api/2.0/mlflow/experiments/search',
      {
        body: {
          max_results: search.maxResults ?? 1000,
          filter: search.filter,
          order_by: search.orderBy,
          view_type: search.viewType ?? 'ACTIVE_ONLY',
          page_token: pageToken,
        },
        idempotent: true,
        signal,
      },
    );
    return { items: (answer.experiments ?? []).map(toExperiment), nextPageToken: answer.next_page_token || undefined };
  }

  search(search: ExperimentSearch = {}, signal?: AbortSignal): AsyncGenerator<Experiment> {
    return allItems((token) => this.searchPage(search, token, signal));
  }

  async get(experimentId: string): Promise<Experiment> {
    const answer = await this.http.json<{ experiment: WireExperiment }>('GET', '/api/2.0/mlflow/experiments/get', {
      params: { experiment_id: experimentId },
      subject: `Experiment ${experimentId}`,
    });
    return toExperiment(answer.experiment);
  }

  /** The experiment with this name, or undefined when there is none. */
  async getByName(name: string): Promise<Experiment | undefined> {
    try {
      const answer = await this.http.json<{ experiment: WireExperiment }>('GET', '/api/2.0/mlflow/experiments/get-by-name', {
        params: { experiment_name: name },
        subject: `Experiment "${name}"`,
      });
      return toExperiment(answer.experiment);
    } catch (error) {
      if ((error as { isNotFound?: boolean }).isNotFound) return undefined;
      throw error;
    }
  }

  /** Creates an experiment and returns its id. */
  async create(name: string, options: { artifactLocation?: string; tags?: Record<string, string> } = {}): Promise<string> {
    const answer = await this.http.json<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', {
      body: { name, artifact_location: options.artifactLocation, tags: toWirePairs(options.tags) },
    });
    return answer.experiment_id;
  }

  async rename(experimentId: string, newName: string): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/experiments/update', {
      body: { experiment_id: experimentId, new_name: newName },
      subject: `Experiment ${experimentId}`,
      idempotent: true,
    });
  }

  async delete(experimentId: string): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/experiments/delete', {
      body: { experiment_id: experimentId },
      subject: `Experiment ${experimentId}`,
    });
  }

  async restore(experimentId: string): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/experiments/restore', {
      body: { experiment_id: experimentId },
      subject: `Experiment ${experimentId}`,
    });
  }

  async setTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/experiments/set-experiment-tag', {
      body: { experiment_id: experimentId, key, value },
      subject: `Experiment ${experimentId}`,
      idempotent: true,
    });
  }
}
