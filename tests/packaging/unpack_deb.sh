#!/bin/sh
# CTest fixture "deb": the .debs of this build tree (stage1ctl, and stage1-debugger when the window
# is built), made by cpack from what is already built (no second build). Each is unpacked with
# dpkg -x into OUT_DIR/root, as a desktop that installs both has them; its control fields go to
# OUT_DIR/<package>.control and its file list (dpkg-deb -c) to OUT_DIR/<package>.files, for
# tests/packaging.
#   unpack_deb.sh CPACK BUILD_DIR OUT_DIR
set -eu
cpack=$1; build=$2; out=$3
rm -rf "$out"
mkdir -p "$out"
if ! "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1; then
  cat "$out/cpack.log" >&2
  exit 1
fi
found=0
for deb in "$out"/*.deb; do
  [ -f "$deb" ] || continue
  found=1
  package=$(dpkg-deb -f "$deb" Package)
  dpkg-deb -x "$deb" "$out/root"
  dpkg-deb -f "$deb" >"$out/$package.control"
  dpkg-deb -c "$deb" | awk '{ print $6 }' >"$out/$package.files"
  echo "$deb: $(wc -c <"$deb") bytes"
done
[ "$found" = 1 ] || { echo "cpack made no .deb in $out" >&2; exit 1; }
