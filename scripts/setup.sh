#!/usr/bin/env bash
# Sets up everything on a fresh Debian machine: apt packages, npm packages, the MLflow venv and the
# code-server VS Code host. Each part skips itself when already done, so running it again is cheap.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup/apt.sh
# ONNXRUNTIME_NODE_INSTALL=skip: belt and braces with .npmrc's ignore-scripts (onnxruntime-node's
# install script would fetch GPU binaries from outside the package registries).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi
bash scripts/setup/python.sh
bash scripts/setup/code-server.sh
