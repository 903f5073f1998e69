import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { fetchSignedUrl, proxyRoute, storageRequest, usesSignedUrls } from './artifactRoutes';
import { type ArtifactOwner, ArtifactUploader, type UploadOptions } from './artifactUpload';
import { type ExistingFileCallback, type LeftAlone, planDownload } from './downloadPlan';
import type { FileInfo, Page } from './entities';
import { MlflowError } from './errors';
import type { MlflowHttp } from './http';
import { allItems } from './paging';
import { resolveInside } from './safePath';
import { DownloadBuffers } from './getIntoFile';
import { writeAt } from './streamToFile';
import type { TransferOptions, TransferResult } from './transfer';
import { toFileInfo, type WireFileInfo } from './wire';
import { errorMessage } from '../errorMessage';

export interface DownloadFileOptions extends TransferOptions {
  /**
   * `target` is `path` inside the folder `root`: its folders are checked again (resolveInside) just
   * before the file is renamed into place, so a symbolic link that appeared meanwhile is refused.
   */
  readonly inside?: { readonly root: string; readonly path: string };
}

export interface DownloadOptions extends TransferOptions {
  /** Without it an existing file is never replaced: it is skipped, and listed in `skipped`. */
  readonly onExisting?: ExistingFileCallback;
}

export interface DownloadResult extends TransferResult, LeftAlone {}

/**
 * Whose artifacts: a run's, or (MLflow 3) a logged model's, which live apart from any run. With the
 * owner's `artifactUri` (from runs/get or logged-models/get), files behind the artifact proxy are
 * downloaded through it, which MLflow serves several times faster than its generic route.
 */
export type ArtifactSource =
  | { readonly kind: 'run'; readonly runId: string; readonly artifactUri?: string }
  | { readonly kind: 'loggedModel'; readonly modelId: string; readonly artifactUri?: string };

export const runArtifacts = (runId: string, artifactUri?: string): ArtifactSource => ({ kind: 'run', runId, artifactUri });
export const loggedModelArtifacts = (modelId: string, artifactUri?: string): ArtifactSource => ({
  kind: 'loggedModel',
  modelId,
  artifactUri,
});

const describeSource = (source: ArtifactSource) => (source.kind === 'run' ? `run ${source.runId}` : `logged model ${source.modelId}`);

/** The status and headers of an answer whose body is (part of) the file. */
interface FileHead {
  readonly status: number;
  readonly headers: Readonly<Record<string, unknown>>;
  /** getIntoFile only: a 2xx answer without Content-Length, left to node:http. */
  readonly unframed?: boolean;
}
type HeadCallback = (status: number, headers: Readonly<Record<string, unknown>>) => void;

/** One GET of the file, a byte range or all of it, settled once its body is written at its offset. */
interface FilePiece extends FileHead {
  readonly written: number;
  /** Why the body stopped short (getIntoFile; node:http throws instead). */
  readonly failure?: Error;
}

/** A download's answer, from the tracking server (node:http) or a signed URL's storage (axios). */
interface FileAnswer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly data: Readable;
}

/** Progress is reported once this many more bytes moved: not for each 64 KiB socket read. */
const progressStep = 1024 * 1024;
const rangeSize = 32 * 1024 * 1024;
const parallelRanges = 4;

/**
 * Artifacts of runs and logged models: listing through the tracking API, downloads streamed to
 * disk; uploads (ArtifactUploader) streamed from disk through MLflow's artifact proxy (`mlflow
 * server` with artifact serving, the default).
 */
export class ArtifactsApi {
  /** Kept for the client's life: it remembers a server that refused multipart uploads. */
  private readonly uploader: ArtifactUploader;

  constructor(private readonly http: MlflowHttp) {
    this.uploader = new ArtifactUploader(http);
  }

  async listPage(source: ArtifactSource, path?: string, pageToken?: string, signal?: AbortSignal): Promise<Page<FileInfo>> {
    const [route, params] =
      source.kind === 'run'
        ? ['/api/2.0/mlflow/artifacts/list', { run_id: source.runId, path: path || undefined, page_token: pageToken }]
        : [
            `/api/2.0/mlflow/logged-models/${encodeURIComponent(source.modelId)}/artifacts/directories`,
            { artifact_directory_path: path || undefined, page_token: pageToken },
          ];
    const answer = await this.http.json<{ files?: WireFileInfo[]; next_page_token?: string }>('GET', route, {
      params,
      subject: source.kind === 'run' ? `Run ${source.runId}` : `Logged model ${source.modelId}`,
      signal,
    });
    return { items: (answer.files ?? []).map(toFileInfo), nextPageToken: answer.next_page_token || undefined };
  }

