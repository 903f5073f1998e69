import type { Metric } from './entities';
import type { WireKeyValue, WireMetric } from './wire';

/** MLflow's limits on one `runs/log-batch` call. */
export const logBatchLimits = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;

export interface BatchBody {
  readonly metrics: WireMetric[];
  readonly params: WireKeyValue[];
  readonly tags: WireKeyValue[];
}

/**
 * Splits what is to be logged into calls within MLflow's limits: at most 100 params, 100 tags and
 * 1000 metrics a call, and 1000 items in all. Params and tags go first, so a run has its settings
 * before its figures if a later call fails.
 */
export function splitLogBatch(metrics: readonly Metric[], params: readonly WireKeyValue[], tags: readonly WireKeyValue[]): BatchBody[] {
  const batches: BatchBody[] = [];
  let m = 0;
  let p = 0;
  let t = 0;
  while (m < metrics.length || p < params.length || t < tags.length) {
    const batchParams = params.slice(p, p + logBatchLimits.params);
    const batchTags = tags.slice(t, t + logBatchLimits.tags);
    const room = Math.min(logBatchLimits.metrics, logBatchLimits.total - batchParams.length - batchTags.length);
    const batchMetrics = metrics.slice(m, m + room).map(toWireMetric);
    batches.push({ metrics: batchMetrics, params: batchParams, tags: batchTags });
    p += batchParams.length;
    t += batchTags.length;
    m += batchMetrics.length;
  }
  return batches;
}

/** JSON has no NaN or infinities; protobuf JSON writes them as the strings "NaN", "Infinity", "-Infinity". */
function toWireMetric(metric: Metric): WireMetric {
  return {
    key: metric.key,
    value: Number.isFinite(metric.value) ? metric.value : String(metric.value),
    timestamp: metric.timestamp,
    step: metric.step,
  };
}
