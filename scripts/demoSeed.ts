import type { ExplorerSeedSpec } from './lib/seedExplorer';

export const demoExperimentName = 'Phi-3 Mini wrappers';

const prompts = [
  { prompt: 'Explain what an MLflow model signature is in one sentence.' },
  { prompt: 'Write a Python function that reverses a string.' },
  { prompt: 'What is the capital of France?' },
]
  .map((p) => JSON.stringify(p))
  .join('\n');

/**
 * A demo experiment shaped like what users of the two Phi-3 recipes log: runs, settings, speed figures,
 * a logged model registered with an alias, so every part of the explorer has something to show.
 */
export const demoSeed: ExplorerSeedSpec = {
  experiments: [
    {
      name: demoExperimentName,
      tags: { 'mlflow.note.content': 'Phi-3 Mini wrapped as MLflow models: ONNX pyfunc and transformers pipeline.' },
      runs: [
        {
          name: 'onnx-cpu-int4',
          params: { recipe: 'custom ONNX pyfunc', artifact: 'cpu-int4-rtn-block-32-acc-level-4', max_length: 2048, temperature: 0.6 },
          metrics: { tokens_per_second: [9.8, 10.4, 10.9, 11.2], time_to_first_token_ms: [820, 640, 610, 600] },
          tags: { 'phi3.recipe': 'onnx-pyfunc' },
          artifacts: {
            'eval/prompts.jsonl': `${prompts}\n`,
            'README.md': '# onnx-cpu-int4\nPhi-3 Mini 4k instruct, int4 RTN block 32, CPU.\n',
          },
        },
        {
          name: 'onnx-cpu-fp32',
          params: { recipe: 'custom ONNX pyfunc', artifact: 'cpu-fp32', max_length: 2048, temperature: 0.6 },
          metrics: { tokens_per_second: [3.1, 3.3, 3.4], time_to_first_token_ms: [2100, 1900, 1850] },
          tags: { 'phi3.recipe': 'onnx-pyfunc' },
        },
        {
          name: 'transformers-llm-v1-chat',
          params: { recipe: 'transformers pipeline', task: 'llm/v1/chat', max_new_tokens: 256 },
          metrics: { tokens_per_second: [4.2, 4.6], time_to_first_token_ms: [1500, 1320] },
          tags: { 'phi3.recipe': 'transformers' },
          status: 'FAILED',
        },
      ],
      loggedModel: {
        name: 'phi3-mini-onnx',
        register: [
          {
            name: 'phi3-mini',
            description: 'Phi-3 Mini 4k instruct as an MLflow pyfunc (demo stand-in).',
            tags: { recipe: 'onnx-pyfunc' },
            versions: 2,
            aliases: { champion: '1', challenger: '2' },
          },
        ],
      },
    },
  ],
};
