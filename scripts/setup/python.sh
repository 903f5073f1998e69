#!/usr/bin/env bash
# Creates the Python venvs: .venv with the pinned MLflow 3 that the tests and the demo run as a real
# server (and the tools around it), .venv-mlflow2 with an MLflow 2 server for compatibility tests, and
# .venv-transformers (MLflow 3, torch, transformers) where the notebook's Transformers recipe runs for real.
# Each is rebuilt only when its requirements files change.
#
# Disk: the three come to 7.3 GB installed (5.4 GB of it .venv-transformers, mostly torch and its CUDA
# libraries), and pip holds the downloaded wheels until each install ends: setup as a whole peaked at
# 9.1 GB on a fresh clone. --no-cache-dir keeps pip from
# also keeping a copy of every wheel in ~/.cache/pip, which nothing here would read again.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

# pip_install VENV ARGS...
pip_install() {
  "$1/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "${@:2}"
}

# make_venv DIR REQUIREMENTS [NO_DEPS_REQUIREMENTS]: the third file's packages are installed without
# their dependencies, which the second file lists instead.
make_venv() {
  local venv="$root/$1" requirements="$root/scripts/setup/$2" no_deps="${3:+$root/scripts/setup/$3}"
  local stamp="$venv/.requirements.sha" want
  want=$(cat "$requirements" ${no_deps:+"$no_deps"} | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  pip_install "$venv" -r "$requirements"
  if [ -n "$no_deps" ]; then pip_install "$venv" --no-deps -r "$no_deps"; fi
  echo "$want" > "$stamp"
}

need_gb=10
free_gb=$(df -P -BG "$root" | awk 'NR == 2 { sub("G", "", $4); print $4 }')
if [ -n "$free_gb" ] && [ "$free_gb" -lt "$need_gb" ] && [ ! -f "$root/.venv-transformers/.requirements.sha" ]; then
  echo "scripts/setup/python.sh: $free_gb GB free on the disk of $root; setup needs about $need_gb GB at its peak, most of it torch's CUDA libraries. pip may stop with 'No space left on device'." >&2
fi

make_venv .venv requirements.txt &
make_venv .venv-mlflow2 requirements-mlflow2.txt &
make_venv .venv-transformers requirements-transformers.txt requirements-transformers-torch.txt &
wait -n && wait -n && wait -n
