import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { runArtifacts } from '../../../src/mlflow/artifacts';
import { MlflowClient } from '../../../src/mlflow/client';
import { connectionFromEnvironment, tlsFromEnvironment } from '../../../src/mlflow/connection';
import { MlflowError } from '../../../src/mlflow/errors';
import { probeServer, ServerUnreachableError } from '../../../src/mlflow/serverProbe';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { writeLargeFile } from '../../harness/largeFile';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { repoRoot } from '../../harness/paths';
import { createTlsMaterial, type TlsMaterial } from '../../harness/tlsCertificates';

const pinnedVersion = /mlflow\[auth\]==([\d.]+)/.exec(readFileSync(join(repoRoot, 'scripts', 'setup', 'requirements.txt'), 'utf8'))![1];
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const password = 'tls-test-password-5c81f0';
const untrusted =
  'TLS certificate signed by an authority this client does not trust: set MLFLOW_TRACKING_SERVER_CERT_PATH to its CA certificate, or MLFLOW_TRACKING_INSECURE_TLS=true to skip verification';

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

/**
 * A client made the way the extension makes one from MLflow's environment variables. The time limit
 * is there so that a hang would fail as a 'timeout', where a refusal must be 'unreachable'.
 */
function clientFor(url: string, env: NodeJS.ProcessEnv): MlflowClient {
  const connection = connectionFromEnvironment({ MLFLOW_TRACKING_URI: url, ...env }, join(tmpdir(), 'no-such-mlflow-credentials'))!;
  return new MlflowClient(connection, { timeoutMs: 20_000 });
}

/** The refusal every kind of call gets: `kind` 'unreachable' (not 'timeout'), this exact message. */
function refusedWith(url: string, reason: string) {
  return (error: unknown) => {
    assert.ok(error instanceof MlflowError, `not an MlflowError: ${String(error)}`);
    assert.equal(error.kind, 'unreachable');
    assert.equal(error.message, `Cannot reach ${url} (${reason})`);
    assertNoSecret(error, password);
    assertNoSecret(error, Buffer.from(`alice:${password}`).toString('base64'));
    return true;
  };
}

describe('TLS: a real mlflow server serving HTTPS with a certificate from a throwaway CA', () => {
  let tls: TlsMaterial;
  let server: MlflowServer;
  let scratch: string;
  let experimentId: string;

  before(async () => {
    tls = createTlsMaterial();
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-tls-files-'));
    server = await startMlflowServer({ tls: { serverCert: tls.serverCert, serverKey: tls.serverKey, caCert: tls.caCert } });
  });
  after(async () => {
    await server?.stop();
    tls?.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves on https://', () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('by default refuses the certificate at once, naming both settings, for JSON calls, downloads and the probe, without the password', async () => {
    const client = clientFor(server.url, { MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: password });
    await assert.rejects(client.experiments.get('0'), refusedWith(server.url, untrusted));
    await assert.rejects(client.serverVersion(), refusedWith(server.url, untrusted));
    await assert.rejects(
      client.artifacts.downloadFile(runArtifacts('0123', 'mlflow-artifacts:/0/0123/artifacts'), 'a.txt', join(scratch, 'never', 'a.txt')),
      refusedWith(server.url, untrusted),
    );
    await assert.rejects(probeServer(parseTrackingUri(server.url), 10_000, {}), {
      name: 'ServerUnreachableError',
      message: `Cannot reach ${server.url} (${untrusted})`,
    });
  });

  it('refuses it with MLFLOW_TRACKING_SERVER_CERT_PATH naming a CA that did not sign it', async () => {
    const client = clientFor(server.url, {
      MLFLOW_TRACKING_SERVER_CERT_PATH: tls.otherCaCert,
      MLFLOW_TRACKING_USERNAME: 'alice',
      MLFLOW_TRACKING_PASSWORD: password,
    });
    await assert.rejects(client.experiments.get('0'), refusedWith(server.url, untrusted));
  });

  it('with MLFLOW_TRACKING_SERVER_CERT_PATH = the CA: writes and reads back experiments, runs and artifacts (ranged download) over HTTPS', async () => {
    const env = { MLFLOW_TRACKING_SERVER_CERT_PATH: tls.caCert };
    assert.deepEqual(await probeServer(parseTrackingUri(server.url), 10_000, tlsFromEnvironment(env)), { version: pinnedVersion });
    const client = clientFor(server.url, env);
    assert.equal(await client.serverVersion(), pinnedVersion);
    experimentId = await client.experiments.create('over-tls', { tags: { transport: 'https', ca: 'throwaway' } });
    const experiment = await client.experiments.get(experimentId);
    assert.equal(experiment.name, 'over-tls');
    assert.equal(experiment.lifecycleStage, 'active');
    assert.deepEqual(experiment.tags, { transport: 'https', ca: 'throwaway' });

    const run = await client.runs.create(experimentId, { runName: 'tls-run' });
    // Larger than one 32 MiB range, so the download takes the parallel ranged path through the proxy.
    const file = await writeLargeFile(join(scratch, 'weights.bin'), 40);
    assert.deepEqual(await client.artifacts.upload(run.info, file, 'model'), { files: 1, bytes: 40 * 1024 * 1024, multipartFiles: 0 });
    const progress: number[] = [];
    const received = await client.artifacts.download(
      runArtifacts(run.info.runId, run.info.artifactUri),
      'model/weights.bin',
      join(scratch, 'down'),
      {
        onProgress: (done) => progress.push(done),
      },
    );
    assert.deepEqual(received, { files: 1, bytes: 40 * 1024 * 1024, skipped: [], refused: [] });
    assert.equal(statSync(join(scratch, 'down', 'weights.bin')).size, 40 * 1024 * 1024);
    assert.equal(sha256(join(scratch, 'down', 'weights.bin')), sha256(file));
    assert.equal(progress.at(-1), 40 * 1024 * 1024);
  });

  it('with MLFLOW_TRACKING_INSECURE_TLS=true: connects without verifying and reads the same experiment', async () => {
    const client = clientFor(server.url, { MLFLOW_TRACKING_INSECURE_TLS: 'true' });
    const experiment = await client.experiments.getByName('over-tls');
    assert.equal(experiment?.experimentId, experimentId);
    assert.deepEqual(experiment?.tags, { transport: 'https', ca: 'throwaway' });
    assert.deepEqual(await probeServer(parseTrackingUri(server.url), 10_000, { insecure: true }), { version: pinnedVersion });
  });

  it('refuses, when the client is made, a certificate setting naming a missing file or one that is not PEM', () => {
    const missing = join(scratch, 'no-such-ca.pem');
    const notPem = join(scratch, 'not-a-certificate.pem');
    writeFileSync(notPem, 'this is not a certificate\n');
    const made = (env: NodeJS.ProcessEnv) => () => clientFor(server.url, env);
    assert.throws(made({ MLFLOW_TRACKING_SERVER_CERT_PATH: missing }), {
      name: 'MlflowError',
      message: `Cannot connect to ${server.url}: MLFLOW_TRACKING_SERVER_CERT_PATH ${missing} cannot be read (no such file)`,
    });
    assert.throws(made({ MLFLOW_TRACKING_SERVER_CERT_PATH: notPem }), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.match(
        error.message,
        new RegExp(`^Cannot connect to ${server.url}: MLFLOW_TRACKING_SERVER_CERT_PATH ${notPem} is not a PEM CA bundle \\(.+\\)$`),
      );
      return true;
    });
    // A certificate without its key: requests (and so MLflow) want both in the one file.
    assert.throws(made({ MLFLOW_TRACKING_CLIENT_CERT_PATH: tls.caCert }), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.match(
        error.message,
        new RegExp(
          `^Cannot connect to ${server.url}: MLFLOW_TRACKING_CLIENT_CERT_PATH ${tls.caCert} is not one PEM file with a certificate and its private key \\(.+\\)$`,
        ),
      );
      return true;
    });
  });
});

