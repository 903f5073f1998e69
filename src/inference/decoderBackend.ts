import { CApiDecoderSession } from './capiDecoderSession';
import type { Decoder, EngineBackend } from './decoder';
import { DecoderSession, type DecoderSessionOptions } from './decoderSession';
import { InferenceError } from './inferenceError';
import type { ModelSpec } from './modelSpec';
import { OrtCApi } from './ortCApi/ortCApi';

/** The backend a load asks for: the option, else PHI3_ENGINE_BACKEND, else the C API. */
export function requestedBackend(options: DecoderSessionOptions = {}): EngineBackend {
  const fromEnv = process.env.PHI3_ENGINE_BACKEND;
  const chosen = options.backend ?? (fromEnv === 'node' || fromEnv === 'capi' ? fromEnv : undefined) ?? 'capi';
  return chosen;
}

/**
 * Loads the decoder on the requested backend. The C API path falls back to onnxruntime-node's
 * InferenceSession when the C API itself cannot be had (no library for this platform, koffi missing,
 * an onnxruntime without API 30), and says so on stderr, which the engine client copies into the
 * extension's log; a graph that fails to load fails the same way on either path and is not retried.
 */
export async function loadDecoder(
  spec: ModelSpec,
  options: DecoderSessionOptions = {},
  log: (line: string) => void = (line) => console.warn(line),
): Promise<Decoder> {
  if (requestedBackend(options) === 'node') return DecoderSession.load(spec, options);
  let ort: OrtCApi;
  try {
    ort = OrtCApi.load();
  } catch (error) {
    const why = error instanceof InferenceError ? error.message : String(error);
    log(
      `The local engine runs on onnxruntime-node's InferenceSession (which copies the KV cache on every step): onnxruntime's C API is unavailable. ${why}`,
    );
    return DecoderSession.load(spec, options);
  }
  return CApiDecoderSession.load(ort, spec, options);
}
