#!/usr/bin/env bash
# Creates the Python venvs: .venv with the pinned MLflow 3 that the tests and the demo run as a real
# server (and the tools around it), .venv-mlflow2 with an MLflow 2 server for compatibility tests, and
# .venv-transformers (MLflow 3, torch, transformers) where the notebook's Transformers recipe runs for real.
# Each is rebuilt only when its requirements file changes.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

make_venv() {
  local venv="$root/$1" requirements="$root/scripts/setup/$2"
  local stamp="$venv/.requirements.sha" want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
}

make_venv .venv requirements.txt &
make_venv .venv-mlflow2 requirements-mlflow2.txt &
make_venv .venv-transformers requirements-transformers.txt &
wait -n && wait -n && wait -n
