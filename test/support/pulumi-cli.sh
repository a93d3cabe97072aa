#!/usr/bin/env bash
# Prints the path of a usable `pulumi` CLI. Uses one on PATH when present; otherwise builds the CLI from
# the Go module proxy into a cache outside the repository (reused on later runs). Progress goes to stderr
# so that stdout carries only the path.
set -euo pipefail

PULUMI_VERSION="${PULUMI_CLI_VERSION:-v3.274.1}"
CACHE="${PULUMI_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-astro-invites/pulumi-$PULUMI_VERSION}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

say() { printf 'pulumi-cli: %s\n' "$*" >&2; }
fail() { say "FAILED at step '$1': $2"; exit 1; }

launcher="$REPO_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"

if [ -z "${PULUMI_CLI_FORCE_BUILD:-}" ] && command -v pulumi >/dev/null 2>&1 \
   && command -v pulumi-language-nodejs >/dev/null 2>&1; then
  command -v pulumi
  exit 0
fi

if [ -x "$CACHE/bin/pulumi" ] && [ -x "$CACHE/bin/pulumi-language-nodejs" ]; then
  [ -e "$CACHE/bin/pulumi-resource-pulumi-nodejs" ] || ln -sf "$launcher" "$CACHE/bin/pulumi-resource-pulumi-nodejs"
  echo "$CACHE/bin/pulumi"
  exit 0
fi

command -v go >/dev/null 2>&1 || fail "find go" "no Go toolchain on PATH; install Go or a Pulumi CLI"
[ -e "$launcher" ] || fail "find launcher" "$launcher is missing; run npm ci first"

mkdir -p "$CACHE/bin" "$CACHE/src"
work="$CACHE/src"
say "building Pulumi CLI $PULUMI_VERSION into $CACHE (several minutes the first time)"

cat >"$work/go.mod" <<MOD
module pulumi-cli-wrapper

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
cat >"$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO

cd "$work"
say "step 1/3: resolving modules"
GOFLAGS=-mod=mod go mod tidy >&2 || fail "resolve modules" "go mod tidy failed (is the Go module proxy reachable?)"
say "step 2/3: compiling pulumi"
go build -o "$CACHE/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2 || fail "compile pulumi" "go build failed"
say "step 3/3: compiling pulumi-language-nodejs"
"$REPO_ROOT/test/support/build-language-host.sh" "$CACHE" "$PULUMI_VERSION" >&2 || fail "compile pulumi-language-nodejs" "see above"
ln -sf "$launcher" "$CACHE/bin/pulumi-resource-pulumi-nodejs"
say "done"
echo "$CACHE/bin/pulumi"
