#!/usr/bin/env bash
# A PostgreSQL cluster of one test's own, which the test may stop and start (OwnCluster in
# tests/support/own_cluster.h). The same steps as scripts/test's throwaway cluster.
#   own_cluster.sh create DIR PORT   new cluster in DIR on 127.0.0.1:PORT; prints its URL
#   own_cluster.sh stop DIR          fast shutdown (sessions are cut, nothing committed is lost)
#   own_cluster.sh start DIR PORT
#   own_cluster.sh destroy DIR       stop and remove DIR
source "$(dirname "$0")/../../scripts/lib/common.sh"

command="$1" dir="$2"
case "$command" in
  create)
    pg_new_cluster "$dir"
    pg_start "$dir/data" "$dir/run" "$3" "$dir/data/postgres.log"
    pg_login_role "$dir/run" "$3"
    ;;
  stop) as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ;;
  start) pg_start "$dir/data" "$dir/run" "$3" "$dir/data/postgres.log" ;;
  destroy)
    pg_stop "$dir/data"
    rm -rf "$dir"
    ;;
  *)
    echo "usage: own_cluster.sh create|stop|start|destroy DIR [PORT]" >&2
    exit 2
    ;;
esac