  /** The entries of one folder (empty for a file or a missing path). */
  list(source: ArtifactSource, path?: string, signal?: AbortSignal): AsyncGenerator<FileInfo> {
    return allItems((token) => this.listPage(source, path, token, signal));
  }

  /**
   * Every file below a folder, depth first, listing one folder at a time. Folders nested deeper
   * than maxArtifactDepth are refused with a message: a server answering each folder with another
   * would otherwise be walked without end.
   */
  async *listFiles(source: ArtifactSource, path?: string, signal?: AbortSignal, depth = 0): AsyncGenerator<FileInfo> {
    for await (const entry of this.list(source, path, signal)) {
      if (!entry.isDir) yield entry;
      else if (depth + 1 >= maxArtifactDepth) {
        throw new MlflowError(
          'malformed',
          `The artifacts go deeper than ${maxArtifactDepth} folders (at ${entry.path.slice(0, 200)}…): not listed further`,
          { method: 'GET', path: '/api/2.0/mlflow/artifacts/list' },
        );
      } else yield* this.listFiles(source, entry.path, signal, depth + 1);
    }
  }

  /**
   * Downloads a file or a whole folder into `destination`, keeping paths relative to `artifactPath`'s
   * parent (a folder `model` lands as `destination/model/...`). Each file streams to a temporary name
   * and is renamed only once complete, so an interrupted download never leaves a file that looks whole.
   */
  async download(
    source: ArtifactSource,
    artifactPath: string,
    destination: string,
    options: DownloadOptions = {},
  ): Promise<DownloadResult> {
    const parent = artifactPath.includes('/') ? artifactPath.slice(0, artifactPath.lastIndexOf('/')) : '';
    const listed: FileInfo[] = [];
    for await (const file of this.listFiles(source, artifactPath, options.signal)) listed.push(file);
    if (listed.length === 0) listed.push({ path: artifactPath, isDir: false }); // a single file (or nothing: the GET says)
    const relativePaths = listed.map((entry) => (parent ? entry.path.slice(parent.length + 1) : entry.path));
    // Check every path, and ask about every existing file, before writing anything.
    const plan = await planDownload(destination, relativePaths, options.onExisting);
    const entries = listed.filter((_, index) => plan.targets[index] !== undefined);
    const targets = plan.targets.filter((target): target is string => target !== undefined);
    const inside = relativePaths.filter((_, index) => plan.targets[index] !== undefined);
    const total = entries.every((e) => e.fileSize !== undefined) ? entries.reduce((sum, e) => sum + (e.fileSize ?? 0), 0) : undefined;
    let done = 0;
    for (const [index, entry] of entries.entries()) {
      try {
        // Checked again as each file starts, and before it is put in place (downloadFile): a
        // symbolic link may have appeared on its way since the plan (while a question was open).
        resolveInside(destination, inside[index]!);
        done += await this.downloadFile(source, entry.path, targets[index]!, {
          signal: options.signal,
          inside: { root: destination, path: inside[index]! },
          // A single file's size comes with its answer when the listing had none to give.
          onProgress:
            options.onProgress &&
            ((fileDone, fileTotal) => options.onProgress!(done + fileDone, total ?? (entries.length === 1 ? fileTotal : undefined))),
        });
      } catch (error) {
        // Files finished before a cancel or a failure are whole and stay; say so, rather than "nothing kept".
        if (error instanceof MlflowError && entries.length > 1) {
          if (error.kind === 'cancelled') {
            const kept =
              index === 0 ? 'no file was complete' : `the ${index} complete file${index === 1 ? ' was' : 's were'} kept in ${destination}`;
            throw new MlflowError(
              'cancelled',
              `Cancelled after ${index} of ${entries.length} files: ${kept}, and no partial file`,
              error.call,
            );
          }
          const kept =
            index === 0
              ? `none of the ${entries.length} files was complete`
              : `the ${index} complete file${index === 1 ? '' : 's'} of ${entries.length} ${index === 1 ? 'was' : 'were'} kept in ${destination}`;
          throw new MlflowError(
            error.kind,
            `${error.message}; ${kept}, and no partial file`,
            error.call,
            error.status,
            error.errorCode,
            error.serverMessage,
          );
        }
        throw error;
      }
    }
    return { files: entries.length, bytes: done, skipped: plan.skipped, refused: plan.refused };
  }

