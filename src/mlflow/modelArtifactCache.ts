import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { MlflowClient } from './client';
import { cancelledError } from './errors';
import type { FileInfo } from './entities';
import { type ArtifactPlace, type ResolvedMlflowModel } from './mlflowModelSource';
import { describeListing, findOnnxFolders, type OnnxFolderCandidate } from './onnxFolderSearch';

/** Written last into a cache entry: an entry without it is an interrupted download and never used. */
export interface CompleteMarker {
  readonly format: 1;
  readonly trackingUri: string;
  readonly cacheUri: string;
  readonly fingerprint: string;
  /** The URI it was first opened as (`models:/phi3/3`), for people reading the cache folder. */
  readonly resolvedUri: string;
  /** Where the ONNX folder came from: `run <id>` or `logged model <id>`, and its artifact path. */
  readonly from: string;
  readonly artifactPath: string;
  readonly layout: OnnxFolderCandidate['layout'];
  /** The ONNX folder, relative to the entry. */
  readonly modelFolder: string;
  readonly files: number;
  readonly bytes: number;
  readonly completedAt: string;
}

/** An ONNX folder on disk for a model in MLflow. */
export interface CachedModel {
  /** The folder the local engine opens. */
  readonly folder: string;
  readonly marker: CompleteMarker;
  /** True when this call downloaded it; false when the cache had it. */
  readonly downloaded: boolean;
}

/** One ONNX folder found in a model's artifacts, with the place it was found in. */
export interface FoundOnnxFolder extends OnnxFolderCandidate {
  readonly place: ArtifactPlace;
  /** The folder's files, for the download's size. */
  readonly bytes: number | undefined;
}

export interface FetchOptions {
  readonly signal?: AbortSignal;
  /** Bytes done of the ONNX folder, and its total when the listing gave every size. */
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /** Called before listing and before downloading, for a progress message. */
  readonly onStep?: (step: 'listing' | 'downloading', detail: string) => void;
  /** Several ONNX folders (shallowest first): which one to open; undefined to give up. */
  readonly choose?: (found: readonly FoundOnnxFolder[]) => Promise<FoundOnnxFolder | undefined>;
}

/** A model's artifacts hold no ONNX folder; the message says what they do hold. */
export class NoOnnxFolderError extends Error {
  override readonly name = 'NoOnnxFolderError';
}

/** What Clear Model Cache removes (or would remove), and what it leaves. */
export interface ClearResult {
  /** Complete models removed (or to remove); staging leftovers count in bytes only. */
  readonly entries: number;
  readonly bytes: number;
  /** Entries another window uses (its lock names a live process): never removed. */
  readonly inUse: readonly string[];
  /** Names in the folder the cache did not make (no entry marker): never removed. */
  readonly notOurs: readonly string[];
}

const markerName = 'complete.json';
const stagingPrefix = '.staging-';
/**
 * Written first into every folder the cache makes (a staging folder, which becomes the entry):
 * Clear removes only folders that carry it, so a cache directory pointed at `~/models` loses nothing.
 */
export const entryMarkerName = '.phi3-mlflow-cache-entry';
/** `.in-use-<pid>`: a window (extension host process) has this entry open; written when the cache hands the folder out. */
const lockPrefix = '.in-use-';
const abandonedAfterMs = 24 * 60 * 60 * 1000;

/**
 * The ONNX folders of models in MLflow, downloaded once into `root` and used again from there.
 * Each model gets an entry named after a hash of the tracking server, the model's URI (an alias
 * resolved to its version first) and what that URI points to; a download goes to a staging folder,
 * its complete marker is written last and the folder renamed into place, so an interrupted or
 * cancelled download is never taken for a complete one.
 */
export class ModelArtifactCache {
  private readonly staging = new Set<string>();
  private readonly inFlight = new Map<string, Promise<CachedModel | undefined>>();

  constructor(readonly root: string) {}

