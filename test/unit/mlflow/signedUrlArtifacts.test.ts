import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { usesSignedUrls } from '../../../src/mlflow/artifactRoutes';
import { runArtifacts } from '../../../src/mlflow/artifacts';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import { collect } from '../../../src/mlflow/paging';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { type SignedUrlStore, startSignedUrlStore } from '../../harness/signedUrlStore';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('artifacts behind signed URLs (the Databricks protocol, real S3 storage)', () => {
  let store: SignedUrlStore;
  let client: MlflowClient;
  let scratch: string;
  const run = { runId: '0123456789abcdef', artifactUri: 'dbfs:/databricks/mlflow-tracking/1/0123456789abcdef/artifacts' };

  before(async () => {
    store = await startSignedUrlStore();
    client = new MlflowClient({ uri: parseTrackingUri(store.url), auth: { kind: 'bearer', token: 'dapi-test-token' } });
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-signed-test-'));
  });
  after(async () => {
    await store?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('recognises Databricks artifact locations', () => {
    assert.equal(usesSignedUrls(run.artifactUri), true);
    assert.equal(usesSignedUrls('mlflow-artifacts:/1/r/artifacts'), false);
    assert.equal(usesSignedUrls('s3://bucket/1/r/artifacts'), false);
  });

  it('uploads a folder through credentials-for-write and downloads it through credentials-for-read', async () => {
    const model = join(scratch, 'phi3-mini-onnx');
    mkdirSync(join(model, 'cpu-int4'), { recursive: true });
    writeFileSync(join(model, 'MLmodel'), 'flavors: {}\n');
    writeFileSync(join(model, 'cpu-int4', 'model.onnx.data'), randomBytes(2 * 1024 * 1024 + 3));
    const sent = await client.artifacts.upload(run, model, 'models');
    assert.deepEqual(sent, { files: 2, bytes: 2 * 1024 * 1024 + 3 + 12, multipartFiles: 0 });

    const files = await collect(client.artifacts.listFiles(runArtifacts(run.runId, run.artifactUri), 'models'));
    // The listing gives folders first; the walk goes depth first.
    assert.deepEqual(
      files.map((f) => [f.path, f.fileSize]),
      [
        ['models/phi3-mini-onnx/cpu-int4/model.onnx.data', 2 * 1024 * 1024 + 3],
        ['models/phi3-mini-onnx/MLmodel', 12],
      ],
    );

    const target = join(scratch, 'back');
    const received = await client.artifacts.download(runArtifacts(run.runId, run.artifactUri), 'models/phi3-mini-onnx', target);
    assert.deepEqual(received, { files: 2, bytes: sent.bytes, skipped: [], refused: [] });
    assert.equal(sha256(join(target, 'phi3-mini-onnx', 'cpu-int4', 'model.onnx.data')), sha256(join(model, 'cpu-int4', 'model.onnx.data')));
    assert.equal(readFileSync(join(target, 'phi3-mini-onnx', 'MLmodel'), 'utf8'), 'flavors: {}\n');
  });

  it('says the storage refused a file that is not there', async () => {
    await assert.rejects(
      client.artifacts.download(runArtifacts(run.runId, run.artifactUri), 'missing.bin', join(scratch, 'none')),
      (error: unknown) => {
        assert.ok(error instanceof MlflowError);
        assert.equal(error.status, 404);
        assert.match(error.message, /^The artifact store \(127\.0\.0\.1:\d+\) refused GET of missing\.bin \(404\)$/);
        return true;
      },
    );
  });

  it('a wrong token gets the 401 from the tracking server, before the storage is touched', async () => {
    const wrong = new MlflowClient({ uri: parseTrackingUri(store.url), auth: { kind: 'bearer', token: 'wrong' } });
    await assert.rejects(
      wrong.artifacts.download(runArtifacts(run.runId, run.artifactUri), 'models/phi3-mini-onnx/MLmodel', join(scratch, 'none')),
      {
        status: 401,
        message: 'Authentication required (401): check the token for this server',
      },
    );
  });
});
