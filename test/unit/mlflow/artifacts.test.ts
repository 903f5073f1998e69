import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runArtifacts } from '../../../src/mlflow/artifacts';
import { MlflowClient } from '../../../src/mlflow/client';
import type { Run } from '../../../src/mlflow/entities';
import { MlflowError } from '../../../src/mlflow/errors';
import { collect } from '../../../src/mlflow/paging';
import { resolveInside } from '../../../src/mlflow/safePath';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { writeLargeFile } from '../../harness/largeFile';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { openPaths } from '../../harness/openPaths';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Every file below a folder, as relative paths, sorted. */
function treeOf(folder: string, prefix = ''): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? treeOf(join(folder, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

describe('MlflowClient artifacts, against a real server with proxied artifacts', () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let scratch: string;
  let run: Run;

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-artifacts-'));
    run = await client.runs.create(await client.experiments.create('artifacts'), { runName: 'with-artifacts' });
  });
  after(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('uploads a model folder, lists it recursively and downloads it byte for byte', async () => {
    const model = join(scratch, 'phi3-mini-onnx');
    mkdirSync(join(model, 'cpu-int4'), { recursive: true });
    writeFileSync(join(model, 'MLmodel'), 'flavors:\n  python_function: {}\n');
    writeFileSync(join(model, 'cpu-int4', 'genai_config.json'), '{"model": {"type": "phi3"}}');
    writeFileSync(join(model, 'cpu-int4', 'model.onnx.data'), randomBytes(3 * 1024 * 1024 + 17));
    const progress: number[] = [];
    const sent = await client.artifacts.upload(run.info, model, 'models', { onProgress: (done) => progress.push(done) });
    assert.deepEqual(sent, { files: 3, bytes: 3 * 1024 * 1024 + 17 + 31 + 27, multipartFiles: 0 });
    assert.equal(progress.at(-1), sent.bytes);
    assert.ok(
      progress.every((value, i) => i === 0 || value >= progress[i - 1]!),
      'upload progress never goes back',
    );

    const top = await collect(client.artifacts.list(runArtifacts(run.info.runId)));
    assert.deepEqual(top, [{ path: 'models', isDir: true, fileSize: undefined }]);
    const files = await collect(client.artifacts.listFiles(runArtifacts(run.info.runId), 'models'));
    assert.deepEqual(
      files.map((f) => [f.path, f.fileSize]),
      [
        ['models/phi3-mini-onnx/MLmodel', 31],
        ['models/phi3-mini-onnx/cpu-int4/genai_config.json', 27],
        ['models/phi3-mini-onnx/cpu-int4/model.onnx.data', 3 * 1024 * 1024 + 17],
      ],
    );

    const target = join(scratch, 'download-1');
    const downloadProgress: Array<[number, number | undefined]> = [];
    // With the run's artifact URI, files come through the artifact proxy route.
    const received = await client.artifacts.download(runArtifacts(run.info.runId, run.info.artifactUri), 'models/phi3-mini-onnx', target, {
      onProgress: (d, t) => downloadProgress.push([d, t]),
    });
    assert.deepEqual(received, { files: sent.files, bytes: sent.bytes, skipped: [], refused: [] });
    assert.deepEqual(treeOf(target), [
      'phi3-mini-onnx/MLmodel',
      'phi3-mini-onnx/cpu-int4/genai_config.json',
      'phi3-mini-onnx/cpu-int4/model.onnx.data',
    ]);
    assert.equal(sha256(join(target, 'phi3-mini-onnx/cpu-int4/model.onnx.data')), sha256(join(model, 'cpu-int4/model.onnx.data')));
    assert.deepEqual(downloadProgress.at(-1), [sent.bytes, sent.bytes]);
  });

  it('downloads a single file into the folder, through the generic route when the artifact URI is not known', async () => {
    const target = join(scratch, 'download-2');
    const result = await client.artifacts.download(runArtifacts(run.info.runId), 'models/phi3-mini-onnx/MLmodel', target);
    assert.deepEqual(result, { files: 1, bytes: 31, skipped: [], refused: [] });
    assert.equal(readFileSync(join(target, 'MLmodel'), 'utf8'), 'flavors:\n  python_function: {}\n');
  });

  it('never writes a .git or .vscode path a run carries, and replaces an existing file only when told to', async () => {
    const own = await client.runs.create('0', { runName: 'hostile-artifacts' });
    const folder = join(scratch, 'hostile', 'model');
    mkdirSync(join(folder, '.git', 'hooks'), { recursive: true });
    mkdirSync(join(folder, '.vscode'), { recursive: true });
    writeFileSync(join(folder, 'MLmodel'), 'from the server');
    writeFileSync(join(folder, 'README.md'), 'from the server');
    writeFileSync(join(folder, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\necho pwned\n');
    writeFileSync(join(folder, '.vscode', 'tasks.json'), '{}');
    await client.artifacts.upload(own.info, folder, '');
    const source = runArtifacts(own.info.runId, own.info.artifactUri);

    const target = join(scratch, 'hostile-download');
    mkdirSync(join(target, 'model'), { recursive: true });
    writeFileSync(join(target, 'model', 'MLmodel'), 'mine');
    writeFileSync(join(target, 'model', 'README.md'), 'mine');
    const asked: string[] = [];
    const result = await client.artifacts.download(source, 'model', target, {
      onExisting: (path) => (asked.push(path), path.endsWith('MLmodel') ? 'overwrite' : 'skip'),
    });
    assert.deepEqual(asked.sort(), ['model/MLmodel', 'model/README.md']);
    assert.equal(result.files, 1);
    assert.deepEqual(result.skipped, ['model/README.md']);
    assert.deepEqual(result.refused.map((r) => r.path).sort(), ['model/.git/hooks/pre-commit', 'model/.vscode/tasks.json']);
    assert.equal(readFileSync(join(target, 'model', 'MLmodel'), 'utf8'), 'from the server');
    assert.equal(readFileSync(join(target, 'model', 'README.md'), 'utf8'), 'mine');
    assert.equal(existsSync(join(target, 'model', '.git')), false);
    assert.equal(existsSync(join(target, 'model', '.vscode')), false);

    // Without a callback nothing existing is replaced; Cancel writes nothing at all.
    writeFileSync(join(target, 'model', 'MLmodel'), 'mine again');
    assert.deepEqual([...(await client.artifacts.download(source, 'model', target)).skipped].sort(), ['model/MLmodel', 'model/README.md']);
    assert.equal(readFileSync(join(target, 'model', 'MLmodel'), 'utf8'), 'mine again');
    rmSync(join(target, 'model', 'README.md'));
    await assert.rejects(
      client.artifacts.download(source, 'model', target, { onExisting: () => 'cancel' }),
      (error: unknown) => error instanceof MlflowError && error.kind === 'cancelled',
    );
    assert.deepEqual(readdirSync(join(target, 'model')), ['MLmodel'], 'README.md was not downloaded before the question');
  });

  it('never writes through a symbolic link already in the download folder: the download is refused with a message, and nothing is written, inside or outside', async () => {
    const own = await client.runs.create('0', { runName: 'through-a-link' });
    const upload = join(scratch, 'linked-upload');
    mkdirSync(upload, { recursive: true });
    writeFileSync(join(upload, 'payload.txt'), 'from the server');
    writeFileSync(join(upload, 'alias'), 'from the server');
    writeFileSync(join(upload, 'notes.txt'), 'notes');
    await client.artifacts.upload(own.info, join(upload, 'payload.txt'), 'link');
    await client.artifacts.upload(own.info, join(upload, 'alias'));
    await client.artifacts.upload(own.info, join(upload, 'notes.txt'));
    const source = runArtifacts(own.info.runId, own.info.artifactUri);
    assert.deepEqual(
      (await collect(client.artifacts.listFiles(source))).map((f) => f.path),
      ['alias', 'link/payload.txt', 'notes.txt'],
    );

    // dest/link is a folder elsewhere, dest/alias a file elsewhere: the server's paths name both.
    const outside = join(scratch, 'outside-folder');
    mkdirSync(outside);
    const outsideFile = join(scratch, 'outside-file.txt');
    writeFileSync(outsideFile, "not the server's to change");
    const target = join(scratch, 'linked-download');
    mkdirSync(target);
    symlinkSync(outside, join(target, 'link'));
    symlinkSync(outsideFile, join(target, 'alias'));
    const refused = (path: string, link: string) => (error: unknown) => {
      assert.ok(error instanceof MlflowError, String(error));
      assert.equal(error.kind, 'unsafe-path');
      assert.equal(
        error.message,
        `Refused artifact path "${path}": ${join(target, link)} is a symbolic link; nothing was written outside ${target}`,
      );
      return true;
    };
    await assert.rejects(client.artifacts.download(source, 'link', target), refused('link/payload.txt', 'link'));
    // The artifact's name is the link's: an existing file to ask about would be replaced, the link refuses it.
    await assert.rejects(client.artifacts.download(source, 'alias', target, { onExisting: () => 'overwrite' }), refused('alias', 'alias'));
    // The whole run: refused before anything is written, notes.txt included.
    await assert.rejects(client.artifacts.download(source, '', target, { onExisting: () => 'overwrite' }), refused('alias', 'alias'));
    assert.deepEqual(readdirSync(outside), []);
    assert.equal(readFileSync(outsideFile, 'utf8'), "not the server's to change");
    assert.deepEqual(readdirSync(target).sort(), ['alias', 'link']);
  });

  it('a symbolic link that appears in the download folder while a download runs: the next file is refused, nothing goes through it, and the message says what was kept', async () => {
    const own = await client.runs.create('0', { runName: 'link-appears' });
    const upload = join(scratch, 'link-appears-upload');
    mkdirSync(upload, { recursive: true });
    writeFileSync(join(upload, 'a-notes.txt'), 'notes');
    writeFileSync(join(upload, 'payload.txt'), 'from the server');
    await client.artifacts.upload(own.info, join(upload, 'a-notes.txt'));
    await client.artifacts.upload(own.info, join(upload, 'payload.txt'), 'link');
    const outside = join(scratch, 'outside-appears');
    mkdirSync(outside);
    const target = join(scratch, 'link-appears-download');
    let linked = false;
    await assert.rejects(
      client.artifacts.download(runArtifacts(own.info.runId, own.info.artifactUri), '', target, {
        // Once a-notes.txt is in (its progress comes at its end), dest/link becomes a link elsewhere.
        onProgress: (done) => {
          if (!linked && done === 5) {
            linked = true;
            symlinkSync(outside, join(target, 'link'));
          }
        },
      }),
      (error: unknown) => {
        assert.ok(error instanceof MlflowError, String(error));
        assert.equal(error.kind, 'unsafe-path');
        assert.equal(
          error.message,
          `Refused artifact path "link/payload.txt": ${join(target, 'link')} is a symbolic link; nothing was written outside ${target}; the 1 complete file of 2 was kept in ${target}, and no partial file`,
        );
        return true;
      },
    );
    assert.ok(linked);
    assert.deepEqual(readdirSync(outside), []);
    assert.deepEqual(readdirSync(target).sort(), ['a-notes.txt', 'link']);
    assert.equal(readFileSync(join(target, 'a-notes.txt'), 'utf8'), 'notes');
  });

  it('falls back to one PUT when the server offers no multipart upload (501)', async () => {
    const file = join(scratch, 'weights.bin');
    writeFileSync(file, randomBytes(256 * 1024));
    const result = await client.artifacts.upload(run.info, file, 'big', { multipartThreshold: 1024, multipartChunkSize: 64 * 1024 });
    assert.deepEqual(result, { files: 1, bytes: 256 * 1024, multipartFiles: 0 });
    const [entry] = await collect(client.artifacts.list(runArtifacts(run.info.runId), 'big'));
    assert.deepEqual(entry, { path: 'big/weights.bin', isDir: false, fileSize: 256 * 1024 });
  });

  it('asks a server for multipart upload once: after its 501, a client sends later large files straight as one PUT', async () => {
    const fresh = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    const own = await fresh.runs.create('0', { runName: 'multipart-once' });
    const file = join(scratch, 'twice.bin');
    writeFileSync(file, randomBytes(256 * 1024));
    const options = { multipartThreshold: 1024, multipartChunkSize: 64 * 1024 };
    assert.deepEqual(await fresh.artifacts.upload(own.info, file, 'first', options), { files: 1, bytes: 256 * 1024, multipartFiles: 0 });
    assert.deepEqual(await fresh.artifacts.upload(own.info, file, 'second', options), { files: 1, bytes: 256 * 1024, multipartFiles: 0 });
    const asked = server
      .log()
      .split('\n')
      .filter((line) => line.includes(`/mpu/create/0/${own.info.runId}/`));
    assert.equal(asked.length, 1, asked.join('\n'));
    assert.match(asked[0]!, / 501\b/);
    const names = (await collect(fresh.artifacts.listFiles(runArtifacts(own.info.runId)))).map((f) => [f.path, f.fileSize]);
    assert.deepEqual(names, [
      ['first/twice.bin', 256 * 1024],
      ['second/twice.bin', 256 * 1024],
    ]);
  });

  it('cancels an upload at once, and the server keeps nothing of it', async () => {
    const own = await client.runs.create('0', { runName: 'upload-cancelled' });
    const file = await writeLargeFile(join(scratch, 'cancelled.bin'), 64);
    const controller = new AbortController();
    let abortedAt = 0;
    await assert.rejects(
      client.artifacts.upload(own.info, file, 'cancelled', {
        signal: controller.signal,
        onProgress: (done) => {
          if (done >= 8 * 1024 * 1024 && !controller.signal.aborted) {
            abortedAt = done;
            controller.abort();
          }
        },
      }),
      (error: unknown) => {
        assert.ok(error instanceof MlflowError, String(error));
        assert.equal(error.kind, 'cancelled');
        assert.equal(
          error.message,
          `Cancelled: PUT /api/2.0/mlflow-artifacts/artifacts/0/${own.info.runId}/artifacts/cancelled/cancelled.bin`,
        );
        return true;
      },
    );
    assert.equal(abortedAt, 8 * 1024 * 1024, 'progress comes once a MiB');
    // The server drops a body that ends early rather than keep the part that came.
    assert.deepEqual(await collect(client.artifacts.listFiles(runArtifacts(own.info.runId))), []);
    // The client is not left in a bad state: the next upload on it goes through.
    writeFileSync(file, 'small');
    assert.deepEqual(await client.artifacts.upload(own.info, file, 'after'), { files: 1, bytes: 5, multipartFiles: 0 });
  });

  it('a file that shrinks while it uploads: an interrupted error that says so, and the server keeps nothing', async () => {
    const own = await client.runs.create('0', { runName: 'upload-shrinks' });
    const file = await writeLargeFile(join(scratch, 'shrinks.bin'), 16);
    await assert.rejects(
      client.artifacts.upload(own.info, file, 'shrinks', { onProgress: (done) => done === 1024 * 1024 && truncateSync(file, 1024 * 1024) }),
      (error: unknown) => {
        assert.ok(error instanceof MlflowError, String(error));
        assert.equal(error.kind, 'interrupted');
        assert.equal(
          error.message,
          'Upload of shrinks.bin stopped after 1048576 of 16777216 bytes: the file got shorter while it was being uploaded',
        );
        return true;
      },
    );
    assert.deepEqual(await collect(client.artifacts.listFiles(runArtifacts(own.info.runId))), []);
  });

  it('says which artifact does not exist, and writes nothing', async () => {
    const target = join(scratch, 'download-3');
    await assert.rejects(client.artifacts.download(runArtifacts(run.info.runId), 'nope.txt', target), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.status, 404);
      assert.equal(error.message, `Artifact nope.txt of run ${run.info.runId} does not exist`);
      return true;
    });
    assert.deepEqual(existsSync(target) ? treeOf(target) : [], []);
  });

  it('cancels a download and leaves no file behind', async () => {
    const target = join(scratch, 'download-4');
    const controller = new AbortController();
    await assert.rejects(
      client.artifacts.download(runArtifacts(run.info.runId), 'models/phi3-mini-onnx/cpu-int4/model.onnx.data', target, {
        signal: controller.signal,
        onProgress: (done) => done > 64 * 1024 && controller.abort(),
      }),
      (error: unknown) => error instanceof MlflowError && error.kind === 'cancelled',
    );
    assert.deepEqual(treeOf(target), []);
  });

  it('a folder download cancelled in its last file keeps the complete files, no partial one, and says which', async () => {
    const target = join(scratch, 'download-folder-cancelled');
    const controller = new AbortController();
    // MLmodel (31 bytes) and genai_config.json (27) come first; the 3 MiB model.onnx.data is cancelled.
    await assert.rejects(
      client.artifacts.download(runArtifacts(run.info.runId), 'models/phi3-mini-onnx', target, {
        signal: controller.signal,
        onProgress: (done) => done > 58 + 64 * 1024 && controller.abort(),
      }),
      (error: unknown) => {
        assert.ok(error instanceof MlflowError && error.kind === 'cancelled');
        assert.equal(error.message, `Cancelled after 2 of 3 files: the 2 complete files were kept in ${target}, and no partial file`);
        return true;
      },
    );
    assert.deepEqual(treeOf(target), ['phi3-mini-onnx/MLmodel', 'phi3-mini-onnx/cpu-int4/genai_config.json']);
  });

  it('cancels a download through the artifact proxy mid-range: every range stops, no file or partial file is left, none stays open', async () => {
    const own = await client.runs.create('0', { runName: 'download-cancelled' });
    await client.artifacts.upload(own.info, await writeLargeFile(join(scratch, 'to-cancel.bin'), 96));
    const target = join(scratch, 'download-cancelled');
    const controller = new AbortController();
    await assert.rejects(
      client.artifacts.download(runArtifacts(own.info.runId, own.info.artifactUri), 'to-cancel.bin', target, {
        signal: controller.signal,
        onProgress: (done) => done >= 40 * 1024 * 1024 && controller.abort(),
      }),
      (error: unknown) => {
        assert.ok(error instanceof MlflowError, String(error));
        assert.equal(error.kind, 'cancelled');
        assert.equal(error.message, 'Cancelled: download of to-cancel.bin');
        return true;
      },
    );
    assert.deepEqual(readdirSync(target), []);
    assert.deepEqual(
      openPaths().filter((path) => path.startsWith(target)),
      [],
      'no descriptor left on the partial file',
    );
  });

  it('sends a file of several download ranges in one PUT and gets it back byte for byte, reporting progress about once a MiB', async () => {
    // 100 MiB and an odd tail: four 32 MiB ranges, the last one short. Each MiB holds a different
    // byte, so a range written at the wrong offset changes the hash.
    const file = await writeLargeFile(join(scratch, 'ranged.bin'), 100);
    appendFileSync(file, randomBytes(12_345));
    const size = 100 * 1024 * 1024 + 12_345;
    const sent: number[] = [];
    // At the default threshold (100 MiB) multipart is asked for; this server answers 501, so one PUT.
    const result = await client.artifacts.upload(run.info, file, 'ranged', {
      onProgress: (done, total) => (assert.equal(total, size), sent.push(done)),
    });
    assert.deepEqual(result, { files: 1, bytes: size, multipartFiles: 0 });
    assert.equal(sent.at(-1), size);
    assert.ok(
      sent.every((value, i) => i === 0 || value > sent[i - 1]!),
      'upload progress only goes forward',
    );
    // Read in 1 MiB pieces: one report each.
    assert.equal(sent.length, 101);

    const target = join(scratch, 'download-ranged');
    const received: Array<[number, number | undefined]> = [];
    const got = await client.artifacts.download(runArtifacts(run.info.runId, run.info.artifactUri), 'ranged/ranged.bin', target, {
      onProgress: (done, total) => received.push([done, total]),
    });
    assert.deepEqual(got, { files: 1, bytes: size, skipped: [], refused: [] });
    assert.deepEqual(readdirSync(target), ['ranged.bin'], 'no partial file left beside it');
    assert.equal(sha256(join(target, 'ranged.bin')), sha256(file));
    assert.deepEqual(received.at(-1), [size, size]);
    assert.ok(
      received.every(([done], i) => i === 0 || done > received[i - 1]![0]),
      'download progress only goes forward',
    );
    // About once a MiB, not once a socket read (64 KiB: some 1,600 of them).
    assert.ok(received.length >= 90 && received.length <= 102, `${received.length} progress reports`);
  });

  it('refuses uploads to a run whose artifacts are not behind the proxy', async () => {
    await assert.rejects(
      client.artifacts.upload({ artifactUri: 's3://bucket/1/x/artifacts' }, join(scratch, 'weights.bin')),
      (error: unknown) => {
        assert.ok(error instanceof MlflowError);
        assert.equal(error.kind, 'unsupported');
        assert.match(error.message, /^This server keeps artifacts at s3:\/\/bucket\/1\/x\/artifacts, outside its artifact proxy/);
        return true;
      },
    );
  });
});

