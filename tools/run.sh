#!/usr/bin/env bash
# Installs what is missing and runs the main job (for now the demo: build a
# graph, run it, export it as .pbtxt, re-import and run it again).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
bazel run //tools:demo -- "${1:-/tmp/tessera_demo_graph.pbtxt}"
