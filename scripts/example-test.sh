#!/usr/bin/env bash
# Tests the example app (example/) against this repository's package,
# installed from its npm tarball:
#
#   1. functional tests: Japa + api-client session helpers, memory driver,
#      and in example/extension-app on the docs' Session.extend('memory')
#      driver (same node_modules, a free port)
#   2. browser tests: headless Debian chromium (playwright-core) against the
#      app served with the cookie, file and database (SQLite, as `npm start`
#      serves it) drivers, and redis when Redis answers at REDIS_HOST:REDIS_PORT
#      (127.0.0.1:6379 by default)
#   3. `node ace configure @adonisjs/session` in throwaway apps
#
# Ends with "example: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLE="$ROOT/example"
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
export REDIS_PORT="${REDIS_PORT:-6379}"
PASSED=0
FAILED=0
FAILURES=()

fail_setup() {
  echo "example-test: $*" >&2
  echo "example: 0 passed, 1 failed"
  exit 1
}

bash "$ROOT/scripts/install-deps.sh" || fail_setup "npm ci failed at the repo root"
bash "$EXAMPLE/scripts/setup.sh" || fail_setup "could not pack and install the package into example/"

if [[ ! -x /usr/bin/chromium && -z "${CHROMIUM_PATH:-}" ]]; then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null; then
    echo "example-test: installing Debian's chromium" >&2
    (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) >&2 ||
      fail_setup "apt-get install chromium failed"
  else
    fail_setup "/usr/bin/chromium is missing: apt-get install chromium (or set CHROMIUM_PATH)"
  fi
fi

# Runs one Japa invocation and adds its counts to the totals; in example/
# unless JAPA_APP names another app directory
run_japa() {
  local label="$1"
  shift
  echo
  echo "=== $label"
  local log
  log="$(mktemp)"
  (cd "${JAPA_APP:-$EXAMPLE}" && timeout 600 "$@") 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local summary
  summary="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^Tests *:' | tail -n 1)"
  rm -f "$log"
  local passed failed
  passed="$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
  failed="$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
  PASSED=$((PASSED + ${passed:-0}))
  FAILED=$((FAILED + ${failed:-0}))
  if [[ "$status" -ne 0 || -z "$summary" ]]; then
    FAILURES+=("$label (exit $status)")
    [[ "${failed:-0}" -eq 0 ]] && FAILED=$((FAILED + 1))
  fi
}

run_japa "functional (memory driver)" node ace test functional
JAPA_APP="$EXAMPLE/extension-app" run_japa "extension-app functional (the docs' extend('memory') driver)" \
  env PORT="$(node "$EXAMPLE/scripts/free-port.js")" node ace test functional
run_japa "browser, cookie driver" env E2E_SESSION_DRIVER=cookie node ace test browser
run_japa "browser, file driver" env E2E_SESSION_DRIVER=file node ace test browser
run_japa "browser, database driver (SQLite)" env E2E_SESSION_DRIVER=database node ace test browser
if node "$EXAMPLE/scripts/wait-for-port.js" "$REDIS_HOST" "$REDIS_PORT" 1000; then
  run_japa "browser, redis driver" env E2E_SESSION_DRIVER=redis node ace test browser
else
  echo
  echo "=== browser, redis driver: skipped (no Redis at $REDIS_HOST:$REDIS_PORT)"
fi

echo
echo "=== node ace configure @adonisjs/session"
CONFIGURE_LOG="$(mktemp)"
bash "$EXAMPLE/scripts/check-configure.sh" | tee "$CONFIGURE_LOG"
CONFIGURE_STATUS=${PIPESTATUS[0]}
PASSED=$((PASSED + $(grep -c '^  ok ' "$CONFIGURE_LOG")))
FAILED=$((FAILED + $(grep -c '^  FAIL ' "$CONFIGURE_LOG")))
[[ "$CONFIGURE_STATUS" -ne 0 ]] && FAILURES+=("configure checks")
rm -f "$CONFIGURE_LOG"

echo
if [[ ${#FAILURES[@]} -gt 0 ]]; then
  echo "example-test: FAILED: ${FAILURES[*]}"
else
  echo "example-test: all passed"
fi
echo "example: $PASSED passed, $FAILED failed"
[[ ${#FAILURES[@]} -eq 0 ]]
