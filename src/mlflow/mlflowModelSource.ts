import { type ArtifactSource, loggedModelArtifacts, runArtifacts } from './artifacts';
import type { MlflowClient } from './client';
import type { ModelVersion } from './entities';
import { aliasModelUri, loggedModelUri, runModelUri, versionFiles, versionModelUri } from './modelUris';

/** A model that lives in MLflow, as a user names it: the four kinds of URI MLflow loads models from. */
export type MlflowModelSpec =
  | {
      readonly kind: 'run';
      readonly runId: string;
      /** Artifact folder to look in; '' for all the run's artifacts. */ readonly path?: string;
    }
  | { readonly kind: 'loggedModel'; readonly modelId: string }
  | { readonly kind: 'version'; readonly name: string; readonly version: string }
  | { readonly kind: 'alias'; readonly name: string; readonly alias: string };

/** `runs:/<run>[/path]`, `models:/<model_id>`, `models:/<name>/<version>`, `models:/<name>@<alias>`. */
export function mlflowModelUriOf(spec: MlflowModelSpec): string {
  switch (spec.kind) {
    case 'run':
      return spec.path ? runModelUri(spec.runId, spec.path) : `runs:/${spec.runId}`;
    case 'loggedModel':
      return loggedModelUri(spec.modelId);
    case 'version':
      return versionModelUri(spec.name, spec.version);
    case 'alias':
      return aliasModelUri(spec.name, spec.alias);
  }
}

/** Reads a model URI; a malformed one gets a message saying which forms there are. */
export function parseMlflowModelUri(text: string): MlflowModelSpec {
  const uri = text.trim();
  const forms = 'runs:/<run_id>[/<path>], models:/<name>/<version>, models:/<name>@<alias> or models:/<model_id>';
  const run = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (run) return { kind: 'run', runId: run[1]!, path: (run[2] ?? '').replace(/^\/+|\/+$/g, '') };
  const models = /^models:\/(.+)$/.exec(uri);
  if (models) {
    const rest = models[1]!.replace(/\/+$/, '');
    const alias = /^([^/@]+)@([^/@]+)$/.exec(rest);
    if (alias) return { kind: 'alias', name: alias[1]!, alias: alias[2]! };
    const version = /^([^@]+)\/(\d+)$/.exec(rest);
    if (version) return { kind: 'version', name: version[1]!, version: version[2]! };
    if (/^m-[0-9a-f]+$/.test(rest)) return { kind: 'loggedModel', modelId: rest };
    if (/^[^/@]+\/[^/@]+$/.test(rest))
      throw new Error(`"${uri}": a version is a number (stages such as /Production are not supported here; use an alias)`);
  }
  throw new Error(`"${uri}" is not a model URI this can open: use ${forms}`);
}

/** An artifact folder to look for the ONNX folder in. */
export interface ArtifactPlace {
  readonly source: ArtifactSource;
  /** The folder under the source's artifact root; '' for all of it. */
  readonly root: string;
  /** For messages: `run 0a1b…`, `logged model m-…`. */
  readonly label: string;
}

/** Where a model's files are in MLflow, and what to call it. */
export interface ResolvedMlflowModel {
  /** The URI as asked for, e.g. `models:/phi3@champion`. */
  readonly requestedUri: string;
  /** What that is now: an alias as the version it points to (`models:/phi3/3`); other URIs as asked. */
  readonly resolvedUri: string;
  /**
   * The URI its files are cached under: what they are, not what they are called. A version's (and so
   * an alias's) is its source, `models:/m-…` or `runs:/<run>/<path>`: an alias that moved opens the
   * new version's files, and a version shares its download with its logged model and with other
   * versions of the same files.
   */
  readonly cacheUri: string;
  /** Also part of the cache key: what tells apart two ways of opening one URI (a run with or without its logged models). */
  readonly fingerprint: string;
  /** Where to look for the ONNX folder, in order: the first place holding one is taken. */
  readonly places: readonly ArtifactPlace[];
  /** For the panel's title: `phi3-mini v3 (@champion)`, a logged model's or a run's name. */
  readonly title: string;
  readonly version?: ModelVersion;
}

/** Asks the server where the model's files are: a version or alias through its source, a logged model by id. */
export async function resolveMlflowModel(client: MlflowClient, spec: MlflowModelSpec): Promise<ResolvedMlflowModel> {
  const requestedUri = mlflowModelUriOf(spec);
  switch (spec.kind) {
    case 'run': {
      const run = await client.runs.get(spec.runId);
      const name = run.info.runName || spec.runId;
      const places: ArtifactPlace[] = [
        { source: runArtifacts(spec.runId, run.info.artifactUri), root: spec.path ?? '', label: `run ${spec.runId}` },
      ];
      // MLflow 3 keeps a run's logged models apart from its artifacts: look in them after the run's own.
      if (!spec.path) {
        for (const output of run.modelOutputs) {
          const model = await client.loggedModels.get(output.modelId);
          places.push({
            source: loggedModelArtifacts(model.modelId, model.artifactUri),
            root: '',
            label: `logged model ${model.name} (${model.modelId})`,
          });
        }
      }
      // Opened whole, a run also looks in its logged models: not the same files as its artifacts alone.
      const fingerprint = spec.path ? '' : 'run and its logged models';
      return {
        requestedUri,
        resolvedUri: requestedUri,
        cacheUri: requestedUri,
        fingerprint,
        places,
        title: spec.path ? `${name}/${spec.path}` : name,
      };
    }
    case 'loggedModel': {
      const model = await client.loggedModels.get(spec.modelId);
      const places = [{ source: loggedModelArtifacts(model.modelId, model.artifactUri), root: '', label: `logged model ${model.modelId}` }];
      return {
        requestedUri,
        resolvedUri: requestedUri,
        cacheUri: requestedUri,
        fingerprint: '',
        places,
        title: model.name || model.modelId,
      };
    }
    case 'version':
    case 'alias': {
      const version =
        spec.kind === 'version'
          ? await client.registry.getVersion(spec.name, spec.version)
          : await client.registry.getVersionByAlias(spec.name, spec.alias);
      const files = versionFiles(version.source, version.runId, version.modelId);
      if (!files) throw new Error(`Version ${version.version} of "${version.name}" has a source this cannot download: ${version.source}`);
      const place: ArtifactPlace =
        files.kind === 'run'
          ? {
              source: runArtifacts(files.runId, (await client.runs.get(files.runId)).info.artifactUri),
              root: files.path,
              label: `run ${files.runId}`,
            }
          : {
              source: loggedModelArtifacts(files.modelId, (await client.loggedModels.get(files.modelId)).artifactUri),
              root: files.path,
              label: `logged model ${files.modelId}`,
            };
      const title = `${version.name} v${version.version}${spec.kind === 'alias' ? ` (@${spec.alias})` : ''}`;
      const cacheUri =
        files.kind === 'run' ? mlflowModelUriOf({ kind: 'run', runId: files.runId, path: files.path }) : loggedModelUri(files.modelId);
      return {
        requestedUri,
        resolvedUri: versionModelUri(version.name, version.version),
        cacheUri,
        fingerprint: '',
        places: [place],
        title,
        version,
      };
    }
  }
}
