import { NativeHandle } from './nativeHandle';
import type { NativePointer, OrtCApi } from './ortCApi';
import { ortEnvironment } from './ortEnvironment';
import type { OrtSession } from './ortSession';

/**
 * An IoBinding: inputs and outputs bound by name to OrtValues before the run, so onnxruntime writes
 * each output into the value bound to it, in place. An output bound to the CPU device instead
 * (bindOutputToCpu) is allocated by onnxruntime and handed back by takeOutputs as OrtValues that
 * never cross into JS: the growing cache feeds them straight back as the next step's inputs.
 */
export class OrtIoBinding extends NativeHandle {
  private constructor(
    pointer: NativePointer,
    private readonly ort: OrtCApi,
    private readonly session: OrtSession,
  ) {
    super(pointer, (p) => ort.fn.ReleaseIoBinding(p), 'OrtIoBinding');
  }

  static create(ort: OrtCApi, session: OrtSession): OrtIoBinding {
    return new OrtIoBinding(ort.create('CreateIoBinding', session.handle), ort, session);
  }

  bindInput(name: string, value: NativePointer): void {
    this.ort.check(this.ort.fn.BindInput(this.handle, name, value), `BindInput ${name}`);
  }

  bindOutput(name: string, value: NativePointer): void {
    this.ort.check(this.ort.fn.BindOutput(this.handle, name, value), `BindOutput ${name}`);
  }

  bindOutputToCpu(name: string): void {
    this.ort.check(this.ort.fn.BindOutputToDevice(this.handle, name, ortEnvironment(this.ort).cpuMemory), `BindOutputToDevice ${name}`);
  }

  clear(): void {
    this.ort.fn.ClearBoundInputs(this.handle);
    this.ort.fn.ClearBoundOutputs(this.handle);
  }

  /** Runs the session on the bound values, off the JS thread. */
  run(): Promise<void> {
    return this.ort.callAsync('RunWithBinding', this.session.handle, null, this.handle);
  }

  /**
   * The output OrtValues in binding order, each now ours to release (onnxruntime adds a reference
   * for the caller); the array holding them is freed here.
   */
  takeOutputs(): NativePointer[] {
    const { allocator } = ortEnvironment(this.ort);
    const array: unknown[] = [null];
    const count: unknown[] = [0];
    this.ort.check(this.ort.fn.GetBoundOutputValues(this.handle, allocator, array, count), 'GetBoundOutputValues');
    const n = Number(count[0]);
    if (n === 0 || !array[0]) return [];
    const values = this.ort.koffi.decode(array[0], 'void *', n) as NativePointer[];
    this.ort.check(this.ort.fn.AllocatorFree(allocator, array[0]), 'AllocatorFree');
    return values;
  }
}

/** Shape of an OrtValue onnxruntime allocated. */
export function tensorDims(ort: OrtCApi, value: NativePointer): number[] {
  const info = ort.create('GetTensorTypeAndShape', value);
  try {
    const count = [0];
    ort.check(ort.fn.GetDimensionsCount(info, count), 'GetDimensionsCount');
    const dims = new BigInt64Array(Number(count[0]));
    ort.check(ort.fn.GetDimensions(info, dims, dims.length), 'GetDimensions');
    return Array.from(dims, Number);
  } finally {
    ort.fn.ReleaseTensorTypeAndShapeInfo(info);
  }
}

/**
 * A copy of an OrtValue's float32 contents (for the truncating copy of a growing cache, which is
 * rare). A copy rather than a view: Electron, whose Node runs the engine process inside VS Code,
 * forbids array buffers over external memory.
 */
export function tensorFloats(ort: OrtCApi, value: NativePointer, elements: number): Float32Array {
  const data = ort.create('GetTensorMutableData', value);
  return ort.koffi.decode(data, ort.koffi.array('float', elements, 'Typed')) as Float32Array;
}
