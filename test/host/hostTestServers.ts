/**
 * The MLflow servers every in-host run gives the suites, whichever VS Code runs them (code-server in
 * host.test.ts, a downloaded desktop build in runWithTestElectron.ts), and the environment that
 * tells the suites where they are: a plain server seeded with what the explorer browses, and one
 * with MLflow's basic-auth app.
 */
import { probeServer } from '../../src/mlflow/serverProbe';
import { parseTrackingUri } from '../../src/mlflow/trackingUri';
import { explorerSeed } from '../harness/explorerSeed';
import { basicAuthAdmin, startMlflowServer } from '../harness/mlflowServer';
import { seedExplorer } from '../harness/seedExplorer';

export interface HostTestServers {
  /** PHI3_MLFLOW_TEST_* variables for the extension host. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startHostTestServers(): Promise<HostTestServers> {
  const [mlflow, authServer] = await Promise.all([startMlflowServer(), startMlflowServer({ appName: 'basic-auth' })]);
  const stop = async () => {
    await Promise.all([mlflow.stop(), authServer.stop()]);
  };
  try {
    const { version } = await probeServer(parseTrackingUri(mlflow.url));
    const seeded = await seedExplorer(mlflow.url, explorerSeed);
    return {
      env: {
        PHI3_MLFLOW_TEST_SERVER_URL: mlflow.url,
        PHI3_MLFLOW_TEST_SERVER_VERSION: version,
        PHI3_MLFLOW_TEST_SEED: JSON.stringify(seeded),
        PHI3_MLFLOW_TEST_AUTH_SERVER_URL: authServer.url,
        PHI3_MLFLOW_TEST_AUTH_USER: basicAuthAdmin.username,
        PHI3_MLFLOW_TEST_AUTH_PASSWORD: basicAuthAdmin.password,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
