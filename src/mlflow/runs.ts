import type { Metric, Page, Run, RunInfo, RunStatus, ViewType } from './entities';
import type { MlflowHttp } from './http';
import { splitLogBatch } from './logBatch';
import { allItems } from './paging';
import { toMetric, toRun, toWirePairs, type WireMetric, type WireRun } from './wire';

export interface RunSearch {
  readonly experimentIds: readonly string[];
  /** MLflow's search syntax, e.g. `metrics.loss < 0.5 and params.lr = '0.01'`. */
  readonly filter?: string;
  /** e.g. `['attributes.start_time DESC']` (MLflow's default order). */
  readonly orderBy?: readonly string[];
  readonly runViewType?: ViewType;
  /** Page size (the server's maximum is 50,000; its default 1,000). */
  readonly maxResults?: number;
}

export interface RunUpdate {
  readonly status?: RunStatus;
  readonly endTime?: number;
  readonly runName?: string;
}

export class RunsApi {
  /** `requireMlflow3` throws a clear 'unsupported' error on an MLflow 2 server, before the call. */
  constructor(
    private readonly http: MlflowHttp,
    private readonly requireMlflow3: (what: string) => Promise<void>,
  ) {}

  async searchPage(search: RunSearch, pageToken?: string, signal?: AbortSignal): Promise<Page<Run>> {
    const answer = await this.http.json<{ runs?: WireRun[]; next_page_token?: string }>('POST', '/api/2.0/mlflow/runs/search', {
      body: {
        experiment_ids: search.experimentIds,
        filter: search.filter,
        run_view_type: search.runViewType ?? 'ACTIVE_ONLY',
        max_results: search.maxResults ?? 1000,
        order_by: search.orderBy,
        page_token: pageToken,
      },
      idempotent: true,
      signal,
    });
    return { items: (answer.runs ?? []).map(toRun), nextPageToken: answer.next_page_token || undefined };
  }

  search(search: RunSearch, signal?: AbortSignal): AsyncGenerator<Run> {
    return allItems((token) => this.searchPage(search, token, signal));
  }

  async get(runId: string, signal?: AbortSignal): Promise<Run> {
    const answer = await this.http.json<{ run: WireRun }>('GET', '/api/2.0/mlflow/runs/get', {
      params: { run_id: runId },
      subject: `Run ${runId}`,
      signal,
    });
    return toRun(answer.run);
  }

  async create(experimentId: string, options: { runName?: string; startTime?: number; tags?: Record<string, string> } = {}): Promise<Run> {
    const answer = await this.http.json<{ run: WireRun }>('POST', '/api/2.0/mlflow/runs/create', {
      body: {
        experiment_id: experimentId,
        run_name: options.runName,
        start_time: options.startTime ?? Date.now(),
        tags: toWirePairs(options.tags),
      },
      subject: `Experiment ${experimentId}`,
    });
    return toRun(answer.run);
  }

  async update(runId: string, update: RunUpdate): Promise<RunInfo> {
    const answer = await this.http.json<{ run_info: WireRun['info'] }>('POST', '/api/2.0/mlflow/runs/update', {
      body: { run_id: runId, status: update.status, end_time: update.endTime, run_name: update.runName },
      subject: `Run ${runId}`,
      idempotent: true,
    });
    return toRun({ info: answer.run_info }).info;
  }

  async delete(runId: string): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/runs/delete', { body: { run_id: runId }, subject: `Run ${runId}` });
  }

  async restore(runId: string): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/runs/restore', { body: { run_id: runId }, subject: `Run ${runId}` });
  }

  /** Logs metrics, params and tags in as many calls as MLflow's per-call limits need. */
  async logBatch(
    runId: string,
    batch: { metrics?: readonly Metric[]; params?: Record<string, string>; tags?: Record<string, string> },
  ): Promise<number> {
    const bodies = splitLogBatch(batch.metrics ?? [], toWirePairs(batch.params), toWirePairs(batch.tags));
    for (const body of bodies) {
      await this.http.json('POST', '/api/2.0/mlflow/runs/log-batch', { body: { run_id: runId, ...body }, subject: `Run ${runId}` });
    }
    return bodies.length;
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/runs/set-tag', {
      body: { run_id: runId, key, value },
      subject: `Run ${runId}`,
      idempotent: true,
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/runs/delete-tag', { body: { run_id: runId, key }, subject: `Run ${runId}` });
  }

  async metricHistoryPage(
    runId: string,
    metricKey: string,
    pageToken?: string,
    maxResults = 25_000,
    signal?: AbortSignal,
  ): Promise<Page<Metric>> {
    const answer = await this.http.json<{ metrics?: WireMetric[]; next_page_token?: string }>(
      'GET',
      '/api/2.0/mlflow/metrics/get-history',
      {
        params: { run_id: runId, metric_key: metricKey, max_results: maxResults, page_token: pageToken },
        subject: `Run ${runId}`,
        signal,
      },
    );
    return { items: (answer.metrics ?? []).map(toMetric), nextPageToken: answer.next_page_token || undefined };
  }

  /** A metric's every logged value, in the server's order (by step, then timestamp). */
  metricHistory(runId: string, metricKey: string, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncGenerator<Metric> {
    return allItems((token) => this.metricHistoryPage(runId, metricKey, token, options.pageSize, options.signal));
  }

  /** MLflow 3: records that this run produced these logged models (the run's outputs). */
  async logOutputs(runId: string, models: ReadonlyArray<{ modelId: string; step?: number }>): Promise<void> {
    await this.requireMlflow3("A run's model outputs");
    await this.http.json('POST', '/api/2.0/mlflow/runs/outputs', {
      body: { run_id: runId, models: models.map((m) => ({ model_id: m.modelId, step: m.step ?? 0 })) },
      subject: `Run ${runId}`,
    });
  }
}
