#!/bin/sh
# Installs, with apt-get, whatever of dsim's build dependencies this Debian 12
# machine is missing (nothing if all are present). Uses sudo when not root.
#
#   scripts/deps.sh            # what the build and tests need (g++)
#   scripts/deps.sh --ci       # also clang++ (the cross-compiler check) and
#                              # libclang-rt-14-dev (libFuzzer, for fuzz/)
#   scripts/deps.sh --tools    # also Graphviz (dot), to draw `dsim graph`
set -eu

# libboost-graph-dev brings libboost1.74-dev, Boost's headers: Boost.Graph
# (routing), and for the tests Boost.Math (Student-t quantiles checked
# against it) and Boost.PropertyTree (dsim check's JUnit XML parsed).
packages="g++ cmake ninja-build pkg-config
  libboost-graph-dev libcli11-dev libeigen3-dev libyaml-cpp-dev nlohmann-json3-dev
  libgtest-dev libbenchmark-dev"
for option in "$@"; do
  case "$option" in
    --ci) packages="$packages clang libclang-rt-14-dev" ;;
    --tools) packages="$packages graphviz" ;;
    *) echo "usage: $0 [--ci] [--tools]" >&2; exit 2 ;;
  esac
done

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "dsim: these packages are missing and I am not root (and there is no sudo):$missing" >&2
  echo "dsim: install them with: apt-get install$missing" >&2
  exit 1
fi

echo "dsim: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q
# shellcheck disable=SC2086
$as_root apt-get install -y -q --no-install-recommends $missing
