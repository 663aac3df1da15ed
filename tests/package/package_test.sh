#!/usr/bin/env bash
# The Debian package as an ops person meets it: install it on this machine, check what it put
# where (files, owners, modes, the clientflow user, lintian, systemd-analyze), run the installed
# binary's `migrate` and `serve` against the test PostgreSQL with the installed config layout and
# send it a signed webhook, upgrade over an edited config, then remove and purge it and check that
# nothing of it is left. It changes the machine it runs on, so it runs only as root with CI=true
# (CI's machine is thrown away) or CLIENTFLOW_PACKAGE_TEST=1; otherwise it is skipped (exit 77).
#   tests/package/package_test.sh [path of the .deb; default $CLIENTFLOW_PACKAGE_DEB, else built
#   here with scripts/package]
# Needs CLIENTFLOW_TEST_DATABASE_URL (a role that may create databases), as every test.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

if [ "${CI:-}" != "true" ] && [ "${CLIENTFLOW_PACKAGE_TEST:-}" != "1" ]; then
  echo "skipped: installs a package on this machine (set CI=true or CLIENTFLOW_PACKAGE_TEST=1)"
  exit 77
fi
if [ "$(id -u)" != 0 ]; then echo "skipped: needs root to install a package"; exit 77; fi
: "${CLIENTFLOW_TEST_DATABASE_URL:?set to the URL of the test PostgreSQL}"
if dpkg-query -W -f='${Status}' clientflow-relay 2>/dev/null | grep -q "installed"; then
  echo "clientflow-relay is already installed here: refusing to touch it"; exit 1
fi

source "$ROOT/scripts/lib/common.sh"
set +e
apt_install lintian file openssl util-linux || exit 1

DEB="${1:-${CLIENTFLOW_PACKAGE_DEB:-}}"
if [ -z "$DEB" ]; then
  DEB="$("$ROOT/scripts/package" "$(mktemp -d /tmp/clientflow-package.XXXXXX)" | tail -n 1)" || exit 1
fi
DEB="$(realpath "$DEB")"
failures=0
check() {  # check DESCRIPTION COMMAND...: runs COMMAND, counts a failure when it fails
  local what="$1"; shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}
mode_is() { [ "$(stat -c '%a %U:%G' "$1" 2>/dev/null)" = "$2" ] || { echo "  $1: $(stat -c '%a %U:%G' "$1" 2>&1), want $2"; false; }; }
is_file() { [ -f "$1" ] || { echo "  missing: $1"; false; }; }
absent() { [ ! -e "$1" ] || { echo "  still there: $1"; false; }; }

echo "== the package: $DEB"
check "lintian reports no errors or warnings" lintian --fail-on error,warning --tag-display-limit 0 "$DEB"
depends="$(dpkg-deb -f "$DEB" Depends)"
echo "  Depends: $depends"
check "it depends on the libraries it links" bash -c "grep -q libpistache <<<'$depends' && grep -q libpqxx <<<'$depends' && grep -q adduser <<<'$depends'"
check "it installs nothing under /usr/local or /etc" bash -c "! dpkg-deb -c '$DEB' | grep -E ' \\./(usr/local|etc)/'"

echo "== install"
check "apt installs it" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$DEB"
dpkg -L clientflow-relay > /tmp/clientflow-package-files.txt
check "binary 0755 root:root" mode_is /usr/bin/clientflow-relay "755 root:root"
check "binary stripped" bash -c "file -L /usr/bin/clientflow-relay | grep -q ', stripped'"
check "unit in /lib/systemd/system" mode_is /lib/systemd/system/clientflow-relay.service "644 root:root"
check "config dir 0750 root:clientflow" mode_is /etc/clientflow-relay "750 root:clientflow"
check "config 0640 root:clientflow" mode_is /etc/clientflow-relay/config.yaml "640 root:clientflow"
check "config is the example" cmp -s /etc/clientflow-relay/config.yaml /usr/share/clientflow-relay/config.example.yaml
check "secrets 0600 root:root" mode_is /etc/clientflow-relay/secrets.env "600 root:root"
for f in config.example.yaml nginx/clientflow-relay.conf grafana/dashboard.json grafana/alerts.yml \
         grafana/prometheus.yml grafana/provisioning/dashboards/clientflow.yaml \
         grafana/provisioning/datasources/prometheus.yaml; do
  check "share: $f" is_file "/usr/share/clientflow-relay/$f"
done
check "manual page" is_file /usr/share/man/man1/clientflow-relay.1.gz
for f in README.md copyright changelog.Debian.gz openapi.yaml scaling.md; do
  check "doc: $f" is_file "/usr/share/doc/clientflow-relay/$f"
done
check "system user clientflow, no login, no home" bash -c \
  '[ "$(getent passwd clientflow | cut -d: -f3)" -lt 1000 ] && [ "$(getent passwd clientflow | cut -d: -f6,7)" = "/nonexistent:/usr/sbin/nologin" ]'
check "nothing enabled or started" bash -c '! ls /etc/systemd/system/*.wants/clientflow-relay.service 2>/dev/null | grep -q .'
check "the unit verifies" systemd-analyze verify /lib/systemd/system/clientflow-relay.service
check "the unit waits for readiness without curl" bash -c \
  "grep -q '^ExecStartPost=/usr/bin/clientflow-relay check-ready' /lib/systemd/system/clientflow-relay.service && ! grep -q curl /lib/systemd/system/clientflow-relay.service"

