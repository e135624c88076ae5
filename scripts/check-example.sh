#!/bin/sh
# Installs dsim from a build tree to a temporary prefix, builds
# examples/custom_model against the installed package (find_package(dsim)),
# runs its scenario and checks what the cache did. Used by .ci/run; run it by
# hand after `cmake --build --preset release`:
#
#   scripts/check-example.sh [BUILD_DIR]      # default: build/release
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/release}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
echo "installed dsim to a temporary prefix: $(find "$tmp/prefix" -type f | wc -l) files"
# Only the installed package: no source tree, no package registry.
cmake -S examples/custom_model -B "$tmp/build" -G Ninja -Ddsim_DIR="$tmp/prefix/lib/cmake/dsim" \
  -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON >/dev/null
cmake --build "$tmp/build"
# The example's own command line, on the scenario beside it.
"$tmp/build/custom_model" validate examples/custom_model/cache.yaml
"$tmp/build/custom_model" run examples/custom_model/cache.yaml --json -q >"$tmp/summary.json"
# 80% hits; the database sees about a fifth of 2000 requests/s.
python3 - "$tmp/summary.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
cache, db = j["components"]["cache"], j["components"]["db"]
ratio = cache["hits"] / (cache["hits"] + cache["misses"])
assert abs(ratio - 0.8) < 0.02, f"hit ratio {ratio}"
assert 340 < db["arrival_rate_rps"] < 460, f"db arrival rate {db['arrival_rate_rps']}"
assert j["requests"]["sent"] > 50000, j["requests"]
print(f"custom_model: hit ratio {ratio:.3f}, db {db['arrival_rate_rps']:.1f} req/s, "
      f"{j['requests']['succeeded']} of {j['requests']['sent']} requests succeeded")
PY
