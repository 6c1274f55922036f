#!/usr/bin/env bash
# Tests leave nothing running. CTest calls this around every run that uses the shared cluster:
#   leftovers.sh mark FILE    at the start: remember the moment (clock ticks since boot)
#   leftovers.sh check FILE   at the very end: fail, listing them, when Xvfb, sshd, ssh, postgres or
#                             pgbouncer processes started since the mark are still alive and orphaned
#                             (their parent is gone, so no test will ever stop them)
# Orphaned = parent is PID 1: a live xvfb-run, test or sshd would still
# be the parent of what it started. A postmaster is always daemonized by pg_ctl, so for postgres the
# test is simpler: every cluster of the run has been stopped by then (pg_cluster_stop runs first).
set -euo pipefail

cmd=${1:-}; file=${2:-}
[ -n "$cmd" ] && [ -n "$file" ] || { echo "usage: $0 mark|check FILE" >&2; exit 2; }

ticks_now() {
  local up
  up=$(cut -d' ' -f1 /proc/uptime)
  echo $(( ${up%.*} * $(getconf CLK_TCK) ))
}

# FILE is <shared cluster dir>.started; the dir ends in this build's hash, which the private
# clusters of this run carry too (tests/support/cluster_tweaks.cpp).
run=$(basename "$file" .started); run=${run##*-}

case "$cmd" in
  mark) ticks_now >"$file" ;;
  check)
    since=$(cat "$file" 2>/dev/null || echo 0)
    sleep 1  # a process that is exiting right now gets its moment
    found=()
    for stat in /proc/[0-9]*/stat; do
      pid=${stat#/proc/}; pid=${pid%/stat}
      [ "$pid" = $$ ] && continue
      # comm may hold spaces and parentheses: read the fields after the last ')'.
      line=$(cat "$stat" 2>/dev/null) || continue
      comm=${line#*(}; comm=${comm%)*}
      rest=${line##*) }
      read -r state ppid _ <<<"$rest"
      # A zombie has exited and holds nothing; where PID 1 does not reap (this CI's containers),
      # every Xvfb that xvfb-run stopped without waiting for stays one.
      [ "$state" != Z ] || continue
      start=$(echo "$rest" | cut -d' ' -f20)
      [ "${start:-0}" -ge "$since" ] || continue
      args=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || continue
      case "$comm" in
        Xvfb | sshd | ssh)
          [ "$ppid" = 1 ] || continue ;;
        postgres)
          # the postmaster only (its children go with it), and only the clusters tests make
          case "$args" in *" -D /tmp/stage1-test-cluster-$run/"* | *" -D /tmp/stage1-private-$run-"*) ;; *) continue ;; esac ;;
        pgbouncer)
          # daemonized (-d) by tests/support/pgbouncer.cpp: only the ones of this run's folders
          case "$args" in *" /tmp/stage1-pgbouncer-$run-"*) ;; *) continue ;; esac ;;
        *) continue ;;
      esac
      found+=("$pid $comm: $args")
    done
    if [ ${#found[@]} -gt 0 ]; then
      echo "processes started by this test run are still running:" >&2
      printf '  %s\n' "${found[@]}" >&2
      exit 1
    fi
    echo "no Xvfb, sshd, ssh, postgres or pgbouncer left behind"
    ;;
  *) echo "unknown command: $cmd" >&2; exit 2 ;;
esac
