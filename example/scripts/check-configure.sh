#!/usr/bin/env bash
# Runs `node ace configure @adonisjs/session` (the installed tarball's
# instructions, through @adonisjs/assembler and @adonisjs/sink) in throwaway
# apps under tmp/configure-*, without a TTY, and checks what it changed:
#
#   - no TTY, no SESSION_DRIVER in the shell: cookie driver, no prompt
#   - SESSION_DRIVER=file in the shell: file driver ends up in .env
#   - config/session.ts is the package template, provider/types registered
#   - .env.example updated because it exists
#   - a second run changes no file, and says config/session.ts was kept
#   - the README's install line, as written, puts the packed tarball into a
#     fresh web-starter-like app (its own node_modules, outside the repo);
#     configure there, without a TTY, regenerates the ace manifest so that
#     `node ace session:gc` runs at once
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

not_in_log() {
  ! grep -q "$1" "$2"
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
check 'summary says config/session.ts was created' grep -q 'Created "config/session.ts"' configure.log
check 'no "where to display instructions" prompt' not_in_log 'display instructions' configure.log
check 'ace manifest lists session:gc' grep -q '"session:gc"' ace-manifest.json
rm configure.log
BEFORE="$(snapshot)"
configure > configure.log 2>&1
rm configure.log
check 'second run changes nothing' test "$BEFORE" == "$(snapshot)"
configure > configure.log 2>&1
check 'second run says config/session.ts was kept' grep -q 'Kept your "config/session.ts" as it was' configure.log
check 'second run does not say config/session.ts was created' not_in_log 'Created "config/session.ts"' configure.log
rm configure.log

echo "configure: SESSION_DRIVER=file from the shell"
scaffold "$EXAMPLE/tmp/configure-file"
env CI=true SESSION_DRIVER=file timeout 120 node ace configure @adonisjs/session </dev/null > /dev/null 2>&1
check '.env gets SESSION_DRIVER=file' grep -qx 'SESSION_DRIVER=file' .env
check '.env.example gets SESSION_DRIVER=file' grep -qx 'SESSION_DRIVER=file' .env.example

cd "$EXAMPLE" && rm -rf tmp/configure-default tmp/configure-file

echo "configure: the README's install line in a fresh web-starter-like app, no TTY"
TARBALL="$(ls "$EXAMPLE"/vendor/*.tgz | head -n 1)"
STARTER="$(mktemp -d)/starter"
mkdir -p "$STARTER" && cd "$STARTER" || exit 1
# The example's dependencies minus the session package and what only the demo needs,
# resolved from its lock file
node -e "
  const pkg = require('$EXAMPLE/package.json')
  for (const name of ['@adonisjs/session', '@adonisjs/redis']) delete pkg.dependencies[name]
  delete pkg.devDependencies['playwright-core']
  pkg.name = 'starter'
  require('fs').writeFileSync('package.json', JSON.stringify(pkg, null, 2))
"
cp "$EXAMPLE/package-lock.json" "$EXAMPLE/ace" "$EXAMPLE/tsconfig.json" "$TARBALL" .
mkdir config && cp "$EXAMPLE/config/app.ts" "$EXAMPLE/config/bodyparser.ts" "$EXAMPLE/config/shield.ts" config/
printf 'PORT=3333\nHOST=127.0.0.1\nNODE_ENV=development\nAPP_KEY=configure-check-only-0123456789abcdef\n' > .env
printf '{\n  "typescript": true,\n  "commands": ["@adonisjs/core/build/commands/index.js"],\n  "providers": ["@adonisjs/core", "@adonisjs/view", "@adonisjs/shield"]\n}\n' > .adonisrc.json
printf "import Env from '@ioc:Adonis/Core/Env'\n\nexport default Env.rules({\n  APP_KEY: Env.schema.string(),\n})\n" > env.ts
INSTALL="npm i @adonisjs/session@file:./$(basename "$TARBALL")"
echo "  $INSTALL"
$INSTALL --no-audit --no-fund > install.log 2>&1
check 'the README install line succeeds' test $? -eq 0
check 'node_modules/@adonisjs/session holds adonis5-session' node -e "process.exit(require('./node_modules/@adonisjs/session/package.json').name === 'adonis5-session' ? 0 : 1)"
check 'package.json depends on @adonisjs/session: file:<tarball>' node -e "process.exit(require('./package.json').dependencies['@adonisjs/session'] === 'file:$(basename "$TARBALL")' ? 0 : 1)"
check "peers declaring @adonisjs/session (shield) resolve to it" npm ls @adonisjs/session
env -u SESSION_DRIVER CI=true timeout 120 node ace configure @adonisjs/session </dev/null > configure.log 2>&1
check 'configure exits 0' test $? -eq 0
check 'no "where to display instructions" prompt' not_in_log 'display instructions' configure.log
check 'ace manifest lists session:gc' grep -q '"session:gc"' ace-manifest.json
check 'node ace session:gc runs right after configure' node ace session:gc
check '.adonisrc.json commands += @adonisjs/session/build/commands' node -e "process.exit(require('./.adonisrc.json').commands.includes('@adonisjs/session/build/commands') ? 0 : 1)"
cd "$EXAMPLE" && rm -rf "$(dirname "$STARTER")"

echo "configure: $PASSED passed, $FAILED failed"
[[ "$FAILED" -eq 0 ]]
