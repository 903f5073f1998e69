import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import axios, { type AxiosResponse } from 'axios';
import type { FileInfo, Page } from './entities';
import { type FailedCall, MlflowError } from './errors';
import type { MlflowHttp } from './http';
import { allItems } from './paging';
import { refusedArtifactPath, resolveInside } from './safePath';
import { writeFileBody } from './fileBody';
import { DownloadBuffers } from './getIntoFile';
import { writeAt } from './streamToFile';
import { toFileInfo, type WireFileInfo } from './wire';
import { errorMessage } from '../errorMessage';

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

export interface DownloadFileOptions extends TransferOptions {
  /**
   * `target` is `path` inside the folder `root`: its folders are checked again (resolveInside) just
   * before the file is renamed into place, so a symbolic link that appeared meanwhile is refused.
   */
  readonly inside?: { readonly root: string; readonly path: string };
}

/** What to do with a file the download would replace. */
export type ExistingFileAnswer = 'overwrite' | 'skip' | 'cancel';
/**
 * Asked for each file that already exists at its target, before anything is written (the editor
 * shows the question; this module never does). `relativePath` is the path inside the destination.
 */
export type ExistingFileCallback = (relativePath: string, target: string) => Promise<ExistingFileAnswer> | ExistingFileAnswer;

export interface DownloadOptions extends TransferOptions {
  /** Without it an existing file is never replaced: it is skipped, and listed in `skipped`. */
  readonly onExisting?: ExistingFileCallback;
}

export interface DownloadResult extends TransferResult {
  /** Paths inside the destination left as they were: they existed and were not to be overwritten. */
  readonly skipped: readonly string[];
  /** Paths inside the destination never written, each with why (a `.git` or `.vscode` folder). */
  readonly refused: ReadonlyArray<{ readonly path: string; readonly why: string }>;
}

/** Which files a download writes where: decided, and every question asked, before anything is written. */
export interface DownloadPlan {
  /** The target of each file, or undefined for one skipped or refused. */
  readonly targets: ReadonlyArray<string | undefined>;
  readonly skipped: readonly string[];
  readonly refused: ReadonlyArray<{ readonly path: string; readonly why: string }>;
}

/** What was left alone, for the message after a download: "skipped 2 existing (a, b); refused .git/x (why)". */
export function describeLeftAlone(result: Pick<DownloadResult, 'skipped' | 'refused'>): string {
  const list = (paths: readonly string[]) => (paths.length > 5 ? `${paths.slice(0, 5).join(', ')} and ${paths.length - 5} more` : paths.join(', '));
  const parts: string[] = [];
  if (result.skipped.length) parts.push(`skipped ${result.skipped.length} existing file${result.skipped.length === 1 ? '' : 's'} (${list(result.skipped)})`);
  if (result.refused.length) parts.push(`refused ${result.refused.length} (${list(result.refused.map((r) => r.path))}: ${result.refused[0]!.why})`);
  return parts.join('; ');
}

/**
 * Checks every path of a download into `destination` (relative to it): outside it or through a link
 * is an 'unsafe-path' error for the whole download; a `.git` or `.vscode` folder is refused for that
 * file; an existing file goes to `onExisting` (none: skipped). A 'cancel' answer is a 'cancelled'
 * error, with nothing written.
 */
export async function planDownload(destination: string, relativePaths: readonly string[], onExisting?: ExistingFileCallback): Promise<DownloadPlan> {
  const resolved = relativePaths.map((path) => resolveInside(destination, path));
  const targets: Array<string | undefined> = [];
  const skipped: string[] = [];
  const refused: Array<{ path: string; why: string }> = [];
  for (const [index, path] of relativePaths.entries()) {
    const target = resolved[index]!;
    const why = refusedArtifactPath(path);
    if (why) {
      refused.push({ path, why });
      targets.push(undefined);
      continue;
    }
    const existing = await fs.lstat(target).catch(() => undefined);
    if (existing) {
      const answer = onExisting ? await onExisting(path, target) : 'skip';
      if (answer === 'cancel') throw new MlflowError('cancelled', `Cancelled: download into ${destination} (${path} exists); nothing was written`, { method: 'GET', path });
      if (answer === 'skip') {
        skipped.push(path);
        targets.push(undefined);
        continue;
      }
    }
    targets.push(target);
  }
  return { targets, skipped, refused };
}

