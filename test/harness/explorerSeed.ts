import type { ExplorerSeedSpec } from './seedExplorer';

/** A run named like an attack on the UI: it must read as these characters everywhere. */
export const markupRunName = '<img src=x onerror=alert(1)>';

/**
 * A name built to fool whoever reads it: HTML, Markdown, a `command:` link, and a right-to-left
 * override that would make the end read "…xnno.png". MLflow takes it for experiments, runs, param
 * and tag values and artifact files (not for param, metric or tag keys, nor aliases: those it keeps
 * to letters, digits and `_-. :/`).
 */
export const hostileName = '<img src=x onerror=alert(1)>**bold**[link](command:workbench.action.quit)\u202Egnp.onnx';
/** The same for model names, which MLflow keeps free of `/ : . %` and quotes: with an isolate pair. */
export const hostileModelName = '<img src=x onerror=alert(1)>**bold**[link](#quit)\u2067exe\u2069';
/** How the extension shows them: the markup as its characters, the bidirectional controls visible. */
export const hostileNameShown = '<img src=x onerror=alert(1)>**bold**[link](command:workbench.action.quit)⟪U+202E⟫gnp.onnx';
export const hostileModelNameShown = '<img src=x onerror=alert(1)>**bold**[link](#quit)⟪U+2067⟫exe⟪U+2069⟫';

/** What the explorer's in-host and end-to-end tests browse (seeded with MLflow's Python client). */
export const explorerSeed: ExplorerSeedSpec = {
  experiments: [
    { name: 'Old experiment', deleted: true, runs: [{ name: 'forgotten' }] },
    {
      name: 'Paging',
      runs: Array.from({ length: 55 }, (_, i) => ({ name: `run-${String(i).padStart(2, '0')}`, metrics: { m: [i] } })),
    },
    {
      name: 'Phi-3 Mini wrappers',
      tags: { 'mlflow.note.content': 'Phi-3 Mini wrapped as MLflow models.' },
      runs: [
        {
          name: 'onnx-cpu-int4',
          params: { recipe: 'custom ONNX pyfunc', lr: '0.01', max_length: 2048 },
          metrics: { loss: [1.0, 0.6, 0.4, 0.3], tokens_per_second: [9.8, 10.4, 10.9, 11.2] },
          tags: { 'phi3.recipe': 'onnx-pyfunc' },
          artifacts: { 'eval/prompts.jsonl': '{"prompt": "What is MLflow?"}\n', 'README.md': '# onnx-cpu-int4\nPhi-3 Mini, int4, CPU.\n' },
        },
        {
          name: 'onnx-cpu-fp32',
          params: { recipe: 'custom ONNX pyfunc', lr: '0.02', max_length: 2048 },
          metrics: { loss: [1.2, 0.9, 0.7], tokens_per_second: [3.1, 3.3, 3.4] },
          durationMs: 45_000,
        },
        {
          name: markupRunName,
          params: { lr: '0.1' },
          metrics: { loss: [0.8] },
          tags: { note: '<b>bold</b>' },
          status: 'FAILED',
          durationMs: 3_725_000,
        },
      ],
      loggedModel: {
        name: 'phi3-echo',
        register: [
          {
            name: 'phi3-echo',
            description: 'An echo model standing in for Phi-3.',
            tags: { team: 'nlp' },
            versions: 2,
            aliases: { champion: '1' },
            stages: { '2': 'Staging' },
            versionTags: { '1': { validated: 'yes' } },
          },
        ],
      },
    },
    {
      name: hostileName,
      runs: [
        {
          name: hostileName,
          params: { lr: hostileName },
          metrics: { loss: [0.9, 0.7] },
          tags: { note: hostileName },
          artifacts: { [`${hostileName}.txt`]: 'named to fool\n' },
        },
      ],
      loggedModel: { name: hostileModelName, register: [{ name: hostileModelName, description: hostileName, aliases: { champion: '1' } }] },
    },
  ],
};
