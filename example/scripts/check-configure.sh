#!/usr/bin/env bash
# Runs `node ace configure @adonisjs/session` (the installed tarball's
# instructions, through @adonisjs/assembler and @adonisjs/sink) in throwaway
# apps under tmp/configure-*, without a TTY, and checks what it changed:
#
#   - no TTY, no SESSION_DRIVER in the shell: cookie driver, no prompt
#   - SESSION_DRIVER=file in the shell: file driver ends up in .env
#   - config/session.ts is the package template, provider/types registered
#   - .env.example updated because it exists
#   - a second run changes no file
#
# Prints "configure: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail

EXAMPLE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPLATE="$EXAMPLE/node_modules/@adonisjs/session/build/templates/session.txt"
PASSED=0
FAILED=0

check() {
  local description="$1"
  shift
  if "$@" >/dev/null 2>&1; then
    PASSED=$((PASSED + 1))
    echo "  ok   $description"
  else
    FAILED=$((FAILED + 1))
    echo "  FAIL $description"
  fi
}

# A bare v5 app that knows nothing about sessions yet
scaffold() {
  local dir="$1"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
  ln -s "$EXAMPLE/node_modules" node_modules
  cp "$EXAMPLE/ace" ace
  printf 'PORT=3333\nHOST=127.0.0.1\nNODE_ENV=development\nAPP_KEY=configure-check-only-0123456789abcdef\n' > .env
  cp .env .env.example
  printf '{\n  "typescript": true,\n  "commands": ["@adonisjs/core/build/commands/index.js"],\n  "providers": ["@adonisjs/core"]\n}\n' > .adonisrc.json
  printf '{\n  "extends": "adonis-preset-ts/tsconfig.json",\n  "include": ["**/*"],\n  "exclude": ["node_modules", "build"],\n  "compilerOptions": { "types": ["@adonisjs/core"] }\n}\n' > tsconfig.json
  printf "import Env from '@ioc:Adonis/Core/Env'\n\nexport default Env.rules({\n  APP_KEY: Env.schema.string(),\n})\n" > env.ts
}

configure() {
  env -u SESSION_DRIVER CI=true timeout 120 node ace configure @adonisjs/session </dev/null "$@"
}

snapshot() {
  find . -path ./node_modules -prune -o -type f -print | sort | xargs md5sum
}

echo "configure: default driver, no TTY"
scaffold "$EXAMPLE/tmp/configure-default"
configure > configure.log 2>&1
RC=$?
check 'configure exits 0' test "$RC" -eq 0
check 'config/session.ts is the package template' cmp config/session.ts "$TEMPLATE"
check '.env gets SESSION_DRIVER=cookie' grep -qx 'SESSION_DRIVER=cookie' .env
check '.env.example gets SESSION_DRIVER=cookie' grep -qx 'SESSION_DRIVER=cookie' .env.example
check 'provider registered' node -e "process.exit(require('./.adonisrc.json').providers.includes('@adonisjs/session') ? 0 : 1)"
check 'types registered' node -e "process.exit(require('./tsconfig.json').compilerOptions.types.includes('@adonisjs/session') ? 0 : 1)"
check 'env.ts rule printed' grep -q 'SESSION_DRIVER: Env.schema.string()' configure.log
rm configure.log
BEFORE="$(snapshot)"
configure > /dev/null 2>&1
check 'second run changes nothing' test "$BEFORE" == "$(snapshot)"

echo "configure: SESSION_DRIVER=file from the shell"
scaffold "$EXAMPLE/tmp/configure-file"
env CI=true SESSION_DRIVER=file timeout 120 node ace configure @adonisjs/session </dev/null > /dev/null 2>&1
check '.env gets SESSION_DRIVER=file' grep -qx 'SESSION_DRIVER=file' .env
check '.env.example gets SESSION_DRIVER=file' grep -qx 'SESSION_DRIVER=file' .env.example

cd "$EXAMPLE" && rm -rf tmp/configure-default tmp/configure-file
echo "configure: $PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
