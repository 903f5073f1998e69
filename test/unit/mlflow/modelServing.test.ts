/**
 * The serve-process manager against the real `python -m mlflow models serve --env-manager local`,
 * serving pyfunc test models (test/harness/save_scoring_models.py) registered on a basic-auth
 * MLflow server: the server downloads the model with the credentials in its environment, as
 * Serve This Model gives it the connection's.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MlflowClient } from '../../../src/mlflow/client';
import { causeLine, freeLoopbackPort, ServeError } from '../../../src/mlflow/serving/modelServeProcess';
import { ModelServers, type ServeRequest } from '../../../src/mlflow/serving/modelServers';
import { servedModelSignature } from '../../../src/mlflow/serving/servedModelSignature';
import { ScoringClient } from '../../../src/mlflow/scoring/scoringClient';
import { chatSignature, promptSignature } from '../../../src/mlflow/scoring/scoringSignature';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { kernelEnvironment } from '../../../src/notebook/kernelEnvironment';
import { basicAuthAdmin, type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { venvPython } from '../../harness/paths';
import { type LoggedScoringModel, logScoringModels } from '../../harness/scoringModels';

const admin = { kind: 'basic', ...basicAuthAdmin } as const;

/** The pids of a process group's members now (ps lists them by group id). */
function groupMembers(pgid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
  } catch {
    return []; // ps exits 1 when it lists nothing
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

describe('serving MLflow models: one `mlflow models serve` process group per model URI', () => {
  let server: MlflowServer;
  let chat: LoggedScoringModel;
  let prompt: LoggedScoringModel;
  let request: ServeRequest;

  before(async () => {
    server = await startMlflowServer({ appName: 'basic-auth' });
    ({ chat, prompt } = await logScoringModels(server.url, 'serving-unit', {
      MLFLOW_TRACKING_USERNAME: basicAuthAdmin.username,
      MLFLOW_TRACKING_PASSWORD: basicAuthAdmin.password,
    }));
    // The environment Serve This Model builds: the editor's, with the connection's URI and credentials.
    request = {
      python: venvPython,
      envManager: 'local',
      env: kernelEnvironment({ PATH: process.env.PATH, HOME: process.env.HOME }, { uri: server.url, auth: admin }),
    };
  });

  after(async () => {
    await server?.stop();
  });

  it('serves a registered alias with the connection credentials, answers /ping and /invocations, and reuses the server for the same URI', async () => {
    const servers = new ModelServers();
    const uri = `models:/${chat.name}@champion`;
    try {
      const [first, concurrent] = await Promise.all([servers.serve(uri, request), servers.serve(uri, request)]);
      assert.equal(first.reused, false);
      assert.equal(concurrent.reused, true, 'a second Serve while the first starts waits for it');
      assert.equal(concurrent.server, first.server);
      assert.match(first.server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(first.server.url, `http://127.0.0.1:${first.server.port}`);
      const client = new ScoringClient(first.server.url, chatSignature);
      await client.ping();
      const answer = await client.answer({ messages: [{ role: 'user', content: 'Hello there' }] }, { maxTokens: 7 });
      assert.equal(answer.text, '1 messages; last from user: Hello there; settings max_tokens=7');
      assert.match(first.server.log, /Uvicorn running on http:\/\/127\.0\.0\.1:\d+/);

      const again = await servers.serve(uri, request);
      assert.equal(again.reused, true);
      assert.equal(again.server.pid, first.server.pid);
      assert.deepEqual(
        servers.servers.map((s) => s.modelUri),
        [uri],
      );
    } finally {
      await servers.stopAll();
    }
  });

  it('reads the signature a served model takes from its MLmodel on the server: llm/v1/chat, {prompt}', async () => {
    const client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: admin });
    assert.deepEqual(await servedModelSignature(client, { kind: 'alias', name: chat.name, alias: 'champion' }), chatSignature);
    assert.deepEqual(await servedModelSignature(client, { kind: 'version', name: prompt.name, version: '1' }), promptSignature);
    assert.deepEqual(await servedModelSignature(client, { kind: 'loggedModel', modelId: chat.modelId }), chatSignature);
  });

  it('Stop ends every process of the group (the CLI and its uvicorn) and the port stops answering', async () => {
    const servers = new ModelServers();
    const { server: served } = await servers.serve(`models:/${prompt.modelId}`, request);
    const members = groupMembers(served.pid);
    assert.ok(members.length >= 2, `the CLI and uvicorn are in the group: ${members.join(', ')}`);
    assert.ok(members.includes(served.pid));
    const exits: string[] = [];
    served.onExit((description) => exits.push(description));
    let changes = 0;
    servers.onDidChange(() => changes++);

    assert.equal(await servers.stop(served.modelUri), true);
    assert.deepEqual(groupMembers(served.pid), []);
    assert.deepEqual(
      members.filter((pid) => alive(pid)),
      [],
    );
    assert.equal(served.running, false);
    assert.deepEqual(exits, ['killed by SIGTERM']);
    assert.ok(changes >= 1);
    assert.equal(await answers(served.url), false);
    assert.deepEqual(servers.servers, []);
    assert.equal(await servers.stop(served.modelUri), false, 'nothing left to stop');
  });

  it('stopAll and dispose leave no process behind', async () => {
    const servers = new ModelServers();
    const started = await Promise.all([
      servers.serve(`models:/${chat.name}/1`, request),
      servers.serve(`models:/${prompt.name}@champion`, request),
    ]);
    const pids = started.flatMap(({ server: s }) => groupMembers(s.pid));
    assert.ok(pids.length >= 4, pids.join(', '));
    await servers.stopAll();
    assert.deepEqual(
      pids.filter((pid) => alive(pid)),
      [],
    );

    // dispose cannot wait (the editor is closing): SIGKILL to each group, gone a moment later.
    const disposing = new ModelServers();
    const { server: last } = await disposing.serve(`models:/${chat.modelId}`, request);
    const lastMembers = groupMembers(last.pid);
    const gone = new Promise<string>((resolveGone) => last.onExit(resolveGone));
    disposing.dispose();
    assert.equal(await gone, 'killed by SIGKILL');
    assert.deepEqual(
      lastMembers.filter((pid) => alive(pid)),
      [],
    );
    await assert.rejects(disposing.serve(`models:/${chat.modelId}`, request), /disposed: the editor is closing/);
  });

  it('the editor killed with SIGKILL (no exit handler runs): its servers die with it, no orphan', async () => {
    // A stand-in for the extension host: a Node process that serves a model, says its group, and is then killed.
    const modulePath = join(__dirname, '..', '..', '..', 'src', 'mlflow', 'serving', 'modelServeProcess.js');
    const script = [
      `const { ModelServeProcess } = require(${JSON.stringify(modulePath)});`,
      `ModelServeProcess.start(${JSON.stringify({ ...request, modelUri: `models:/${chat.name}/1` })})`,
      "  .then((server) => console.log('ready ' + server.pid), (error) => { console.error(error.message); process.exit(2); });",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const editor = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    editor.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const pgid = await new Promise<number>((resolveReady, reject) => {
      let stdout = '';
      editor.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const ready = /ready (\d+)/.exec(stdout);
        if (ready) resolveReady(Number(ready[1]));
      });
      editor.once('exit', (code) => reject(new Error(`the stand-in exited (${code}) before serving: ${stderr}`)));
    });
    const members = groupMembers(pgid);
    assert.ok(members.length >= 2, members.join(', '));
    editor.kill('SIGKILL');
    // PR_SET_PDEATHSIG: the CLI gets SIGTERM as its parent dies, and its uvicorn as the CLI dies.
    const deadline = Date.now() + 60_000;
    while (members.some((pid) => alive(pid))) {
      assert.ok(Date.now() < deadline, `still alive: ${members.filter((pid) => alive(pid)).join(', ')}`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
    assert.deepEqual(groupMembers(pgid), []);
  });

  it('a model that does not exist: the error says what MLflow said, with the end of its log', async () => {
    const servers = new ModelServers();
    const error = await servers.serve('models:/no-such-model/1', request).then(
      () => assert.fail('served a model that does not exist'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ServeError);
    assert.equal(error.kind, 'exited');
    assert.match(error.message, /^mlflow models serve exited with code 1 before models:\/no-such-model\/1 was ready on port \d+: /);
    assert.match(error.message.split('\n')[0]!, /RESOURCE_DOES_NOT_EXIST: Registered Model with name=no-such-model not found/);
    assert.ok(error.logTail.length > 0 && error.message.endsWith(error.logTail));
    assert.deepEqual(servers.servers, []);
    assert.equal(servers.isStarting('models:/no-such-model/1'), false);
  });

  it("without the connection's credentials the basic-auth server refuses the download, and the error says so", async () => {
    const error = await new ModelServers()
      .serve(`models:/${chat.name}/1`, {
        ...request,
        env: kernelEnvironment({ PATH: process.env.PATH }, { uri: server.url, auth: { kind: 'none' } }),
      })
      .then(
        () => assert.fail('served without credentials'),
        (e: unknown) => e,
      );
    assert.ok(error instanceof ServeError && error.kind === 'exited', String(error));
    assert.match(error.message.split('\n')[0]!, /401|Unauthorized|credentials/i);
  });

  it('a port that is taken: the error is uvicorn’s', async () => {
    const port = await freeLoopbackPort();
    const blocker: Server = createServer();
    await new Promise<void>((resolveListen) => blocker.listen(port, '127.0.0.1', resolveListen));
    try {
      const error = await new ModelServers().serve(`models:/${prompt.modelId}`, { ...request, port }).then(
        () => assert.fail('served on a taken port'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ServeError);
      assert.equal(error.portTaken, true);
      assert.match(
        error.message.split('\n')[0]!,
        new RegExp(`: \\[Errno 98\\] error while attempting to bind on address \\('127\\.0\\.0\\.1', ${port}\\): address already in use$`),
      );
    } finally {
      blocker.close();
    }
  });

  it('an interpreter that does not exist fails to start with a message naming the setting', async () => {
    const error = await new ModelServers().serve(`models:/${chat.modelId}`, { ...request, python: '/nonexistent/python3' }).then(
      () => assert.fail('started a missing interpreter'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ServeError);
    assert.equal(error.kind, 'failedToStart');
    assert.equal(
      error.message,
      `Could not run "/nonexistent/python3" to serve models:/${chat.modelId} (spawn /nonexistent/python3 ENOENT). Set "phi3Mlflow.pythonPath" to a Python with MLflow installed.`,
    );
  });

  it('cancelled while starting: the process group is stopped before serve rejects', async () => {
    const controller = new AbortController();
    const pgids: number[] = [];
    const servers = new ModelServers();
    const uri = `models:/${chat.name}@champion`;
    // Cancelled as soon as MLflow prints its first line: the model is not loaded yet.
    const error = await servers
      .serve(uri, { ...request, onSpawned: (pgid) => pgids.push(pgid), onOutput: () => controller.abort() }, controller.signal)
      .then(
        () => assert.fail('not cancelled'),
        (e: unknown) => e,
      );
    assert.ok(error instanceof ServeError);
    assert.equal(error.kind, 'cancelled');
    assert.equal(error.message, `Serving ${uri} was cancelled.`);
    assert.equal(pgids.length, 1);
    assert.deepEqual(groupMembers(pgids[0]!), [], 'the group is gone');
    assert.deepEqual(servers.servers, []);
    assert.equal(servers.isStarting(uri), false);
  });

  it('causeLine picks the line that says why from a traceback', () => {
    assert.equal(
      causeLine(
        [
          'Traceback (most recent call last):',
          '  File "x.py", line 1, in <module>',
          "ModuleNotFoundError: No module named 'onnxruntime_genai'",
          "Exception: Command '['bash', '-c', 'exec uvicorn']' returned non zero return code. Return code = 3",
        ].join('\n'),
      ),
      "ModuleNotFoundError: No module named 'onnxruntime_genai'",
    );
    assert.equal(causeLine('INFO: x\nERROR:    [Errno 98] in use\nException: y'), '[Errno 98] in use');
    assert.equal(causeLine('nothing to see'), undefined);
  });
});
