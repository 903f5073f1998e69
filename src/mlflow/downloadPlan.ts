import { promises as fs } from 'node:fs';
import { MlflowError } from './errors';
import { refusedArtifactPath, resolveInside } from './safePath';

/** What to do with a file the download would replace. */
export type ExistingFileAnswer = 'overwrite' | 'skip' | 'cancel';
/**
 * Asked for each file that already exists at its target, before anything is written (the editor
 * shows the question; this module never does). `relativePath` is the path inside the destination.
 */
export type ExistingFileCallback = (relativePath: string, target: string) => Promise<ExistingFileAnswer> | ExistingFileAnswer;

/** The files of a download that were not written, as the plan and the download's result both list them. */
export interface LeftAlone {
  /** Paths inside the destination left as they were: they existed and were not to be overwritten. */
  readonly skipped: readonly string[];
  /** Paths inside the destination never written, each with why (a `.git` or `.vscode` folder). */
  readonly refused: ReadonlyArray<{ readonly path: string; readonly why: string }>;
}

/** Which files a download writes where: decided, and every question asked, before anything is written. */
export interface DownloadPlan extends LeftAlone {
  /** The target of each file, or undefined for one skipped or refused. */
  readonly targets: ReadonlyArray<string | undefined>;
}

/** What was left alone, for the message after a download: "skipped 2 existing (a, b); refused .git/x (why)". */
export function describeLeftAlone(result: LeftAlone): string {
  const list = (paths: readonly string[]) =>
    paths.length > 5 ? `${paths.slice(0, 5).join(', ')} and ${paths.length - 5} more` : paths.join(', ');
  const parts: string[] = [];
  if (result.skipped.length)
    parts.push(`skipped ${result.skipped.length} existing file${result.skipped.length === 1 ? '' : 's'} (${list(result.skipped)})`);
  if (result.refused.length)
    parts.push(`refused ${result.refused.length} (${list(result.refused.map((r) => r.path))}: ${result.refused[0]!.why})`);
  return parts.join('; ');
}

/**
 * Checks every path of a download into `destination` (relative to it): outside it or through a link
 * is an 'unsafe-path' error for the whole download; a `.git` or `.vscode` folder is refused for that
 * file; an existing file goes to `onExisting` (none: skipped). A 'cancel' answer is a 'cancelled'
 * error, with nothing written.
 */
export async function planDownload(
  destination: string,
  relativePaths: readonly string[],
  onExisting?: ExistingFileCallback,
): Promise<DownloadPlan> {
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
      if (answer === 'cancel')
        throw new MlflowError('cancelled', `Cancelled: download into ${destination} (${path} exists); nothing was written`, {
          method: 'GET',
          path,
        });
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
