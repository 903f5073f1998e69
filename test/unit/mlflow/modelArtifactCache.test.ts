import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import type { LoggedWrapperModel } from '../../../src/mlflow/logWrapperModel';
import { parseMlflowModelUri, resolveMlflowModel } from '../../../src/mlflow/mlflowModelSource';
import { entryMarkerName, ModelArtifactCache, NoOnnxFolderError } from '../../../src/mlflow/modelArtifactCache';
import { findOnnxFolders } from '../../../src/mlflow/onnxFolderSearch';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { repoRoot } from '../../harness/paths';
import { logTestWrapper } from '../../harness/testWrapperModel';

const genaiFixture = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
const transformersJsFixture = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-transformersjs');

/** Every file under a folder, relative path → bytes. */
function filesOf(folder: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(folder, path), readFileSync(path));
    }
  };
  walk(folder);
  return files;
}

function assertSameFiles(actual: string, expected: string): void {
  const got = filesOf(actual);
  const want = filesOf(expected);
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [name, bytes] of want) assert.ok(got.get(name)!.equals(bytes), `${name} differs from the fixture`);
}

const file = (path: string, fileSize = 1) => ({ path, isDir: false, fileSize });

describe('finding the ONNX folder in an artifact listing', () => {
  it('takes the folder holding genai_config.json, shallowest first, and not one inside another', () => {
    const found = findOnnxFolders([
      file('MLmodel'),
      file('artifacts/phi3-mini-onnx/genai_config.json'),
      file('artifacts/phi3-mini-onnx/model.onnx'),
      file('artifacts/phi3-mini-onnx/nested/genai_config.json'),
      file('b/c/other/genai_config.json'),
    ]);
    assert.deepEqual(found, [
      { path: 'artifacts/phi3-mini-onnx', layout: 'genai', depth: 2 },
      { path: 'b/c/other', layout: 'genai', depth: 3 },
    ]);
  });

  it('knows the transformers.js layout (config.json beside onnx/model*.onnx) and the root itself', () => {
    assert.deepEqual(findOnnxFolders([file('config.json'), file('onnx/model_q4.onnx'), file('tokenizer.json')]), [
      { path: '', layout: 'transformers.js', depth: 0 },
    ]);
    assert.deepEqual(findOnnxFolders([file('m/onnx/model.onnx')]), [], 'no config.json beside onnx/: not a model folder');
    assert.deepEqual(findOnnxFolders([file('genai_config.json'), file('onnx/model.onnx'), file('config.json')]), [
      { path: '', layout: 'genai', depth: 0 },
    ]);
  });
});

describe('model URIs', () => {
  it('reads the four kinds and says what is wrong with others', () => {
    assert.deepEqual(parseMlflowModelUri('runs:/abc123'), { kind: 'run', runId: 'abc123', path: '' });
    assert.deepEqual(parseMlflowModelUri('runs:/abc123/model/artifacts/'), { kind: 'run', runId: 'abc123', path: 'model/artifacts' });
    assert.deepEqual(parseMlflowModelUri(' models:/phi3-mini/3 '), { kind: 'version', name: 'phi3-mini', version: '3' });
    assert.deepEqual(parseMlflowModelUri('models:/phi3-mini@champion'), { kind: 'alias', name: 'phi3-mini', alias: 'champion' });
    assert.deepEqual(parseMlflowModelUri('models:/m-0123abcd'), { kind: 'loggedModel', modelId: 'm-0123abcd' });
    assert.throws(() => parseMlflowModelUri('models:/phi3-mini/Production'), /a version is a number .*use an alias/);
    assert.throws(() => parseMlflowModelUri('/tmp/model'), /is not a model URI this can open: use runs:\/<run_id>/);
  });
});

