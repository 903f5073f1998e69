import { InferenceError } from '../inferenceError';
import { ORT_API_VERSION, ORT_RELEASE, ortApiFunctions, type OrtApiFunctionName } from './ortApiTable';
import { onnxruntimeLibraryPath } from './ortLibraryPath';
import { errorMessage } from '../../errorMessage';

type Koffi = typeof import('koffi');
/** A native pointer as koffi hands it over (an opaque value: never dereferenced in JS). */
export type NativePointer = unknown;
type KoffiFunction = ((...args: unknown[]) => unknown) & { async: (...args: unknown[]) => void };
type OrtFunctions = { readonly [Name in OrtApiFunctionName]: KoffiFunction };

/** koffi registers a prototype's name process-wide and refuses it twice: each signature is declared once. */
const prototypes = new Map<string, ReturnType<Koffi['proto']>>();
function prototype(koffi: Koffi, signature: string): ReturnType<Koffi['proto']> {
  let type = prototypes.get(signature);
  if (!type) prototypes.set(signature, (type = koffi.proto(signature)));
  return type;
}

export interface OrtCApiLoadOptions {
  /** The library to load; default the one onnxruntime-node ships for this platform. */
  readonly libraryPath?: string;
  /** The API version to ask for; default ORT_API_VERSION. Only tests pass another. */
  readonly apiVersion?: number;
}

/**
 * onnxruntime's C API, reached through koffi: `OrtGetApiBase()->GetApi(ORT_API_VERSION)` and the
 * function table it returns. Every call that returns an OrtStatus goes through `check`, which turns
 * a failure into an Error with onnxruntime's message and releases the status (a status is
 * heap-allocated; dropping it would leak). One instance per process is enough: the library is
 * loaded once and never unloaded (onnxruntime-node may have it loaded too).
 */
export class OrtCApi {
  private static loaded: OrtCApi | undefined;

  private constructor(
    readonly koffi: Koffi,
    readonly fn: OrtFunctions,
    readonly libraryPath: string,
    readonly version: string,
  ) {}

  /** The process's C API, loaded on first use. Throws an InferenceError saying why it cannot be used. */
  static load(options: OrtCApiLoadOptions = {}): OrtCApi {
    const apiVersion = options.apiVersion ?? ORT_API_VERSION;
    const cached = OrtCApi.loaded;
    if (cached && !options.libraryPath && apiVersion === ORT_API_VERSION) return cached;
    const libraryPath = options.libraryPath ?? onnxruntimeLibraryPath();
    if (!libraryPath) {
      throw new InferenceError(
        'load-failed',
        `onnxruntime-node ships no onnxruntime library for ${process.platform}-${process.arch}, so its C API cannot be used.`,
      );
    }
    let koffi: Koffi;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- native; loaded only when a model is
      koffi = require('koffi') as Koffi;
    } catch (error) {
      throw new InferenceError('load-failed', `The FFI library koffi could not be loaded: ${errorMessage(error).split('\n')[0]}.`);
    }
    let getApiBase: () => NativePointer;
    try {
      getApiBase = koffi.load(libraryPath).func('void *OrtGetApiBase()') as () => NativePointer;
    } catch (error) {
      throw new InferenceError('load-failed', `${libraryPath} could not be loaded: ${errorMessage(error).split('\n')[0]}.`);
    }
    const base = getApiBase();
    const slot = (table: NativePointer, index: number) => koffi.decode(table, index * 8, 'void *') as NativePointer;
    const version = koffi.call(slot(base, 1), prototype(koffi, 'const char *OrtGetVersionString()')) as string;
    // GetApi answers null for a version this build does not have (and prints why on stderr).
    const api = koffi.call(slot(base, 0), prototype(koffi, 'void *OrtGetApi(uint32_t version)'), apiVersion) as NativePointer;
    if (!api) {
      throw new InferenceError(
        'runtime-mismatch',
        `onnxruntime ${version} at ${libraryPath} does not offer C API version ${apiVersion}, which this engine's function table was written for (onnxruntime ${ORT_RELEASE}, API ${ORT_API_VERSION}): install the onnxruntime-node version in package.json.`,
      );
    }
    if (version !== ORT_RELEASE && apiVersion === ORT_API_VERSION) {
      // A newer onnxruntime still serves API 30 (the table only grows), so this works; say so once.
      console.warn(`onnxruntime ${version} serves C API ${apiVersion}; the engine was checked against ${ORT_RELEASE}.`);
    }
    const fn = {} as Record<OrtApiFunctionName, KoffiFunction>;
    for (const [name, [index, signature]] of Object.entries(ortApiFunctions) as [OrtApiFunctionName, readonly [number, string]][]) {
      fn[name] = koffi.decode(slot(api, index), prototype(koffi, signature)) as KoffiFunction;
    }
    const ort = new OrtCApi(koffi, fn, libraryPath, version);
    ort.selfTest();
    if (!options.libraryPath && apiVersion === ORT_API_VERSION) OrtCApi.loaded = ort;
    return ort;
  }

  /**
   * Round-trips a status through three table entries: a miscounted table would show here as a wrong
   * code or message instead of as a crash in the middle of a run.
   */
  private selfTest(): void {
    const status = this.fn.CreateStatus(6, 'self-test');
    const code = this.fn.GetErrorCode(status);
    const message = this.fn.GetErrorMessage(status);
    this.fn.ReleaseStatus(status);
    if (code !== 6 || message !== 'self-test') {
      throw new InferenceError(
        'runtime-mismatch',
        `onnxruntime ${this.version}'s C API function table is not laid out as this engine expects (status round trip gave ${String(code)}, ${JSON.stringify(message)}).`,
      );
    }
  }

  /** Throws onnxruntime's message when `status` is a failure; releases it either way. */
  check(status: NativePointer, what: string): void {
    if (!status) return;
    const message = this.fn.GetErrorMessage(status) as string;
    this.fn.ReleaseStatus(status);
    throw new Error(`${what}: ${message}`);
  }

  /** Calls a status-returning function; its last argument is an out-pointer whose value is returned. */
  create(name: OrtApiFunctionName, ...args: unknown[]): NativePointer {
    const out: unknown[] = [null];
    this.check(this.fn[name](...args, out), name);
    return out[0];
  }

  /** The same call on one of koffi's worker threads, so the event loop runs (a stop request arrives) meanwhile. */
  callAsync(name: OrtApiFunctionName, ...args: unknown[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.fn[name].async(...args, (error: unknown, status: NativePointer) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        try {
          this.check(status, name);
          resolve();
        } catch (failure) {
          reject(failure instanceof Error ? failure : new Error(String(failure)));
        }
      });
    });
  }
}
