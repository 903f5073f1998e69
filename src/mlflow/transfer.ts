/** What an artifact transfer, a download or an upload, takes and reports. */

/** Bytes done, and the total when known: called as data moves, about once a MiB (and at the end of each file). */
export type ProgressCallback = (done: number, total: number | undefined) => void;

export interface TransferOptions {
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
}

export interface TransferResult {
  readonly files: number;
  readonly bytes: number;
  /** Uploads only: how many files went up in parts (multipart), the rest as one PUT each. */
  readonly multipartFiles?: number;
}
