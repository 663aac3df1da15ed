# Shared by the benchmarks (source after scripts/lib/common.sh): a throwaway PostgreSQL with a
# `bench` database, and the release daemon serving it in the background; both stop on exit.
BIN="$ROOT/build/bin/clientflow-relay"
DAEMON_PID=""

bench_cleanup() {
  bench_stop_daemon
  stop_throwaway_pg
}

# bench_database: starts the cluster and creates `bench`. Sets WORK, PORT, PG_URL (see
# start_throwaway_pg), BENCH_URL (to the bench database) and HTTP_PORT (for the daemon).
bench_database() {
  trap bench_cleanup EXIT
  start_throwaway_pg clientflow-bench
  psql_admin "$WORK/run" "$PORT" -c "CREATE DATABASE bench OWNER clientflow"
  BENCH_URL="${PG_URL%/postgres}/bench"
  HTTP_PORT=$(( PORT + 1 ))
}

# bench_config FILE [YAML]: the daemon's configuration for the bench database (reconcile only when
# asked), with YAML appended.
bench_config() {
  cat > "$1" <<YAML
http:
  listen: "127.0.0.1:$HTTP_PORT"
metrics:
  listen: "127.0.0.1:0"
database:
  url: "$BENCH_URL"
systeme:
  webhook_secrets: [bench-secret]
reconcile:
  interval_seconds: 604800
log:
  level: warn
YAML
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" >> "$1"; fi
}

# bench_serve CONFIG: `serve` in the background (output in $WORK/daemon.out and .err), ready.
bench_serve() {
  "$BIN" serve --config "$1" > "$WORK/daemon.out" 2> "$WORK/daemon.err" &
  DAEMON_PID=$!
  local attempt
  for attempt in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" > /dev/null && return 0
    sleep 0.1
  done
  echo "the daemon did not become ready:" >&2
  cat "$WORK/daemon.err" >&2
  return 1
}

bench_stop_daemon() {
  if [ -n "$DAEMON_PID" ]; then
    kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  fi
  DAEMON_PID=""
}

# cpu_ticks: "<total> <steal>" jiffies of all CPUs so far (/proc/stat). steal_since "<ticks>":
# the share of CPU time the hypervisor took since then, as a percentage (this machine is a VM,
# and runs with much steal are not comparable).
cpu_ticks() {
  awk '/^cpu /{total = 0; for (i = 2; i <= NF; i++) total += $i; print total, $9}' /proc/stat
}
steal_since() {
  local before_total before_steal now_total now_steal
  read -r before_total before_steal <<< "$1"
  read -r now_total now_steal <<< "$(cpu_ticks)"
  awk -v t=$(( now_total - before_total )) -v s=$(( now_steal - before_steal )) \
    'BEGIN { printf "%.1f%%", (t > 0 ? 100 * s / t : 0) }'
}
