import { NativeHandle } from './nativeHandle';
import { ORT_ENABLE_ALL, OrtElementType } from './ortApiTable';
import type { NativePointer, OrtCApi } from './ortCApi';
import { ortEnvironment, takeAllocatedString } from './ortEnvironment';

export interface OrtSessionSettings {
  /** Intra-op threads; 0 or absent: onnxruntime's choice (the physical cores). */
  readonly threads?: number;
  /** Let the thread pools spin between operators (off by default: see DecoderSessionOptions.spinWait). */
  readonly spinWait?: boolean;
}

/**
 * An OrtSession loaded from a file, with the settings onnxruntime-node's path uses (CPU, all graph
 * optimisations, spinning off), and its input and output names read once. The session options are
 * released as soon as the session exists: onnxruntime copies what it needs from them.
 */
export class OrtSession extends NativeHandle {
  private constructor(
    pointer: NativePointer,
    private readonly ort: OrtCApi,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {
    super(pointer, (p) => ort.fn.ReleaseSession(p), 'OrtSession');
  }

  static create(ort: OrtCApi, graphPath: string, settings: OrtSessionSettings = {}): OrtSession {
    const { env, allocator } = ortEnvironment(ort);
    const options = new NativeHandle(ort.create('CreateSessionOptions'), (p) => ort.fn.ReleaseSessionOptions(p), 'OrtSessionOptions');
    let session: NativePointer;
    try {
      ort.check(ort.fn.SetSessionGraphOptimizationLevel(options.handle, ORT_ENABLE_ALL), 'SetSessionGraphOptimizationLevel');
      if (settings.threads) ort.check(ort.fn.SetIntraOpNumThreads(options.handle, settings.threads), 'SetIntraOpNumThreads');
      if (!settings.spinWait) {
        ort.check(ort.fn.AddSessionConfigEntry(options.handle, 'session.intra_op.allow_spinning', '0'), 'AddSessionConfigEntry');
        ort.check(ort.fn.AddSessionConfigEntry(options.handle, 'session.inter_op.allow_spinning', '0'), 'AddSessionConfigEntry');
      }
      // ORTCHAR_T is wchar_t on Windows: the path goes as UTF-16 there.
      const path = process.platform === 'win32' ? Buffer.from(`${graphPath}\0`, 'utf16le') : graphPath;
      session = ort.create('CreateSession', env, path, options.handle);
    } finally {
      options.release();
    }
    const names = (countOf: 'SessionGetInputCount' | 'SessionGetOutputCount', nameOf: 'SessionGetInputName' | 'SessionGetOutputName') => {
      const count = [0];
      ort.check(ort.fn[countOf](session, count), countOf);
      return Array.from({ length: Number(count[0]) }, (_, i) => takeAllocatedString(ort, ort.create(nameOf, session, i, allocator)));
    };
    try {
      return new OrtSession(
        session,
        ort,
        names('SessionGetInputCount', 'SessionGetInputName'),
        names('SessionGetOutputCount', 'SessionGetOutputName'),
      );
    } catch (error) {
      ort.fn.ReleaseSession(session);
      throw error;
    }
  }

  /** The element type of output `name`, as onnxruntime-node names it ('float32', …), or undefined for a non-tensor. */
  outputType(name: string): string | undefined {
    const index = this.outputNames.indexOf(name);
    if (index < 0) return undefined;
    const typeInfo = this.ort.create('SessionGetOutputTypeInfo', this.handle, index);
    try {
      const tensorInfo = this.ort.create('CastTypeInfoToTensorInfo', typeInfo);
      if (!tensorInfo) return undefined;
      const type = [0];
      this.ort.check(this.ort.fn.GetTensorElementType(tensorInfo, type), 'GetTensorElementType');
      return type[0] === OrtElementType.float32 ? 'float32' : type[0] === 10 ? 'float16' : `element type ${type[0]}`;
    } finally {
      this.ort.fn.ReleaseTypeInfo(typeInfo);
    }
  }
}
