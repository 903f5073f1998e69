/**
 * The Jupyter notebook format (nbformat 4) read into, and written back from, the shapes VS Code's
 * notebook API uses (NotebookData, cells, outputs of mime items), without importing vscode: the
 * serializer in notebookSerializer.ts only turns these plain objects into the API's classes.
 *
 * Written the way Jupyter's nbformat writes (keys sorted, one-space indent unless the file used
 * another, multi-line text split into lines, a final newline), so a notebook Jupyter saved comes
 * back byte for byte. Whatever VS Code has no field for (cell ids, attachments, the output's own
 * metadata, a raw cell's format) rides in the cell's and output's metadata under `ipynb`.
 */

import { randomBytes } from 'node:crypto';
import { errorMessage } from '../errorMessage';

export const stdoutMime = 'application/vnd.code.notebook.stdout';
export const stderrMime = 'application/vnd.code.notebook.stderr';
export const errorMime = 'application/vnd.code.notebook.error';

/** VS Code's NotebookCellKind values. */
export const enum CellKind {
  Markup = 1,
  Code = 2,
}

export interface OutputItemData {
  readonly mime: string;
  readonly data: Uint8Array;
}

export interface CellOutputData {
  readonly items: OutputItemData[];
  readonly metadata?: Record<string, unknown>;
}

export interface CellData {
  readonly kind: CellKind;
  readonly value: string;
  readonly languageId: string;
  readonly metadata?: Record<string, unknown>;
  readonly outputs?: CellOutputData[];
  readonly executionSummary?: { readonly executionOrder?: number; readonly success?: boolean };
}

export interface NotebookDataShape {
  readonly cells: CellData[];
  readonly metadata?: Record<string, unknown>;
}

/** A notebook output as nbformat 4 stores it, multi-line text joined. */
export type JupyterOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { output_type: 'display_data'; data: Record<string, unknown>; metadata?: Record<string, unknown>; transient?: unknown }
  | { output_type: 'execute_result'; data: Record<string, unknown>; metadata?: Record<string, unknown>; execution_count: number | null }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

/** What the serializer keeps of a cell that VS Code has no field for. */
interface CellExtras {
  id?: string;
  metadata?: Record<string, unknown>;
  attachments?: unknown;
  raw?: boolean;
  /** The source was one string rather than a list of lines. */
  unsplitSource?: boolean;
}

/** What the serializer keeps of an output besides its mime data. */
interface OutputExtras {
  output_type: JupyterOutput['output_type'];
  name?: string;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  transient?: unknown;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  /** Per mime: text a base64 payload carried after its data (IPython ends PNGs with "\n"). */
  base64Suffix?: Record<string, string>;
  /** Per mime: base64 that does not re-encode the same (wrapped lines): kept as it was. */
  base64Raw?: Record<string, string>;
  /** Mimes whose text was stored as one string, not a list of lines. */
  unsplit?: string[];
}

export class NotebookFormatError extends Error {
  override readonly name = 'NotebookFormatError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Mime types whose values nbformat stores as lists of lines besides text/*. */
const splitMimes = new Set(['application/javascript', 'image/svg+xml']);
const isJsonMime = (mime: string) => mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
const isTextMime = (mime: string) => mime.startsWith('text/') || splitMimes.has(mime);
const isBase64Mime = (mime: string) => mime.startsWith('image/') && mime !== 'image/svg+xml';

const joined = (value: unknown): string => (Array.isArray(value) ? value.join('') : typeof value === 'string' ? value : '');
/** Python's str.splitlines(True) for the line ends Jupyter writes. */
export const splitLines = (text: string): string[] => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];

/** Reads an .ipynb file's bytes; an empty file is a new, empty notebook. */
export function parseNotebook(bytes: Uint8Array): NotebookDataShape {
  const text = decoder.decode(bytes);
  if (text.trim() === '') return { cells: [], metadata: { nbformat: 4, nbformat_minor: 5, metadata: {} } };
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new NotebookFormatError(`Not a Jupyter notebook: the file is not valid JSON (${errorMessage(error)})`);
  }
  if (typeof json !== 'object' || json === null || !Array.isArray(json.cells))
    throw new NotebookFormatError('Not a Jupyter notebook: it has no "cells" list');
  if (json.nbformat !== 4)
    throw new NotebookFormatError(
      `Only nbformat 4 notebooks can be opened (this one is nbformat ${String(json.nbformat)}); convert it with "jupyter nbconvert --to notebook"`,
    );
  const notebookMetadata = (json.metadata ?? {}) as Record<string, unknown>;
  const language = defaultLanguage(notebookMetadata);
  const indent = /^\{\r?\n([ \t]+)"/.exec(text)?.[1] ?? ' ';
  const cells = (json.cells as Record<string, unknown>[]).map((cell) => cellFromJupyter(cell, language));
  return { cells, metadata: { nbformat: json.nbformat, nbformat_minor: json.nbformat_minor ?? 5, metadata: notebookMetadata, indent } };
}

