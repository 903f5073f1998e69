import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { runArtifacts } from '../../../src/mlflow/artifacts';
import { MlflowClient } from '../../../src/mlflow/client';
import { authFromEnvironment, authorizationHeader, connectionFromEnvironment, type MlflowAuth } from '../../../src/mlflow/connection';
import { MlflowError } from '../../../src/mlflow/errors';
import { collect } from '../../../src/mlflow/paging';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { writeLargeFile } from '../../harness/largeFile';
import { openPaths } from '../../harness/openPaths';
import { basicAuthAdmin, type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';

const reader = { username: 'reader', password: 'reader-password-123456' };

/** Nothing a caller can see of an error holds the secret: message, stack, fields, inspection, JSON. */
function assertNoSecret(error: unknown, secret: string): void {
  for (const view of [
    String(error),
    (error as Error).stack ?? '',
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
  ]) {
    assert.ok(!view.includes(secret), `the secret shows in: ${view.slice(0, 200)}`);
  }
}

describe('MlflowClient against a real basic-auth server', () => {
  let server: MlflowServer;
  const clientAs = (auth: MlflowAuth) => new MlflowClient({ uri: parseTrackingUri(server.url), auth }, { maxRetries: 0 });
  let adminExperiment: string;

  before(async () => {
    server = await startMlflowServer({ appName: 'basic-auth' });
    const admin = clientAs({ kind: 'basic', ...basicAuthAdmin });
    await admin.http.json('POST', '/api/2.0/mlflow/users/create', { body: reader });
    adminExperiment = await admin.experiments.create('admins-only');
  });
  after(async () => server?.stop());

  it('without credentials: 401, saying the server needs them', async () => {
    await assert.rejects(clientAs({ kind: 'none' }).experiments.get('0'), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.status, 401);
      assert.equal(error.message, 'Authentication required (401): this server needs a username and password or a token');
      return true;
    });
  });

  it('with a wrong password: 401, naming what to check, and the password is nowhere in the error', async () => {
    const wrong = 'wrong-password-987654';
    await assert.rejects(clientAs({ kind: 'basic', username: 'reader', password: wrong }).experiments.get('0'), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.status, 401);
      assert.equal(error.message, 'Authentication required (401): check the username and password for this server');
      assertNoSecret(error, wrong);
      assertNoSecret(error, Buffer.from(`reader:${wrong}`).toString('base64'));
      return true;
    });
  });

  it('with a token the server does not take: 401, naming the token', async () => {
    await assert.rejects(clientAs({ kind: 'bearer', token: 'secret-token-value' }).experiments.get('0'), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.message, 'Authentication required (401): check the token for this server');
      assertNoSecret(error, 'secret-token-value');
      return true;
    });
  });

  it('a user without permission: 403, naming the call', async () => {
    await assert.rejects(clientAs({ kind: 'basic', ...reader }).experiments.delete(adminExperiment), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.status, 403);
      assert.equal(error.message, 'Permission denied (403): this user may not POST /api/2.0/mlflow/experiments/delete');
      assertNoSecret(error, reader.password);
      return true;
    });
  });

  it('an upload without credentials: 401 as soon as the server refuses it, without sending the rest of the file', async () => {
    const admin = clientAs({ kind: 'basic', ...basicAuthAdmin });
    const run = await admin.runs.create(adminExperiment, { runName: 'upload-refused' });
    const scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-auth-upload-'));
    try {
      const file = await writeLargeFile(join(scratch, 'weights.bin'), 256);
      let sent = 0;
      await assert.rejects(
        clientAs({ kind: 'none' }).artifacts.upload(run.info, file, '', {
          multipartThreshold: Infinity,
          onProgress: (done) => (sent = done),
        }),
        (error: unknown) => {
          assert.ok(error instanceof MlflowError, String(error));
          assert.equal(error.status, 401);
          assert.equal(error.message, 'Authentication required (401): this server needs a username and password or a token');
          return true;
        },
      );
      // The refusal comes after the headers, and then the client stops reading the file and lets go
      // of it: no descriptor of this process is left open on the file. Once it is closed nothing more
      // of it can be sent, so what was sent by then is all the client ever sends.
      const atRefusal = sent;
      const deadline = Date.now() + 5000;
      while (openPaths().includes(file)) {
        assert.ok(Date.now() < deadline, 'the file is still open');
        await new Promise((resolveWait) => setTimeout(resolveWait, 10));
      }
      assert.equal(sent, atRefusal, 'the client went on sending the body of a refused upload');
      assert.ok(sent < 256 * 1024 * 1024);
      assert.deepEqual(await collect(admin.artifacts.listFiles(runArtifacts(run.info.runId))), []);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('an artifact download through the proxy: 401 without credentials, the bytes with them', async () => {
    const admin = clientAs({ kind: 'basic', ...basicAuthAdmin });
    const run = await admin.runs.create(adminExperiment, { runName: 'download-signed-in' });
    const scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-auth-download-'));
    try {
      const file = join(scratch, 'notes.txt');
      writeFileSync(file, 'only for the signed-in\n');
      await admin.artifacts.upload(run.info, file);
      const source = runArtifacts(run.info.runId, run.info.artifactUri);
      // downloadFile: straight to the file's GET (download() would be refused at the listing first).
      await assert.rejects(
        clientAs({ kind: 'none' }).artifacts.downloadFile(source, 'notes.txt', join(scratch, 'anonymous', 'notes.txt')),
        (error: unknown) => {
          assert.ok(error instanceof MlflowError, String(error));
          assert.equal(error.status, 401);
          assert.equal(error.message, 'Authentication required (401): this server needs a username and password or a token');
          return true;
        },
      );
      assert.deepEqual(readdirSync(join(scratch, 'anonymous')), []);
      assert.deepEqual(await admin.artifacts.download(source, 'notes.txt', join(scratch, 'admin')), {
        files: 1,
        bytes: 23,
        skipped: [],
        refused: [],
      });
      assert.equal(readFileSync(join(scratch, 'admin', 'notes.txt'), 'utf8'), 'only for the signed-in\n');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('the right credentials: the calls succeed', async () => {
    const client = clientAs({ kind: 'basic', ...reader });
    assert.equal((await client.experiments.get(adminExperiment)).name, 'admins-only');
    const own = await client.experiments.create('readers-own');
    await client.experiments.delete(own); // the creator may manage what it created
  });
});

describe("credentials from MLflow's conventions", () => {
  const folder = mkdtempSync(join(tmpdir(), 'phi3-mlflow-creds-'));
  const credentialsFile = join(folder, 'credentials');
  writeFileSync(
    credentialsFile,
    '# MLflow credentials\n[other]\nmlflow_tracking_username = nope\n[mlflow]\nmlflow_tracking_username = file-user\nMLFLOW_TRACKING_PASSWORD: file-pass\n',
  );
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('basic from the environment wins over a token', () => {
    assert.deepEqual(
      authFromEnvironment({ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p', MLFLOW_TRACKING_TOKEN: 't' }, credentialsFile),
      { kind: 'basic', username: 'u', password: 'p' },
    );
  });

  it('the credentials file fills in what the environment lacks', () => {
    assert.deepEqual(authFromEnvironment({}, credentialsFile), { kind: 'basic', username: 'file-user', password: 'file-pass' });
    assert.deepEqual(authFromEnvironment({ MLFLOW_TRACKING_USERNAME: 'env-user' }, credentialsFile), {
      kind: 'basic',
      username: 'env-user',
      password: 'file-pass',
    });
  });

  it('a token alone is a bearer token; nothing is no auth', () => {
    assert.deepEqual(authFromEnvironment({ MLFLOW_TRACKING_TOKEN: 't' }, join(folder, 'missing')), { kind: 'bearer', token: 't' });
    assert.deepEqual(authFromEnvironment({}, join(folder, 'missing')), { kind: 'none' });
  });

  it('builds the whole connection, TLS settings included', () => {
    const connection = connectionFromEnvironment(
      {
        MLFLOW_TRACKING_URI: 'https://mlflow.example.com/',
        MLFLOW_TRACKING_TOKEN: 't',
        MLFLOW_TRACKING_INSECURE_TLS: 'true',
        MLFLOW_TRACKING_SERVER_CERT_PATH: '/ca.pem',
      },
      join(folder, 'missing'),
    );
    assert.deepEqual(connection, {
      uri: { restBase: 'https://mlflow.example.com', original: 'https://mlflow.example.com/' },
      auth: { kind: 'bearer', token: 't' },
      tls: { insecure: true, serverCertPath: '/ca.pem', clientCertPath: undefined },
    });
    assert.equal(connectionFromEnvironment({}, credentialsFile), undefined);
  });

  it('turns auth into the Authorization header', () => {
    assert.equal(
      authorizationHeader({ kind: 'basic', username: 'admin', password: 'pw' }),
      `Basic ${Buffer.from('admin:pw').toString('base64')}`,
    );
    assert.equal(authorizationHeader({ kind: 'bearer', token: 'abc' }), 'Bearer abc');
    assert.equal(authorizationHeader({ kind: 'none' }), undefined);
  });
});
