import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './freePort';
import { mlflow2VenvBin, venvBin } from './paths';
import { ProcessGroup } from './processGroup';

export interface MlflowServerOptions {
  /** `basic-auth` starts MLflow's authentication app with the admin user `basicAuthAdmin`. */
  readonly appName?: 'basic-auth';
  readonly port?: number;
  /** Keeps the store in this folder (the demo); otherwise a temporary folder removed on stop. */
  readonly dataDir?: string;
  readonly startTimeoutMs?: number;
  /**
   * `s3`: the artifacts go to a bucket on moto's S3 server (started here, on another free port),
   * so the server offers what only cloud stores have, such as multipart upload.
   */
  readonly artifactStore?: 'local' | 's3';
  /** 2: the MLflow 2 server of .venv-mlflow2, for compatibility tests. */
  readonly mlflowMajor?: 2 | 3;
  /**
   * `file`: the filesystem tracking store (`DIR/mlruns`) instead of sqlite, for tests of what it
   * cannot do (store trace spans). MLflow 3.17 refuses it unless MLFLOW_ALLOW_FILE_STORE=true.
   */
  readonly backendStore?: 'sqlite' | 'file';
  /**
   * Serve HTTPS: uvicorn's own TLS (through `--uvicorn-opts`) with this certificate and key, so the
   * real server is the TLS endpoint. With `requireClientCert`, only clients presenting a certificate
   * signed by `caCert` get in; `clientPem` is what the harness itself presents to check `/health`.
   */
  readonly tls?: {
    readonly serverCert: string;
    readonly serverKey: string;
    readonly caCert: string;
    readonly requireClientCert?: boolean;
    readonly clientPem?: string;
  };
}

/**
 * MLflow 3.17 ships no admin password and refuses the old `password1234` default, so the harness
 * sets its own for the basic-auth app.
 */
export const basicAuthAdmin = { username: 'admin', password: 'phi3-mlflow-admin-pw-2026' } as const;

export interface MlflowServer {
  /** `http://127.0.0.1:PORT` (`https://` with `tls`), the tracking URI. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  readonly log: () => string;
  /** Signals the server and all its workers at once: SIGKILL to crash it, SIGSTOP/SIGCONT to freeze it. */
  readonly signal: (signal: NodeJS.Signals) => void;
  readonly stop: () => Promise<void>;
}

/**
 * Starts a real `mlflow server` from the project's venv: sqlite backend, proxied artifacts, on
 * 127.0.0.1 and a free port, and waits until `/health` answers. `stop()` ends it and its workers.
 */
export async function startMlflowServer(options: MlflowServerOptions = {}): Promise<MlflowServer> {
  const port = options.port ?? (await freePort());
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'phi3-mlflow-server-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The job runner and its consumers are for server-side jobs that these tests do not use.
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
    PYTHONUNBUFFERED: '1',
  };
  delete env.MLFLOW_TRACKING_URI;
  if (options.backendStore === 'file') env.MLFLOW_ALLOW_FILE_STORE = 'true';
  const args = [
    'server',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    '2',
    '--backend-store-uri',
    options.backendStore === 'file' ? join(dataDir, 'mlruns') : `sqlite:///${join(dataDir, 'mlflow.db')}`,
    '--artifacts-destination',
    join(dataDir, 'artifacts'),
  ];
  if (options.appName === 'basic-auth') {
    const authConfig = join(dataDir, 'basic_auth.ini');
    writeFileSync(
      authConfig,
      [
        '[mlflow]',
        'default_permission = READ',
        `database_uri = sqlite:///${join(dataDir, 'basic_auth.db')}`,
        `admin_username = ${basicAuthAdmin.username}`,
        `admin_password = ${basicAuthAdmin.password}`,
        'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
        '',
      ].join('\n'),
    );
    env.MLFLOW_AUTH_CONFIG_PATH = authConfig;
    env.MLFLOW_FLASK_SERVER_SECRET_KEY = 'phi3-mlflow-tests';
    args.push('--app-name', 'basic-auth');
  }
  if (options.tls) {
    const quote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;
    const tlsOpts = ['--ssl-certfile', quote(options.tls.serverCert), '--ssl-keyfile', quote(options.tls.serverKey)];
    // 2 is ssl.CERT_REQUIRED.
    if (options.tls.requireClientCert) tlsOpts.push('--ssl-ca-certs', quote(options.tls.caCert), '--ssl-cert-reqs', '2');
    args.push('--uvicorn-opts', tlsOpts.join(' '));
  }
  let s3: ProcessGroup | undefined;
  if (options.artifactStore === 's3') {
    const s3Port = await freePort();
    s3 = ProcessGroup.start(join(venvBin, 'python'), ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(s3Port)], { cwd: dataDir, env });
    await s3.waitForOutput(/Running on http/, 60_000);
    const s3Url = `http://127.0.0.1:${s3Port}`;
    // CreateBucket: moto takes unsigned requests.
    const created = await fetch(`${s3Url}/mlflow-artifacts`, { method: 'PUT' });
    if (!created.ok) throw new Error(`moto refused to create the bucket: ${created.status}`);
    Object.assign(env, {
      MLFLOW_S3_ENDPOINT_URL: s3Url,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    args[args.indexOf('--artifacts-destination') + 1] = 's3://mlflow-artifacts/artifacts';
  }
  const group = ProcessGroup.start(join(options.mlflowMajor === 2 ? mlflow2VenvBin : venvBin, 'mlflow'), args, { cwd: dataDir, env });
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const stop = async () => {
    await group.stop();
    await s3?.stop();
    if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, group, options.startTimeoutMs ?? 120_000, options.tls);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, dataDir, pid: group.pid, log: () => group.log, signal: (name) => group.signalGroup(name), stop };
}

async function waitForHealth(url: string, group: ProcessGroup, timeoutMs: number, tls?: MlflowServerOptions['tls']): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (group.hasExited) throw new Error(`mlflow server exited while starting:\n${group.log.slice(-3000)}`);
    try {
      if (tls) {
        if ((await httpsHealth(url, tls)) === 'OK') return;
      } else {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
        if (response.ok && (await response.text()).trim() === 'OK') return;
      }
    } catch {
      // not listening yet: first start runs the database migrations
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`mlflow server did not answer /health within ${timeoutMs} ms:\n${group.log.slice(-3000)}`);
}

/** `GET /health` over HTTPS trusting only the test CA (fetch cannot be given a CA in Node 20). */
function httpsHealth(url: string, tls: NonNullable<MlflowServerOptions['tls']>): Promise<string> {
  const clientPem = tls.clientPem ? readFileSync(tls.clientPem) : undefined;
  return new Promise((resolveHealth, reject) => {
    const request = httpsRequest(
      `${url}/health`,
      { ca: readFileSync(tls.caCert), cert: clientPem, key: clientPem, timeout: 2000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolveHealth(response.statusCode === 200 ? body.trim() : `status ${response.statusCode}`));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end();
  });
}
