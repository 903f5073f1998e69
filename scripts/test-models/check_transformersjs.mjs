// Checks the test models from the engine's side of the fence: transformers.js (the tokenizer the engine
// uses) must give every reference's tokenizer ids and prompt ids, and transformers.js' own greedy generate on
// the transformers.js-layout model must give the recorded output ids.
//   node scripts/test-models/check_transformersjs.mjs [test/fixtures/models]
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

env.allowRemoteModels = false;
const root = resolve(process.argv[2] ?? 'test/fixtures/models');
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
let failures = 0;
let checks = 0;
const check = (ok, what) => {
  checks++;
  if (!ok) {
    failures++;
    console.log(`FAIL ${what}`);
  }
};

for (const name of readdirSync(root).filter((n) => existsSync(join(root, n, 'reference.json')))) {
  const folder = join(root, name);
  const reference = JSON.parse(readFileSync(join(folder, 'reference.json'), 'utf8'));
  const tokenizer = await AutoTokenizer.from_pretrained(folder);
  for (const c of reference.tokenizer_cases) check(same(tokenizer.encode(c.text), c.ids), `${name} tokenizer ${JSON.stringify(c.text)}`);
  for (const p of reference.prompts) check(same(tokenizer.encode(p.text), p.input_ids), `${name} prompt ${p.id} ids`);
  const turn = reference.multi_turn;
  check(same(tokenizer.encode(turn.second_text), turn.second_input_ids), `${name} second turn ids`);
  if (existsSync(join(folder, 'onnx', 'model.onnx'))) {
    const model = await AutoModelForCausalLM.from_pretrained(folder, { dtype: 'fp32', device: 'cpu' });
    for (const p of reference.prompts) {
      const out = await model.generate({ input_ids: tokenizer(p.text).input_ids, max_new_tokens: p.output_ids.length, do_sample: false });
      check(same(Array.from(out.data.slice(p.input_ids.length), Number), p.output_ids), `${name} transformers.js generate ${p.id}`);
    }
    await model.dispose();
  }
  console.log(`${name}: checked`);
}
console.log(`${checks - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
