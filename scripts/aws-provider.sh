#!/usr/bin/env bash
# Builds the real hashicorp/aws provider once into a cache outside the repository and lays out a
# Terraform filesystem mirror plus a CLI config for offline `terraform init`.
#
# The Go module proxy does not serve hashicorp/terraform-provider-aws past v1.60.0, but serves the
# upbound fork (same source, its go.mod keeps the hashicorp module path) at exact pseudo-versions;
# v0.0.0-20260305123303-f7691456b787 is provider 6.34.0. `go install` refuses the module's replace
# directives, so the module is downloaded and built in a copy of its directory.
# Measured on 2 cores: ~21 min, ~5 GB memory at peak, an ~870 MB binary, ~8 GB of Go build cache.
#
# Prints the CLI config path on its last line. Reuses the binary when present.
set -euo pipefail

version=6.34.0
module=github.com/upbound/terraform-provider-aws
pseudo=v0.0.0-20260305123303-f7691456b787
cache="${LAKEHOUSE_CACHE:-$HOME/.cache/security-lakehouse}"
mirror="$cache/terraform-mirror"
plugin_dir="$mirror/registry.terraform.io/hashicorp/aws/$version/linux_amd64"
binary="$plugin_dir/terraform-provider-aws_v${version}_x5"
cli_config="$cache/terraform.rc"

if [ ! -x "$binary" ]; then
  echo "building hashicorp/aws $version from $module@$pseudo (about 21 minutes on 2 cores)" >&2
  mkdir -p "$cache"
  src=$(GONOSUMDB="$module" GOFLAGS=-mod=mod go mod download -json "$module@$pseudo" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})')
  work=$(mktemp -d "$cache/build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  cp -r "$src/." "$work/src"
  chmod -R u+w "$work/src"
  built_version=$(cat "$work/src/version/VERSION" 2>/dev/null || echo unknown)
  if [ "$built_version" != "$version" ]; then
    echo "$module@$pseudo is provider $built_version, not $version" >&2
    exit 1
  fi
  (cd "$work/src" && GONOSUMDB="$module" GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags="-s -w -X github.com/hashicorp/terraform-provider-aws/version.ProviderVersion=$version" \
    -o "$work/provider" .)
  mkdir -p "$plugin_dir"
  mv "$work/provider" "$binary.tmp"
  mv "$binary.tmp" "$binary" # rename last: a half-written binary is never taken for a cached one
fi

cat > "$cli_config" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
RC
echo "$cli_config"