describe('multipart upload, against a real server whose artifacts are in S3 (moto)', () => {
  let server: MlflowServer;
  let scratch: string;
  before(async () => {
    server = await startMlflowServer({ artifactStore: 's3' });
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-multipart-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('uploads a large file in parts to the signed URLs, and it downloads back whole', async () => {
    const client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    const run = await client.runs.create('0', { runName: 'multipart' });
    const file = join(scratch, 'model.onnx.data');
    writeFileSync(file, randomBytes(12 * 1024 * 1024 + 5));
    const progress: number[] = [];
    // S3 takes parts of 5 MiB or more (but the last): three parts.
    const result = await client.artifacts.upload(run.info, file, 'onnx', {
      multipartThreshold: 1024 * 1024,
      multipartChunkSize: 5 * 1024 * 1024,
      onProgress: (done) => progress.push(done),
    });
    assert.deepEqual(result, { files: 1, bytes: 12 * 1024 * 1024 + 5, multipartFiles: 1 });
    assert.equal(progress.at(-1), 12 * 1024 * 1024 + 5);
    const listed = await collect(client.artifacts.list(runArtifacts(run.info.runId), 'onnx'));
    assert.deepEqual(listed, [{ path: 'onnx/model.onnx.data', isDir: false, fileSize: 12 * 1024 * 1024 + 5 }]);
    const target = join(scratch, 'back');
    await client.artifacts.download(runArtifacts(run.info.runId, run.info.artifactUri), 'onnx/model.onnx.data', target);
    assert.equal(sha256(join(target, 'model.onnx.data')), sha256(file));
  });
});

describe('resolveInside', () => {
  const root = mkdtempSync(join(tmpdir(), 'phi3-mlflow-safe-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keeps ordinary paths inside the folder', () => {
    assert.equal(resolveInside(root, 'model/cpu-int4/model.onnx'), join(root, 'model', 'cpu-int4', 'model.onnx'));
    assert.equal(resolveInside(root, 'a/../b.txt'), join(root, 'b.txt'));
  });

  for (const [path, why] of [
    ['../escape.txt', 'it leads outside the download folder'],
    ['model/../../escape.txt', 'it leads outside the download folder'],
    ['/etc/passwd', 'it is absolute'],
    ['..\\..\\escape.txt', 'it leads outside the download folder'],
    ['C:/Windows/win.ini', 'it is absolute'],
    ['.', 'it leads outside the download folder'],
  ] as const) {
    it(`refuses ${JSON.stringify(path)}: ${why}`, () => {
      assert.throws(
        () => resolveInside(root, path),
        (error: unknown) => error instanceof MlflowError && error.kind === 'unsafe-path' && error.message.includes(why),
      );
    });
  }

  it('refuses a path through a symbolic link', () => {
    symlinkSync(tmpdir(), join(root, 'link'));
    assert.throws(() => resolveInside(root, 'link/file.txt'), /is a symbolic link/);
  });
});
