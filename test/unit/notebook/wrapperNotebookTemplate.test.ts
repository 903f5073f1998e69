import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CellKind } from '../../../src/notebook/ipynb';
import { kernelEnvironment } from '../../../src/notebook/kernelEnvironment';
import { type KernelOutput, PythonKernel } from '../../../src/notebook/pythonKernel';
import { wrapperNotebookCells } from '../../../src/notebook/wrapperNotebookTemplate';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { repoRoot, transformersVenvPython, venvPython } from '../../harness/paths';
import { makeTinyHfPhi3 } from '../../harness/tinyHfPhi3';

const onnxFolder = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');

describe('wrapper notebook templates', () => {
  for (const recipe of ['transformers-pipeline', 'custom-onnx-pyfunc'] as const) {
    it(`writes the ${recipe} recipe as cells of valid Python, ending by loading the model back and calling predict`, () => {
      const cells = wrapperNotebookCells({
        recipe,
        model: recipe === 'custom-onnx-pyfunc' ? onnxFolder : 'microsoft/Phi-3-mini-4k-instruct',
        artifactPath: 'phi3-mlflow-model',
        registeredModelName: 'it\'s "quoted"',
      });
      assert.equal(cells[0]!.kind, CellKind.Markup);
      const code = cells.filter((c) => c.kind === CellKind.Code);
      for (const cell of code) {
        const parsed = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], {
          input: cell.value,
          encoding: 'utf8',
        });
        assert.equal(parsed.status, 0, `${parsed.stderr}\n${cell.value}`);
      }
      assert.match(code[0]!.value, /REGISTERED_MODEL_NAME = "it's \\"quoted\\""/);
      const last = code.at(-1)!.value;
      assert.match(last, /^loaded = mlflow\.pyfunc\.load_model\(model_info\.model_uri\)\nloaded\.predict\(/);
      assert.match(last, recipe === 'custom-onnx-pyfunc' ? /predict\(\{"prompt": "<\|user\|>/ : /predict\(\{"messages": \[/);
      assert.ok(code.some((c) => c.value.includes(recipe === 'custom-onnx-pyfunc' ? 'mlflow.pyfunc.log_model(' : 'task="llm/v1/chat"')));
    });
  }

  // No skipping when a venv is missing: scripts/setup.sh makes both, and CI must run these.
  describe('the custom ONNX recipe, run cell by cell in the notebook kernel against a real MLflow server', () => {
    let server: MlflowServer;
    let kernel: PythonKernel;
    before(async () => {
      assert.ok(existsSync(venvPython), `${venvPython} is missing: run scripts/setup.sh`);
      server = await startMlflowServer();
      kernel = new PythonKernel({
        python: venvPython,
        driverDir: join(repoRoot, 'media', 'python'),
        env: kernelEnvironment(process.env, { uri: server.url, auth: { kind: 'none' } }),
      });
    });
    after(async () => {
      kernel?.dispose();
      await server?.stop();
    });

    it('logs, registers, loads and predicts', { timeout: 600_000 }, async () => {
      const cells = wrapperNotebookCells({
        recipe: 'custom-onnx-pyfunc',
        model: onnxFolder,
        artifactPath: 'phi3-mlflow-model',
        registeredModelName: 'phi3-template',
        experiment: 'template-test',
      });
      const results: { outputs: KernelOutput[]; status: string }[] = [];
      for (const cell of cells.filter((c) => c.kind === CellKind.Code)) {
        const outputs: KernelOutput[] = [];
        const end = await kernel.execute(cell.value, (o) => outputs.push(o));
        results.push({ outputs, status: end.status });
        assert.equal(end.status, 'ok', `${cell.value}\n${JSON.stringify(outputs, null, 1).slice(0, 4000)}`);
      }
      const stdout = (i: number) =>
        results[i]!.outputs.flatMap((o) => (o.type === 'stream' && o.name === 'stdout' ? [o.text] : [])).join('');
      assert.equal(stdout(1), 'All there: mlflow, onnxruntime-genai, numpy\n');
      assert.equal(stdout(2), `Tracking server: ${server.url}\n`);
      // MLflow prints its own "View run" lines too.
      const logged = /^Logged (models:\/m-[0-9a-f]+) in run ([0-9a-f]{32})$/m.exec(stdout(4));
      assert.ok(logged, stdout(4));
      const answer = results.at(-1)!.outputs.find((o) => o.type === 'result');
      assert.ok(
        answer && answer.type === 'result' && typeof answer.data['text/plain'] === 'string' && /^['"]/.test(answer.data['text/plain']),
        JSON.stringify(answer),
      );
      const registered = (await (await fetch(`${server.url}/api/2.0/mlflow/registered-models/get?name=phi3-template`)).json()) as {
        registered_model: { latest_versions: { run_id: string }[] };
      };
      assert.equal(registered.registered_model.latest_versions[0]!.run_id, logged[2]);
    });
  });

  describe('the Transformers recipe, run cell by cell in .venv-transformers against a real MLflow server', () => {
    let server: MlflowServer;
    let kernel: PythonKernel;
    let scratch: string;
    before(async () => {
      assert.ok(existsSync(transformersVenvPython), `${transformersVenvPython} is missing: run scripts/setup.sh`);
      scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-template-hf-'));
      await makeTinyHfPhi3(join(scratch, 'phi3-tiny-hf'));
      server = await startMlflowServer();
      kernel = new PythonKernel({
        python: transformersVenvPython,
        driverDir: join(repoRoot, 'media', 'python'),
        env: { ...kernelEnvironment(process.env, { uri: server.url, auth: { kind: 'none' } }), HF_HUB_OFFLINE: '1' },
      });
    });
    after(async () => {
      kernel?.dispose();
      await server?.stop();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it(
      'logs the pipeline with the llm/v1/chat task, registers it, loads it back and answers a chat completion',
      { timeout: 900_000 },
      async () => {
        const cells = wrapperNotebookCells({
          recipe: 'transformers-pipeline',
          model: join(scratch, 'phi3-tiny-hf'),
          artifactPath: 'phi3-mlflow-model',
          registeredModelName: 'phi3-hf-template',
          experiment: 'template-test',
        });
        const results: { outputs: KernelOutput[]; status: string }[] = [];
        for (const cell of cells.filter((c) => c.kind === CellKind.Code)) {
          const outputs: KernelOutput[] = [];
          const end = await kernel.execute(cell.value, (o) => outputs.push(o));
          results.push({ outputs, status: end.status });
          assert.equal(end.status, 'ok', `${cell.value}\n${JSON.stringify(outputs, null, 1).slice(0, 6000)}`);
        }
        const stdout = (i: number) =>
          results[i]!.outputs.flatMap((o) => (o.type === 'stream' && o.name === 'stdout' ? [o.text] : [])).join('');
        assert.equal(stdout(1), 'All there: mlflow, transformers, torch, torchvision\n');
        assert.equal(stdout(2), `Tracking server: ${server.url}\n`);
        const logged = /^Logged (models:\/m-[0-9a-f]+) in run ([0-9a-f]{32})$/m.exec(stdout(4));
        assert.ok(logged, stdout(4));
        const answer = results.at(-1)!.outputs.find((o) => o.type === 'result');
        assert.ok(answer && answer.type === 'result', JSON.stringify(results.at(-1)));
        const shown = String(answer.data['text/plain']);
        assert.match(shown, /'object': 'chat\.completion'/);
        assert.match(
          shown,
          /'choices': \[\{'index': 0, 'finish_reason': '(length|stop)', 'message': \{'role': 'assistant', 'content': ['"]/,
        );
        const registered = (await (await fetch(`${server.url}/api/2.0/mlflow/registered-models/get?name=phi3-hf-template`)).json()) as {
          registered_model: { latest_versions: { run_id: string }[] };
        };
        assert.equal(registered.registered_model.latest_versions[0]!.run_id, logged[2]);
      },
    );
  });
});
