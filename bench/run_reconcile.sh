#!/usr/bin/env bash
# The reconcile benchmark (bench/README.md): a throwaway PostgreSQL, bench/reconcile_dataset.sql
# (1,000,000 leads over 10,000 tenants), three timed full runs, then the daemon receives 1,000
# signed deliveries and the incremental run after them is timed.
source "$(dirname "$0")/../scripts/lib/common.sh"

source "$(dirname "$0")/lib.sh"

install_packages
build ON
bench_database
bench_config "$WORK/relay.yaml"
"$BIN" migrate --config "$WORK/relay.yaml" > /dev/null
say "loading the data set"
psql -X -q -v ON_ERROR_STOP=1 "$BENCH_URL" -f "$ROOT/bench/reconcile_dataset.sql"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git -C "$ROOT" rev-parse --short HEAD)"

timed() {
  local label="$1"
  shift
  local start elapsed_ms ticks
  ticks="$(cpu_ticks)"
  start=$(date +%s%N)
  "$BIN" reconcile --config "$WORK/relay.yaml" "$@"
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  echo "$label: $(( elapsed_ms / 1000 )).$(printf '%03d' $(( elapsed_ms % 1000 ))) s (CPU steal $(steal_since "$ticks"))"
}
for run in 1 2 3; do timed "full run $run" --full; done
timed "incremental run, nothing new"

# 1,000 deliveries through the daemon: tag events for 1,000 contacts of 100 tenants.
bench_serve "$WORK/relay.yaml"
psql -X -qtA "$BENCH_URL" -c "SELECT prefix FROM tenants ORDER BY prefix LIMIT 100" > "$WORK/prefixes.txt"
"$ROOT/build/bin/ingest_load" --port "$HTTP_PORT" --secret bench-secret --prefixes "$WORK/prefixes.txt" \
  --connections 16 --requests 1000 --contacts 1000 --seconds 60 --run-id incremental | grep -E '^(requests|status)'
bench_stop_daemon
timed "incremental run after 1,000 deliveries"
timed "incremental run after that (reads the same window again)"