describe('opening a model that lives in MLflow: resolved, found in its artifacts, downloaded once into the cache (real MLflow 3 server)', () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let scratch: string;
  let logged: LoggedWrapperModel;
  let transformersRunId: string;
  let emptyRunId: string;
  let twoFoldersRunId: string;
  const registered = 'phi3-cache-test';

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    scratch = mkdtempSync(join(tmpdir(), 'phi3-model-cache-'));
    ({ logged } = await logTestWrapper(client, { experiment: 'chat-cache', runName: 'wrapper-run', registeredModelName: registered }));

    // A run carrying a transformers.js folder as its own artifact, registered as version 2 (a runs:/ source).
    const run = await client.runs.create(logged.experimentId, { runName: 'transformers-js-run' });
    transformersRunId = run.info.runId;
    await client.artifacts.upload({ artifactUri: run.info.artifactUri, runId: transformersRunId }, transformersJsFixture, 'model');
    await client.registry.createVersion({ name: registered, source: `runs:/${transformersRunId}/model`, runId: transformersRunId });
    await client.registry.setAlias(registered, 'challenger', '2');

    const empty = await client.runs.create(logged.experimentId, { runName: 'no-model-run' });
    emptyRunId = empty.info.runId;
    const notes = join(scratch, 'notes.txt');
    writeFileSync(notes, 'no model here');
    await client.artifacts.upload({ artifactUri: empty.info.artifactUri, runId: emptyRunId }, notes, '');

    const two = await client.runs.create(logged.experimentId, { runName: 'two-folders' });
    twoFoldersRunId = two.info.runId;
    // upload() keeps a folder's own name: these land as x/y/a-deep and models/z-shallow.
    for (const [name, under] of [
      ['a-deep', 'x/y'],
      ['z-shallow', 'models'],
    ] as const) {
      const folder = join(scratch, 'two', name);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'genai_config.json'), '{}');
      await client.artifacts.upload({ artifactUri: two.info.artifactUri, runId: twoFoldersRunId }, folder, under);
    }
  });
  after(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Counts the downloads the cache asks the client for. */
  function countDownloads(): { count: () => number; restore: () => void } {
    const original = client.artifacts.download.bind(client.artifacts);
    let calls = 0;
    client.artifacts.download = (...args) => {
      calls++;
      return original(...args);
    };
    return { count: () => calls, restore: () => void (client.artifacts.download = original) };
  }

  it('a logged model (models:/m-…): the ONNX folder it carries, byte-identical, and the second open downloads nothing', async () => {
    const cache = new ModelArtifactCache(join(scratch, 'cache-logged'));
    const resolved = await resolveMlflowModel(client, parseMlflowModelUri(logged.modelUri));
    assert.equal(resolved.cacheUri, logged.modelUri);
    assert.equal(resolved.title, 'phi3-mlflow-model');
    const downloads = countDownloads();
    try {
      const steps: string[] = [];
      let lastProgress: [number, number | undefined] = [0, undefined];
      const first = await cache.fetch(client, resolved, {
        onStep: (step, detail) => steps.push(`${step}: ${detail}`),
        onProgress: (done, total) => (lastProgress = [done, total]),
      });
      assert.ok(first);
      assert.equal(first.downloaded, true);
      assert.equal(first.marker.artifactPath, 'artifacts/phi3-tiny-genai-int4');
      assert.equal(first.marker.layout, 'genai');
      assert.deepEqual(steps, [
        `listing: artifacts of logged model ${logged.modelId}`,
        `downloading: artifacts/phi3-tiny-genai-int4 of logged model ${logged.modelId}`,
      ]);
      const fixtureBytes = [...filesOf(genaiFixture).values()].reduce((sum, b) => sum + b.length, 0);
      assert.deepEqual(lastProgress, [fixtureBytes, fixtureBytes]);
      assert.equal(first.marker.bytes, fixtureBytes);
      assertSameFiles(first.folder, genaiFixture);
      assert.ok(first.folder.startsWith(cache.root));
      const mtime = statSync(join(first.folder, 'model.onnx.data')).mtimeMs;

      const second = await cache.fetch(client, await resolveMlflowModel(client, parseMlflowModelUri(logged.modelUri)));
      assert.equal(second?.downloaded, false);
      assert.equal(second?.folder, first.folder);
      assert.equal(statSync(join(first.folder, 'model.onnx.data')).mtimeMs, mtime);
      assert.equal(downloads.count(), 1, 'downloaded once');
    } finally {
      downloads.restore();
    }
  });

  it('a registered version and an alias: the alias is cached as the version it points to, and follows it when it moves', async () => {
    const cache = new ModelArtifactCache(join(scratch, 'cache-registry'));
    const downloads = countDownloads();
    try {
      const version = await resolveMlflowModel(client, parseMlflowModelUri(`models:/${registered}/1`));
      assert.equal(version.title, `${registered} v1`);
      const byVersion = await cache.fetch(client, version);
      assert.equal(byVersion?.downloaded, true);
      assertSameFiles(byVersion!.folder, genaiFixture);

      const alias = await resolveMlflowModel(client, parseMlflowModelUri(`models:/${registered}@champion`));
      assert.equal(alias.requestedUri, `models:/${registered}@champion`);
      assert.equal(alias.resolvedUri, `models:/${registered}/1`);
      assert.equal(alias.cacheUri, logged.modelUri, 'cached as the files the version registers: its logged model');
      assert.equal(alias.title, `${registered} v1 (@champion)`);
      const byAlias = await cache.fetch(client, alias);
      assert.equal(byAlias?.downloaded, false, '@champion is version 1, already downloaded');
      assert.equal(byAlias?.folder, byVersion!.folder);
      const byLoggedModel = await cache.fetch(client, await resolveMlflowModel(client, parseMlflowModelUri(logged.modelUri)));
      assert.equal(byLoggedModel?.downloaded, false, 'the logged model version 1 registers shares its download');
      assert.equal(byLoggedModel?.folder, byVersion!.folder);

      // @challenger is version 2: a run's transformers.js folder under the version's source path.
      const challenger = await resolveMlflowModel(client, parseMlflowModelUri(`models:/${registered}@challenger`));
      assert.equal(challenger.resolvedUri, `models:/${registered}/2`);
      assert.equal(challenger.cacheUri, `runs:/${transformersRunId}/model`);
      assert.equal(challenger.title, `${registered} v2 (@challenger)`);
      const v2 = await cache.fetch(client, challenger);
      assert.equal(v2?.downloaded, true);
      assert.equal(v2?.marker.layout, 'transformers.js');
      assert.equal(v2?.marker.artifactPath, 'model/phi3-tiny-transformersjs');
      assertSameFiles(v2!.folder, transformersJsFixture);
      assert.equal(downloads.count(), 2);

      await client.registry.setAlias(registered, 'challenger', '1');
      const moved = await resolveMlflowModel(client, parseMlflowModelUri(`models:/${registered}@challenger`));
      assert.equal(moved.title, `${registered} v1 (@challenger)`);
      const afterMove = await cache.fetch(client, moved);
      assert.equal(afterMove?.folder, byVersion!.folder, 'the alias now opens version 1');
      assert.equal(afterMove?.downloaded, false);
      assert.equal(downloads.count(), 2);
      await client.registry.setAlias(registered, 'challenger', '2');
    } finally {
      downloads.restore();
    }
  });

  it('version 1 and the @champion pointing to it, asked for at once (Compare): one download, one folder', async () => {
    const cache = new ModelArtifactCache(join(scratch, 'cache-together'));
    const downloads = countDownloads();
    try {
      const [version, alias] = await Promise.all([
        resolveMlflowModel(client, parseMlflowModelUri(`models:/${registered}/1`)),
        resolveMlflowModel(client, parseMlflowModelUri(`models:/${registered}@champion`)),
      ]);
      const [a, b] = await Promise.all([cache.fetch(client, version), cache.fetch(client, alias)]);
      assert.equal(a?.folder, b?.folder);
      // Whichever got past the cache lookup first downloads (the two race through the file system); the other waits for it.
      assert.deepEqual([a?.downloaded, b?.downloaded].sort(), [false, true]);
      assert.equal(downloads.count(), 1);
      assertSameFiles(a!.folder, genaiFixture);
      assert.equal(readdirSync(cache.root).length, 1, 'one entry, no staging folder left');

      // The one who waits can cancel its wait; the download it waited on goes on.
      const again = new ModelArtifactCache(join(scratch, 'cache-together-cancel'));
      const controller = new AbortController();
      let started!: () => void;
      const inFlight = new Promise<void>((resolveStarted) => (started = resolveStarted));
      const downloading = again.fetch(client, version, { onStep: (step) => step === 'listing' && started() });
      await inFlight;
      const waiting = again.fetch(client, alias, { signal: controller.signal });
      controller.abort();
      await assert.rejects(waiting, (error: unknown) => error instanceof MlflowError && error.kind === 'cancelled');
      assert.equal((await downloading)?.downloaded, true);
      assertSameFiles((await again.lookup(client.http.base, alias))!.folder, genaiFixture);
    } finally {
      downloads.restore();
    }
  });

  it('a run: its own artifacts first, then (MLflow 3) the logged models it produced', async () => {
    const cache = new ModelArtifactCache(join(scratch, 'cache-runs'));
    const wrapperRun = await cache.fetch(client, await resolveMlflowModel(client, parseMlflowModelUri(`runs:/${logged.runId}`)));
    assert.equal(wrapperRun?.marker.from, `logged model phi3-mlflow-model (${logged.modelId})`);
    assertSameFiles(wrapperRun!.folder, genaiFixture);
    const tjs = await resolveMlflowModel(client, parseMlflowModelUri(`runs:/${transformersRunId}`));
    assert.equal(tjs.title, 'transformers-js-run');
    const tjsRun = await cache.fetch(client, tjs);
    assert.equal(tjsRun?.marker.from, `run ${transformersRunId}`);
    assertSameFiles(tjsRun!.folder, transformersJsFixture);
  });

  it('several ONNX folders: asks which, shallowest first; no answer opens nothing', async () => {
    const cache = new ModelArtifactCache(join(scratch, 'cache-two'));
    let offered: string[] = [];
    const result = await cache.fetch(client, await resolveMlflowModel(client, { kind: 'run', runId: twoFoldersRunId }), {
      choose: async (found) => {
        offered = found.map((f) => f.path);
        return undefined;
      },
    });
    assert.equal(result, undefined);
    assert.deepEqual(offered, ['models/z-shallow', 'x/y/a-deep']);
    assert.equal(existsSync(cache.root), false, 'nothing was downloaded');
  });

  it('a cancelled download is never taken for a complete one: nothing is kept and the next open downloads again', async () => {
    const cache = new ModelArtifactCache(join(scratch, 'cache-cancel'));
    const resolved = await resolveMlflowModel(client, parseMlflowModelUri(`models:/${registered}/1`));
    const controller = new AbortController();
    let cancelledAt = 0;
    await assert.rejects(
      cache.fetch(client, resolved, {
        signal: controller.signal,
        onProgress: (done) => {
          if (done > 0 && !controller.signal.aborted) {
            cancelledAt = done;
            controller.abort();
          }
        },
      }),
      (error: unknown) => error instanceof MlflowError && error.kind === 'cancelled',
    );
    assert.ok(cancelledAt > 0);
    assert.deepEqual(readdirSync(cache.root), [], 'no entry and no staging folder left');
    assert.equal(await cache.lookup(client.http.base, resolved), undefined);
    const again = await cache.fetch(client, resolved);
    assert.equal(again?.downloaded, true);
    assertSameFiles(again!.folder, genaiFixture);
  });

  it('an entry without its complete marker (a download killed half-way) is downloaded again', async () => {
    const cache = new ModelArtifactCache(join(scratch, 'cache-killed'));
    const resolved = await resolveMlflowModel(client, parseMlflowModelUri(logged.modelUri));
    const first = await cache.fetch(client, resolved);
    // And the staging folders of downloads whose process died: a day-old one goes, a fresh one may be another window's.
    const abandoned = join(cache.root, '.staging-abandoned');
    const fresh = join(cache.root, '.staging-fresh');
    mkdirSync(join(abandoned, 'files'), { recursive: true });
    writeFileSync(join(abandoned, entryMarkerName), '');
    mkdirSync(fresh);
    writeFileSync(join(fresh, entryMarkerName), '');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(abandoned, twoDaysAgo, twoDaysAgo);
    rmSync(join(cache.entryFolder(client.http.base, resolved), 'complete.json'));
    rmSync(join(first!.folder, 'model.onnx.data'));
    assert.equal(await cache.lookup(client.http.base, resolved), undefined);
    const again = await cache.fetch(client, resolved);
    assert.equal(again?.downloaded, true);
    assertSameFiles(again!.folder, genaiFixture);
    assert.equal(existsSync(abandoned), false);
    assert.equal(existsSync(fresh), true);
  });

  it('Clear Model Cache removes every model and says how many bytes that freed', async () => {
    const cache = new ModelArtifactCache(join(scratch, 'cache-clear'));
    const resolved = await resolveMlflowModel(client, parseMlflowModelUri(logged.modelUri));
    const cached = await cache.fetch(client, resolved);
    const onDisk = [...filesOf(cache.root).values()].reduce((sum, b) => sum + b.length, 0);
    assert.ok(onDisk > cached!.marker.bytes, 'the marker is on disk too');
    assert.equal(await cache.size(), onDisk);
    assert.deepEqual(await cache.clear(), { entries: 1, bytes: onDisk, inUse: [], notOurs: [] });
    assert.deepEqual(readdirSync(cache.root), []);
    assert.equal(existsSync(cached!.folder), false);
    assert.equal(await cache.lookup(client.http.base, resolved), undefined);
    assert.deepEqual(await cache.clear(), { entries: 0, bytes: 0, inUse: [], notOurs: [] });
    assert.deepEqual(await new ModelArtifactCache(join(scratch, 'never-made')).clear(), { entries: 0, bytes: 0, inUse: [], notOurs: [] });
  });

  it('a run without an ONNX folder says what it holds instead', async () => {
    const cache = new ModelArtifactCache(join(scratch, 'cache-empty'));
    await assert.rejects(cache.fetch(client, await resolveMlflowModel(client, { kind: 'run', runId: emptyRunId })), (error: unknown) => {
      assert.ok(error instanceof NoOnnxFolderError);
      assert.equal(
        error.message,
        `runs:/${emptyRunId} holds no ONNX model folder (a folder with genai_config.json, or config.json beside onnx/model*.onnx) — found run ${emptyRunId}: 1 file (notes.txt)`,
      );
      return true;
    });
    assert.equal(existsSync(cache.root), false, 'nothing was written');
  });

  it('a model that does not exist gets a clear message', async () => {
    await assert.rejects(resolveMlflowModel(client, parseMlflowModelUri(`models:/${registered}/9`)), {
      message: `Version 9 of registered model "${registered}" does not exist`,
    });
    await assert.rejects(
      resolveMlflowModel(client, parseMlflowModelUri('models:/no-such-model@champion')),
      (error: unknown) => error instanceof MlflowError && error.isNotFound && /no-such-model/.test(error.message),
    );
    await assert.rejects(resolveMlflowModel(client, parseMlflowModelUri('models:/m-0123456789abcdef0123456789abcdef')), {
      message: 'Logged model m-0123456789abcdef0123456789abcdef does not exist',
    });
    await assert.rejects(
      resolveMlflowModel(client, parseMlflowModelUri('runs:/0123456789abcdef0123456789abcdef')),
      (error: unknown) => error instanceof MlflowError && error.isNotFound,
    );
  });
});