  /** The entry's folder name: readable start, hashed end. */
  static entryName(trackingUri: string, cacheUri: string, fingerprint: string): string {
    const hash = createHash('sha256')
      .update(JSON.stringify([trackingUri, cacheUri, fingerprint]))
      .digest('hex')
      .slice(0, 20);
    const readable = cacheUri
      .replace(/^[a-z]+:\//, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, 40);
    return `${readable}-${hash}`;
  }

  entryFolder(trackingUri: string, model: Pick<ResolvedMlflowModel, 'cacheUri' | 'fingerprint'>): string {
    return join(this.root, ModelArtifactCache.entryName(trackingUri, model.cacheUri, model.fingerprint));
  }

  /** The cached ONNX folder of a model, if a complete download of it is there. */
  async lookup(trackingUri: string, model: Pick<ResolvedMlflowModel, 'cacheUri' | 'fingerprint'>): Promise<CachedModel | undefined> {
    const entry = this.entryFolder(trackingUri, model);
    let marker: CompleteMarker;
    try {
      marker = JSON.parse(await fs.readFile(join(entry, markerName), 'utf8')) as CompleteMarker;
    } catch {
      return undefined;
    }
    if (
      marker.format !== 1 ||
      marker.cacheUri !== model.cacheUri ||
      marker.fingerprint !== model.fingerprint ||
      marker.trackingUri !== trackingUri
    )
      return undefined;
    const folder = join(entry, marker.modelFolder);
    try {
      await fs.access(join(folder, marker.layout === 'genai' ? 'genai_config.json' : 'config.json'));
    } catch {
      return undefined;
    }
    return { folder, marker, downloaded: false };
  }

  /**
   * The model's ONNX folder: from the cache, else found in its artifacts and downloaded. Undefined
   * when `choose` gave none. The same model asked for again while it downloads (Compare opening
   * version 3 and the @champion that points to it) waits for that download instead of starting one.
   */
  async fetch(client: MlflowClient, model: ResolvedMlflowModel, options: FetchOptions = {}): Promise<CachedModel | undefined> {
    const trackingUri = client.http.base;
    const cached = await this.lookup(trackingUri, model);
    if (cached) {
      await markInUse(this.entryFolder(trackingUri, model));
      return cached;
    }
    const entry = this.entryFolder(trackingUri, model);
    const running = this.inFlight.get(entry);
    if (running) {
      const other = await untilAborted(
        running.catch(() => undefined),
        options.signal,
        entry,
      );
      // That one cancelled or failed (or gave no folder): this caller tries on its own.
      return other ? { ...other, downloaded: false } : this.fetch(client, model, options);
    }
    const downloading = this.download(client, model, trackingUri, options);
    this.inFlight.set(entry, downloading);
    try {
      return await downloading;
    } finally {
      this.inFlight.delete(entry);
    }
  }

  private async download(
    client: MlflowClient,
    model: ResolvedMlflowModel,
    trackingUri: string,
    options: FetchOptions,
  ): Promise<CachedModel | undefined> {
    const found = await this.findOnnxFolder(client, model, options);
    if (!found) return undefined;
    await fs.mkdir(this.root, { recursive: true });
    await this.sweepAbandonedStaging();
    const staging = join(this.root, `${stagingPrefix}${randomBytes(6).toString('hex')}`);
    this.staging.add(staging);
    try {
      options.onStep?.('downloading', `${found.path || '(artifact root)'} of ${found.place.label}`);
      const files = join(staging, 'files');
      await fs.mkdir(files, { recursive: true });
      await fs.writeFile(
        join(staging, entryMarkerName),
        'Made by the Phi-3 MLflow model cache: Clear Model Cache removes folders carrying this file, and no others.\n',
      );
      await markInUse(staging);
      const result = await client.artifacts.download(found.place.source, found.path, files, {
        signal: options.signal,
        onProgress: options.onProgress,
      });
      // download() keeps the folder's own name: `a/b/onnx` lands as files/onnx.
      const modelFolder = found.path ? join('files', found.path.slice(found.path.lastIndexOf('/') + 1)) : 'files';
      const marker: CompleteMarker = {
        format: 1,
        trackingUri,
        cacheUri: model.cacheUri,
        fingerprint: model.fingerprint,
        resolvedUri: model.resolvedUri,
        from: found.place.label,
        artifactPath: found.path,
        layout: found.layout,
        modelFolder,
        files: result.files,
        bytes: result.bytes,
        completedAt: new Date().toISOString(),
      };
      await fs.writeFile(join(staging, markerName), JSON.stringify(marker, null, 2));
      const entry = this.entryFolder(trackingUri, model);
      // Another window finished the same model meanwhile: its folder may be open already, keep it.
      const theirs = await this.lookup(trackingUri, model);
      if (theirs) {
        await markInUse(entry);
        return theirs;
      }
      // A leftover without its marker makes way.
      await fs.rm(entry, { recursive: true, force: true });
      await fs.rename(staging, entry);
      return { folder: join(entry, modelFolder), marker, downloaded: true };
    } finally {
      this.staging.delete(staging);
      await fs.rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * Looks through the model's places in order for ONNX folders: the first place holding any wins;
   * one folder is taken, several go to `choose`. None anywhere is a NoOnnxFolderError saying what
   * was found instead.
   */
  async findOnnxFolder(client: MlflowClient, model: ResolvedMlflowModel, options: FetchOptions = {}): Promise<FoundOnnxFolder | undefined> {
    const seen: string[] = [];
    for (const place of model.places) {
      options.onStep?.('listing', `artifacts of ${place.label}`);
      const listing: FileInfo[] = [];
      for await (const file of client.artifacts.listFiles(place.source, place.root || undefined, options.signal)) listing.push(file);
      const candidates = findOnnxFolders(listing);
      if (candidates.length === 0) {
        seen.push(`${place.label}${place.root ? ` under ${place.root}` : ''}: ${describeListing(listing)}`);
        continue;
      }
      const found = candidates.map((candidate) => ({ ...candidate, place, bytes: sizeUnder(listing, candidate.path) }));
      if (found.length === 1) return found[0];
      if (!options.choose) return found[0];
      return options.choose(found);
    }
    throw new NoOnnxFolderError(
      `${model.requestedUri} holds no ONNX model folder (a folder with genai_config.json, or config.json beside onnx/model*.onnx) — found ${seen.join('; ')}`,
    );
  }

  /**
   * Staging folders of downloads whose process died (the editor killed mid-download) would stay for
   * good: one untouched for a day is removed. A younger one may be another window's download.
   */
  private async sweepAbandonedStaging(): Promise<void> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith(stagingPrefix))) {
      const path = join(this.root, name);
      if (this.staging.has(path)) continue;
      if (!(await madeByCache(path, name)) || (await usedElsewhere(path)).length) continue;
      const stat = await fs.stat(path).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > abandonedAfterMs) await fs.rm(path, { recursive: true, force: true });
    }
  }

  /** What clear() would remove now, for the confirmation: nothing is deleted. */
  plan(): Promise<ClearResult> {
    return this.sweep(false);
  }

  /**
   * Removes the entries and leftovers the cache made (they carry its entry marker, or a complete
   * marker whose hash is the folder's name), with their size. Anything else in the folder stays, as
   * do the downloads running in this window and entries another live window has marked in use.
   */
  clear(): Promise<ClearResult> {
    return this.sweep(true);
  }

  private async sweep(remove: boolean): Promise<ClearResult> {
    let names: string[];
    try {
      names = await fs.readdir(this.root);
    } catch {
      return { entries: 0, bytes: 0, inUse: [], notOurs: [] };
    }
    let entries = 0;
    let bytes = 0;
    const inUse: string[] = [];
    const notOurs: string[] = [];
    for (const name of names.sort()) {
      const path = join(this.root, name);
      if (this.staging.has(path)) continue;
      if (!(await madeByCache(path, name))) {
        notOurs.push(name);
        continue;
      }
      if ((await usedElsewhere(path)).length) {
        inUse.push(name);
        continue;
      }
      bytes += await sizeOnDisk(path);
      if (remove) await fs.rm(path, { recursive: true, force: true });
      if (!name.startsWith(stagingPrefix)) entries++;
    }
    return { entries, bytes, inUse, notOurs };
  }

  /** Bytes the cache holds now. */
  async size(): Promise<number> {
    return sizeOnDisk(this.root);
  }
}

