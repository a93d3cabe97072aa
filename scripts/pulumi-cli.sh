#!/usr/bin/env bash
# Prints the path of a usable `pulumi` CLI on stdout; progress goes to stderr.
#
# A `pulumi` on PATH (with its pulumi-language-nodejs) is used as it is. Otherwise the CLI is built from
# the Go module proxy into a cache outside the repository and reused on later runs. Beside it go the
# stand-in language hosts pulumi-language-nodejs and pulumi-language-python (scripts/language-hosts/: no
# registry serves Pulumi's own) and the pulumi-resource-pulumi-nodejs launcher from
# node_modules/@pulumi/pulumi. With --yaml, Pulumi YAML's language host (pulumi-language-yaml, not part
# of the CLI) is built beside it too, once. With --python, a `pulumi` on PATH is used only if a
# pulumi-language-python is beside it.
set -euo pipefail

WITH_YAML=""
WITH_PYTHON=""
for arg in "$@"; do
  case "$arg" in
    --yaml) WITH_YAML=1 ;;
    --python) WITH_PYTHON=1 ;;
    *) printf 'usage: pulumi-cli.sh [--yaml] [--python]\n' >&2; exit 2 ;;
  esac
done
YAML_VERSION="${PULUMI_YAML_VERSION:-v1.38.1}"

VERSION="${PULUMI_CLI_VERSION:-v3.274.1}"
CACHE="${PULUMI_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-astro-invites/pulumi-$VERSION}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf 'pulumi-cli: %s\n' "$*" >&2; }
fail() { say "FAILED at step '$1': $2"; exit 1; }

# A heartbeat, so that minutes of a silent compile do not look like a hang. Stopping it must never decide
# the script's exit status: an EXIT trap whose last command fails makes bash exit with that failure, which
# is how the first run on a fresh machine used to fail after a successful build. Its sleep holds no output
# descriptor, so a caller reading our stderr through a pipe is not kept waiting after we exit.
heartbeat=""
heartbeat_start() {
  local what=$1 started
  started=$(date +%s)
  ( while sleep 30 </dev/null >/dev/null 2>&1; do say "still $what ($(( $(date +%s) - started )) s)"; done ) &
  heartbeat=$!
  trap heartbeat_stop EXIT
}
heartbeat_stop() {
  if [ -n "$heartbeat" ]; then kill "$heartbeat" 2>/dev/null || true; fi
  heartbeat=""
  trap - EXIT
}

if command -v pulumi >/dev/null 2>&1 && command -v pulumi-language-nodejs >/dev/null 2>&1 &&
  { [ -z "$WITH_YAML" ] || command -v pulumi-language-yaml >/dev/null 2>&1; } &&
  { [ -z "$WITH_PYTHON" ] || command -v pulumi-language-python >/dev/null 2>&1; }; then
  command -v pulumi
  exit 0
fi

launcher="$REPO/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
[ -e "$launcher" ] || fail "find the dynamic provider launcher" "$launcher is missing: run npm ci first"

# A CLI cached by an older version of this script was built without its version, which `pulumi version`
# and the Automation API need (it refuses an inline program's destroy without one): built again.
if [ -x "$CACHE/bin/pulumi" ] && [ -z "$("$CACHE/bin/pulumi" version 2>/dev/null)" ]; then
  say "the cached CLI does not know its version (built by an older pulumi-cli.sh): building it again"
  rm -f "$CACHE/bin/pulumi"
fi

if [ ! -x "$CACHE/bin/pulumi" ]; then
  command -v go >/dev/null 2>&1 || fail "find go" "neither a pulumi CLI nor a Go toolchain is on PATH"
  src="$CACHE/src"
  mkdir -p "$src" "$CACHE/bin"
  say "building the Pulumi CLI $VERSION into $CACHE (a few minutes the first time, cached afterwards)"
  # pkg's go.mod has replace directives, so `go install pkg@version` refuses: build through a wrapper module.
  cat >"$src/go.mod" <<MOD
module pulumi-cli-build

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 $VERSION
	github.com/pulumi/pulumi/sdk/v3 $VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >"$src/tools.go"
  say "step 1/2: resolving Go modules"
  (cd "$src" && GOFLAGS=-mod=mod go mod tidy >&2) || fail "resolve Go modules" "go mod tidy failed: is the Go module proxy reachable?"
  say "step 2/2: compiling github.com/pulumi/pulumi/pkg/v3/cmd/pulumi (go build prints nothing until it is done)"
  heartbeat_start "compiling"
  (cd "$src" && go build -o "$CACHE/bin/pulumi.tmp" -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2) || fail "compile pulumi" "go build failed (see above)"
  heartbeat_stop
  mv "$CACHE/bin/pulumi.tmp" "$CACHE/bin/pulumi"
  say "built the Pulumi CLI $VERSION"
fi

if [ -n "$WITH_YAML" ] && [ ! -x "$CACHE/bin/pulumi-language-yaml" ]; then
  command -v go >/dev/null 2>&1 || fail "find go" "pulumi-language-yaml is built with Go, and no Go toolchain is on PATH"
  say "building pulumi-language-yaml $YAML_VERSION into $CACHE/bin (a minute or two the first time, cached afterwards)"
  heartbeat_start "building pulumi-language-yaml"
  GOBIN="$CACHE/bin/yaml.tmp" go install "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$YAML_VERSION" >&2 ||
    fail "build pulumi-language-yaml" "go install failed (see above): is the Go module proxy reachable?"
  heartbeat_stop
  mv "$CACHE/bin/yaml.tmp/pulumi-language-yaml" "$CACHE/bin/pulumi-language-yaml"
  rmdir "$CACHE/bin/yaml.tmp"
  say "built pulumi-language-yaml $YAML_VERSION"
fi

# Rewritten on every run: they point into this checkout, which may have moved since the build.
for language in nodejs python; do
  cat >"$CACHE/bin/pulumi-language-$language" <<SH
#!/bin/sh
exec node "$REPO/scripts/language-hosts/$language.js" "\$@"
SH
  chmod +x "$CACHE/bin/pulumi-language-$language"
done
ln -sfn "$launcher" "$CACHE/bin/pulumi-resource-pulumi-nodejs"
echo "$CACHE/bin/pulumi"