/**
 * Whose artifacts: a run's, or (MLflow 3) a logged model's, which live apart from any run. With the
 * owner's `artifactUri` (from runs/get or logged-models/get), files behind the artifact proxy are
 * downloaded through it, which MLflow serves several times faster than its generic route.
 */
export type ArtifactSource =
  | { readonly kind: 'run'; readonly runId: string; readonly artifactUri?: string }
  | { readonly kind: 'loggedModel'; readonly modelId: string; readonly artifactUri?: string };

export const runArtifacts = (runId: string, artifactUri?: string): ArtifactSource => ({ kind: 'run', runId, artifactUri });
export const loggedModelArtifacts = (modelId: string, artifactUri?: string): ArtifactSource => ({ kind: 'loggedModel', modelId, artifactUri });

const describeSource = (source: ArtifactSource) => (source.kind === 'run' ? `run ${source.runId}` : `logged model ${source.modelId}`);

/** Where artifacts are uploaded to: the `artifactUri` a run's or a logged model's info gives. */
export interface ArtifactOwner {
  readonly artifactUri: string;
  /** Needed where the store is reached through signed URLs (Databricks). */
  readonly runId?: string;
}

/**
 * Databricks keeps run artifacts where only signed URLs reach: the tracking server hands them out
 * (`artifacts/credentials-for-read|write`) and the client talks to the storage directly.
 */
export const usesSignedUrls = (artifactUri: string | undefined): boolean => artifactUri?.startsWith('dbfs:/databricks/mlflow-tracking/') ?? false;

interface WireCredential {
  signed_uri: string;
  type?: string;
  headers?: Array<{ name: string; value: string }>;
}

export interface UploadOptions extends TransferOptions {
  /** Files at least this large go through multipart upload where the server offers it (default 100 MiB). */
  readonly multipartThreshold?: number;
  readonly multipartChunkSize?: number;
}

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

const proxyBase = '/api/2.0/mlflow-artifacts/artifacts';
/** Progress is reported once this many more bytes moved: not for each 64 KiB socket read. */
const progressStep = 1024 * 1024;
const rangeSize = 32 * 1024 * 1024;
const parallelRanges = 4;

/**
 * Artifacts of runs and logged models: listing through the tracking API, downloads streamed to
 * disk, uploads streamed from disk through MLflow's artifact proxy (`mlflow server` with artifact
 * serving, the default).
 */
export class ArtifactsApi {
  /**
   * The server answered 501 to a multipart upload: its one artifact store (`--artifacts-destination`)
   * offers none, so later large files go straight to one PUT without asking again (a request that
   * costs up to ~45 ms on MLflow's server, bench/).
   */
  private multipartRefused = false;

  constructor(private readonly http: MlflowHttp) {}