describe('TLS: a real mlflow server that requires a client certificate signed by its CA', () => {
  let tls: TlsMaterial;
  let server: MlflowServer;

  before(async () => {
    tls = createTlsMaterial();
    server = await startMlflowServer({
      tls: { serverCert: tls.serverCert, serverKey: tls.serverKey, caCert: tls.caCert, requireClientCert: true, clientPem: tls.clientPem },
    });
  });
  after(async () => {
    await server?.stop();
    tls?.remove();
  });

  it('without MLFLOW_TRACKING_CLIENT_CERT_PATH: refused, saying to set it (the server just drops the connection)', async () => {
    const reason = 'the server requires a TLS client certificate: set MLFLOW_TRACKING_CLIENT_CERT_PATH';
    const client = clientFor(server.url, {
      MLFLOW_TRACKING_SERVER_CERT_PATH: tls.caCert,
      MLFLOW_TRACKING_USERNAME: 'alice',
      MLFLOW_TRACKING_PASSWORD: password,
    });
    await assert.rejects(client.experiments.get('0'), refusedWith(server.url, reason));
    await assert.rejects(client.experiments.create('never'), refusedWith(server.url, reason));
    await assert.rejects(probeServer(parseTrackingUri(server.url), 10_000, { serverCertPath: tls.caCert }), (error: unknown) => {
      assert.ok(error instanceof ServerUnreachableError);
      assert.equal(error.message, `Cannot reach ${server.url} (${reason})`);
      return true;
    });
  });

  it('with a client certificate from another CA: refused, saying the server did not accept it', async () => {
    const client = clientFor(server.url, {
      MLFLOW_TRACKING_SERVER_CERT_PATH: tls.caCert,
      MLFLOW_TRACKING_CLIENT_CERT_PATH: tls.foreignClientPem,
    });
    await assert.rejects(
      client.experiments.get('0'),
      refusedWith(server.url, 'the server did not accept the TLS client certificate of MLFLOW_TRACKING_CLIENT_CERT_PATH'),
    );
  });

  it('with MLFLOW_TRACKING_CLIENT_CERT_PATH: creates and reads back an experiment and an artifact', async () => {
    const env = { MLFLOW_TRACKING_SERVER_CERT_PATH: tls.caCert, MLFLOW_TRACKING_CLIENT_CERT_PATH: tls.clientPem };
    assert.deepEqual(await probeServer(parseTrackingUri(server.url), 10_000, tlsFromEnvironment(env)), { version: pinnedVersion });
    const client = clientFor(server.url, env);
    const id = await client.experiments.create('mutual-tls', { tags: { client: 'certificate' } });
    const experiment = await client.experiments.get(id);
    assert.equal(experiment.name, 'mutual-tls');
    assert.deepEqual(experiment.tags, { client: 'certificate' });
    const run = await client.runs.create(id, { runName: 'mtls-run' });
    const scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-mtls-'));
    try {
      writeFileSync(join(scratch, 'MLmodel'), 'flavors:\n  python_function: {}\n');
      await client.artifacts.upload(run.info, join(scratch, 'MLmodel'), 'model');
      await client.artifacts.download(runArtifacts(run.info.runId, run.info.artifactUri), 'model/MLmodel', join(scratch, 'down'));
      assert.equal(readFileSync(join(scratch, 'down', 'MLmodel'), 'utf8'), 'flavors:\n  python_function: {}\n');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
