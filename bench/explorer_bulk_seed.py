"""Bulk part of bench/explorer.bench.ts's seed: the runs past --rest-runs, written straight into the
server's SQLite store in one transaction, as the same rows MLflow's REST API writes for a run made by
runs/create + runs/log-batch (checked against the runs the bench made through REST: runs, tags
mlflow.runName, params lr and quant, three loss metrics and their latest_metrics row). Through REST,
seeding 100,000 runs ran at 7.5 runs/s on a busy 2-core machine (nearly 4 hours); this takes seconds.

    python bench/explorer_bulk_seed.py DB EXPERIMENT_COUNT RUN_COUNT BIG_RUNS BIG_NAME
Run i goes to BIG_NAME when i < BIG_RUNS, else to bench-<(i - BIG_RUNS) % (EXPERIMENT_COUNT - 1)>,
as the REST seed does. A run the REST seed left half-made (created, not yet logged to) is removed;
every run-<i> not in the store is written.
"""

import sqlite3
import sys
import uuid

T0 = 1_700_000_000_000


def main():
    db, experiment_count, run_count, big_runs, big_name = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
    con = sqlite3.connect(db, timeout=60)
    with con:
        half_made = [row[0] for row in con.execute("select run_uuid from runs where run_uuid not in (select run_uuid from latest_metrics)")]
        for table in ("tags", "params", "metrics", "latest_metrics", "runs"):
            con.executemany(f"delete from {table} where run_uuid = ?", [(r,) for r in half_made])
    present = {row[0] for row in con.execute("select name from runs")}
    ids = dict(con.execute("select name, experiment_id from experiments"))
    big = ids[big_name]
    small = [ids[f"bench-{k:05d}"] for k in range(experiment_count - 1)]
    runs, tags, params, metrics, latest = [], [], [], [], []
    for i in range(run_count):
        if f"run-{i:05d}" in present:
            continue
        experiment = big if i < big_runs else small[(i - big_runs) % len(small)]
        run_id = uuid.uuid4().hex
        name = f"run-{i:05d}"
        runs.append((run_id, name, "UNKNOWN", "", "", "", "RUNNING", T0 + i * 1000, None, "", "active",
                     f"mlflow-artifacts:/{experiment}/{run_id}/artifacts", experiment, None))
        tags.append(("mlflow.runName", name, run_id))
        # The REST seed's String(0.001 * k) in JavaScript: the shortest round-trip form, as Python's repr.
        params += [("lr", repr(0.001 * (i % 10)) if i % 10 else "0", run_id),
                   ("quant", "int4" if i % 2 else "fp32", run_id)]
        for step in range(3):
            metrics.append(("loss", 1 / (step + 1 + i), T0 + step, run_id, step, 0))
        latest.append(("loss", 1 / (3 + i), T0 + 2, 2, 0, run_id))
    with con:
        con.executemany("insert into runs values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", runs)
        con.executemany("insert into tags values (?,?,?)", tags)
        con.executemany("insert into params values (?,?,?)", params)
        con.executemany("insert into metrics values (?,?,?,?,?,?)", metrics)
        con.executemany('insert into latest_metrics ("key", value, timestamp, step, is_nan, run_uuid) values (?,?,?,?,?,?)', latest)
    print(f"removed {len(half_made)} half-made runs, wrote {len(runs)} runs")


if __name__ == "__main__":
    main()
