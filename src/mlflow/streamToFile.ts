import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * Bytes gathered before each write. Measured on a 1 GiB download (2 cores, bench/): batches of
 * 512 KiB took the least CPU; at 4 MiB the kernel's copy into the page cache took twice as long
 * (the chunks have left the CPU's caches by the time they are written), and a write stream's
 * 64 KiB writes cost a thread-pool round trip each.
 */
const batchBytes = 512 * 1024;

/**
 * Writes a response body into the existing file at `path`, from `position` on, and returns how
 * many bytes it wrote. The socket's chunks are gathered into one `writev` of about 512 KiB; while a
 * write is in flight the next batch gathers, and the body is paused once that one is full too, so
 * at most about 1 MiB waits in memory. The file is opened here and closed only after the last write
 * has settled, so a body that fails never closes a descriptor something else still writes to.
 * `onBytes` hears of each chunk as it arrives.
 */
export async function writeAt(path: string, body: Readable, position: number, onBytes: (bytes: number) => void): Promise<number> {
  // Listening for the body's end (and errors) from now on: it may fail while the file opens.
  const ended = finished(body);
  ended.catch(() => undefined);
  let file: fs.FileHandle;
  try {
    file = await fs.open(path, 'r+');
  } catch (error) {
    body.destroy();
    throw error;
  }
  let next = position;
  let gathered: Buffer[] = [];
  let gatheredBytes = 0;
  let writing: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;

  const flush = () => {
    const buffers = gathered;
    const at = next;
    next += gatheredBytes;
    gathered = [];
    gatheredBytes = 0;
    writing = writeAll(file, buffers, at).then(
      () => {
        writing = undefined;
        if (failure) return;
        if (gatheredBytes >= batchBytes) flush();
        // The gathered batch is empty again or not yet full: room to read on.
        if (body.isPaused()) body.resume();
      },
      (error: unknown) => {
        writing = undefined;
        failure ??= { error };
        body.destroy(error as Error);
      },
    );
  };

  body.on('data', (chunk: Buffer) => {
    gathered.push(chunk);
    gatheredBytes += chunk.length;
    onBytes(chunk.length);
    if (gatheredBytes < batchBytes) return;
    if (writing) body.pause();
    else flush();
  });
  try {
    await ended;
    while (!failure && (writing || gatheredBytes > 0)) {
      if (writing) await writing;
      else flush();
    }
  } catch (error) {
    failure ??= { error };
  } finally {
    // Nothing may still be writing when the caller removes the file.
    while (writing) await writing;
    await file.close();
  }
  if (failure) throw failure.error;
  return next - position;
}

/** `writev` until every byte is on disk: the system may write fewer than asked. */
export async function writeAll(file: fs.FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let remaining = buffers;
  let at = position;
  while (remaining.length > 0) {
    const { bytesWritten } = await file.writev(remaining, at);
    if (bytesWritten <= 0) throw Object.assign(new Error('the file took no more bytes'), { code: 'EIO' });
    at += bytesWritten;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const buffer of remaining) {
      if (skip >= buffer.length) skip -= buffer.length;
      else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    remaining = rest;
  }
}
