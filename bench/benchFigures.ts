/**
 * What every engine runner of bench/inference.bench.ts prints (one JSON line) and how the bench
 * turns it into the table's figures, the same way for every engine.
 */

/** One bench case as the runners read it: each turn's ids are appended to the conversation so far, then newTokens are generated. */
export interface BenchCase {
  readonly turns: readonly (readonly number[])[];
  readonly newTokens: number;
}

export interface TurnFigures {
  /** Tokens run through the model before the first new token (the new part of the conversation). */
  readonly fedTokens: number;
  /** The conversation's length when this turn started (what a runtime without a cache would compute). */
  readonly contextTokens: number;
  /** From the turn's request to its first token. */
  readonly ttftMs: number;
  /** CPU time (all threads of the process) from the turn's request to its first token. */
  readonly ttftCpuSeconds: number;
  /** When each token was picked, from the turn's request. */
  readonly tokenTimesMs: readonly number[];
  readonly tokenIds: readonly number[];
}

export interface RunFigures {
  engine: string;
  readonly loadMs: number;
  readonly turns: readonly TurnFigures[];
  readonly peakRssMiB: number;
  /** CPU time of the generation (all turns, prefill and decode): its cost, however busy the machine was. */
  readonly cpuSeconds: number;
  /** Ours only: where the generation's time went. */
  readonly timeInModelMs?: number;
  readonly timeInSamplingMs?: number;
  readonly timeInDetokenizerMs?: number;
  readonly totalMs?: number;
}

export interface Summary {
  readonly engine: string;
  readonly loadMs: number;
  /** One turn: its TTFT. Several: the mean TTFT of the turns after the first (the cache-reuse path). */
  readonly ttftMs: number;
  readonly firstTurnTtftMs: number;
  /** CPU milliseconds per fed token over the same turns: the prefill's cost, whatever the machine's load. */
  readonly prefillCpuMsPerToken: number;
  /** Fed tokens per second of TTFT, over the same turns as ttftMs. */
  readonly prefillTokensPerSecond: number;
  /** Tokens after each turn's first, per second of the time after it, pooled over all turns. */
  readonly decodeTokensPerSecond: number;
  /** Mean of the first 8 decode steps of the first answer, and of the last 8 of the last answer. */
  readonly stepStartMs: number;
  readonly stepEndMs: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  readonly turnTtftsMs: readonly number[];
  readonly tokenIds: readonly (readonly number[])[];
  readonly raw: RunFigures;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
const steps = (turn: TurnFigures) => turn.tokenTimesMs.slice(1).map((t, i) => t - turn.tokenTimesMs[i]!);

export function summarize(run: RunFigures): Summary {
  const { turns } = run;
  const prefillTurns = turns.length > 1 ? turns.slice(1) : turns;
  const decodeTokens = turns.reduce((n, t) => n + t.tokenTimesMs.length - 1, 0);
  const decodeMs = turns.reduce((ms, t) => ms + t.tokenTimesMs.at(-1)! - t.tokenTimesMs[0]!, 0);
  return {
    engine: run.engine,
    loadMs: run.loadMs,
    ttftMs: mean(prefillTurns.map((t) => t.ttftMs)),
    firstTurnTtftMs: turns[0]!.ttftMs,
    prefillCpuMsPerToken:
      (prefillTurns.reduce((s, t) => s + t.ttftCpuSeconds, 0) * 1000) / prefillTurns.reduce((n, t) => n + t.fedTokens, 0),
    prefillTokensPerSecond: (prefillTurns.reduce((n, t) => n + t.fedTokens, 0) * 1000) / prefillTurns.reduce((ms, t) => ms + t.ttftMs, 0),
    decodeTokensPerSecond: (decodeTokens * 1000) / decodeMs,
    stepStartMs: mean(steps(turns[0]!).slice(0, 8)),
    stepEndMs: mean(steps(turns.at(-1)!).slice(-8)),
    cpuSeconds: run.cpuSeconds,
    peakRssMiB: run.peakRssMiB,
    turnTtftsMs: turns.map((t) => t.ttftMs),
    tokenIds: turns.map((t) => t.tokenIds),
    raw: run,
  };
}

/** The median of each figure over rounds (figure by figure, as the previous bench did); the rest from the first round. */
export function medianSummary(rounds: readonly Summary[]): Summary {
  const mid = (key: keyof Summary) => rounds.map((r) => r[key] as number).sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
  return {
    ...rounds[0]!,
    loadMs: mid('loadMs'),
    ttftMs: mid('ttftMs'),
    firstTurnTtftMs: mid('firstTurnTtftMs'),
    prefillCpuMsPerToken: mid('prefillCpuMsPerToken'),
    prefillTokensPerSecond: mid('prefillTokensPerSecond'),
    decodeTokensPerSecond: mid('decodeTokensPerSecond'),
    stepStartMs: mid('stepStartMs'),
    stepEndMs: mid('stepEndMs'),
    cpuSeconds: mid('cpuSeconds'),
    peakRssMiB: mid('peakRssMiB'),
  };
}
