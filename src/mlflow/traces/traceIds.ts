import { randomBytes } from 'node:crypto';

/** Where new ids come from: random by default, fixed in tests that assert exact ids. */
export interface TraceIdSource {
  /** 32 hex digits, not all zero (OpenTelemetry calls an all-zero id invalid). */
  traceId(): string;
  /** 16 hex digits, not all zero. */
  spanId(): string;
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (/[^0]/.test(hex)) return hex;
  }
}

export const randomTraceIds: TraceIdSource = {
  traceId: () => nonZeroHex(16),
  spanId: () => nonZeroHex(8),
};

/**
 * Nanoseconds since the epoch of a time in milliseconds since the epoch, fractions kept to the
 * nanosecond (`performance.timeOrigin + performance.now()` has microseconds). The whole
 * milliseconds and the fraction are converted apart: ms × 10⁶ as one double would lose the
 * nanoseconds past 2⁵³.
 */
export function epochNs(epochMs: number): bigint {
  const whole = Math.floor(epochMs);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((epochMs - whole) * 1_000_000));
}