  async listPage(source: ArtifactSource, path?: string, pageToken?: string, signal?: AbortSignal): Promise<Page<FileInfo>> {
    const [route, params] =
      source.kind === 'run'
        ? ['/api/2.0/mlflow/artifacts/list', { run_id: source.runId, path: path || undefined, page_token: pageToken }]
        : [`/api/2.0/mlflow/logged-models/${encodeURIComponent(source.modelId)}/artifacts/directories`, { artifact_directory_path: path || undefined, page_token: pageToken }];
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
        throw new MlflowError('malformed', `The artifacts go deeper than ${maxArtifactDepth} folders (at ${entry.path.slice(0, 200)}…): not listed further`, { method: 'GET', path: '/api/2.0/mlflow/artifacts/list' });
      } else yield* this.listFiles(source, entry.path, signal, depth + 1);
    }
  }

  /**
   * Downloads a file or a whole folder into `destination`, keeping paths relative to `artifactPath`'s
   * parent (a folder `model` lands as `destination/model/...`). Each file streams to a temporary name
   * and is renamed only once complete, so an interrupted download never leaves a file that looks whole.
   */
  async download(source: ArtifactSource, artifactPath: string, destination: string, options: DownloadOptions = {}): Promise<DownloadResult> {
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
          onProgress: options.onProgress && ((fileDone, fileTotal) => options.onProgress!(done + fileDone, total ?? (entries.length === 1 ? fileTotal : undefined))),
        });
      } catch (error) {
        // Files finished before a cancel or a failure are whole and stay; say so, rather than "nothing kept".
        if (error instanceof MlflowError && entries.length > 1) {
          if (error.kind === 'cancelled') {
            const kept = index === 0 ? 'no file was complete' : `the ${index} complete file${index === 1 ? ' was' : 's were'} kept in ${destination}`;
            throw new MlflowError('cancelled', `Cancelled after ${index} of ${entries.length} files: ${kept}, and no partial file`, error.call);
          }
          const kept = index === 0 ? `none of the ${entries.length} files was complete` : `the ${index} complete file${index === 1 ? '' : 's'} of ${entries.length} ${index === 1 ? 'was' : 'were'} kept in ${destination}`;
          throw new MlflowError(error.kind, `${error.message}; ${kept}, and no partial file`, error.call, error.status, error.errorCode, error.serverMessage);
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
      const proxied = proxyRoute(source, artifactPath);
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
          ? this.http.getIntoFile(direct, { path: partial, position: range[0], buffers: (lanes[lane] ??= new DownloadBuffers()), onBytes: count, onHead }, { subject: call.subject, signal, headers: { Range: `bytes=${range[0]}-${range[1]}` } })
          : throughNodeHttp(range, onHead);
      const complete = (answer: FilePiece, length: number) => {
        if (answer.failure || answer.written !== length) {
          const why = answer.failure ? describe(answer.failure) : 'the connection dropped';
          throw new MlflowError('interrupted', `Download of ${artifactPath} stopped at ${received} of ${total ?? length} bytes: ${why}`, call);
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
          throw new MlflowError('malformed', `The server gave no size for ${artifactPath} (Content-Range: ${String(firstHead.headers['content-range'])})`, call, 206);
        }
        const starts: number[] = [];
        for (let start = 0; start < total; start += rangeSize) starts.push(start);
        await inParallel(starts, parallelRanges, stop, async (start, lane) => {
          const end = Math.min(start + rangeSize, total!) - 1;
          // The first range is the first item, taken by the first lane, whose buffers it uses.
          const part = start === 0 ? await first : await piece(lane, [start, end]);
          if (part.status !== 206) throw new MlflowError('malformed', `The server ignored the byte range of ${artifactPath} it offered`, call, part.status);
          complete(part, end - start + 1);
        });
      } else {
        const length = Number(firstHead.headers['content-length']);
        total = Number.isFinite(length) ? length : undefined;
        const whole = await first;
        if (total !== undefined) complete(whole, total);
      }
      if (total !== undefined && received !== total) {
        throw new MlflowError('interrupted', `Download of ${artifactPath} stopped at ${received} of ${total} bytes: the connection dropped`, call);
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
      throw new MlflowError('interrupted', `Download of ${artifactPath} stopped at ${received}${total !== undefined ? ` of ${total}` : ''} bytes: ${why}`, call);
    }
  }

  /** The answer whose body is the file: from the artifact proxy, MLflow's generic routes, or a signed URL. */
  private async openFile(source: ArtifactSource, artifactPath: string, subject: string, signal?: AbortSignal, range?: [number, number]): Promise<FileAnswer> {
    if (source.kind === 'run' && usesSignedUrls(source.artifactUri)) {
      const credential = await this.signedUrl('read', source.runId, artifactPath, subject, signal);
      return this.storageRequest('GET', credential, artifactPath, { signal });
    }
    const proxied = proxyRoute(source, artifactPath);
    // Measured on MLflow 3.17: 256 MiB in 1.3 s through the proxy route, 11.6 s through /get-artifact.
    const [route, params]: [string, Record<string, string> | undefined] =
      proxied !== undefined
        ? [proxied, undefined]
        : source.kind === 'run'
          ? ['/get-artifact', { run_id: source.runId, path: artifactPath }]
          : [`/ajax-api/2.0/mlflow/logged-models/${encodeURIComponent(source.modelId)}/artifacts/files`, { artifact_file_path: artifactPath }];
    return this.http.getStream(route, { params, subject, signal, headers: range ? { Range: `bytes=${range[0]}-${range[1]}` } : undefined });
  }

  private async signedUrl(direction: 'read' | 'write', runId: string, path: string, subject: string, signal?: AbortSignal): Promise<WireCredential> {
    const answer = await this.http.json<{ credential_infos?: WireCredential[] }>('GET', `/api/2.0/mlflow/artifacts/credentials-for-${direction}`, {
      params: { run_id: runId, path: [path] },
      subject,
      signal,
    });
    const credential = answer.credential_infos?.[0];
    const call = { method: 'GET' as const, path: `/api/2.0/mlflow/artifacts/credentials-for-${direction}`, subject };
    if (!credential?.signed_uri) throw new MlflowError('malformed', `The server gave no signed URL to ${direction} ${path}`, call);
    checkSignedUrl(credential.signed_uri, `${direction} ${path}`, call);
    return credential;
  }

  /**
   * A request to the storage itself at a signed URL: a bare request, so the tracking server's
   * Authorization header never reaches the storage; the signature is in the URL and its headers.
   */
  private async storageRequest(method: 'GET' | 'PUT', credential: WireCredential, artifactPath: string, options: { body?: Readable; size?: number; signal?: AbortSignal }): Promise<AxiosResponse<Readable>> {
    const headers: Record<string, string> = {};
    for (const { name, value } of credential.headers ?? []) headers[name] = value;
    if (method === 'PUT') {
      headers['Content-Type'] ??= 'application/octet-stream';
      headers['Content-Length'] = String(options.size ?? 0);
      // Azure takes a single-shot upload only when told it is a block blob.
      if (credential.type === 'AZURE_SAS_URI' || credential.type === 'AZURE_ADLS_GEN2_SAS_URI') headers['x-ms-blob-type'] ??= 'BlockBlob';
    }
    const call = { method, path: artifactPath, subject: `Artifact ${artifactPath} at its signed URL` };
    let response: AxiosResponse<Readable>;
    try {
      response = await axios.request<Readable>({
        method,
        url: credential.signed_uri,
        data: options.body,
        headers,
        responseType: 'stream',
        maxRedirects: 0,
        maxBodyLength: Infinity,
        validateStatus: () => true,
        signal: options.signal,
        // A silent storage gives up like a silent tracking server (phi3Mlflow.requestTimeoutSeconds).
        timeout: this.http.requestTimeoutMs,
      });
    } catch (error) {
      throw this.http.describeFailure(call, error);
    }
    if (response.status >= 300) {
      response.data.resume();
      const host = new URL(credential.signed_uri).host;
      throw new MlflowError('http', `The artifact store (${host}) refused ${method} of ${artifactPath} (${response.status})`, call, response.status);
    }
    return response;
  }

  /**
   * Uploads a local file or folder under `artifactPath` (default: the run's artifact root), streamed
   * from disk. Returns what was sent.
   */
  async upload(owner: ArtifactOwner, localPath: string, artifactPath = '', options: UploadOptions = {}): Promise<TransferResult> {
    const signed = usesSignedUrls(owner.artifactUri);
    if (signed && !owner.runId) throw new MlflowError('unsupported', 'Uploading to signed-URL storage needs the run id', { method: 'PUT', path: owner.artifactUri });
    const root = signed ? '' : proxyPath(owner.artifactUri);
    const stat = await fs.stat(localPath);
    const files = stat.isDirectory() ? await filesUnder(localPath) : [localPath];
    const base = stat.isDirectory() ? localPath : dirname(localPath);
    const sizes = await Promise.all(files.map(async (f) => (await fs.stat(f)).size));
    const total = sizes.reduce((a, b) => a + b, 0);
    let done = 0;
    let multipartFiles = 0;
    for (const [index, file] of files.entries()) {
      const relativePath = relative(base, file).split(sep).join('/');
      const prefix = stat.isDirectory() ? [artifactPath, basename(localPath)] : [artifactPath];
      const destination = [root, ...prefix, relativePath].filter(Boolean).join('/');
      const fileOptions = { ...options, onProgress: options.onProgress && ((fileDone: number) => options.onProgress!(done + fileDone, total)) };
      const inParts = signed
        ? await this.uploadToSignedUrl(owner.runId!, file, destination, sizes[index]!, fileOptions)
        : await this.uploadFile(file, destination, sizes[index]!, fileOptions);
      if (inParts) multipartFiles++;
      done += sizes[index]!;
    }
    return { files: files.length, bytes: done, multipartFiles };
  }

  private async uploadToSignedUrl(runId: string, file: string, artifactPath: string, size: number, options: UploadOptions): Promise<false> {
    const credential = await this.signedUrl('write', runId, artifactPath, `Run ${runId}`, options.signal);
    const body = createReadStream(file);
    let sent = 0;
    body.on('data', (chunk) => {
      sent += chunk.length;
      options.onProgress?.(sent, size);
    });
    try {
      const response = await this.storageRequest('PUT', credential, artifactPath, { body, size, signal: options.signal });
      response.data.resume();
    } finally {
      body.destroy();
    }
    return false;
  }

  /** Returns true when the file went up in parts. */
  private async uploadFile(file: string, destination: string, size: number, options: UploadOptions): Promise<boolean> {
    if (size >= (options.multipartThreshold ?? 100 * 1024 * 1024) && !this.multipartRefused) {
      if (await this.multipartUpload(file, destination, size, options)) return true;
    }
    const path = `${proxyBase}/${encodePath(destination)}`;
    let sent = 0;
    const onBytes = (bytes: number) => {
      sent = bytes;
      options.onProgress?.(bytes, size);
    };
    // Reading the file can fail too (it went away or changed): that, not "cannot reach", is the message.
    let readFailure: Error | undefined;
    const body = (request: Writable) =>
      writeFileBody(file, request, { length: size, onBytes }).catch((error: Error & { code?: string }) => {
        if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') readFailure = error;
        throw error;
      });
    try {
      // node:http(s) directly, as downloads: see MlflowHttp.raw. No time limit: the server reads
      // the whole body before it answers.
      const response = await this.http.putStream(path, body, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
        signal: options.signal,
        idempotent: false,
        timeoutMs: 0,
      });
      response.data.resume();
    } catch (error) {
      if (readFailure && !(error instanceof MlflowError && error.kind === 'cancelled')) {
        throw new MlflowError('interrupted', `Upload of ${basename(file)} stopped after ${sent} of ${size} bytes: ${readFailure.message}`, { method: 'PUT', path });
      }
      if (error instanceof MlflowError && error.kind === 'unreachable' && sent > 0) {
        throw new MlflowError('interrupted', `Upload of ${basename(file)} stopped after ${sent} of ${size} bytes: ${error.message}`, error.call);
      }
      throw error;
    }
    return false;
  }

  /**
   * MLflow's multipart upload (2.9+): create, PUT each part to the URL the server hands out, complete.
   * Returns false when the server's artifact store does not offer it (501), so the caller sends one PUT.
   */
  private async multipartUpload(file: string, destination: string, size: number, options: UploadOptions): Promise<boolean> {
    const chunkSize = options.multipartChunkSize ?? 100 * 1024 * 1024;
    const numParts = Math.ceil(size / chunkSize);
    const folder = destination.includes('/') ? destination.slice(0, destination.lastIndexOf('/')) : '';
    const name = destination.slice(folder.length ? folder.length + 1 : 0);
    let created: { upload_id?: string; credentials?: Array<{ part_number: number; url: string; headers?: Record<string, string> }> };
    try {
      created = await this.http.json('POST', `/api/2.0/mlflow-artifacts/mpu/create/${encodePath(folder)}`, { body: { path: name, num_parts: numParts }, signal: options.signal });
    } catch (error) {
      if (error instanceof MlflowError && (error.status === 501 || error.errorCode === 'NOT_IMPLEMENTED')) {
        this.multipartRefused = true;
        return false;
      }
      throw error;
    }
    const parts: Array<{ part_number: number; etag: string; url: string }> = [];
    try {
      for (const credential of created.credentials ?? []) {
        const start = (credential.part_number - 1) * chunkSize;
        const end = Math.min(start + chunkSize, size);
        const body = createReadStream(file, { start, end: end - 1 });
        let sent = 0;
        body.on('data', (chunk) => {
          sent += chunk.length;
          options.onProgress?.(start + sent, size);
        });
        // The part goes to the storage's signed URL, not to MLflow: a bare request, without the
        // tracking server's Authorization header, with the Content-Length signed URLs require.
        checkSignedUrl(credential.url, `upload part ${credential.part_number} of ${name}`, { method: 'PUT', path: destination });
        const response = await axios.put(credential.url, body, {
          // axios would send a form content type, which S3 servers may try to parse (moto fails with 500).
          headers: { 'Content-Type': 'application/octet-stream', ...credential.headers, 'Content-Length': String(end - start) },
          maxRedirects: 0,
          maxBodyLength: Infinity,
          validateStatus: () => true,
          signal: options.signal,
          timeout: this.http.requestTimeoutMs,
        });
        body.destroy();
        if (response.status >= 300) {
          throw new MlflowError('http', `Upload of part ${credential.part_number} of ${name} was refused by the artifact store (${response.status})`, { method: 'PUT', path: destination }, response.status);
        }
        parts.push({ part_number: credential.part_number, etag: String(response.headers.etag ?? ''), url: credential.url });
      }
      await this.http.json('POST', `/api/2.0/mlflow-artifacts/mpu/complete/${encodePath(folder)}`, { body: { path: name, upload_id: created.upload_id, parts }, signal: options.signal });
      return true;
    } catch (error) {
      await this.http.json('POST', `/api/2.0/mlflow-artifacts/mpu/abort/${encodePath(folder)}`, { body: { path: name, upload_id: created.upload_id } }).catch(() => undefined);
      throw error;
    }
  }
}

