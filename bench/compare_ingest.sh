#!/usr/bin/env bash
# Two daemon builds against the same ingest load, interleaved (bench/README.md): for each of RUNS
# rounds, each binary in turn gets a fresh `bench` database (migrated by itself, 100 tenants),
# a 10 s warm-up that creates the 20,000 leads, then SECONDS s at 64 and at 256 connections with
# bench/ingest_load. Prints every run with its CPU steal, then the median deliveries/s of each
# binary at each connection count and the change from BEFORE to AFTER.
#   bench/compare_ingest.sh BEFORE_BINARY AFTER_BINARY [runs=5] [seconds=10]
# Build BEFORE from a tag in a worktree of its own, e.g.
#   git worktree add /tmp/relay-v0.1.0 v0.1.0 && cmake -S /tmp/relay-v0.1.0 -B /tmp/relay-v0.1.0/build \
#     -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF && cmake --build /tmp/relay-v0.1.0/build -j2
source "$(dirname "$0")/../scripts/lib/common.sh"
BEFORE="$(realpath "$1")"
AFTER="$(realpath "$2")"
RUNS="${3:-5}"
SECONDS_PER_RUN="${4:-10}"

source "$(dirname "$0")/lib.sh"

install_packages
build ON
LOAD="$ROOT/build/bin/ingest_load"
bench_database
RESULTS="$WORK/results.txt"
: > "$RESULTS"

# run_one LABEL BINARY: a fresh database for BINARY, then the two measured runs.
run_one() {
  local label="$1" binary="$2"
  psql_admin "$WORK/run" "$PORT" -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench OWNER clientflow" >/dev/null
  cat > "$WORK/relay.yaml" <<YAML
http:
  listen: "127.0.0.1:$HTTP_PORT"
  threads: 2
  max_pending: 100000
metrics:
  listen: "127.0.0.1:0"
database:
  url: "$BENCH_URL"
  pool_size: 4
systeme:
  webhook_secrets: [bench-secret]
log:
  level: warn
YAML
  BIN="$binary"
  "$BIN" migrate --config "$WORK/relay.yaml" >/dev/null
  : > "$WORK/prefixes.txt"
  for i in $(seq 1 100); do
    "$BIN" tenant add --name "IB $i" --email "ib$i@example.com" --config "$WORK/relay.yaml" \
      | sed -E 's/.*"prefix":"([^"]+)".*/\1/' >> "$WORK/prefixes.txt"
  done
  bench_serve "$WORK/relay.yaml"
  "$LOAD" --port "$HTTP_PORT" --secret bench-secret --prefixes "$WORK/prefixes.txt" --connections 64 \
    --seconds 10 --run-id "warmup-$label" > /dev/null
  local connections ticks rate
  for connections in 64 256; do
    ticks="$(cpu_ticks)"
    "$LOAD" --port "$HTTP_PORT" --secret bench-secret --prefixes "$WORK/prefixes.txt" \
      --connections "$connections" --seconds "$SECONDS_PER_RUN" --run-id "$label-$connections" > "$WORK/load.out"
    # Deliveries answered 200 per second; any other answer is shown beside it.
    rate=$(awk '/^requests/{seconds = $4} /^ok_200/{ok = $2} END { printf "%.0f", (seconds > 0 ? ok / seconds : 0) }' "$WORK/load.out")
    echo "$label $connections $rate $(steal_since "$ticks") $(grep '^status' "$WORK/load.out" | tr '\n' ' ')" | tee -a "$RESULTS"
  done
  bench_stop_daemon
}

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  host: $(nproc) cores  commit: $(git -C "$ROOT" rev-parse --short HEAD)"
echo "before: $BEFORE ($("$BEFORE" --version 2>/dev/null | head -1))"
echo "after:  $AFTER ($("$AFTER" --version 2>/dev/null | head -1))"
echo "binary connections deliveries/s(200) steal answers"
for round in $(seq 1 "$RUNS"); do
  run_one before "$BEFORE"
  run_one after "$AFTER"
done
for connections in 64 256; do
  awk -v c="$connections" '
    $2 == c { rates[$1] = rates[$1] " " $3 }
    function median(list,   n, a, i, j, t) {
      n = split(list, a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
      b = median(rates["before"]); a = median(rates["after"])
      printf "median at %d connections: before %.0f/s, after %.0f/s (%+.1f %%)\n", c, b, a, (b > 0 ? 100 * (a - b) / b : 0)
    }' "$RESULTS"
done
