#!/usr/bin/env bash
# The ingest benchmark (bench/README.md): a throwaway PostgreSQL with its durability settings
# untouched, 100 tenants, the release daemon, and ingest_load at 64 then 256 connections. After each
# run the client's count of 200s is compared with the rows in webhook_events.
#   bench/run_ingest.sh [seconds=30] [pool_size=4] [http_threads=2]
source "$(dirname "$0")/../scripts/lib/common.sh"
SECONDS_PER_RUN="${1:-30}"
POOL="${2:-4}"
THREADS="${3:-2}"

source "$(dirname "$0")/lib.sh"

install_packages
build ON
LOAD="$ROOT/build/bin/ingest_load"
bench_database
cat > "$WORK/relay.yaml" <<YAML
http:
  listen: "127.0.0.1:$HTTP_PORT"
  threads: $THREADS
  max_pending: 100000
metrics:
  listen: "127.0.0.1:$(( PORT + 2 ))"
database:
  url: "$BENCH_URL"
  pool_size: $POOL
systeme:
  webhook_secrets: [bench-secret]
log:
  level: warn
YAML
"$BIN" migrate --config "$WORK/relay.yaml" >/dev/null
for i in $(seq 1 100); do
  "$BIN" tenant add --name "IB $i" --email "ib$i@example.com" --config "$WORK/relay.yaml" \
    | sed -E 's/.*"prefix":"([^"]+)".*/\1/' >> "$WORK/prefixes.txt"
done
bench_serve "$WORK/relay.yaml"
# "<deliveries> <batches>" committed so far, from the daemon's batch-size histogram.
batch_totals() {
  curl -sf "http://127.0.0.1:$(( PORT + 2 ))/metrics" |
    awk '/^clientflow_ingest_batch_deliveries_sum/{s = $2} /^clientflow_ingest_batch_deliveries_count/{c = $2} END { printf "%d %d\n", s, c }'
}

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  host: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB  commit: $(git -C "$ROOT" rev-parse --short HEAD)"
echo "daemon: http.threads=$THREADS database.pool_size=$POOL; PostgreSQL $(psql_admin "$WORK/run" "$PORT" -tAc 'SHOW server_version') synchronous_commit=$(psql_admin "$WORK/run" "$PORT" -tAc 'SHOW synchronous_commit') fsync=$(psql_admin "$WORK/run" "$PORT" -tAc 'SHOW fsync')"
# Events are stamped with the time they are sent (never ahead of the daemon's clock, which
# ingest.max_clock_skew_seconds would flag), so every pass moves each contact's tags forward.
# A warm-up pass creates the 20,000 leads, so the measured runs update existing ones.
"$LOAD" --port "$HTTP_PORT" --secret bench-secret --prefixes "$WORK/prefixes.txt" --connections 64 \
  --seconds 10 --run-id warmup > /dev/null
for CONNECTIONS in 64 256; do
  RUN="c$CONNECTIONS"
  echo "--- $CONNECTIONS connections, $SECONDS_PER_RUN s, 100 tenants, 20000 contacts"
  TICKS="$(cpu_ticks)"
  BATCHES_BEFORE="$(batch_totals)"
  "$LOAD" --port "$HTTP_PORT" --secret bench-secret --prefixes "$WORK/prefixes.txt" \
    --connections "$CONNECTIONS" --seconds "$SECONDS_PER_RUN" --run-id "$RUN" | tee "$WORK/load.out"
  echo "CPU steal during the run: $(steal_since "$TICKS")"
  read -r SUM0 COUNT0 <<< "$BATCHES_BEFORE"
  read -r SUM1 COUNT1 <<< "$(batch_totals)"
  echo "batches committed: $(( COUNT1 - COUNT0 )), deliveries per batch: $(awk -v s=$(( SUM1 - SUM0 )) -v c=$(( COUNT1 - COUNT0 )) 'BEGIN { printf "%.1f", (c > 0 ? s / c : 0) }')"
  OK=$(awk '/^ok_200/{print $2}' "$WORK/load.out")
  ROWS=$(psql_admin "$WORK/run" "$PORT" -d bench -tAc "SELECT count(*) FROM webhook_events WHERE dedup_key LIKE 'msg:$RUN-%'")
  echo "stored rows $ROWS for $OK answers 200: $([ "$ROWS" = "$OK" ] && echo match || echo MISMATCH)"
  echo "leads $(psql_admin "$WORK/run" "$PORT" -d bench -tAc 'SELECT count(*) FROM leads'), timeline rows $(psql_admin "$WORK/run" "$PORT" -d bench -tAc 'SELECT count(*) FROM lead_events'), mirrored contacts $(psql_admin "$WORK/run" "$PORT" -d bench -tAc 'SELECT count(*) FROM systeme_contacts')"
  echo "daemon resident memory: $(awk '/VmRSS/{print $2, $3}' /proc/$DAEMON_PID/status), peak $(awk '/VmHWM/{print $2, $3}' /proc/$DAEMON_PID/status)"
done
echo "updates (HOT of all):"
psql_admin "$WORK/run" "$PORT" -d bench -tAc "SELECT relname || ' ' || n_tup_hot_upd || ' of ' || n_tup_upd FROM pg_stat_user_tables WHERE relname IN ('leads', 'systeme_contacts') ORDER BY 1"
