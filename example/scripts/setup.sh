#!/usr/bin/env bash
# Prepares the example app, doing only what is missing or out of date:
#
#   1. writes .env with a fresh demo APP_KEY when it is missing
#   2. packs the session package from the repo root into vendor/ (npm pack)
#   3. installs that tarball as the README says, under the @adonisjs/session
#      alias (npm i @adonisjs/session@file:<tarball>: a real copy in
#      node_modules, never a symlink, so the app and the package share one
#      @adonisjs/core), with the app's locked dependencies, and refreshes
#      ace-manifest.json. --no-save keeps package.json and package-lock.json
#      as committed: the lock records no integrity for the tarball, whose
#      hash changes with every build, so a clone stays clean
#   4. with --build, compiles the app into build/ (node ace build)
#
# Shared by scripts/start.sh and scripts/example-test.sh at the repo root.
set -euo pipefail

EXAMPLE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$EXAMPLE/.." && pwd)"
cd "$EXAMPLE"

log() { echo "[example] $*" >&2; }

if [[ ! -f .env ]]; then
  KEY="$(node -e "process.stdout.write(require('crypto').randomBytes(24).toString('base64url'))")"
  sed "s/^APP_KEY=.*/APP_KEY=$KEY/" .env.example > .env
  log "created .env with a random demo APP_KEY"
fi

TARBALL="$(bash "$ROOT/scripts/pack-into.sh" "$EXAMPLE/vendor" | tail -n 1)"
SPEC="file:vendor/$(basename "$TARBALL")"
if [[ "$(node -p "require('./package.json').dependencies['@adonisjs/session']")" != "$SPEC" ]]; then
  log "package.json must depend on \"@adonisjs/session\": \"$SPEC\""
  exit 1
fi

# The tarball's hash, recorded after a successful install, says whether
# node_modules already holds this exact build of the package
STAMP="node_modules/.session-tarball.sha256"
SUM="$(sha256sum "$TARBALL" | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$SUM" ]]; then
  log "installing $(basename "$TARBALL") and the locked dependencies"
  npm install --no-save --no-audit --no-fund "@adonisjs/session@$SPEC" >&2
  node ace generate:manifest >&2
  echo "$SUM" > "$STAMP"
else
  log "dependencies are up to date"
fi

if [[ "${1:-}" == "--build" ]]; then
  SOURCES=(app config contracts providers resources start env.ts server.ts .adonisrc.json tsconfig.json
    node_modules/.session-tarball.sha256)
  if [[ -f build/server.js && -z "$(find "${SOURCES[@]}" -newer build/server.js -print -quit)" ]]; then
    log "build/ is up to date"
  else
    log "compiling the app (node ace build)"
    node ace build >&2
    touch build/server.js
  fi
fi