/** The language of code cells that name none: the kernel's, else Python. */
function defaultLanguage(metadata: Record<string, unknown>): string {
  const info = metadata.language_info as { name?: unknown } | undefined;
  const spec = metadata.kernelspec as { language?: unknown } | undefined;
  const name = typeof info?.name === 'string' ? info.name : typeof spec?.language === 'string' ? spec.language : 'python';
  return name.toLowerCase();
}

function cellFromJupyter(cell: Record<string, unknown>, language: string): CellData {
  const extras: CellExtras = { metadata: (cell.metadata ?? {}) as Record<string, unknown> };
  if (typeof cell.id === 'string') extras.id = cell.id;
  if (cell.attachments !== undefined) extras.attachments = cell.attachments;
  if (typeof cell.source === 'string') extras.unsplitSource = true;
  const value = joined(cell.source);
  if (cell.cell_type === 'markdown') return { kind: CellKind.Markup, value, languageId: 'markdown', metadata: { ipynb: extras } };
  if (cell.cell_type === 'raw') return { kind: CellKind.Code, value, languageId: 'raw', metadata: { ipynb: { ...extras, raw: true } } };
  const vscodeMeta = extras.metadata?.vscode as { languageId?: unknown } | undefined;
  const languageId = typeof vscodeMeta?.languageId === 'string' ? vscodeMeta.languageId : language;
  const executionCount = typeof cell.execution_count === 'number' ? cell.execution_count : undefined;
  const outputs = Array.isArray(cell.outputs) ? (cell.outputs as Record<string, unknown>[]).map((output) => outputFromJupyter(output)) : [];
  return {
    kind: CellKind.Code,
    value,
    languageId,
    metadata: { ipynb: extras },
    outputs,
    executionSummary: executionCount !== undefined ? { executionOrder: executionCount } : undefined,
  };
}

/**
 * One nbformat output as VS Code output items; what the items cannot hold goes to its metadata.
 * From a file, text stored as one string (not split into lines) is remembered so it is written back
 * so; outputs the kernel makes now (`fromFile` false) are written the way nbformat writes.
 */
export function outputFromJupyter(output: Record<string, unknown>, fromFile = true): CellOutputData {
  const type = output.output_type as JupyterOutput['output_type'];
  const extras: OutputExtras = { output_type: type };
  for (const key of ['name', 'metadata', 'execution_count', 'transient', 'ename', 'evalue', 'traceback'] as const) {
    if (output[key] !== undefined) (extras as unknown as Record<string, unknown>)[key] = output[key];
  }
  if (type === 'stream') {
    if (fromFile && typeof output.text === 'string') extras.unsplit = ['text'];
    const text = joined(output.text);
    return {
      items: [{ mime: output.name === 'stderr' ? stderrMime : stdoutMime, data: encoder.encode(text) }],
      metadata: { ipynb: extras },
    };
  }
  if (type === 'error') {
    const traceback = Array.isArray(output.traceback) ? (output.traceback as string[]) : [];
    const error = { name: String(output.ename ?? ''), message: String(output.evalue ?? ''), stack: traceback.join('\n') };
    return { items: [{ mime: errorMime, data: encoder.encode(JSON.stringify(error)) }], metadata: { ipynb: extras } };
  }
  const data = (output.data ?? {}) as Record<string, unknown>;
  const items: OutputItemData[] = [];
  for (const [mime, value] of Object.entries(data)) {
    if (isJsonMime(mime)) {
      items.push({ mime, data: encoder.encode(JSON.stringify(value)) });
    } else if (isBase64Mime(mime) && typeof value === 'string') {
      const bytes = Buffer.from(value, 'base64');
      const encoded = bytes.toString('base64');
      if (value.startsWith(encoded) && /^\s*$/.test(value.slice(encoded.length))) {
        if (value.length > encoded.length) (extras.base64Suffix ??= {})[mime] = value.slice(encoded.length);
      } else {
        (extras.base64Raw ??= {})[mime] = value;
      }
      items.push({ mime, data: new Uint8Array(bytes) });
    } else {
      if (fromFile && typeof value === 'string' && isTextMime(mime)) (extras.unsplit ??= []).push(mime);
      items.push({ mime, data: encoder.encode(joined(value)) });
    }
  }
  return { items, metadata: { ipynb: extras } };
}