echo "== the installed daemon, with the installed config (ports edited as an admin would)"
db="clientflow_pkg_$RANDOM$RANDOM"
psql -X -q "$CLIENTFLOW_TEST_DATABASE_URL" -c "CREATE DATABASE $db" || exit 1
DB_URL="${CLIENTFLOW_TEST_DATABASE_URL%/*}/$db"
http_port="$(random_port)"; metrics_port="$(random_port)"
sed -i "s/listen: \"127.0.0.1:8080\"/listen: \"127.0.0.1:$http_port\"/; s/listen: \"127.0.0.1:9464\"/listen: \"127.0.0.1:$metrics_port\"/" \
  /etc/clientflow-relay/config.yaml
secrets_sum="$(sha256sum /etc/clientflow-relay/secrets.env)"
set -a; source /etc/clientflow-relay/secrets.env; set +a
export CLIENTFLOW_DATABASE_URL="$DB_URL"
as_clientflow() { setpriv --reuid=clientflow --regid=clientflow --init-groups "$@"; }
CONFIG=/etc/clientflow-relay/config.yaml
check "migrate as clientflow" as_clientflow /usr/bin/clientflow-relay migrate --config "$CONFIG"
tenant="$(as_clientflow /usr/bin/clientflow-relay tenant add --config "$CONFIG" --name "Package IB" --email ib@example.com)"
prefix="$(sed -n 's/.*"prefix": *"\([^"]*\)".*/\1/p' <<<"$tenant" | head -n 1)"
check "tenant add gave a prefix" test -n "$prefix"
setpriv --reuid=clientflow --regid=clientflow --init-groups /usr/bin/clientflow-relay serve --config "$CONFIG" \
  > /tmp/clientflow-package-serve.log 2>&1 &
serve_pid=$!
check "check-ready sees it ready" as_clientflow /usr/bin/clientflow-relay check-ready --config "$CONFIG" --timeout 30
body="{\"contact\":{\"id\":777001,\"email\":\"pkg@example.com\",\"fields\":[],\"tags\":[]},\"tag\":{\"id\":9,\"name\":\"${prefix}demo-request\"}}"
signature="$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$SYSTEME_WEBHOOK_SECRET" -r | cut -d' ' -f1)"
now="$(date -u +%Y-%m-%dT%H:%M:%S+00:00)"
status="$(curl -s -o /tmp/clientflow-package-answer.txt -w '%{http_code}' -X POST \
  "http://127.0.0.1:$http_port/webhooks/systeme" -H 'Content-Type: application/json' \
  -H 'X-Webhook-Event: CONTACT_TAG_ADDED' -H "X-Webhook-Signature: $signature" \
  -H "X-Webhook-Message-Id: pkg-$RANDOM$RANDOM" -H "X-Webhook-Event-Timestamp: $now" --data-binary "$body")"
echo "  webhook answered $status: $(cat /tmp/clientflow-package-answer.txt)"
check "the signed webhook is accepted" test "$status" = 200
check "it is stored once, routed" test "$(psql -X -Atq "$DB_URL" -c "SELECT count(*) FILTER (WHERE status = 'routed') || '/' || count(*) FROM webhook_events")" = "1/1"
check "it made the tenant's lead" test "$(psql -X -Atq "$DB_URL" -c "SELECT count(*) FROM leads WHERE email = 'pkg@example.com'")" = 1
kill -TERM "$serve_pid"
wait "$serve_pid"; serve_status=$?
check "serve drains and exits 0 on SIGTERM" test "$serve_status" = 0
if [ "$serve_status" != 0 ]; then tail -n 20 /tmp/clientflow-package-serve.log; fi

echo "== upgrade over the edited config"
check "apt reinstalls it" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall "$DEB"
check "the edited config survived" grep -q "127.0.0.1:$http_port" /etc/clientflow-relay/config.yaml
check "the secrets survived" test "$(sha256sum /etc/clientflow-relay/secrets.env)" = "$secrets_sum"
check "config still 0640 root:clientflow" mode_is /etc/clientflow-relay/config.yaml "640 root:clientflow"

echo "== remove, then purge"
check "apt removes it" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q clientflow-relay
check "the binary is gone" absent /usr/bin/clientflow-relay
check "remove keeps the config" is_file /etc/clientflow-relay/config.yaml
check "remove keeps the user" getent passwd clientflow
check "apt purges it" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q clientflow-relay
check "dpkg knows nothing of it" bash -c '! dpkg-query -W clientflow-relay 2>/dev/null'
check "no config dir" absent /etc/clientflow-relay
check "no user" bash -c '! getent passwd clientflow'
check "no group" bash -c '! getent group clientflow'
left=0
while read -r path; do
  if [ ! -d "$path" ] && { [ -e "$path" ] || [ -L "$path" ]; }; then echo "  left behind: $path"; left=$((left + 1)); fi
  case "$path" in /usr/share/clientflow-relay*|/usr/share/doc/clientflow-relay*)
    if [ -d "$path" ]; then echo "  left behind: $path/"; left=$((left + 1)); fi ;;
  esac
done < /tmp/clientflow-package-files.txt
check "none of its $(wc -l < /tmp/clientflow-package-files.txt) paths are left" test "$left" = 0

psql -X -q "$CLIENTFLOW_TEST_DATABASE_URL" -c "DROP DATABASE $db" >/dev/null
echo "== $failures failure(s)"
[ "$failures" = 0 ]
