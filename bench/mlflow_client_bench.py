"""The reference side of bench/mlflowClient.bench.ts: the same work with MLflow's Python client.

Each subcommand prints one JSON object on its last stdout line. Transfers report peak RSS from
getrusage and the baseline before the transfer, so the growth can be compared with ours, and the
CPU seconds (user + system, all threads) the transfer took.
"""
import argparse
import json
import os
import resource
import time

from mlflow.tracking import MlflowClient


def rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("listing")
    listing.add_argument("--experiment-id", required=True)
    listing.add_argument("--page-size", type=int, default=1000)
    listing.add_argument("--repeat", type=int, default=5)
    upload = sub.add_parser("upload")
    upload.add_argument("--run-id", required=True)
    upload.add_argument("--file", required=True)
    upload.add_argument("--artifact-path", default="python")
    download = sub.add_parser("download")
    download.add_argument("--run-id", required=True)
    download.add_argument("--path", required=True)
    download.add_argument("--dst", required=True)
    args = parser.parse_args()
    client = MlflowClient()

    if args.command == "listing":
        def first_experiments():
            client.search_experiments(max_results=args.page_size)

        def first_runs():
            client.search_runs([args.experiment_id], max_results=args.page_size)

        def all_runs():
            token, count = None, 0
            while True:
                page = client.search_runs([args.experiment_id], max_results=args.page_size, page_token=token)
                count += len(page)
                token = page.token
                if not token:
                    break
            assert count > 0

        result = {
            "first_experiments_ms": timed(first_experiments, args.repeat),
            "first_runs_ms": timed(first_runs, args.repeat),
            "all_runs_ms": timed(all_runs, args.repeat),
        }
    elif args.command == "upload":
        baseline = rss_mib()
        cpu = cpu_seconds()
        start = time.perf_counter()
        client.log_artifact(args.run_id, args.file, args.artifact_path)
        seconds = time.perf_counter() - start
        result = {"seconds": seconds, "bytes": os.path.getsize(args.file), "cpu_seconds": cpu_seconds() - cpu, "baseline_rss_mib": baseline, "peak_rss_mib": peak_rss_mib()}
    else:
        import mlflow.artifacts

        baseline = rss_mib()
        cpu = cpu_seconds()
        start = time.perf_counter()
        local = mlflow.artifacts.download_artifacts(run_id=args.run_id, artifact_path=args.path, dst_path=args.dst)
        seconds = time.perf_counter() - start
        result = {"seconds": seconds, "bytes": os.path.getsize(local), "cpu_seconds": cpu_seconds() - cpu, "baseline_rss_mib": baseline, "peak_rss_mib": peak_rss_mib()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