/** Deeper than any model folder (a genai folder is 2 levels, an MLflow model 3–5). */
export const maxArtifactDepth = 64;

/**
 * A URL the tracking server handed out for the storage: http(s) only. axios would otherwise follow
 * whatever scheme its adapter takes (`data:` reads as a body), and a hostile server could steer a
 * download or an upload anywhere but the web.
 */
function checkSignedUrl(url: string, what: string, call: FailedCall): void {
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new MlflowError('malformed', `The server gave a signed URL to ${what} that is not a URL: refused`, call);
  }
  if (scheme !== 'http:' && scheme !== 'https:') throw new MlflowError('malformed', `The server gave a ${scheme.slice(0, 20)} URL to ${what}; only http(s) signed URLs are used`, call);
}

/**
 * The proxy path of an `mlflow-artifacts:` URI (`mlflow-artifacts:/1/<run>/artifacts` or with a
 * host, `mlflow-artifacts://host:port/1/<run>/artifacts`). Other stores are not reachable through
 * the tracking server, so uploads there are refused with a message that says so.
 */
export function proxyPath(artifactUri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  if (!match) {
    throw new MlflowError(
      'unsupported',
      `This server keeps artifacts at ${artifactUri.replace(/\/\/[^/@]*@/, '//')}, outside its artifact proxy: uploading needs a server started with artifact serving (mlflow server --artifacts-destination …)`,
      { method: 'PUT', path: artifactUri },
    );
  }
  return match[1]!.replace(/\/+$/, '');
}

/** The artifact proxy's route to a file of `source`, when its artifact URI is `mlflow-artifacts:` (else undefined). */
function proxyRoute(source: ArtifactSource, artifactPath: string): string | undefined {
  if (!source.artifactUri?.startsWith('mlflow-artifacts:')) return undefined;
  return `${proxyBase}/${encodePath([proxyPath(source.artifactUri), artifactPath].filter(Boolean).join('/'))}`;
}

/**
 * Runs `work` over the items, at most `limit` at a time (`worker`: which of the `limit` runs it). On the first failure `stop` is aborted
 * (the work in flight takes it as its signal) and, once every worker has settled, that failure is
 * thrown: nothing still writes when the caller cleans up.
 */
async function inParallel<T>(items: readonly T[], limit: number, stop: AbortController, work: (item: T, worker: number) => Promise<void>): Promise<void> {
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

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

async function filesUnder(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await fs.readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED') return 'the connection dropped';
  return errorMessage(error);
}