/** A real folder (not a link) the cache made: its entry marker, or (entries made before it) a complete marker whose hash names the folder. */
async function madeByCache(path: string, name: string): Promise<boolean> {
  const stat = await fs.lstat(path).catch(() => undefined);
  if (!stat?.isDirectory()) return false;
  const marker = await fs.lstat(join(path, entryMarkerName)).catch(() => undefined);
  if (marker?.isFile()) return true;
  try {
    const complete = JSON.parse(await fs.readFile(join(path, markerName), 'utf8')) as Partial<CompleteMarker>;
    return (
      complete.format === 1 &&
      typeof complete.trackingUri === 'string' &&
      typeof complete.cacheUri === 'string' &&
      typeof complete.fingerprint === 'string' &&
      ModelArtifactCache.entryName(complete.trackingUri, complete.cacheUri, complete.fingerprint) === name
    );
  } catch {
    return false;
  }
}

/** Marks the folder as used by this process (best effort: a read-only cache still opens). */
async function markInUse(folder: string): Promise<void> {
  await fs.writeFile(join(folder, `${lockPrefix}${process.pid}`), `${process.pid}\n`).catch(() => undefined);
}

/** The live processes other than this one whose in-use lock is in the folder. */
export async function usedElsewhere(folder: string): Promise<number[]> {
  const names = await fs.readdir(folder).catch(() => [] as string[]);
  const pids = names.filter((n) => n.startsWith(lockPrefix)).map((n) => Number(n.slice(lockPrefix.length)));
  return pids.filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The modal confirmation of Clear Model Cache: undefined when there is nothing to remove. */
export function clearConfirmation(plan: ClearResult, folder: string): { message: string; detail: string } | undefined {
  if (plan.bytes === 0 && plan.entries === 0) return undefined;
  const kept = [
    plan.inUse.length
      ? `${plan.inUse.length} model${plan.inUse.length === 1 ? '' : 's'} open in another window stay${plan.inUse.length === 1 ? 's' : ''}.`
      : '',
    plan.notOurs.length
      ? `${plan.notOurs.length} other item${plan.notOurs.length === 1 ? '' : 's'} in the folder (not made by the cache) stay${plan.notOurs.length === 1 ? 's' : ''} untouched.`
      : '',
  ].filter(Boolean);
  return {
    message: `Delete ${plan.entries} cached model${plan.entries === 1 ? '' : 's'} (${formatBytes(plan.bytes)}) from ${folder}?`,
    detail: ['Only folders the model cache downloaded are removed; they are downloaded again when next opened.', ...kept].join(' '),
  };
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The promise's value, or a 'cancelled' error as soon as the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  const call = { method: 'GET', path: what };
  if (signal.aborted) return Promise.reject(cancelledError(call));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledError(call));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function sizeUnder(listing: readonly FileInfo[], folder: string): number | undefined {
  let total = 0;
  for (const file of listing) {
    if (folder && !file.path.startsWith(`${folder}/`)) continue;
    if (file.fileSize === undefined) return undefined;
    total += file.fileSize;
  }
  return total;
}

async function sizeOnDisk(path: string): Promise<number> {
  let stat;
  try {
    stat = await fs.lstat(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const name of await fs.readdir(path)) total += await sizeOnDisk(join(path, name));
  return total;
}