describe("opening a model in MLflow on a real MLflow 2 server (no logged models: a version's source is in its run)", () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let scratch: string;

  before(async () => {
    server = await startMlflowServer({ mlflowMajor: 2 });
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    scratch = mkdtempSync(join(tmpdir(), 'phi3-model-cache-mlflow2-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("resolves the alias to the version, the version to its run's model folder, and downloads the ONNX folder in it", async () => {
    const { logged, spec } = await logTestWrapper(client, {
      experiment: 'chat-cache-2',
      runName: 'wrapper-run-2',
      registeredModelName: 'phi3-two',
    });
    assert.match(logged.modelUri, /^runs:\//);
    const resolved = await resolveMlflowModel(client, parseMlflowModelUri('models:/phi3-two@champion'));
    assert.equal(resolved.resolvedUri, 'models:/phi3-two/1');
    assert.equal(resolved.cacheUri, `runs:/${logged.runId}/${spec.modelName}`);
    assert.equal(resolved.title, 'phi3-two v1 (@champion)');
    const cache = new ModelArtifactCache(join(scratch, 'cache'));
    const cached = await cache.fetch(client, resolved);
    assert.equal(cached?.marker.from, `run ${logged.runId}`);
    assert.equal(cached?.marker.artifactPath, `${spec.modelName}/artifacts/phi3-tiny-genai-int4`);
    assertSameFiles(cached!.folder, genaiFixture);
    // The run itself finds the same folder among its artifacts.
    const byRun = await cache.fetch(client, await resolveMlflowModel(client, parseMlflowModelUri(`runs:/${logged.runId}`)));
    assertSameFiles(byRun!.folder, genaiFixture);
    await assert.rejects(
      resolveMlflowModel(client, parseMlflowModelUri('models:/m-0123456789abcdef0123456789abcdef')),
      /need an MLflow 3 server/,
    );
  });
});
