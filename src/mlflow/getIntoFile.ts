import { promises as fs } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { maxErrorBodyBytes } from './errorBody';
import { writeAll } from './streamToFile';

/**
 * Sizes of the buffers a download reads and writes through. The socket reads into one fixed 64 KiB
 * buffer; its bytes are copied into one of two 512 KiB batches, each written at its offset while the
 * other fills (512 KiB writes cost the least CPU: see streamToFile.ts).
 */
const readBytes = 64 * 1024;
const batchBytes = 512 * 1024;
/** An answer's head (status line and headers) larger than this is not one MLflow sends. */
const maxHeadBytes = 64 * 1024;

/**
 * The buffers of one download lane, reused by every request it makes: a 1 GiB download through
 * node:http allocates 16,384 fresh 64 KiB buffers, which V8 frees only once they add up to some
 * 64 MiB, so the RSS grew by 46–81 MiB (bench/), and each is new memory for the kernel to fault in.
 */
export class DownloadBuffers {
  readonly read = Buffer.allocUnsafeSlow(readBytes);
  readonly batches = [Buffer.allocUnsafeSlow(batchBytes), Buffer.allocUnsafeSlow(batchBytes)] as const;
}

export interface GetIntoFileRequest {
  /** An `http:` URL (TLS is left to node:https; see MlflowHttp.getIntoFile). */
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** The file the body is written into, at `position`; it exists and is opened here. */
  readonly path: string;
  readonly position: number;
  readonly buffers: DownloadBuffers;
  /** Called with each piece of the body as it arrives. */
  readonly onBytes: (bytes: number) => void;
  /** Called once the head of a 2xx answer with a Content-Length is in, before its body. */
  readonly onHead?: (status: number, headers: Readonly<Record<string, string>>) => void;
  readonly signal?: AbortSignal;
  /** For the head, then for any silence in the body; 0: none. */
  readonly timeoutMs: number;
}

export interface GetIntoFileAnswer {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** A 2xx body's bytes written into the file. */
  readonly written: number;
  /** A 2xx body's length (Content-Length). */
  readonly expected: number;
  /** Why a 2xx body stopped short (`written < expected`): the connection dropped or went silent. */
  readonly failure?: Error;
  /** Another answer's body, as text: at most its first `maxErrorBodyBytes`. */
  readonly errorBody: string;
  /** The error body had more than `errorBody`: the connection was closed instead of reading it. */
  readonly errorBodyCut?: boolean;
  /** A 2xx answer without Content-Length (chunked): nothing was written; the caller asks again through node:http. */
  readonly unframed?: boolean;
}

/**
 * One HTTP/1.1 GET whose body is written into a file, reading the socket into a fixed buffer
 * (`net.Socket` `onread`) instead of node:http's fresh buffer for every read. `Connection: close`,
 * so the end of the connection ends the answer and no socket is shared.
 *
 * Rejects only before the answer's head is complete (connection refused or reset, no answer in
 * time: safe to ask again) or when `signal` aborts; trouble in the body resolves with `failure`,
 * after every write has settled and the file is closed, so the caller may remove the file at once.
 */
export async function getIntoFile(request: GetIntoFileRequest): Promise<GetIntoFileAnswer> {
  const file = await fs.open(request.path, 'r+');
  try {
    return await new GetIntoFile(request, file).run();
  } finally {
    await file.close();
  }
}

class GetIntoFile {
  private readonly socket: Socket;
  private head: Buffer[] = [];
  private headBytes = 0;
  private answer: { status: number; headers: Record<string, string>; expected: number | undefined } | undefined;
  private errorBody: Buffer[] = [];
  private errorBodyBytes = 0;
  private errorBodyCut = false;
  /** Body bytes received (copied into a batch or written). */
  private received = 0;
  private written = 0;
  private batch = 0;
  private filled = 0;
  private readonly writing: [Promise<void> | undefined, Promise<void> | undefined] = [undefined, undefined];
  private writeFailure: Error | undefined;
  private paused = false;
  private finished = false;
  private settle!: { resolve: (answer: GetIntoFileAnswer) => void; reject: (error: Error) => void };

