#!/usr/bin/env bash
# Packs this package into DIR the way it gets published: `npm pack` runs the
# "prepack" build, and the tarball holds only the "files" of package.json.
# Skips the work when DIR already holds a tarball newer than every source.
# Prints the tarball's path on the last line of stdout.
#
#   bash scripts/pack-into.sh example/vendor
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:?usage: pack-into.sh DIR}"
mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"

cd "$ROOT"
NAME="$(node -p "const p = require('./package.json'); p.name.replace('@', '').replace('/', '-') + '-' + p.version + '.tgz'")"
TARBALL="$DEST/$NAME"

# Everything that ends up in the tarball comes from these paths
SOURCES=(adonis-typings commands config providers src templates instructions.ts
  package.json tsconfig.json scripts/copy-assets.js)
EXISTING=()
for path in "${SOURCES[@]}"; do
  [[ -e "$path" ]] && EXISTING+=("$path")
done

if [[ -f "$TARBALL" && -z "$(find "${EXISTING[@]}" -newer "$TARBALL" -print -quit)" ]]; then
  echo "pack: $NAME is up to date" >&2
  echo "$TARBALL"
  exit 0
fi

bash scripts/install-deps.sh

echo "pack: building and packing $NAME" >&2
npm pack --pack-destination "$DEST" >&2
echo "$TARBALL"
