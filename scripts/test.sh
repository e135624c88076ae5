#!/bin/sh
# The whole test suite: installs what is missing, builds everything (release,
# g++; warnings are errors) and runs every test.
#
#   scripts/test.sh
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release