  constructor(
    private readonly request: GetIntoFileRequest,
    private readonly file: fs.FileHandle,
  ) {
    const { url } = request;
    this.socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      onread: { buffer: request.buffers.read, callback: (bytes: number, buffer: Uint8Array) => this.onRead(buffer as Buffer, bytes) },
    });
  }

  run(): Promise<GetIntoFileAnswer> {
    return new Promise<GetIntoFileAnswer>((resolve, reject) => {
      this.settle = { resolve, reject };
      const { url, headers, signal, timeoutMs } = this.request;
      if (signal?.aborted) return this.end(abortError());
      signal?.addEventListener('abort', this.onAbort, { once: true });
      const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close', 'Accept-Encoding: identity'];
      for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
      this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (timeoutMs > 0) {
        this.socket.setTimeout(timeoutMs, () => {
          const message = this.answer
            ? `the server sent nothing for ${Math.round(timeoutMs / 1000)} s`
            : `no answer within ${timeoutMs} ms`;
          this.end(Object.assign(new Error(message), { code: 'ETIMEDOUT' }));
        });
      }
      this.socket.on('error', (error) => this.end(error));
      this.socket.on('close', () => this.end());
    });
  }

  private readonly onAbort = () => this.end(abortError());

  /** Takes every byte of `buffer` before returning: the next read overwrites it. False pauses the socket. */
  private onRead(buffer: Buffer, bytes: number): boolean {
    let data = buffer.subarray(0, bytes);
    if (!this.answer) {
      data = this.readHead(data);
      if (!this.answer) return true;
    }
    if (this.finished) return false;
    const { status, expected } = this.answer;
    if (status < 200 || status >= 300) {
      const keep = data.subarray(0, Math.max(0, maxErrorBodyBytes - this.errorBodyBytes));
      this.errorBody.push(Buffer.from(keep));
      this.errorBodyBytes += keep.length;
      this.received += data.length;
      if (expected !== undefined && this.received >= expected) {
        this.end();
        return false;
      }
      if (this.received > maxErrorBodyBytes) {
        // The message is in what was kept; the rest of a huge body is not worth reading.
        this.errorBodyCut = true;
        this.end();
        return false;
      }
      return true;
    }
    const body = data.subarray(0, Math.max(0, expected! - this.received));
    this.request.buffers.batches[this.batch]!.set(body, this.filled);
    this.filled += body.length;
    this.received += body.length;
    if (body.length > 0) this.request.onBytes(body.length);
    if (this.received === expected) {
      this.flush();
      this.end();
      return false;
    }
    // A full read must fit where the next one lands: write this batch out and fill the other.
    if (this.filled > batchBytes - readBytes) {
      this.flush();
      if (this.writing[this.batch]) {
        this.paused = true;
        return false;
      }
    }
    return true;
  }

  /** Gathers the head; once complete, parses it and returns the body bytes that came with it. */
  private readHead(data: Buffer): Buffer {
    this.head.push(Buffer.from(data));
    this.headBytes += data.length;
    const all = Buffer.concat(this.head);
    const end = all.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.headBytes > maxHeadBytes)
        this.end(Object.assign(new Error(`an answer head over ${maxHeadBytes} bytes`), { code: 'EMALFORMED' }));
      return Buffer.alloc(0);
    }
    this.head = [];
    const [statusLine, ...headerLines] = all.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
    if (!Number.isInteger(status)) {
      this.end(Object.assign(new Error(`not an HTTP answer: ${JSON.stringify((statusLine ?? '').slice(0, 80))}`), { code: 'EMALFORMED' }));
      return Buffer.alloc(0);
    }
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const length =
      headers['content-length'] !== undefined && /^\d+$/.test(headers['content-length']) ? Number(headers['content-length']) : undefined;
    this.answer = { status, headers, expected: length };
    const ok = status >= 200 && status < 300;
    if (ok && length === undefined) {
      this.end();
      return Buffer.alloc(0);
    }
    const rest = all.subarray(end + 4);
    if (ok) this.request.onHead?.(status, headers);
    if (length === 0) this.end();
    return rest;
  }

  /** Writes the batch being filled at its offset in the file, and switches to the other batch. */
  private flush(): void {
    if (this.filled === 0) return;
    const slot = this.batch;
    const bytes = this.filled;
    const at = this.request.position + this.received - bytes;
    this.batch = 1 - slot;
    this.filled = 0;
    this.writing[slot] = writeAll(this.file, [this.request.buffers.batches[slot]!.subarray(0, bytes)], at).then(
      () => {
        this.written += bytes;
        this.writing[slot] = undefined;
        // Reading on only into a batch no write still holds (the writes may finish out of order).
        if (this.paused && !this.finished && !this.writing[this.batch]) {
          this.paused = false;
          this.socket.resume();
        }
      },
      (error: Error) => {
        this.writing[slot] = undefined;
        this.writeFailure ??= error;
        this.end(error);
      },
    );
  }

  /**
   * Ends the request once: the connection closed (`error` undefined: complete, or dropped if the
   * body is short), failed, timed out or was aborted. Settles after every write has.
   */
  private end(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.request.signal?.removeEventListener('abort', this.onAbort);
    this.socket.destroy();
    void this.settleAfterWrites(error);
  }

  private async settleAfterWrites(error: Error | undefined): Promise<void> {
    const answer = this.answer;
    const ok = answer !== undefined && answer.status >= 200 && answer.status < 300;
    // The bytes already gathered are good: write them, so `written` says how far the file is whole.
    if (ok && !this.writeFailure) this.flush();
    while (this.writing[0] || this.writing[1]) await Promise.all(this.writing);
    if (!answer || (error as { code?: string } | undefined)?.code === 'ABORT_ERR') {
      this.settle.reject(error ?? Object.assign(new Error('the connection closed before an answer'), { code: 'ECONNRESET' }));
      return;
    }
    const expected = answer.expected ?? 0;
    const short = ok && this.written < expected;
    this.settle.resolve({
      status: answer.status,
      headers: answer.headers,
      written: this.written,
      expected,
      failure:
        this.writeFailure ?? (short ? (error ?? Object.assign(new Error('the connection dropped'), { code: 'ECONNRESET' })) : undefined),
      errorBody: Buffer.concat(this.errorBody).toString('utf8'),
      ...(this.errorBodyCut ? { errorBodyCut: true } : {}),
      unframed: ok && answer.expected === undefined ? true : undefined,
    });
  }
}

const abortError = () => Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
