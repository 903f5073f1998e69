import type { FileInfo } from './entities';

/** A folder in an artifact tree that holds a Phi-3 ONNX model the local engine can open. */
export interface OnnxFolderCandidate {
  /** Relative to the listed root; '' for the root itself. */
  readonly path: string;
  readonly layout: 'genai' | 'transformers.js';
  /** Folders below the listed root: 0 for the root. */
  readonly depth: number;
}

const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const depthOf = (path: string) => (path === '' ? 0 : path.split('/').length);
const isInside = (path: string, folder: string) => folder === '' || path.startsWith(`${folder}/`);

/**
 * The ONNX model folders in a listing of artifact files (paths relative to one root): a folder
 * holding `genai_config.json` (onnxruntime-genai), or one holding `config.json` beside an
 * `onnx/model*.onnx` (transformers.js). A candidate inside another one is part of it, not a model
 * of its own. Shallowest first, then by path, so the first is the one to prefer.
 */
export function findOnnxFolders(files: readonly FileInfo[]): OnnxFolderCandidate[] {
  const paths = files.filter((f) => !f.isDir).map((f) => f.path.replace(/^\/+/, ''));
  const present = new Set(paths);
  const found = new Map<string, OnnxFolderCandidate>();
  for (const path of paths) {
    if (nameOf(path) === 'genai_config.json') {
      const folder = parentOf(path);
      found.set(folder, { path: folder, layout: 'genai', depth: depthOf(folder) });
    }
  }
  for (const path of paths) {
    const onnxDir = parentOf(path);
    if (nameOf(onnxDir) !== 'onnx' || !/^model.*\.onnx$/.test(nameOf(path))) continue;
    const folder = parentOf(onnxDir);
    const config = folder ? `${folder}/config.json` : 'config.json';
    if (present.has(config) && !found.has(folder)) found.set(folder, { path: folder, layout: 'transformers.js', depth: depthOf(folder) });
  }
  const all = [...found.values()];
  return all
    .filter((candidate) => !all.some((other) => other !== candidate && isInside(candidate.path, other.path)))
    .sort((a, b) => a.depth - b.depth || a.path.localeCompare(b.path));
}

/** What a listing holds, in a sentence: for the message when no ONNX folder is found. */
export function describeListing(files: readonly FileInfo[], limit = 8): string {
  const paths = files.filter((f) => !f.isDir).map((f) => f.path);
  if (paths.length === 0) return 'no artifacts at all';
  const shown = paths.slice(0, limit).join(', ');
  return `${paths.length} file${paths.length === 1 ? '' : 's'} (${shown}${paths.length > limit ? ', …' : ''})`;
}
