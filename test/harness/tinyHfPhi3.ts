import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, transformersVenvPython } from './paths';

/** The fixture with a Phi-3 config.json and Phi-3's tokenizer files (its ONNX graph is not used here). */
export const tinyPhi3Fixture = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-transformersjs');

/**
 * Saves a tiny random-weight Phi-3 (`Phi3ForCausalLM`, fixed seed) with its tokenizer, in Hugging Face
 * format, into `target`: a local folder a `transformers.pipeline(model=...)` loads like a hub model id,
 * made offline in .venv-transformers.
 */
export async function makeTinyHfPhi3(target: string): Promise<void> {
  if (!existsSync(transformersVenvPython))
    throw new Error(`${transformersVenvPython} is missing: run bash scripts/setup.sh (it builds .venv-transformers)`);
  await promisify(execFile)(transformersVenvPython, [join(repoRoot, 'test', 'harness', 'make_tiny_hf_phi3.py'), tinyPhi3Fixture, target], {
    timeout: 600_000,
    maxBuffer: 16 << 20,
    env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
  });
}
