#!/usr/bin/env bash
# README command 1: set up everything, then run the demo (see scripts/demo.ts). Arguments pass through.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent package
node scripts/build.mjs --tests
exec node out/scripts/demo.js "$@"
