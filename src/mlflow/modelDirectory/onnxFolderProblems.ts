import { promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isLfsPointer } from '../../formats/lfsPointer';
import { errorMessage } from '../../errorMessage';

/**
 * What would make an onnxruntime-genai folder fail once logged, found before anything is uploaded:
 * a missing folder, no `genai_config.json` (onnxruntime-genai cannot open the folder without it),
 * a config that is not JSON or names a graph file that is missing, and Git LFS pointer files left
 * where weights should be by a clone without `git lfs pull`. Empty when the folder looks usable.
 */
export async function onnxFolderProblems(folder: string): Promise<string[]> {
  let files: string[];
  try {
    if (!(await fs.stat(folder)).isDirectory()) return [`${folder} is not a folder`];
    files = await filesUnder(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [`The ONNX folder ${folder} does not exist`];
    throw error;
  }
  const problems: string[] = [];
  const names = new Set(files.map((file) => relative(folder, file).split(sep).join('/')));
  if (!names.has('genai_config.json')) {
    problems.push(
      `${folder} has no genai_config.json: it is not an onnxruntime-genai model folder (build one with python -m onnxruntime_genai.models.builder)`,
    );
  } else {
    let config: { model?: { decoder?: { filename?: unknown } } } | undefined;
    try {
      config = JSON.parse(await fs.readFile(join(folder, 'genai_config.json'), 'utf8'));
    } catch (error) {
      problems.push(`genai_config.json in ${folder} is not valid JSON: ${errorMessage(error)}`);
    }
    const graph = config?.model?.decoder?.filename;
    if (config && typeof graph !== 'string') problems.push(`genai_config.json in ${folder} names no model.decoder.filename`);
    else if (typeof graph === 'string' && !names.has(graph))
      problems.push(`genai_config.json names the graph ${graph}, which is not in ${folder}`);
  }
  const pointers: string[] = [];
  for (const file of files) if (await isLfsPointer(file)) pointers.push(relative(folder, file));
  if (pointers.length > 0) {
    problems.push(
      `${pointers.join(', ')} in ${folder} ${pointers.length === 1 ? 'is a Git LFS pointer' : 'are Git LFS pointers'}, not the real file: run git lfs pull in that repository`,
    );
  }
  return problems;
}

async function filesUnder(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found.sort();
}
