import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './freePort';
import { repoRoot, venvPython } from './paths';
import { ProcessGroup } from './processGroup';

export interface SignedUrlStore {
  /** The tracking URI to connect to (with the bearer token `dapi-test-token`). */
  readonly url: string;
  readonly stop: () => Promise<void>;
}

/**
 * moto's S3 server with a bucket, and test/harness/signed_url_stub.py in front of it speaking the
 * Databricks side of MLflow's signed-URL artifact protocol.
 */
export async function startSignedUrlStore(): Promise<SignedUrlStore> {
  const cwd = mkdtempSync(join(tmpdir(), 'phi3-mlflow-signed-'));
  const s3Port = await freePort();
  const s3 = ProcessGroup.start(venvPython, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(s3Port)], { cwd });
  const groups = [s3];
  const stop = async () => {
    for (const group of groups) await group.stop();
    rmSync(cwd, { recursive: true, force: true });
  };
  try {
    await s3.waitForOutput(/Running on http/, 60_000);
    const s3Url = `http://127.0.0.1:${s3Port}`;
    const created = await fetch(`${s3Url}/databricks-artifacts`, { method: 'PUT' });
    if (!created.ok) throw new Error(`moto refused to create the bucket: ${created.status}`);
    const port = await freePort();
    const stub = ProcessGroup.start(
      venvPython,
      [join(repoRoot, 'test', 'harness', 'signed_url_stub.py'), String(port), s3Url, 'databricks-artifacts'],
      { cwd },
    );
    groups.unshift(stub);
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 200; i++) {
      if (
        await fetch(`${url}/`).then(
          () => true,
          () => false,
        )
      )
        return { url, stop };
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the signed-URL stub did not start:\n${stub.log}`);
  } catch (error) {
    await stop();
    throw error;
  }
}
