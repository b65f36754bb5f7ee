#!/usr/bin/env bash
# Writes the tests' tiny random-weight llama model: make-model.sh FOLDER -> FOLDER/tiny-llama.gguf
# (llama.cpp's gguf-py writer and test vocabulary come from the source bundle inside node-llama-cpp).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
[ -d "$out/llama.cpp" ] || git clone -q "$here/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$out/llama.cpp" 2>/dev/null
/usr/bin/python3 "$here/make-model.py" "$out/llama.cpp" "$out/tiny-llama.gguf" >/dev/null
echo "$out/tiny-llama.gguf"
