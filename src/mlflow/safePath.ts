import { lstatSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MlflowError } from './errors';

/**
 * The local path for a server-supplied artifact path inside `root`, or an 'unsafe-path' error when
 * it would land elsewhere: an absolute path, `..` climbing out, a Windows drive or a backslash
 * trick, or a folder on the way that is a symbolic link (which could point anywhere).
 */
export function resolveInside(root: string, artifactPath: string): string {
  const refuse = (why: string) =>
    new MlflowError('unsafe-path', `Refused artifact path "${artifactPath}": ${why}; nothing was written outside ${root}`, {
      method: 'GET',
      path: artifactPath,
    });
  if (artifactPath.includes('\0')) throw refuse('it contains a NUL byte');
  const normalised = artifactPath.replace(/\\/g, '/');
  if (isAbsolute(normalised) || /^[a-zA-Z]:/.test(normalised) || normalised.startsWith('/')) throw refuse('it is absolute');
  const base = resolve(root);
  const target = resolve(base, ...normalised.split('/'));
  const inside = relative(base, target);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw refuse('it leads outside the download folder');
  let current = base;
  for (const part of inside.split(sep)) {
    current = join(current, part);
    try {
      if (lstatSync(current).isSymbolicLink()) throw refuse(`${current} is a symbolic link`);
    } catch (error) {
      if (error instanceof MlflowError) throw error;
      break; // does not exist yet: nothing further down exists either
    }
  }
  return target;
}

/** Folders a download never writes into: Git's (hooks run code) and VS Code's (tasks, settings). */
const refusedFolders = new Set(['.git', '.vscode']);

/**
 * Why a download refuses this relative path, or undefined: a `.git` or `.vscode` segment anywhere
 * (compared as case-insensitive file systems and Windows see names: any case, trailing dots and
 * spaces dropped).
 */
export function refusedArtifactPath(relativePath: string): string | undefined {
  for (const segment of relativePath.replace(/\\/g, '/').split('/')) {
    const seen = segment.replace(/[. ]+$/, '').toLowerCase();
    if (refusedFolders.has(seen)) return `a ${seen} folder is never written by a download`;
  }
  return undefined;
}