  /**
   * Streams one artifact file to `target` (a path already checked to be safe). Returns its size.
   * Through the artifact proxy, which serves byte ranges, a large file comes in 32 MiB ranges four
   * at a time, each written at its offset: one stream from MLflow's server is slower than a client
   * can take it, and several spread over its workers (see bench/; MLflow's Python client makes a
   * single GET there, the benchmark's reference). Each range writes through a file descriptor of
   * its own (getIntoFile.ts on plain http, streamToFile.ts otherwise), closed once its last write has
   * settled: a range that fails must not close a descriptor the other ranges still write to. On
   * plain http the ranges are read through fixed buffers, one set per parallel lane: on 1 GiB that
   * took the client's RSS growth from 46–81 MiB to 11 MiB and its CPU from 1.7–2.0 s to 0.5–0.8 s.
   */
  async downloadFile(source: ArtifactSource, artifactPath: string, target: string, options: DownloadFileOptions = {}): Promise<number> {
    const call = { method: 'GET', path: artifactPath, subject: `Artifact ${artifactPath} of ${describeSource(source)}` };
    await fs.mkdir(dirname(target), { recursive: true });
    const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
    await fs.writeFile(partial, '');
    // The ranges still running when one fails are stopped before the partial file is removed.
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    let received = 0;
    let reported = 0;
    let total: number | undefined;
    let firstRange: Promise<FilePiece> | undefined;
    const count = (bytes: number) => {
      received += bytes;
      if (options.onProgress && received - reported >= progressStep) {
        reported = received;
        options.onProgress(received, total);
      }
    };
    try {
      // Through the artifact proxy the file comes in ranges; MLflow's other routes send it whole.
      const proxied = proxyRoute(source.artifactUri, artifactPath);
      // On plain http the proxy's ranges are read through fixed buffers straight into the file
      // (getIntoFile.ts), one set per parallel lane, made when the lane first runs.
      const direct = this.http.readsIntoFiles ? proxied : undefined;
      const lanes: DownloadBuffers[] = [];
      // Everything else through node:http: TLS, signed URLs, MLflow's generic routes, an answer getIntoFile leaves alone.
      const throughNodeHttp = async (range: [number, number] | undefined, onHead?: HeadCallback): Promise<FilePiece> => {
        const answer = await this.openFile(source, artifactPath, call.subject, signal, range);
        if (range && range[0] > 0 && answer.status !== 206) {
          answer.data.resume();
          return { status: answer.status, headers: answer.headers, written: 0 };
        }
        onHead?.(answer.status, answer.headers);
        return { status: answer.status, headers: answer.headers, written: await writeAt(partial, answer.data, range?.[0] ?? 0, count) };
      };
      const piece = (lane: number, range: [number, number] | undefined, onHead?: HeadCallback): Promise<FilePiece> =>
        direct && range
          ? this.http.getIntoFile(
              direct,
              { path: partial, position: range[0], buffers: (lanes[lane] ??= new DownloadBuffers()), onBytes: count, onHead },
              { subject: call.subject, signal, headers: { Range: `bytes=${range[0]}-${range[1]}` } },
            )
          : throughNodeHttp(range, onHead);
      const complete = (answer: FilePiece, length: number) => {
        if (answer.failure || answer.written !== length) {
          const why = answer.failure ? describe(answer.failure) : 'the connection dropped';
          throw new MlflowError(
            'interrupted',
            `Download of ${artifactPath} stopped at ${received} of ${total ?? length} bytes: ${why}`,
            call,
          );
        }
      };
      // The first piece says the size (or that the server sends the file whole); the other ranges
      // start as soon as its head is in, while its body still comes.
      const startFirst = (range: [number, number] | undefined) => {
        let headOf!: HeadCallback;
        const headArrived = new Promise<FileHead>((resolveHead) => (headOf = (status, headers) => resolveHead({ status, headers })));
        firstRange = piece(0, range, headOf);
        firstRange.catch(() => undefined);
        return Promise.race<FileHead>([headArrived, firstRange]);
      };
      let firstHead = await startFirst(proxied ? [0, rangeSize - 1] : undefined).catch((error: unknown) => {
        // An empty file has no byte 0: the server answers 416; ask for it whole, below.
        if (error instanceof MlflowError && error.status === 416) return undefined;
        throw error;
      });
      if (!firstHead || firstHead.unframed) firstHead = await startFirst(undefined);
      const first = firstRange!;
      if (firstHead.status === 206) {
        total = Number(/\/(\d+)\s*$/.exec(String(firstHead.headers['content-range']))?.[1]);
        if (!Number.isFinite(total)) {
          throw new MlflowError(
            'malformed',
            `The server gave no size for ${artifactPath} (Content-Range: ${String(firstHead.headers['content-range'])})`,
            call,
            206,
          );
        }
        const starts: number[] = [];
        for (let start = 0; start < total; start += rangeSize) starts.push(start);
        await inParallel(starts, parallelRanges, stop, async (start, lane) => {
          const end = Math.min(start + rangeSize, total!) - 1;
          // The first range is the first item, taken by the first lane, whose buffers it uses.
          const part = start === 0 ? await first : await piece(lane, [start, end]);
          if (part.status !== 206)
            throw new MlflowError('malformed', `The server ignored the byte range of ${artifactPath} it offered`, call, part.status);
          complete(part, end - start + 1);
        });
      } else {
        const length = Number(firstHead.headers['content-length']);
        total = Number.isFinite(length) ? length : undefined;
        const whole = await first;
        if (total !== undefined) complete(whole, total);
      }
      if (total !== undefined && received !== total) {
        throw new MlflowError(
          'interrupted',
          `Download of ${artifactPath} stopped at ${received} of ${total} bytes: the connection dropped`,
          call,
        );
      }
      // The folders on the way are checked once more just before the file takes its name.
      if (options.inside) resolveInside(options.inside.root, options.inside.path);
      await fs.rename(partial, target);
      if (reported !== received || received === 0) options.onProgress?.(received, total);
      return received;
    } catch (error) {
      // Nothing may still write into the partial file when it goes.
      stop.abort();
      await firstRange?.catch(() => undefined);
      await fs.rm(partial, { force: true });
      if (options.signal?.aborted) throw new MlflowError('cancelled', `Cancelled: download of ${artifactPath}`, call);
      if (error instanceof MlflowError && !(received > 0 && (error.kind === 'unreachable' || error.kind === 'timeout'))) throw error;
      const why = error instanceof MlflowError ? error.message : describe(error);
      throw new MlflowError(
        'interrupted',
        `Download of ${artifactPath} stopped at ${received}${total !== undefined ? ` of ${total}` : ''} bytes: ${why}`,
        call,
      );
    }
  }

