import { stringify } from 'yaml';

/**
 * YAML for files that Python reads with PyYAML (`MLmodel`, `conda.yaml`, `python_env.yaml`).
 * PyYAML speaks YAML 1.1, where a plain `2026-11-23 21:17:42.762083` is a timestamp and `yes` a
 * boolean: writing in the 1.1 schema quotes such strings so they stay strings. Sequences are not
 * indented under their key and lines are never folded, as MLflow's `yaml.safe_dump` writes them.
 */
export function pythonYamlDump(value: unknown, options: { sortKeys?: boolean } = {}): string {
  return stringify(value, {
    version: '1.1',
    singleQuote: true,
    indentSeq: false,
    lineWidth: 0,
    sortMapEntries: options.sortKeys ?? false,
  });
}
