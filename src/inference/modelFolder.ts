import { freemem } from 'node:os';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { parseGenaiConfig } from './genaiConfig';
import { InferenceError } from './inferenceError';
import { isLfsPointer } from '../formats/lfsPointer';
import type { ModelSpec } from './modelSpec';
import { parseTransformersJsConfig } from './transformersJsConfig';

export interface InspectOptions {
  /** transformers.js layout: which `onnx/model_<dtype>.onnx` to use; default the first of fp32, q4, quantized. */
  readonly dtype?: 'fp32' | 'q4' | 'quantized';
  /** Free memory to check the weights against; default what the OS reports now. */
  readonly freeMemoryBytes?: number;
}

const tokenizerFiles = ['tokenizer.json', 'tokenizer_config.json'];
const transformersJsGraphs = { fp32: 'model.onnx', q4: 'model_q4.onnx', quantized: 'model_quantized.onnx' } as const;
/** Headroom above the weights' size for activations, the KV cache and onnxruntime itself. */
const memoryHeadroomBytes = 256 * 1024 * 1024;

/**
 * Reads a model folder and says what it holds, or throws one InferenceError naming what is wrong
 * with it. Nothing is loaded into onnxruntime here; the graph's own inputs are checked at load.
 */
export async function inspectModelFolder(folder: string, options: InspectOptions = {}): Promise<ModelSpec> {
  const entries = await listFolder(folder);
  let spec: ModelSpec;
  if (entries.has('genai_config.json')) {
    const config = parseGenaiConfig(await readFile(join(folder, 'genai_config.json'), 'utf8'));
    const { graphFile, ...rest } = config;
    await requireFiles(folder, [graphFile, ...tokenizerFiles], 'the onnxruntime-genai layout');
    spec = { ...rest, folder, graphPath: join(folder, graphFile), weightBytes: 0 };
  } else if (entries.has('config.json') && entries.has('onnx')) {
    const graphPath = await chooseTransformersJsGraph(folder, options.dtype);
    await requireFiles(folder, tokenizerFiles, 'the transformers.js layout');
    const generation = entries.has('generation_config.json') ? await readFile(join(folder, 'generation_config.json'), 'utf8') : undefined;
    spec = {
      ...parseTransformersJsConfig(await readFile(join(folder, 'config.json'), 'utf8'), generation),
      folder,
      graphPath,
      weightBytes: 0,
    };
  } else {
    const below = await findModelFolders(folder, 3);
    const hint =
      below.length > 0
        ? ` It has one below it: ${below
            .slice(0, 3)
            .map((f) => relative(folder, f))
            .join(', ')}.`
        : '';
    throw new InferenceError(
      'not-a-model-folder',
      `${folder} is not a Phi-3 ONNX model folder: it has neither genai_config.json (onnxruntime-genai layout) nor config.json with onnx/model.onnx (transformers.js layout).${hint}`,
    );
  }
  const weightFiles = await weightFilesOf(spec.graphPath);
  for (const file of [...weightFiles, join(folder, 'tokenizer.json')]) {
    if (await isLfsPointer(file)) {
      throw new InferenceError(
        'lfs-pointer',
        `${relative(folder, file)} is a Git LFS pointer, not the file itself: run "git lfs pull" in the model's repository (or download the weights) and try again.`,
      );
    }
  }
  let weightBytes = 0;
  for (const file of weightFiles) weightBytes += (await stat(file)).size;
  const free = options.freeMemoryBytes ?? freemem();
  if (weightBytes + memoryHeadroomBytes > free) {
    throw new InferenceError(
      'too-large',
      `The model needs at least ${formatBytes(weightBytes + memoryHeadroomBytes)} of memory (${formatBytes(weightBytes)} of weights) but only ${formatBytes(free)} is free: close other programs or pick a smaller (int4) variant.`,
    );
  }
  return { ...spec, weightBytes };
}

/** Model folders (either layout) at or below `root`, at most `depth` levels down, nearest first. */
export async function findModelFolders(root: string, depth: number): Promise<string[]> {
  const found: string[] = [];
  let level = [root];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    const next: string[] = [];
    for (const folder of level) {
      let entries: Set<string>;
      try {
        entries = await listFolder(folder);
      } catch {
        continue;
      }
      if (entries.has('genai_config.json') || (entries.has('config.json') && entries.has('onnx'))) found.push(folder);
      for (const name of entries) {
        if (name.startsWith('.')) continue;
        const path = join(folder, name);
        if ((await stat(path).catch(() => undefined))?.isDirectory()) next.push(path);
      }
    }
    level = next.sort();
  }
  return found;
}

async function listFolder(folder: string): Promise<Set<string>> {
  let info;
  try {
    info = await stat(folder);
  } catch {
    throw new InferenceError('not-a-model-folder', `${folder} does not exist.`);
  }
  if (!info.isDirectory()) throw new InferenceError('not-a-model-folder', `${folder} is a file; choose the folder that holds the model.`);
  return new Set(await readdir(folder));
}

async function requireFiles(folder: string, files: readonly string[], layout: string): Promise<void> {
  const missing: string[] = [];
  for (const file of files) {
    if (!(await stat(join(folder, file)).catch(() => undefined))?.isFile()) missing.push(file);
  }
  if (missing.length > 0) {
    throw new InferenceError(
      'missing-file',
      `${folder} is missing ${missing.join(', ')}, which ${layout} needs; copy the whole model folder.`,
    );
  }
}

async function chooseTransformersJsGraph(folder: string, dtype: InspectOptions['dtype']): Promise<string> {
  const onnx = new Set(await readdir(join(folder, 'onnx')).catch(() => [] as string[]));
  const wanted = dtype ? [transformersJsGraphs[dtype]] : Object.values(transformersJsGraphs);
  const graph = wanted.find((name) => onnx.has(name));
  if (!graph) {
    const fp16Only = onnx.has('model_fp16.onnx') || onnx.has('model_q4f16.onnx');
    throw new InferenceError(
      'missing-file',
      `${join(folder, 'onnx')} has no ${wanted.join(' or ')}${fp16Only ? ' (only float16 graphs, which this CPU engine does not run)' : ''}.`,
    );
  }
  return join(folder, 'onnx', graph);
}

/** The graph and the external-data files beside it (`model.onnx.data`, `model.onnx_data`, `model.onnx_data_1`, …). */
async function weightFilesOf(graphPath: string): Promise<string[]> {
  const folder = dirname(graphPath);
  const name = basename(graphPath);
  const siblings = await readdir(folder);
  const data = siblings.filter((s) => s === `${name}.data` || s.startsWith(`${name}_data`)).sort();
  return [graphPath, ...data.map((s) => join(folder, s))];
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
