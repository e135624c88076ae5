#!/bin/sh
# One command on a fresh Debian 12 machine: installs what is missing, builds
# dsim (release, g++) and runs it on the built-in e-commerce example.
#
#   scripts/setup.sh
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target dsim
echo
exec build/release/dsim run
