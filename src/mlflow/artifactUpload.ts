import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Writable } from 'node:stream';
import axios from 'axios';
import { checkSignedUrl, encodePath, fetchSignedUrl, proxyBase, proxyPath, storageRequest, usesSignedUrls } from './artifactRoutes';
import { MlflowError } from './errors';
import { writeFileBody } from './fileBody';
import type { MlflowHttp } from './http';
import type { TransferOptions, TransferResult } from './transfer';

/** Where artifacts are uploaded to: the `artifactUri` a run's or a logged model's info gives. */
export interface ArtifactOwner {
  readonly artifactUri: string;
  /** Needed where the store is reached through signed URLs (Databricks). */
  readonly runId?: string;
}

export interface UploadOptions extends TransferOptions {
  /** Files at least this large go through multipart upload where the server offers it (default 100 MiB). */
  readonly multipartThreshold?: number;
  readonly multipartChunkSize?: number;
}

/**
 * Uploads streamed from disk, through MLflow's artifact proxy (`mlflow server` with artifact
 * serving, the default) or to signed URLs. One per server (ArtifactsApi keeps it), because what
 * the server refused once (multipart) is not asked again.
 */
export class ArtifactUploader {
  /**
   * The server answered 501 to a multipart upload: its one artifact store (`--artifacts-destination`)
   * offers none, so later large files go straight to one PUT without asking again (a request that
   * costs up to ~45 ms on MLflow's server, bench/).
   */
  private multipartRefused = false;

  constructor(private readonly http: MlflowHttp) {}

  /**
   * Uploads a local file or folder under `artifactPath` (default: the run's artifact root), streamed
   * from disk. Returns what was sent.
   */
  async upload(owner: ArtifactOwner, localPath: string, artifactPath = '', options: UploadOptions = {}): Promise<TransferResult> {
    const signed = usesSignedUrls(owner.artifactUri);
    if (signed && !owner.runId)
      throw new MlflowError('unsupported', 'Uploading to signed-URL storage needs the run id', { method: 'PUT', path: owner.artifactUri });
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
      const fileOptions = {
        ...options,
        onProgress: options.onProgress && ((fileDone: number) => options.onProgress!(done + fileDone, total)),
      };
      const inParts = signed
        ? await this.uploadToSignedUrl(owner.runId!, file, destination, sizes[index]!, fileOptions)
        : await this.uploadFile(file, destination, sizes[index]!, fileOptions);
      if (inParts) multipartFiles++;
      done += sizes[index]!;
    }
    return { files: files.length, bytes: done, multipartFiles };
  }

  private async uploadToSignedUrl(runId: string, file: string, artifactPath: string, size: number, options: UploadOptions): Promise<false> {
    const credential = await fetchSignedUrl(this.http, 'write', runId, artifactPath, `Run ${runId}`, options.signal);
    const body = createReadStream(file);
    let sent = 0;
    body.on('data', (chunk) => {
      sent += chunk.length;
      options.onProgress?.(sent, size);
    });
    try {
      const response = await storageRequest(this.http, 'PUT', credential, artifactPath, { body, size, signal: options.signal });
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
        throw new MlflowError('interrupted', `Upload of ${basename(file)} stopped after ${sent} of ${size} bytes: ${readFailure.message}`, {
          method: 'PUT',
          path,
        });
      }
      if (error instanceof MlflowError && error.kind === 'unreachable' && sent > 0) {
        throw new MlflowError(
          'interrupted',
          `Upload of ${basename(file)} stopped after ${sent} of ${size} bytes: ${error.message}`,
          error.call,
        );
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
      created = await this.http.json('POST', `/api/2.0/mlflow-artifacts/mpu/create/${encodePath(folder)}`, {
        body: { path: name, num_parts: numParts },
        signal: options.signal,
      });
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
          throw new MlflowError(
            'http',
            `Upload of part ${credential.part_number} of ${name} was refused by the artifact store (${response.status})`,
            { method: 'PUT', path: destination },
            response.status,
          );
        }
        parts.push({ part_number: credential.part_number, etag: String(response.headers.etag ?? ''), url: credential.url });
      }
      await this.http.json('POST', `/api/2.0/mlflow-artifacts/mpu/complete/${encodePath(folder)}`, {
        body: { path: name, upload_id: created.upload_id, parts },
        signal: options.signal,
      });
      return true;
    } catch (error) {
      await this.http
        .json('POST', `/api/2.0/mlflow-artifacts/mpu/abort/${encodePath(folder)}`, { body: { path: name, upload_id: created.upload_id } })
        .catch(() => undefined);
      throw error;
    }
  }
}

/** Every file below a folder, sorted by name at each level, so a folder goes up in the same order each time. */
async function filesUnder(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await fs.readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}
