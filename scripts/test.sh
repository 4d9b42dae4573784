#!/usr/bin/env bash
# npm test: installs what package-lock.json says when node_modules is missing
# or out of date, then lint, type checks, build, the Japa suite (real Redis,
# real files, real HTTP) and the demo app's tests. Ends with one line
# `N passed, N failed` counting every test and check.
set -u
cd "$(dirname "$0")/.."

export REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
export REDIS_PORT="${REDIS_PORT:-6379}"
export PG_HOST="${PG_HOST:-127.0.0.1}"
export PG_PORT="${PG_PORT:-5432}"
export MYSQL_HOST="${MYSQL_HOST:-127.0.0.1}"
export MYSQL_PORT="${MYSQL_PORT:-3306}"
export NODE_ENV=test

passed=0
failed=0
started_redis_pid=""

check() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "!! $name failed"
    failed=$((failed + 1))
  fi
}

redis_answers() {
  (exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT" && printf 'PING\r\n' >&3 && read -r -t 2 reply <&3 && [[ $reply == +PONG* ]]) 2>/dev/null
}

ensure_redis() {
  if redis_answers; then
    return 0
  fi
  if [[ $REDIS_HOST == 127.0.0.1 || $REDIS_HOST == localhost ]] && command -v redis-server >/dev/null; then
    echo "== starting redis-server on $REDIS_HOST:$REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/tmp/session-tests-redis.log 2>&1 &
    started_redis_pid=$!
    for _ in $(seq 1 50); do
      redis_answers && return 0
      sleep 0.1
    done
  fi
  echo "Redis is not reachable at REDIS_HOST=$REDIS_HOST REDIS_PORT=$REDIS_PORT."
  echo "Start a Redis server there (or install redis-server so the tests can start one), or set REDIS_HOST/REDIS_PORT."
  return 1
}

# The database driver's specs need PostgreSQL and MySQL/MariaDB; nothing is
# started for them. When one is not there its specs fail (never skip), and
# this says which variables point at it.
check_database() {
  local name=$1 host=$2 port=$3 variables=$4
  if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
    return 0
  fi
  echo "$name is not reachable at $host:$port: its database driver specs will fail."
  echo "Start it there or set $variables."
  return 1
}

stop_redis() {
  if [[ -n $started_redis_pid ]]; then
    kill "$started_redis_pid" 2>/dev/null
  fi
}
trap stop_redis EXIT

if ! bash scripts/install-deps.sh; then
  echo "!! npm ci failed: the checks below need the package's dev dependencies"
  echo
  echo "0 passed, 1 failed"
  exit 1
fi

check "lint" npx eslint . --ext=.ts
check "format" npx prettier --check .
check "type check (package)" npx tsc --noEmit -p tsconfig.json
check "build" npm run --silent build
check "type check (an app using the published types, TypeScript 4.6)" npx tsc --noEmit -p test/types/tsconfig.json

check "PostgreSQL reachable (database driver specs)" check_database PostgreSQL "$PG_HOST" "$PG_PORT" \
  "PG_HOST, PG_PORT, PG_USER, PG_PASSWORD, PG_DATABASE"
check "MySQL/MariaDB reachable (database driver specs)" check_database MySQL/MariaDB "$MYSQL_HOST" \
  "$MYSQL_PORT" "MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD, MYSQL_DATABASE"

# Without Redis the suite still runs: only the Redis groups fail, each naming
# REDIS_HOST/REDIS_PORT
if ! ensure_redis; then
  echo "!! running the Japa suite without Redis: the Redis groups will fail"
fi
# The stalled-disk spec delays system calls with strace
bash scripts/apt-ensure.sh strace=strace || echo "!! without strace the stalled-disk spec will fail"
summary=$(mktemp)
# A spec that fails while loading can leave the process without an exit:
# the suite is bounded, and its missing summary counts as a failure
TEST_SUMMARY_FILE=$summary timeout --kill-after=10 "${JAPA_TIMEOUT:-1500}" \
  node -r @adonisjs/require-ts/build/register bin/test.ts "$@"
if [[ -s $summary ]]; then
  passed=$((passed + $(node -p "JSON.parse(require('fs').readFileSync('$summary', 'utf8')).passed")))
  failed=$((failed + $(node -p "JSON.parse(require('fs').readFileSync('$summary', 'utf8')).failed")))
else
  echo "!! the Japa suite did not finish"
  failed=$((failed + 1))
fi
rm -f "$summary"

if [[ -z ${SKIP_EXAMPLE:-} && $# -eq 0 ]]; then
  example_log=$(mktemp)
  bash scripts/example-test.sh 2>&1 | tee "$example_log"
  line=$(grep -E '^example: [0-9]+ passed, [0-9]+ failed' "$example_log" | tail -1)
  if [[ -n $line ]]; then
    passed=$((passed + $(sed -E 's/^example: ([0-9]+) passed.*/\1/' <<<"$line")))
    failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
  else
    echo "!! the example tests did not report"
    failed=$((failed + 1))
  fi
  rm -f "$example_log"
fi

echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
