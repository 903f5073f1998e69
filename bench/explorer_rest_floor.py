"""The REST floor of bench/explorer.bench.ts: the MLflow Python client making the explorer's own queries.

Each query is timed --repeat times in this process (after one warm-up call) and its median printed in ms,
as one JSON object on the last line: experiments, experimentFilter, runs, runFilter, nextRuns.

    MLFLOW_TRACKING_URI=... python bench/explorer_rest_floor.py EXPERIMENT_ID EXPERIMENT_NAME RUN_FILTER REPEAT
"""

import json
import sys

from mlflow.tracking import MlflowClient

from mlflow_client_bench import timed


def median_ms(query, repeat):
    """The median of `repeat` timed calls after one warm-up call (its connection set-up is not the query's)."""
    query()
    return timed(query, repeat)


def main():
    experiment_id, experiment_name, run_filter, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    client = MlflowClient()
    newest_first = ["attributes.start_time DESC"]
    first_page = client.search_runs([experiment_id], max_results=50, order_by=newest_first)
    figures = {
        "experiments": median_ms(lambda: client.search_experiments(max_results=100, order_by=["last_update_time DESC"]), repeat),
        "experimentFilter": median_ms(
            lambda: client.search_experiments(max_results=100, order_by=["last_update_time DESC"], filter_string=f"name ILIKE '%{experiment_name}%'"),
            repeat,
        ),
        "runs": median_ms(lambda: client.search_runs([experiment_id], max_results=50, order_by=newest_first), repeat),
        "runFilter": median_ms(lambda: client.search_runs([experiment_id], filter_string=run_filter, max_results=50, order_by=newest_first), repeat),
        "nextRuns": median_ms(lambda: client.search_runs([experiment_id], max_results=50, order_by=newest_first, page_token=first_page.token), repeat),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
