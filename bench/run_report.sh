#!/usr/bin/env bash
# The report benchmark (bench/README.md): the reconcile data set with 98,950 people shared by two
# tenants, so a full reconcile run makes 100,000 findings; then the size and time of the admin
# report page and of GET /admin/findings and GET /admin/events pages. With BEFORE_BIN (a daemon
# built from an earlier commit), that daemon migrates and is measured first, then this one
# migrates the same database and is measured after.
#   bench/run_report.sh                      # this checkout only
#   BEFORE_BIN=/path/to/old/clientflow-relay bench/run_report.sh
source "$(dirname "$0")/../scripts/lib/common.sh"

source "$(dirname "$0")/lib.sh"

install_packages
[ -x "$BIN" ] || build OFF
bench_database
bench_config "$WORK/relay.yaml" "$(printf 'admin:\n  token: bench-admin-token-0123456789abcdef')"
FIRST_BIN="${BEFORE_BIN:-$BIN}"
"$FIRST_BIN" migrate --config "$WORK/relay.yaml" > /dev/null
say "loading the data set (98,950 shared people)"
psql -X -q -v ON_ERROR_STOP=1 -v shared=98950 "$BENCH_URL" -f "$ROOT/bench/reconcile_dataset.sql"
"$FIRST_BIN" reconcile --config "$WORK/relay.yaml" --full > /dev/null
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git -C "$ROOT" rev-parse --short HEAD)"
echo "findings: $(psql -X -qtA "$BENCH_URL" -c 'SELECT count(*) FROM findings')"

# A findings cursor for the middle of the list, as the API makes them: base64url of [id].
MIDDLE_ID=$(psql -X -qtA "$BENCH_URL" -c 'SELECT id FROM findings ORDER BY id OFFSET 50000 LIMIT 1')
MIDDLE_CURSOR=$(printf '[%s]' "$MIDDLE_ID" | base64 | tr '+/' '-_' | tr -d '=\n')

# fetch LABEL PATH: three requests; the size of the answer and each one's time.
fetch() {
  local label="$1" path="$2" ticks out times="" size=0 status run
  ticks="$(cpu_ticks)"
  for run in 1 2 3; do
    out=$(curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}' \
      -H 'Authorization: Bearer bench-admin-token-0123456789abcdef' "http://127.0.0.1:$HTTP_PORT$path")
    read -r status size time <<< "$out"
    times+="${time}s "
  done
  echo "$label: HTTP $status, $size bytes, ${times}(CPU steal $(steal_since "$ticks"))"
}

# measure WHICH BINARY: serves with BINARY and fetches every page.
measure() {
  local which="$1" BIN="$2"  # bench_serve starts $BIN
  bench_serve "$WORK/relay.yaml"
  echo "--- $which"
  fetch "report page" "/admin/report"
  fetch "report page, search by email" "/admin/report?email=s777@example.com"
  fetch "report page in the middle" "/admin/report?cursor=$MIDDLE_CURSOR"
  fetch "findings JSON" "/admin/findings"
  fetch "findings JSON in the middle" "/admin/findings?cursor=$MIDDLE_CURSOR"
  fetch "findings JSON, one tenant" "/admin/findings?tenant=$(psql -X -qtA "$BENCH_URL" -c "SELECT id FROM tenants WHERE prefix = 'ib-t000077-'")"
  fetch "findings JSON, one email" "/admin/findings?email=s777@example.com"
  fetch "findings CSV (the whole export)" "/admin/findings?format=csv"
  fetch "events" "/admin/events?status=all"
  bench_stop_daemon
}

if [ -n "${BEFORE_BIN:-}" ]; then
  measure "before ($BEFORE_BIN)" "$BEFORE_BIN"
  "$BIN" migrate --config "$WORK/relay.yaml" > /dev/null
fi
measure "after ($BIN)" "$BIN"
