#!/usr/bin/env bash
# The upgrade check (see tools/upgrade-check.ts): the default example as the previous release
# (scripts/previous-release.sh; CI_BASE_REF overrides) applied to the AWS emulator, this release
# planned over that state; no data-bearing resource deleted or replaced unless the CHANGELOG names
# it with its migration; the review given those plans; the reviewed plans applied. Run after
# scripts/real-providers.sh (the AWS provider and moto are then in place; both are reused).
#   bash scripts/upgrade-check.sh [--record docs/upgrading.md]   (--record writes the figures there)
# Appends "<passed> <failed>" to $CHECKS_COUNT_FILE when set.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v terraform >/dev/null || { echo "terraform is not on the PATH: the upgrade check needs it" >&2; exit 1; }

base=$(bash scripts/previous-release.sh)
if [ -z "$base" ]; then
  echo "first release ($(node -p 'require("./package.json").version')): no earlier release to upgrade from"
  exit 0
fi

cache="${LAKEHOUSE_CACHE:-$HOME/.cache/security-lakehouse}"
TF_CLI_CONFIG_FILE=$(scripts/aws-provider.sh | tail -n 1)
export TF_CLI_CONFIG_FILE
export TF_PLUGIN_CACHE_DIR="$cache/plugin-cache"
mkdir -p "$TF_PLUGIN_CACHE_DIR"
if [ ! -x .venv-emulator/bin/moto_server ]; then
  python3 -m venv .venv-emulator
fi
.venv-emulator/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-emulator.txt

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The previous release is synthesized twice (here and in the review): one npm ci for both.
export LAKEHOUSE_REF_DEPENDENCIES="${LAKEHOUSE_REF_DEPENDENCIES:-$out/ref-dependencies}"
node dist/tools/upgrade-check.js --base "$base" --moto .venv-emulator/bin/moto_server "$@" | tee "$out/upgrade.log"
tail -n 1 "$out/upgrade.log" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/' >> "${CHECKS_COUNT_FILE:-/dev/null}"
