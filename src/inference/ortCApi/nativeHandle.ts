import type { NativePointer } from './ortCApi';

/**
 * One native onnxruntime object and the call that frees it. Owning each pointer in an object with an
 * explicit, idempotent release() is what keeps native memory bounded: nothing here relies on the
 * garbage collector, which neither sees native sizes nor runs on time.
 */
export class NativeHandle {
  private pointer: NativePointer;

  constructor(
    pointer: NativePointer,
    private readonly free: (pointer: NativePointer) => void,
    readonly what: string,
  ) {
    this.pointer = pointer;
  }

  get released(): boolean {
    return this.pointer === undefined;
  }

  /** The live pointer; using a released object is a bug, and would be a use-after-free in C. */
  get handle(): NativePointer {
    if (this.pointer === undefined) throw new Error(`${this.what} used after release`);
    return this.pointer;
  }

  release(): void {
    if (this.pointer === undefined) return;
    const pointer = this.pointer;
    this.pointer = undefined;
    this.free(pointer);
  }
}
