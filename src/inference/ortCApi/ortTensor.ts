import { NativeHandle } from './nativeHandle';
import { OrtElementType } from './ortApiTable';
import type { NativePointer, OrtCApi } from './ortCApi';
import { ortEnvironment } from './ortEnvironment';

export type OrtTensorData = Float32Array | BigInt64Array;

/**
 * An OrtValue over memory we own (CreateTensorWithDataAsOrtValue): onnxruntime reads inputs from and
 * writes outputs into `data` itself, with no copy either way. The tensor keeps `data` referenced so
 * the garbage collector cannot free the memory while onnxruntime may still touch it. The buffer must
 * be off the V8 heap (see ownedFloat32/ownedInt64): small typed arrays can live on the heap and move.
 */
export class OrtTensor extends NativeHandle {
  private constructor(
    pointer: NativePointer,
    ort: OrtCApi,
    readonly data: OrtTensorData,
    readonly dims: readonly number[],
  ) {
    super(pointer, (p) => ort.fn.ReleaseValue(p), 'OrtValue');
  }

  static over(ort: OrtCApi, data: OrtTensorData, dims: readonly number[]): OrtTensor {
    const elements = dims.reduce((a, b) => a * b, 1);
    if (elements * data.BYTES_PER_ELEMENT > data.byteLength)
      throw new Error(`tensor [${dims.join(', ')}] does not fit its ${data.byteLength}-byte buffer`);
    const type = data instanceof Float32Array ? OrtElementType.float32 : OrtElementType.int64;
    const pointer = ort.create(
      'CreateTensorWithDataAsOrtValue',
      ortEnvironment(ort).cpuMemory,
      data,
      elements * data.BYTES_PER_ELEMENT,
      BigInt64Array.from(dims, BigInt),
      dims.length,
      type,
    );
    return new OrtTensor(pointer, ort, data, dims);
  }
}

/** A float32 buffer outside the V8 heap, so its address is fixed for as long as it lives. */
export function ownedFloat32(elements: number): Float32Array {
  return new Float32Array(new ArrayBuffer(Math.max(elements, 1) * 4), 0, elements);
}

export function ownedInt64(elements: number): BigInt64Array {
  return new BigInt64Array(new ArrayBuffer(Math.max(elements, 1) * 8), 0, elements);
}
