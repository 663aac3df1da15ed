# Shared by scripts/run and scripts/test: installing what is missing, building, and running a
# PostgreSQL 15 cluster as a non-root user. Source it; it defines functions and ROOT.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN=/usr/lib/postgresql/15/bin

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates curl
  libpistache-dev libpqxx-dev libpq-dev libyaml-cpp-dev libssl-dev prometheus-cpp-dev
  libboost-test-dev nlohmann-json3-dev libcurl4-openssl-dev libcli11-dev libspdlog-dev libgoogle-perftools-dev
  postgresql-15 postgresql-client-15 util-linux
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PACKAGE...: installs those of them that are not installed yet (apt-get update first).
apt_install() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

install_packages() {
  apt_install "${PACKAGES[@]}"
}

# What only the tests need: Chromium for the admin page, Prometheus (and promtool) for the
# dashboard and alert tests, Universal Ctags for scripts/check-shape, Node.js with the OpenAPI linter
# and Stoplight Prism's validating proxy (docs/tools) and playwright-core (tests/browser), each
# pinned by its package-lock.json (installed without Prism's install-time analytics call).
# Node.js comes from Debian only when none is installed: a newer one may be there already, and
# Debian's npm package conflicts with it.
TEST_PACKAGES=(chromium prometheus universal-ctags)

install_test_tools() {
  local wanted=("${TEST_PACKAGES[@]}")
  command -v npm >/dev/null || wanted+=(nodejs npm)
  apt_install "${wanted[@]}"
  local dir
  for dir in docs/tools tests/browser; do
    if [ ! -d "$ROOT/$dir/node_modules" ] || [ "$ROOT/$dir/package-lock.json" -nt "$ROOT/$dir/node_modules" ]; then
      say "installing $dir (npm ci)"
      (cd "$ROOT/$dir" && SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
}

# build TESTING(ON|OFF): a release build in build/, binary at build/bin/clientflow-relay.
build() {
  say "building (release)"
  cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING="$1" >/dev/null
  cmake --build "$ROOT/build" -j2
}

# The user that owns PostgreSQL clusters: postgres when we are root (PostgreSQL refuses root).
pg_user() {
  if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start DATA SOCKDIR PORT LOG: starts the cluster in DATA listening on 127.0.0.1:PORT and a
# socket in SOCKDIR. Returns non-zero when it does not come up (for example, the port is taken).
pg_start() {
  local data="$1" sockdir="$2" port="$3" log="$4"
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 \
    -o "-p $port -k $sockdir -c listen_addresses=127.0.0.1" start >/dev/null
}

pg_stop() {
  as_pg "$PG_BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 || true
}

pg_running() {
  as_pg "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# pg_init DATA: a new cluster; the socket (owner-only directory) trusts its owner and root,
# TCP needs a password.
pg_init() {
  as_pg "$PG_BIN/initdb" -D "$1" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >/dev/null
}

# psql_admin SOCKDIR PORT SQL...: runs SQL as the cluster's superuser over the socket.
psql_admin() {
  local sockdir="$1" port="$2"
  shift 2
  as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$sockdir" -p "$port" -U postgres -d postgres "$@"
}

random_port() {
  echo $(( 20000 + RANDOM % 30000 ))
}

random_password() {
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# pg_new_cluster DIR: DIR/data initialised (owned by the cluster user) and DIR/run, an owner-only
# socket directory.
pg_new_cluster() {
  mkdir -p "$1/data" "$1/run"
  chmod 755 "$1"
  if [ "$(id -u)" = 0 ]; then chown -R postgres: "$1/data" "$1/run"; fi
  chmod 700 "$1/run"
  pg_init "$1/data"
}

# pg_login_role SOCKDIR PORT: creates the login role `clientflow` (CREATEDB CREATEROLE) with a new
# password and prints its connection URL (to the postgres database over TCP).
pg_login_role() {
  local password
  password="$(random_password)"
  psql_admin "$1" "$2" -c "CREATE ROLE clientflow LOGIN CREATEDB CREATEROLE PASSWORD '$password'"
  echo "postgresql://clientflow:$password@127.0.0.1:$2/postgres"
}

# start_throwaway_pg NAME: a new cluster in a temporary directory, on a free loopback port, with a
# login role `clientflow` (CREATEDB CREATEROLE). Sets WORK, PORT and PG_URL (to its postgres
# database). The caller removes it with stop_throwaway_pg, usually from an EXIT trap.
start_throwaway_pg() {
  WORK="$(mktemp -d "/tmp/$1.XXXXXX")"
  say "starting a throwaway PostgreSQL"
  pg_new_cluster "$WORK"
  local attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    PORT="$(random_port)"
    if pg_start "$WORK/data" "$WORK/run" "$PORT" "$WORK/data/postgres.log"; then break; fi
    if [ "$attempt" = 10 ]; then cat "$WORK/data/postgres.log" >&2; return 1; fi
  done
  PG_URL="$(pg_login_role "$WORK/run" "$PORT")"
}

stop_throwaway_pg() {
  if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
    pg_stop "$WORK/data"
    rm -rf "$WORK"
  fi
}

# write_relay_env CONFIG: writes .local/relay.env (owner-only), what a command run from another
# shell needs to act on the setup ./scripts/run serves: CLIENTFLOW_CONFIG (CONFIG, made absolute)
# and every variable CONFIG reads that is set now (serve's database URL, the webhook secret, the
# admin token, a Systeme.io key...), never the migration role's URL. scripts/relay loads it; a
# variable already set in the caller's shell wins over the file's.
write_relay_env() {
  local config file name names
  config="$(readlink -f "$1")"
  file="$ROOT/.local/relay.env"
  names="$(grep -o '[$][{][A-Za-z_][A-Za-z0-9_]*' "$config" | cut -c3- | sort -u)"
  mkdir -p "$ROOT/.local"
  (
    umask 077
    {
      echo "# Written by ./scripts/run for ./scripts/relay: the config it serves and the variables that config reads."
      printf '[ -n "${CLIENTFLOW_CONFIG+x}" ] || export CLIENTFLOW_CONFIG=%q\n' "$config"
      for name in $names; do
        [ "$name" = CLIENTFLOW_MIGRATION_DATABASE_URL ] && continue
        [ -n "${!name+x}" ] || continue
        printf '[ -n "${%s+x}" ] || export %s=%q\n' "$name" "$name" "${!name}"
      done
    } > "$file.new"
    mv -f "$file.new" "$file"
  )
}

# serving_banner CONFIG: what ./scripts/run says before it serves: the commands that work as
# printed in another shell, from the checkout's root (scripts/relay loads .local/relay.env).
serving_banner() {
  say "starting the daemon with $1 (stop with Ctrl-C)"
  cat >&2 <<EOF
In another shell, from $ROOT:
  ./scripts/relay tenant list
  ./scripts/relay tenant add --name "Your IB" --email ib@example.com
  ./scripts/relay report
  ./scripts/relay --help
EOF
}
