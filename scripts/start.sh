#!/usr/bin/env bash
# `npm start`: serves the example app (example/) on http://127.0.0.1:3333,
# using this repository's session package installed from its npm tarball.
#
#   npm start                        cookie driver, nothing else to run
#   SESSION_DRIVER=file npm start    sessions in example/build/tmp/sessions
#   SESSION_DRIVER=redis npm start   Redis at REDIS_HOST:REDIS_PORT (127.0.0.1:6379)
#   SESSION_DRIVER=database npm start  SQLite in example/build/tmp/db.sqlite3, nothing to install
#
# Installs and builds only what is missing or out of date. Ctrl+C stops it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLE="$ROOT/example"

export SESSION_DRIVER="${SESSION_DRIVER:-cookie}"
export HOST="${HOST:-127.0.0.1}"
export PORT="${PORT:-3333}"
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
export REDIS_PORT="${REDIS_PORT:-6379}"

case "$SESSION_DRIVER" in
  cookie | file | redis | database) ;;
  *)
    echo "SESSION_DRIVER must be cookie, file, redis or database (got \"$SESSION_DRIVER\")" >&2
    exit 1
    ;;
esac

bash "$ROOT/scripts/install-deps.sh"

bash "$EXAMPLE/scripts/setup.sh" --build

if [[ "$SESSION_DRIVER" == "redis" ]] && ! node "$EXAMPLE/scripts/wait-for-port.js" "$REDIS_HOST" "$REDIS_PORT" 2000; then
  echo "[start] Redis is not reachable at $REDIS_HOST:$REDIS_PORT." >&2
  echo "[start] Start one (for example: redis-server --port $REDIS_PORT) or set REDIS_HOST/REDIS_PORT." >&2
  exit 1
fi

if node "$EXAMPLE/scripts/wait-for-port.js" "$HOST" "$PORT" 300; then
  echo "[start] $HOST:$PORT is already in use. Stop whatever listens there or pick another PORT." >&2
  exit 1
fi

cd "$EXAMPLE/build"
export NODE_ENV="${NODE_ENV:-development}"
export ENV_PATH="$EXAMPLE/.env"

if [[ "$SESSION_DRIVER" == "database" ]]; then
  echo "[start] creating the sessions table (node ace migration:run)" >&2
  mkdir -p tmp
  node ace migration:run --force >&2
fi
node server.js &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true' INT TERM EXIT

URL="http://$HOST:$PORT"
if node "$EXAMPLE/scripts/wait-for-url.js" "$URL/session.json" 60000 && kill -0 "$SERVER_PID" 2>/dev/null; then
  echo
  echo "  Session demo ready on $URL (driver: $SESSION_DRIVER). Press Ctrl+C to stop."
  echo
else
  echo "[start] the server did not answer on $URL within 60s" >&2
  exit 1
fi

wait "$SERVER_PID"
