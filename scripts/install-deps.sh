#!/usr/bin/env bash
# Installs exactly what package-lock.json says (npm ci) when node_modules is
# missing, or when the lock file changed since the last install: the lock
# file's hash, written to node_modules/ after a successful install, says
# which lock file node_modules holds. Shared by npm test, npm start and the
# packing script, so a fresh clone needs nothing run before them.
#
#   bash scripts/install-deps.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STAMP="node_modules/.package-lock.sha256"
SUM="$(sha256sum package-lock.json | cut -d' ' -f1)"

if [[ -d node_modules && -f "$STAMP" && "$(cat "$STAMP")" == "$SUM" ]]; then
  exit 0
fi

if [[ -d node_modules ]]; then
  echo "[install] package-lock.json changed since the last install: npm ci" >&2
else
  echo "[install] node_modules is missing: npm ci" >&2
fi
npm ci --no-audit --no-fund >&2
echo "$SUM" >"$STAMP"
