/**
 * One artifact transfer in a process of its own, so its peak RSS (VmHWM) is the transfer's alone.
 *   node out/bench/transferWorker.js upload URL RUN_ID ARTIFACT_URI FILE
 *   node out/bench/transferWorker.js download URL RUN_ID PATH DESTINATION
 * Prints one JSON line: seconds, bytes, CPU seconds (user + system, all threads) spent on the
 * transfer, baseline and peak RSS in MiB.
 */
import { readFileSync } from 'node:fs';
import { runArtifacts } from '../src/mlflow/artifacts';
import { MlflowClient } from '../src/mlflow/client';
import { parseTrackingUri } from '../src/mlflow/trackingUri';

function statusMib(field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  const [command, url, runId, pathOrUri, fileOrDestination] = process.argv.slice(2) as [string, string, string, string, string];
  const client = new MlflowClient({ uri: parseTrackingUri(url), auth: { kind: 'none' } });
  const baseline = statusMib('VmRSS');
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result =
    command === 'upload'
      ? await client.artifacts.upload({ artifactUri: pathOrUri }, fileOrDestination, 'ours')
      : await client.artifacts.download(runArtifacts(runId, (await client.runs.get(runId)).info.artifactUri), pathOrUri, fileOrDestination);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(
    JSON.stringify({ seconds, bytes: result.bytes, cpu_seconds: cpuSeconds, baseline_rss_mib: baseline, peak_rss_mib: statusMib('VmHWM') }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
