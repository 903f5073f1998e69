import type { EngineBackend } from '../../../src/inference/decoder';

/** Both ways the engine can run a graph: every engine test runs on each, so the fallback stays as good as the default. */
export const engineBackends: readonly EngineBackend[] = ['capi', 'node'];
