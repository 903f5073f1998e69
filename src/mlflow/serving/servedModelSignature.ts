import { parse as parseYaml } from 'yaml';
import { readArtifactText } from '../artifactText';
import type { MlflowClient } from '../client';
import { type MlflowModelSpec, resolveMlflowModel } from '../mlflowModelSource';
import { parseMlmodel } from '../mlmodel';
import { scoringSignatureOf, type ScoringSignature } from '../scoring/scoringSignature';

/**
 * The request shape a model in MLflow takes once served, read from its MLmodel (the signature, and
 * `metadata.task` that chat models carry) where the server keeps its files: a version's or alias's
 * source, a logged model's root, a run's folder. Undefined when the signature is neither Phi-3
 * shape (the caller asks the user).
 */
export async function servedModelSignature(
  client: MlflowClient,
  spec: MlflowModelSpec,
  signal?: AbortSignal,
): Promise<ScoringSignature | undefined> {
  const resolved = await resolveMlflowModel(client, spec);
  const place = resolved.places[0];
  if (!place) return undefined;
  const path = place.root ? `${place.root}/MLmodel` : 'MLmodel';
  const text = await readArtifactText(client.artifacts, place.source, path, { signal });
  const metadata = (parseYaml(text) as { metadata?: { task?: unknown } } | null)?.metadata;
  return scoringSignatureOf(parseMlmodel(text).signature, typeof metadata?.task === 'string' ? metadata.task : undefined);
}
