import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactSource, ArtifactsApi } from './artifacts';
import { MlflowError } from './errors';

/** Artifacts larger than this are not opened as text (download them instead). */
export const maxTextArtifactBytes = 5 * 1024 * 1024;

/**
 * An artifact file's content as UTF-8 text, for showing it read-only: fetched through the same
 * download path as any artifact (into a private temporary folder, removed after), refused when it is
 * too large or binary (a NUL byte in its first 8 KiB) with a message saying what to do instead.
 */
export async function readArtifactText(
  artifacts: ArtifactsApi,
  source: ArtifactSource,
  path: string,
  options: { signal?: AbortSignal; knownSize?: number } = {},
): Promise<string> {
  const call = { method: 'GET', path };
  if (options.knownSize !== undefined && options.knownSize > maxTextArtifactBytes) {
    throw new MlflowError(
      'unsupported',
      `${path} is ${(options.knownSize / 1024 / 1024).toFixed(1)} MiB: too large to open as text; download it instead`,
      call,
    );
  }
  const folder = await fs.mkdtemp(join(tmpdir(), 'phi3-mlflow-artifact-'));
  try {
    const target = join(folder, 'content');
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    await artifacts
      .downloadFile(source, path, target, {
        signal: controller.signal,
        onProgress: (done) => {
          if (done > maxTextArtifactBytes) controller.abort();
        },
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted && !options.signal?.aborted) {
          throw new MlflowError(
            'unsupported',
            `${path} is larger than ${maxTextArtifactBytes / 1024 / 1024} MiB: too large to open as text; download it instead`,
            call,
          );
        }
        throw error;
      });
    const bytes = await fs.readFile(target);
    if (bytes.subarray(0, 8192).includes(0)) throw new MlflowError('unsupported', `${path} is a binary file: download it instead`, call);
    return bytes.toString('utf8');
  } finally {
    await fs.rm(folder, { recursive: true, force: true });
  }
}