/** VS Code output items back to one nbformat output; outputs from other controllers get their type from their mimes. */
export function outputToJupyter(output: CellOutputData): Record<string, unknown> {
  const extras = ((output.metadata?.ipynb ?? {}) as OutputExtras) ?? {};
  const stream = output.items.find((item) => item.mime === stdoutMime || item.mime === stderrMime);
  const error = output.items.find((item) => item.mime === errorMime);
  const type = extras.output_type ?? (stream ? 'stream' : error ? 'error' : 'display_data');
  if (type === 'stream') {
    const text = output.items
      .filter((item) => item.mime === stdoutMime || item.mime === stderrMime)
      .map((item) => decoder.decode(item.data))
      .join('');
    const name = extras.name ?? (stream?.mime === stderrMime ? 'stderr' : 'stdout');
    return { name, output_type: 'stream', text: extras.unsplit?.includes('text') ? text : splitLines(text) };
  }
  if (type === 'error') {
    if (extras.traceback)
      return { ename: extras.ename ?? '', evalue: extras.evalue ?? '', output_type: 'error', traceback: extras.traceback };
    const parsed = error ? (JSON.parse(decoder.decode(error.data)) as { name?: string; message?: string; stack?: string }) : {};
    return {
      ename: parsed.name ?? 'Error',
      evalue: parsed.message ?? '',
      output_type: 'error',
      traceback: parsed.stack ? parsed.stack.split('\n') : [],
    };
  }
  const data: Record<string, unknown> = {};
  for (const item of output.items) {
    if (isJsonMime(item.mime)) data[item.mime] = JSON.parse(decoder.decode(item.data));
    else if (isBase64Mime(item.mime))
      data[item.mime] =
        extras.base64Raw?.[item.mime] ?? Buffer.from(item.data).toString('base64') + (extras.base64Suffix?.[item.mime] ?? '');
    else {
      const text = decoder.decode(item.data);
      data[item.mime] = isTextMime(item.mime) && !extras.unsplit?.includes(item.mime) ? splitLines(text) : text;
    }
  }
  const result: Record<string, unknown> = { data, metadata: extras.metadata ?? {}, output_type: type };
  if (type === 'execute_result') result.execution_count = extras.execution_count ?? null;
  if (extras.transient !== undefined) result.transient = extras.transient;
  return result;
}

/** NotebookData back to .ipynb bytes; code cells in the notebook's own language do not name it. */
export function serializeNotebook(notebook: NotebookDataShape): Uint8Array {
  const meta = notebook.metadata ?? {};
  const nbformatMinor = typeof meta.nbformat_minor === 'number' ? meta.nbformat_minor : 5;
  const notebookMetadata = (meta.metadata ?? {}) as Record<string, unknown>;
  const language = defaultLanguage(notebookMetadata);
  const cells = notebook.cells.map((cell) => cellToJupyter(cell, language, nbformatMinor));
  const json = { cells, metadata: notebookMetadata, nbformat: 4, nbformat_minor: nbformatMinor };
  const indent = typeof meta.indent === 'string' ? meta.indent : ' ';
  return encoder.encode(JSON.stringify(sortKeys(json), null, indent) + '\n');
}

function cellToJupyter(cell: CellData, language: string, nbformatMinor: number): Record<string, unknown> {
  const extras = (cell.metadata?.ipynb ?? {}) as CellExtras;
  const metadata = { ...(extras.metadata ?? {}) };
  const result: Record<string, unknown> = { metadata, source: extras.unsplitSource ? cell.value : splitLines(cell.value) };
  // nbformat 4.5 requires an id on every cell: a cell made in the editor gets one.
  if (extras.id !== undefined) result.id = extras.id;
  else if (nbformatMinor >= 5) result.id = randomBytes(4).toString('hex');
  if (extras.attachments !== undefined) result.attachments = extras.attachments;
  if (cell.kind === CellKind.Markup) return { ...result, cell_type: 'markdown' };
  if (extras.raw || cell.languageId === 'raw') return { ...result, cell_type: 'raw' };
  // A cell in another language than the notebook's says so, as VS Code's Jupyter support writes it.
  const vscodeMeta = { ...((metadata.vscode ?? {}) as Record<string, unknown>) };
  if (cell.languageId !== language) vscodeMeta.languageId = cell.languageId;
  else delete vscodeMeta.languageId;
  if (Object.keys(vscodeMeta).length > 0) metadata.vscode = vscodeMeta;
  else delete metadata.vscode;
  return {
    ...result,
    cell_type: 'code',
    execution_count: cell.executionSummary?.executionOrder ?? null,
    outputs: (cell.outputs ?? []).map(outputToJupyter),
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(byCodePoint)) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/** Python's sort order for keys (code points), not the locale's. */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
