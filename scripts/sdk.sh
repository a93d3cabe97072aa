#!/usr/bin/env bash
# Writes the Python and Go SDKs (sdk/python, sdk/go) from the plugin's schema (test/fixtures/schema/astro.json,
# which the YAML end-to-end suite holds equal to `pulumi package get-schema`) with Pulumi's own code
# generators, built from the Go module proxy (the first build takes a few minutes; Go caches it).
# With an argument, writes into that directory instead (the freshness test compares the two).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$REPO/sdk}"
echo "sdk: generating the Python and Go SDKs into $OUT (building sdkgen with Go first: minutes the first time)" >&2
rm -rf "$OUT/python" "$OUT/go"
(cd "$REPO/scripts/sdkgen" && go run . "$REPO/test/fixtures/schema/astro.json" "$OUT")
echo "sdk: wrote $OUT/python and $OUT/go" >&2
