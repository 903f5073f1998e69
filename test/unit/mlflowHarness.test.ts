import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probeServer, ServerUnreachableError } from '../../src/mlflow/serverProbe';
import { parseTrackingUri } from '../../src/mlflow/trackingUri';
import { freePort } from '../harness/freePort';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { repoRoot } from '../harness/paths';
import { type Seeded, seedMlflow } from '../harness/seedMlflow';

const pinnedVersion = /mlflow\[auth\]==([\d.]+)/.exec(readFileSync(join(repoRoot, 'scripts', 'setup', 'requirements.txt'), 'utf8'))![1];

describe("the test harness's real MLflow server", () => {
  let server: MlflowServer;
  let seeded: Seeded;

  before(async () => {
    server = await startMlflowServer();
    seeded = await seedMlflow(server.url, {
      experiments: [
        {
          name: 'harness-check',
          tags: { team: 'phi3' },
          runs: [
            {
              name: 'first',
              params: { lr: '0.01', max_length: 256 },
              metrics: { loss: [0.9, 0.5, 0.25] },
              tags: { recipe: 'onnx' },
              artifacts: { 'notes/readme.txt': 'hello from the seeder\n' },
            },
          ],
        },
      ],
    });
  });

  after(async () => {
    await server?.stop();
  });

  it('answers the probe with the pinned MLflow version', async () => {
    assert.deepEqual(await probeServer(parseTrackingUri(server.url)), { version: pinnedVersion });
  });

  it("holds what the seeder wrote, as MLflow's REST API returns it", async () => {
    const experimentId = seeded.experiments[0]!.id;
    const runId = seeded.experiments[0]!.runs[0]!.id;
    const run = (await (await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as {
      run: {
        info: { experiment_id: string; run_name: string; status: string };
        data: {
          params: { key: string; value: string }[];
          metrics: { key: string; value: number; step: number }[];
          tags: { key: string; value: string }[];
        };
      };
    };
    assert.equal(run.run.info.experiment_id, experimentId);
    assert.equal(run.run.info.run_name, 'first');
    assert.equal(run.run.info.status, 'FINISHED');
    assert.deepEqual(
      run.run.data.params.sort((a, b) => a.key.localeCompare(b.key)),
      [
        { key: 'lr', value: '0.01' },
        { key: 'max_length', value: '256' },
      ],
    );
    assert.deepEqual(
      run.run.data.metrics.map(({ key, value, step }) => ({ key, value, step })),
      [{ key: 'loss', value: 0.25, step: 2 }],
    );
    assert.equal(run.run.data.tags.find((t) => t.key === 'recipe')?.value, 'onnx');

    const artifact = await fetch(`${server.url}/get-artifact?run_id=${runId}&path=notes/readme.txt`);
    assert.equal(artifact.status, 200);
    assert.equal(await artifact.text(), 'hello from the seeder\n');
  });

  it('stops the server and all of its workers', async () => {
    const probe = parseTrackingUri(server.url);
    const pid = server.pid;
    await server.stop();
    // ps exits 1 when it finds no process: only its output matters here.
    const left = spawnSync('ps', ['-o', 'pid=', '-g', String(pid)], { encoding: 'utf8' }).stdout.trim();
    assert.equal(left, '', `processes left in the server's group: ${left}`);
    await assert.rejects(
      probeServer(probe, 2000),
      (error: Error) => error instanceof ServerUnreachableError && error.message === `Cannot reach ${server.url} (connection refused)`,
    );
  });
});

describe('probeServer without a server', () => {
  it('says the connection was refused', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(probeServer(parseTrackingUri(url), 2000), {
      name: 'ServerUnreachableError',
      message: `Cannot reach ${url} (connection refused)`,
    });
  });
});
