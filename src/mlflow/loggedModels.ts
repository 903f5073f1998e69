import type { LoggedModel, LoggedModelStatus, Page } from './entities';
import type { MlflowHttp } from './http';
import { allItems } from './paging';
import { toLoggedModel, toWirePairs, type WireLoggedModel } from './wire';

export interface NewLoggedModel {
  readonly experimentId: string;
  readonly name?: string;
  readonly modelType?: string;
  /** The run that produced the model; linked as the run's output as well. */
  readonly sourceRunId?: string;
  readonly params?: Record<string, string>;
  readonly tags?: Record<string, string>;
}

export interface LoggedModelSearch {
  readonly experimentIds: readonly string[];
  /** e.g. `name = 'phi3' AND status = 'LOGGED_MODEL_READY'`. */
  readonly filter?: string;
  readonly orderBy?: ReadonlyArray<{ readonly field: string; readonly ascending?: boolean }>;
  readonly maxResults?: number;
}

const subject = (modelId: string) => `Logged model ${modelId}`;
const route = (modelId: string) => `/api/2.0/mlflow/logged-models/${encodeURIComponent(modelId)}`;

/** MLflow 3's logged models: a model as an object of its own (`models:/<model_id>`), apart from runs. */
export class LoggedModelsApi {
  /** `requireMlflow3` throws a clear 'unsupported' error on an MLflow 2 server, before the call. */
  constructor(
    private readonly http: MlflowHttp,
    private readonly requireMlflow3: (what: string) => Promise<void>,
  ) {}

  /** Creates a model in LOGGED_MODEL_PENDING; upload its files to `artifactUri`, then `finalize`. */
  async create(spec: NewLoggedModel): Promise<LoggedModel> {
    await this.requireMlflow3('Logged models');
    const answer = await this.http.json<{ model: WireLoggedModel }>('POST', '/api/2.0/mlflow/logged-models', {
      body: {
        experiment_id: spec.experimentId,
        name: spec.name,
        model_type: spec.modelType,
        source_run_id: spec.sourceRunId,
        params: toWirePairs(spec.params),
        tags: toWirePairs(spec.tags),
      },
      subject: `Experiment ${spec.experimentId}`,
    });
    return toLoggedModel(answer.model);
  }

  async get(modelId: string, signal?: AbortSignal): Promise<LoggedModel> {
    await this.requireMlflow3('Logged models');
    const answer = await this.http.json<{ model: WireLoggedModel }>('GET', route(modelId), { subject: subject(modelId), signal });
    return toLoggedModel(answer.model);
  }

  async searchPage(search: LoggedModelSearch, pageToken?: string, signal?: AbortSignal): Promise<Page<LoggedModel>> {
    await this.requireMlflow3('Logged models');
    const answer = await this.http.json<{ models?: WireLoggedModel[]; next_page_token?: string }>(
      'POST',
      '/api/2.0/mlflow/logged-models/search',
      {
        body: {
          experiment_ids: search.experimentIds,
          filter: search.filter,
          order_by: search.orderBy?.map((o) => ({ field_name: o.field, ascending: o.ascending ?? true })),
          max_results: search.maxResults ?? 100,
          page_token: pageToken,
        },
        idempotent: true,
        signal,
      },
    );
    return { items: (answer.models ?? []).map(toLoggedModel), nextPageToken: answer.next_page_token || undefined };
  }

  search(search: LoggedModelSearch, signal?: AbortSignal): AsyncGenerator<LoggedModel> {
    return allItems((token) => this.searchPage(search, token, signal));
  }

  /** Marks the upload done (READY) or failed (UPLOAD_FAILED). */
  async finalize(
    modelId: string,
    status: Extract<LoggedModelStatus, 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED'>,
  ): Promise<LoggedModel> {
    await this.requireMlflow3('Logged models');
    const answer = await this.http.json<{ model: WireLoggedModel }>('PATCH', route(modelId), {
      body: { model_id: modelId, status },
      subject: subject(modelId),
      idempotent: true,
    });
    return toLoggedModel(answer.model);
  }

  async setTags(modelId: string, tags: Record<string, string>): Promise<void> {
    await this.requireMlflow3('Logged models');
    await this.http.json('PATCH', `${route(modelId)}/tags`, {
      body: { model_id: modelId, tags: toWirePairs(tags) },
      subject: subject(modelId),
      idempotent: true,
    });
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    await this.requireMlflow3('Logged models');
    await this.http.json('DELETE', `${route(modelId)}/tags/${encodeURIComponent(key)}`, { subject: subject(modelId) });
  }

  async logParams(modelId: string, params: Record<string, string>): Promise<void> {
    await this.requireMlflow3('Logged models');
    await this.http.json('POST', `${route(modelId)}/params`, {
      body: { model_id: modelId, params: toWirePairs(params) },
      subject: subject(modelId),
    });
  }

  async delete(modelId: string): Promise<void> {
    await this.requireMlflow3('Logged models');
    await this.http.json('DELETE', route(modelId), { subject: subject(modelId) });
  }
}
