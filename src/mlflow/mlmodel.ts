import { parse } from 'yaml';
import { errorMessage } from '../errorMessage';

/**
 * What an `MLmodel` file says about a model, read from its YAML: the flavors, the ids it names and
 * its signature. The signature's inputs, outputs and params are JSON strings inside the YAML.
 */
export interface MlmodelSummary {
  readonly flavors: readonly string[];
  readonly runId?: string;
  readonly modelId?: string;
  readonly artifactPath?: string;
  readonly mlflowVersion?: string;
  readonly signature?: ModelSignature;
}

export interface ModelSignature {
  readonly inputs: readonly SignatureField[];
  readonly outputs: readonly SignatureField[];
  readonly params: readonly SignatureField[];
}

export interface SignatureField {
  /** Column or param name; undefined for an unnamed column or tensor. */
  readonly name?: string;
  /** `string`, `long`, `tensor float32 [-1, 4]`, `array<string>`, … */
  readonly type: string;
  readonly required: boolean;
  /** A param's default, as JSON text. */
  readonly default?: string;
}

export class MlmodelError extends Error {
  override readonly name = 'MlmodelError';
}

export function parseMlmodel(text: string): MlmodelSummary {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new MlmodelError(`MLmodel is not valid YAML: ${errorMessage(error)}`);
  }
  if (!document || typeof document !== 'object') throw new MlmodelError('MLmodel is empty or not a YAML mapping');
  const model = document as Record<string, unknown>;
  const flavors = model.flavors && typeof model.flavors === 'object' ? Object.keys(model.flavors) : [];
  const text_ = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const signature = model.signature && typeof model.signature === 'object' ? (model.signature as Record<string, unknown>) : undefined;
  return {
    flavors,
    runId: text_(model.run_id),
    modelId: text_(model.model_id) ?? text_(model.model_uuid),
    artifactPath: text_(model.artifact_path),
    mlflowVersion: text_(model.mlflow_version),
    signature: signature && {
      inputs: fieldsOf(signature.inputs, 'inputs'),
      outputs: fieldsOf(signature.outputs, 'outputs'),
      params: fieldsOf(signature.params, 'params'),
    },
  };
}

function fieldsOf(raw: unknown, what: string): SignatureField[] {
  if (raw === undefined || raw === null || raw === '') return [];
  let specs: unknown;
  try {
    specs = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch (error) {
    throw new MlmodelError(`The signature's ${what} are not valid JSON: ${errorMessage(error)}`);
  }
  if (!Array.isArray(specs)) throw new MlmodelError(`The signature's ${what} are not a list`);
  return specs.map((spec: Record<string, unknown>) => ({
    name: typeof spec.name === 'string' ? spec.name : undefined,
    type: typeName(spec),
    required: spec.required !== false,
    default: 'default' in spec ? JSON.stringify(spec.default) : undefined,
  }));
}

function typeName(spec: Record<string, unknown>): string {
  if (spec.type === 'tensor') {
    const tensor = (spec['tensor-spec'] ?? {}) as { dtype?: string; shape?: unknown };
    return `tensor ${tensor.dtype ?? '?'} ${JSON.stringify(tensor.shape ?? [])}`;
  }
  if (spec.type === 'array' && spec.items && typeof spec.items === 'object')
    return `array<${typeName(spec.items as Record<string, unknown>)}>`;
  if (spec.type === 'object') return 'object';
  const shape = spec.shape !== undefined ? ` ${JSON.stringify(spec.shape)}` : '';
  return `${typeof spec.type === 'string' ? spec.type : 'unknown'}${shape}`;
}
