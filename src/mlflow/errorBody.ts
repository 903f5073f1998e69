import type { Readable } from 'node:stream';

/**
 * Of an error answer's body, only this much is read: enough for MLflow's `{error_code, message}`
 * or a proxy's text page. The rest is never read: the connection is closed instead, so a server
 * answering 500 with 50 MB costs 64 KiB of memory and of network, not 50 MB.
 */
export const maxErrorBodyBytes = 64 * 1024;

/** The start of an error answer's body; `cut` when the server had more to send than was read. */
export interface ErrorBody {
  readonly text: string;
  readonly cut: boolean;
}

/**
 * Reads an error answer's body up to `maxErrorBodyBytes` and destroys the stream after that (its
 * socket is closed, not reused). The status is the error: a body that fails or, with `idleMs`, goes
 * silent that long ends the read with what came, never with an error of its own.
 */
export async function readErrorBody(stream: Readable, idleMs = 0): Promise<ErrorBody> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let cut = false;
  let silence: NodeJS.Timeout | undefined;
  const watch = () => {
    if (idleMs <= 0) return;
    clearTimeout(silence);
    silence = setTimeout(() => stream.destroy(), idleMs);
  };
  try {
    watch();
    for await (const chunk of stream) {
      const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      const keep = data.subarray(0, maxErrorBodyBytes - bytes);
      chunks.push(keep);
      bytes += keep.length;
      // A byte past the limit: the rest is not read, so the text is the body's start only.
      if (keep.length < data.length) {
        cut = true;
        break;
      }
      watch();
    }
  } catch {
    // Dropped or silent mid-body: what came is the message.
  } finally {
    clearTimeout(silence);
    stream.destroy();
  }
  return { text: Buffer.concat(chunks).toString('utf8'), cut };
}