  /** The answer whose body is the file: from the artifact proxy, MLflow's generic routes, or a signed URL. */
  private async openFile(
    source: ArtifactSource,
    artifactPath: string,
    subject: string,
    signal?: AbortSignal,
    range?: [number, number],
  ): Promise<FileAnswer> {
    if (source.kind === 'run' && usesSignedUrls(source.artifactUri)) {
      const credential = await fetchSignedUrl(this.http, 'read', source.runId, artifactPath, subject, signal);
      return storageRequest(this.http, 'GET', credential, artifactPath, { signal });
    }
    const proxied = proxyRoute(source.artifactUri, artifactPath);
    // Measured on MLflow 3.17: 256 MiB in 1.3 s through the proxy route, 11.6 s through /get-artifact.
    const [route, params]: [string, Record<string, string> | undefined] =
      proxied !== undefined
        ? [proxied, undefined]
        : source.kind === 'run'
          ? ['/get-artifact', { run_id: source.runId, path: artifactPath }]
          : [
              `/ajax-api/2.0/mlflow/logged-models/${encodeURIComponent(source.modelId)}/artifacts/files`,
              { artifact_file_path: artifactPath },
            ];
    return this.http.getStream(route, { params, subject, signal, headers: range ? { Range: `bytes=${range[0]}-${range[1]}` } : undefined });
  }

  /**
   * Uploads a local file or folder under `artifactPath` (default: the run's artifact root), streamed
   * from disk. Returns what was sent.
   */
  upload(owner: ArtifactOwner, localPath: string, artifactPath = '', options: UploadOptions = {}): Promise<TransferResult> {
    return this.uploader.upload(owner, localPath, artifactPath, options);
  }
}

/** Deeper than any model folder (a genai folder is 2 levels, an MLflow model 3–5). */
export const maxArtifactDepth = 64;

/**
 * Runs `work` over the items, at most `limit` at a time (`worker`: which of the `limit` runs it). On the first failure `stop` is aborted
 * (the work in flight takes it as its signal) and, once every worker has settled, that failure is
 * thrown: nothing still writes when the caller cleans up.
 */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  stop: AbortController,
  work: (item: T, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async (_, worker) => {
      while (!failure && next < items.length) {
        try {
          await work(items[next++]!, worker);
        } catch (error) {
          failure ??= { error };
          stop.abort();
        }
      }
    }),
  );
  if (failure) throw failure.error;
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED') return 'the connection dropped';
  return errorMessage(error);
}
