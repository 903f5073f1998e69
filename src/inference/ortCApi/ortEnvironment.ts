import { ORT_LOGGING_LEVEL_WARNING, OrtArenaAllocator, OrtMemTypeDefault } from './ortApiTable';
import type { NativePointer, OrtCApi } from './ortCApi';

/**
 * The process-wide objects every session shares: the OrtEnv (onnxruntime wants one per process; it
 * owns the logger), the CPU memory info our tensors are described with, and the default allocator
 * (onnxruntime's own, never freed) that names and output arrays come back in. They live as long as
 * the engine process, so they are created once and deliberately never released.
 */
export interface OrtEnvironment {
  readonly env: NativePointer;
  readonly cpuMemory: NativePointer;
  readonly allocator: NativePointer;
}

const environments = new WeakMap<OrtCApi, OrtEnvironment>();

export function ortEnvironment(ort: OrtCApi): OrtEnvironment {
  let environment = environments.get(ort);
  if (!environment) {
    environment = {
      env: ort.create('CreateEnv', ORT_LOGGING_LEVEL_WARNING, 'phi3-engine'),
      cpuMemory: ort.create('CreateCpuMemoryInfo', OrtArenaAllocator, OrtMemTypeDefault),
      allocator: ort.create('GetAllocatorWithDefaultOptions'),
    };
    environments.set(ort, environment);
  }
  return environment;
}

/** A string onnxruntime allocated with the default allocator: read, then freed. */
export function takeAllocatedString(ort: OrtCApi, pointer: NativePointer): string {
  const text = ort.koffi.decode.string(pointer);
  ort.check(ort.fn.AllocatorFree(ortEnvironment(ort).allocator, pointer), 'AllocatorFree');
  return text;
}
