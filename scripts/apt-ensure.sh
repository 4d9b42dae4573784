#!/usr/bin/env bash
# Installs the Debian packages of the commands that are missing:
#   bash scripts/apt-ensure.sh <command>=<package> ...
# As root with apt-get only (apt-get update once, when the first install
# fails). Exits 1 naming what is still missing.
set -u

missing=()
for pair in "$@"; do
  command -v "${pair%%=*}" >/dev/null || missing+=("${pair#*=}")
done
((${#missing[@]})) || exit 0

if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null; then
  echo "== installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null 2>&1; }
fi

still=()
for pair in "$@"; do
  command -v "${pair%%=*}" >/dev/null || still+=("${pair#*=}")
done
if ((${#still[@]})); then
  echo "missing and not installed (needs root and apt-get): ${still[*]}" >&2
  exit 1
fi
