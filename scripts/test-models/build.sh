#!/usr/bin/env bash
# Builds the random-weight Phi-3 test models into test/fixtures/models/ (or, with --bench, the
# Phi-3-mini-width benchmark models into .bench-models/) and records onnxruntime-genai's reference outputs.
# Makes the Python venv .venv-models/ on first use. Extra arguments go to build_test_models.py
# (--only NAME..., --bench [--bench-layers N] [--bench-skip-transformersjs]). Then checks the fixtures with
# transformers.js (check_transformersjs.mjs).
# torch comes from PyPI with its CUDA wheels on Linux: the first install is large and slow.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo/scripts/test-models"
venv="$repo/.venv-models"

if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
if ! cmp -s "$here/requirements.txt" "$venv/.requirements.installed"; then
  "$venv/bin/pip" install --progress-bar off -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.requirements.installed"
fi

# Llama-2's vocabulary and merges ship inside the npm package llama-tokenizer-js (MIT); fetch that exact
# version's tarball through npm and take the one JS file that holds them.
tokenizer_pkg="$venv/llama-tokenizer-js-1.2.2"
if [[ ! -f "$tokenizer_pkg/package/llama-tokenizer.js" ]]; then
  mkdir -p "$tokenizer_pkg"
  (cd "$tokenizer_pkg" && npm pack --silent llama-tokenizer-js@1.2.2 >/dev/null && tar xzf llama-tokenizer-js-1.2.2.tgz)
fi

cd "$here"
"$venv/bin/python" build_test_models.py --llama-tokenizer-js "$tokenizer_pkg/package/llama-tokenizer.js" "$@"

# The fixtures as the engine's tokenizer sees them (needs the project's npm ci).
if [[ " $* " != *" --bench "* && -d "$repo/node_modules/@huggingface/transformers" ]]; then
  cd "$repo" && node scripts/test-models/check_transformersjs.mjs test/fixtures/models
fi
