#!/usr/bin/env bash
# `npm run bench`: installs what the benchmark needs when it is missing (wrk,
# strace, redis-cli, the two app variants), then runs bench/run.js.
#
#   BENCH_OURS=pack      (default) pack this repo like a publish: `npm pack`, whose
#                        prepack builds it (via scripts/pack-into.sh when present)
#   BENCH_OURS=original  put @adonisjs/session@6.4.0 in the "ours" slot too (harness checks)
#   BENCH_BASE=DIR       put another checkout of this repo (its dev dependencies
#                        installed), packed the same way, in the "orig" slot: an A/B
#                        of two builds of this package instead of a comparison with 6.4
# Other knobs (BENCH_DURATION, BENCH_REPS, BENCH_DRIVERS, BENCH_ROUTES, ...): bench/README.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$BENCH_DIR")"
CACHE_DIR="$BENCH_DIR/.cache"
OURS_TGZ="$CACHE_DIR/session-ours.tgz"
BASE_TGZ="$CACHE_DIR/session-base.tgz"
BENCH_OURS="${BENCH_OURS:-pack}"
BENCH_BASE="${BENCH_BASE:-}"
NPM_FLAGS=(--no-audit --no-fund --loglevel=error)

say() { printf '[bench] %s\n' "$*" >&2; }

# wrk drives the load, strace counts file writes, redis-cli reads Redis counters.
ensure_tools() {
  bash "$ROOT_DIR/scripts/apt-ensure.sh" wrk=wrk strace=strace redis-cli=redis-tools || exit 1
}

# The "ours" tarball: the repo packed exactly as it would be published, so the app
# installs a copy (a symlink would make the package resolve the repo's own core).
pack_ours() {
  local out
  out="$(mktemp -d "$CACHE_DIR/pack.XXXXXX")"
  if [ "$BENCH_OURS" = original ]; then
    say "stand-in: packing @adonisjs/session@6.4.0 for the ours slot"
    (cd "$out" && npm pack @adonisjs/session@6.4.0 "${NPM_FLAGS[@]}" >/dev/null)
  elif [ "$BENCH_OURS" = pack ]; then
    say "packing the repository (log: bench/.cache/pack.log)"
    if [ -f "$ROOT_DIR/scripts/pack-into.sh" ]; then
      # The repo's own packer: npm pack (prepack builds), skipped while up to date.
      cp "$(bash "$ROOT_DIR/scripts/pack-into.sh" "$CACHE_DIR/packed" 2>"$CACHE_DIR/pack.log" | tail -n 1)" "$out/" ||
        { cat "$CACHE_DIR/pack.log" >&2; exit 1; }
    else
      (cd "$ROOT_DIR" && npm pack --pack-destination "$out" "${NPM_FLAGS[@]}") >"$CACHE_DIR/pack.log" 2>&1 ||
        { cat "$CACHE_DIR/pack.log" >&2; exit 1; }
    fi
  else
    say "BENCH_OURS must be pack or original, got $BENCH_OURS"
    exit 1
  fi
  mv "$out"/*.tgz "$OURS_TGZ"
  rm -rf "$out"
}

# The "orig" slot of an A/B run: the checkout BENCH_BASE packed like a publish,
# installed into apps/base, whose package.json is the ours one with that tarball.
pack_base() {
  local out dir="$BENCH_DIR/apps/base"
  [ -d "$BENCH_BASE/node_modules" ] ||
    { say "BENCH_BASE=$BENCH_BASE must be a checkout of this repo with its dev dependencies installed"; exit 1; }
  out="$(mktemp -d "$CACHE_DIR/pack.XXXXXX")"
  say "packing the base checkout $BENCH_BASE (log: bench/.cache/pack-base.log)"
  (cd "$BENCH_BASE" && npm pack --pack-destination "$out" "${NPM_FLAGS[@]}") >"$CACHE_DIR/pack-base.log" 2>&1 ||
    { cat "$CACHE_DIR/pack-base.log" >&2; exit 1; }
  mv "$out"/*.tgz "$BASE_TGZ"
  rm -rf "$out"
  mkdir -p "$dir"
  sed -e 's/session-ours\.tgz/session-base.tgz/' -e 's/"session-bench-ours"/"session-bench-base"/' \
    -e 's/variant (a): this repository.s packed tarball/variant (b) of an A\/B run: BENCH_BASE packed/' \
    "$BENCH_DIR/apps/ours/package.json" >"$dir/package.json"
}

# Copies the shared app source into a variant folder and (re)installs its
# node_modules when its package.json or the ours tarball changed.
install_app() {
  local dir="$BENCH_DIR/apps/$1" stamp
  rm -rf "$dir/config" "$dir/start" "$dir/server.js" "$dir/.adonisrc.json"
  cp -R "$BENCH_DIR/app/." "$dir/"
  local tarball=/dev/null
  [ "$1" = ours ] && tarball="$OURS_TGZ"
  [ "$1" = base ] && tarball="$BASE_TGZ"
  stamp="$(cat "$dir/package.json" "$tarball" | sha256sum | cut -c1-16)"
  if [ -d "$dir/node_modules" ] && [ "$(cat "$dir/.install-stamp" 2>/dev/null)" = "$stamp" ]; then
    return
  fi
  say "installing apps/$1"
  rm -rf "$dir/node_modules" "$dir/package-lock.json" "$dir/.install-stamp"
  (cd "$dir" && npm install "${NPM_FLAGS[@]}" >&2)
  echo "$stamp" >"$dir/.install-stamp"
}

check_redis() {
  case "${BENCH_DRIVERS:-redis}" in *redis*) ;; *) return ;; esac
  if [ "${BENCH_REDIS_SPAWN:-}" = 1 ]; then
    command -v redis-server >/dev/null || { say "BENCH_REDIS_SPAWN=1 needs redis-server"; exit 1; }
    return
  fi
  redis-cli -h 127.0.0.1 -p "${BENCH_REDIS_PORT:-6379}" ping >/dev/null ||
    { say "no Redis on 127.0.0.1:${BENCH_REDIS_PORT:-6379} (needed by the redis driver)"; exit 1; }
}

# The database driver's cells need PostgreSQL at PG_HOST:PG_PORT (the test suite's).
check_postgres() {
  case "${BENCH_DRIVERS:-database}" in *database*) ;; *) return ;; esac
  (exec 3<>"/dev/tcp/${PG_HOST:-127.0.0.1}/${PG_PORT:-5432}") 2>/dev/null ||
    { say "no PostgreSQL on ${PG_HOST:-127.0.0.1}:${PG_PORT:-5432} (needed by the database driver; set PG_HOST, PG_PORT, PG_USER, PG_PASSWORD, PG_DATABASE)"; exit 1; }
}

mkdir -p "$CACHE_DIR"
ensure_tools
check_redis
check_postgres
pack_ours
install_app ours
install_app original
if [ -n "$BENCH_BASE" ]; then
  BENCH_BASE="$(cd "$BENCH_BASE" && pwd)"
  export BENCH_BASE
  pack_base
  install_app base
fi
cd "$BENCH_DIR"
exec node run.js
