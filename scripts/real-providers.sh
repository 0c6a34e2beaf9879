#!/usr/bin/env bash
# The real-provider checks over the examples (see tools/real-providers.ts):
#   1. builds hashicorp/aws 6.34.0 once into a cache outside the repository (scripts/aws-provider.sh),
#      lays out a Terraform filesystem mirror, and runs `terraform validate` on every stack;
#   2. installs moto's server (pinned, into .venv-emulator) and applies the default example's platform
#      stack and tenant stacks (initech, umbrella, and hooli in an AWS account of its own, through its
#      provider's assumed deploy role) to it on loopback: plan, apply, plan again (must be empty).
# Needs terraform (>= 1.10) and Go on the PATH. Run after `npm ci` (needs dist/).
# Appends "<passed> <failed>" per check to $CHECKS_COUNT_FILE when set.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v terraform >/dev/null || { echo "terraform is not on the PATH: the real-provider checks need it" >&2; exit 1; }

cache="${LAKEHOUSE_CACHE:-$HOME/.cache/security-lakehouse}"
started=$(date +%s)
TF_CLI_CONFIG_FILE=$(scripts/aws-provider.sh | tail -n 1)
echo "   AWS provider ready in $(( $(date +%s) - started )) s (cached in $cache)"
export TF_CLI_CONFIG_FILE
# Providers are linked from the cache instead of copied (870 MB) into every stack's .terraform.
export TF_PLUGIN_CACHE_DIR="$cache/plugin-cache"
mkdir -p "$TF_PLUGIN_CACHE_DIR"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() { tail -n 1 "$1" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/' >> "${CHECKS_COUNT_FILE:-/dev/null}"; }

echo "== terraform validate, real AWS provider, every stack of every example"
# It must first reject its known-bad fixture, so a green run means something.
if node dist/tools/real-providers.js validate scripts/fixtures/schema-violations >"$out/reject.log" 2>&1; then
  cat "$out/reject.log"; echo "terraform validate accepted its known-bad fixture" >&2; exit 1
fi
echo "   terraform validate rejects its known-bad fixture, as it must"
node dist/tools/real-providers.js validate | tee "$out/validate.log"
count "$out/validate.log"

echo "== AWS emulator: apply, plan again (must be empty)"
if [ ! -x .venv-emulator/bin/moto_server ]; then
  python3 -m venv .venv-emulator
fi
.venv-emulator/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-emulator.txt
node dist/tools/real-providers.js emulate --moto .venv-emulator/bin/moto_server | tee "$out/emulate.log"
count "$out/emulate.log"
