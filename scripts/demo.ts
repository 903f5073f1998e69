/**
 * The product's main job on its embedded default: a local MLflow server (sqlite, proxied artifacts)
 * seeded with a demo experiment and a registered Phi-3 wrapper model (scripts/demoModel.ts), and VS Code
 * (code-server) with the packaged extension installed and connected to it, the model's ONNX folder in
 * its workspace ready to chat with. Prints the URL to open; Ctrl+C stops both. State is kept in .demo/ between runs.
 *
 *   bash scripts/demo.sh [--port 8080] [--mlflow-port 5000]
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCodeServer } from './lib/codeServer';
import { freePort } from './lib/freePort';
import { startMlflowServer } from './lib/mlflowServer';
import { repoRoot } from './lib/paths';
import { seedExplorer } from './lib/seedExplorer';
import { demoRegisteredModel, setUpDemoModel } from './demoModel';
import { demoExperimentName, demoSeed } from './demoSeed';

async function portOrFree(wanted: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => void freePort().then(resolvePort));
    probe.listen(wanted, '127.0.0.1', () => probe.close(() => resolvePort(wanted)));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '8080' }, 'mlflow-port': { type: 'string', default: '5000' } },
  });
  const demoDir = join(repoRoot, '.demo');
  const workspace = join(demoDir, 'workspace');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(join(demoDir, 'mlflow'), { recursive: true });

  const mlflow = await startMlflowServer({ port: await portOrFree(Number(values['mlflow-port'])), dataDir: join(demoDir, 'mlflow') });
  const existing = await fetch(
    `${mlflow.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(demoExperimentName)}`,
  );
  if (existing.status === 404) {
    const seeded = await seedExplorer(mlflow.url, demoSeed);
    console.log(`Seeded "${demoExperimentName}" with ${seeded.experiments[0]!.runs.length} runs.`);
  }
  const demoModel = await setUpDemoModel(mlflow.url, workspace);
  console.log(demoModel.message);

  const vsix = readdirSync(repoRoot).find((f) => /^phi3-mlflow-.*\.vsix$/.test(f));
  if (!vsix) throw new Error('No VSIX: run `npm run package` first (scripts/demo.sh does).');
  const codeServer = await startCodeServer({
    workspace,
    port: await portOrFree(Number(values.port)),
    dataDir: join(demoDir, 'code-server'),
    installVsix: [join(repoRoot, vsix)],
    // The demo workspace lies inside this repository: keep VS Code's git from offering to open it.
    // The chat opens on the registered champion as the workbench opens: downloaded from MLflow, ready to try.
    settings: {
      'phi3Mlflow.trackingUri': mlflow.url,
      'phi3Mlflow.chat.openOnStartup': `models:/${demoRegisteredModel}@champion`,
      'git.openRepositoryInParentFolders': 'never',
    },
  });

  console.log(`
MLflow tracking server: ${mlflow.url}  (its web UI too)
VS Code with Phi-3 MLflow: ${codeServer.url}/?folder=${encodeURIComponent(workspace)}

Open the VS Code URL in a browser: the chat opens on models:/${demoRegisteredModel}@champion, downloaded
from MLflow (random weights: the words are gibberish, the rest is real). The MLflow (flask) icon in the
activity bar shows the explorer; the same model's folder is in the workspace: ${demoModel.modelFolder}.
Press Ctrl+C to stop both servers.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await codeServer.stop();
    await mlflow.stop();
    process.exit(0);
  };
  // With these, the harness leaves Ctrl+C to the demo, which stops both servers gracefully.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
