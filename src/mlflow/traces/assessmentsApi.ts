/**
 * MLflow 3's assessments: feedback (a score, a judge's verdict) and expectations (the expected
 * answer) attached to a trace, which MLflow's trace view and evaluation UI show beside it.
 *
 * The calls are MLflow 3.17's CreateAssessment and GetAssessment (server/handlers.py
 * `_create_assessment`, `_get_assessment`), at `POST /api/3.0/mlflow/traces/{trace_id}/assessments`
 * and `GET /api/3.0/mlflow/traces/{trace_id}/assessments/{assessment_id}`, with the body MLflow's
 * own client sends (store/tracking/rest_store.py `create_assessment`): `{assessment: {...}}` in
 * protobuf JSON (protos/assessments.proto): `assessment_name` (no "." in it), `trace_id`, an
 * optional `span_id`, `source` `{source_type: HUMAN | LLM_JUDGE | CODE, source_id}`, `create_time`
 * and `last_update_time` (the client sets both: a store given none records 1970), then `feedback`
 * `{value}` or `{error: {error_code, error_message}}` (a scorer that could not decide), or
 * `expectation` `{value}`; `rationale` and string `metadata`.
 */
import { MlflowError } from '../errors';
import type { MlflowHttp } from '../http';
import { timestampMs } from './traceWire';

export type AssessmentSourceType = 'HUMAN' | 'LLM_JUDGE' | 'CODE';

export interface AssessmentSource {
  readonly sourceType: AssessmentSourceType;
  /** Who or what: a user name, the judge model, the scorer's name (as `mlflow.genai.evaluate` names a code scorer). */
  readonly sourceId: string;
}

/** A value MLflow's feedback takes: a boolean, a number or text (google.protobuf.Value). */
export type FeedbackValue = boolean | number | string;

export type AssessmentBody =
  | { readonly kind: 'feedback'; readonly value: FeedbackValue }
  /** The scorer could not give a value: MLflow keeps the error in its place. */
  | { readonly kind: 'feedbackError'; readonly errorCode: string; readonly errorMessage: string }
  | { readonly kind: 'expectation'; readonly value: FeedbackValue };

export interface NewAssessment {
  readonly traceId: string;
  readonly name: string;
  readonly source: AssessmentSource;
  readonly body: AssessmentBody;
  /** The span it is about; `mlflow.genai.evaluate` gives the root span's. */
  readonly spanId?: string;
  readonly rationale?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface Assessment extends NewAssessment {
  readonly assessmentId: string;
  readonly createTimeMs: number;
}

interface WireAssessment {
  assessment_id?: string;
  assessment_name?: string;
  trace_id?: string;
  span_id?: string;
  source?: { source_type?: string; source_id?: string };
  create_time?: string;
  feedback?: { value?: FeedbackValue; error?: { error_code?: string; error_message?: string } };
  expectation?: { value?: FeedbackValue };
  rationale?: string;
  metadata?: Record<string, string>;
}

export class AssessmentsApi {
  /** `requireTraces` throws a clear 'unsupported' error on a server without traces (MLflow 2), before any call. */
  constructor(
    private readonly http: MlflowHttp,
    private readonly requireTraces: () => Promise<void>,
  ) {}

  /** Attaches one assessment to its trace and returns it as the server stored it, with its id. */
  async create(assessment: NewAssessment, signal?: AbortSignal): Promise<Assessment> {
    await this.requireTraces();
    const path = `/api/3.0/mlflow/traces/${encodeURIComponent(assessment.traceId)}/assessments`;
    if (assessment.name.includes('.'))
      throw new MlflowError('invalid', `An assessment name may not contain "." (got "${assessment.name}")`, { method: 'POST', path });
    const answer = await this.http.json<{ assessment?: WireAssessment }>('POST', path, {
      body: { assessment: toWire(assessment, new Date()) },
      subject: `Trace ${assessment.traceId}`,
      signal,
    });
    if (!answer.assessment?.assessment_id)
      throw new MlflowError('malformed', `The server answered CreateAssessment for ${assessment.traceId} without the assessment`, {
        method: 'POST',
        path,
      });
    return fromWire(answer.assessment);
  }

  async get(traceId: string, assessmentId: string, signal?: AbortSignal): Promise<Assessment> {
    await this.requireTraces();
    const path = `/api/3.0/mlflow/traces/${encodeURIComponent(traceId)}/assessments/${encodeURIComponent(assessmentId)}`;
    const answer = await this.http.json<{ assessment?: WireAssessment }>('GET', path, { subject: `Assessment ${assessmentId}`, signal });
    if (!answer.assessment)
      throw new MlflowError('malformed', `The server answered GetAssessment without the assessment`, { method: 'GET', path });
    return fromWire(answer.assessment);
  }
}

function toWire(assessment: NewAssessment, now: Date): WireAssessment & { last_update_time: string } {
  const time = now.toISOString();
  const body = assessment.body;
  return {
    assessment_name: assessment.name,
    trace_id: assessment.traceId,
    ...(assessment.spanId ? { span_id: assessment.spanId } : {}),
    source: { source_type: assessment.source.sourceType, source_id: assessment.source.sourceId },
    create_time: time,
    last_update_time: time,
    ...(body.kind === 'feedback'
      ? { feedback: { value: body.value } }
      : body.kind === 'feedbackError'
        ? { feedback: { error: { error_code: body.errorCode, error_message: body.errorMessage } } }
        : { expectation: { value: body.value } }),
    ...(assessment.rationale ? { rationale: assessment.rationale } : {}),
    ...(assessment.metadata && Object.keys(assessment.metadata).length ? { metadata: { ...assessment.metadata } } : {}),
  };
}

/** An assessment in MLflow's protobuf JSON (CreateAssessment's answer, GetAssessment's, a trace info's `assessments`). */
export function fromWire(wire: WireAssessment): Assessment {
  const error = wire.feedback?.error;
  const body: AssessmentBody = wire.expectation
    ? { kind: 'expectation', value: wire.expectation.value ?? '' }
    : error && wire.feedback?.value === undefined
      ? { kind: 'feedbackError', errorCode: error.error_code ?? '', errorMessage: error.error_message ?? '' }
      : { kind: 'feedback', value: wire.feedback?.value ?? '' };
  return {
    assessmentId: wire.assessment_id ?? '',
    traceId: wire.trace_id ?? '',
    name: wire.assessment_name ?? '',
    source: { sourceType: (wire.source?.source_type ?? 'HUMAN') as AssessmentSourceType, sourceId: wire.source?.source_id ?? '' },
    body,
    ...(wire.span_id ? { spanId: wire.span_id } : {}),
    ...(wire.rationale ? { rationale: wire.rationale } : {}),
    ...(wire.metadata ? { metadata: wire.metadata } : {}),
    createTimeMs: wire.create_time ? timestampMs(wire.create_time) : 0,
  };
}
