#!/bin/sh
# CTest fixture "deb": the .deb of this build tree, made by cpack from what is already built (no
# second build), unpacked with dpkg -x, and its control fields, for tests/packaging.
#   unpack_deb.sh CPACK BUILD_DIR OUT_DIR
set -eu
cpack=$1; build=$2; out=$3
rm -rf "$out"
mkdir -p "$out"
if ! "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1; then
  cat "$out/cpack.log" >&2
  exit 1
fi
set -- "$out"/*.deb
[ -f "$1" ] || { echo "cpack made no .deb in $out" >&2; exit 1; }
dpkg-deb -x "$1" "$out/root"
dpkg-deb -f "$1" >"$out/control"
echo "$1: $(wc -c <"$1") bytes"
