#!/usr/bin/env bash
# The reconcile benchmark (bench/README.md): a throwaway PostgreSQL, bench/reconcile_dataset.sql
# (1,000,000 leads over 10,000 tenants), then `clientflow-relay reconcile` three times, timed.
source "$(dirname "$0")/../scripts/lib/common.sh"

install_packages
build OFF
BIN="$ROOT/build/bin/clientflow-relay"
trap stop_throwaway_pg EXIT
start_throwaway_pg clientflow-bench
psql_admin "$WORK/run" "$PORT" -c "CREATE DATABASE bench OWNER clientflow"
printf 'database:\n  url: "%s"\n' "${PG_URL%/postgres}/bench" > "$WORK/relay.yaml"
"$BIN" migrate --config "$WORK/relay.yaml" > /dev/null
say "loading the data set"
psql -X -q -v ON_ERROR_STOP=1 "${PG_URL%/postgres}/bench" -f "$ROOT/bench/reconcile_dataset.sql"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git -C "$ROOT" rev-parse --short HEAD)"
for run in 1 2 3; do
  start=$(date +%s%N)
  "$BIN" reconcile --config "$WORK/relay.yaml"
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  echo "run $run: $(( elapsed_ms / 1000 )).$(printf '%03d' $(( elapsed_ms % 1000 ))) s"
done
