#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the central storage tests (Tests/CentralStorageTests) and CI.
#
#   .ci/postgres.sh start   starts one (or finds the one already running) and prints its server URL
#   .ci/postgres.sh start --watch PID
#                           the same, and a cluster it starts is stopped once process PID has ended (the
#                           tests pass their own process id, so that a test run stops what it started)
#   .ci/postgres.sh url     prints the running cluster's server URL
#   .ci/postgres.sh stop    stops it and deletes its data
#   .ci/postgres.sh halt    stops the server but keeps its data and port: a database server gone down
#   .ci/postgres.sh resume  starts a halted server again, on the same port, and prints its URL
#
# The cluster listens on 127.0.0.1 only, on a free port, with trust authentication for loopback
# connections only (no Unix socket), and keeps its data in a fresh `mktemp -d` folder: nothing outlives
# `stop`. fsync is off: the data is thrown away, and the tests are about behaviour, not durability. With
# FIELDBOOK_POSTGRES_DURABLE=1 (the benchmarks) it is on, with synchronous commits, as in production, so
# that PostgreSQL is measured paying for the disk as SQLite is.
#
# PostgreSQL refuses to run as root, and CI runs as root: the server then runs as the `postgres` system
# user (made by Debian's package), or as `fieldbook-ci`, made here if neither exists. As another user, it
# runs as that user.
#
# Where the state is kept (data folder, port, user): $FIELDBOOK_POSTGRES_STATE, by default a file in the
# temporary folder named for the user and the clone, so that `start` run twice reuses the cluster it started
# and two clones never share (or stop) each other's.
# The binaries: $POSTGRES_BIN, by default Debian's PostgreSQL 15 (/usr/lib/postgresql/15/bin).
set -euo pipefail

bin="${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"
clone="$(cd "$(dirname "$0")/.." && pwd)"
state="${FIELDBOOK_POSTGRES_STATE:-${TMPDIR:-/tmp}/fieldbook-postgres-$(id -u)-$(printf '%s' "$clone" | cksum | cut -d' ' -f1).state}"

fail() { echo "postgres.sh: $*" >&2; exit 1; }

# Runs a command as the cluster's user.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi
}

choose_owner() {
    if [ "$(id -u)" -ne 0 ]; then owner="$(id -un)"; return; fi
    if id -u postgres >/dev/null 2>&1; then owner=postgres; return; fi
    owner=fieldbook-ci
    id -u "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
}

# A port nothing listens on: a random one above the well-known and registered ranges, checked by trying to
# connect (bash's /dev/tcp). Another process may take it before the server binds: `start` then tries again.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$(( 20000 + RANDOM % 40000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    fail "found no free port on 127.0.0.1"
}

read_state() {
    [ -f "$state" ] || return 1
    # shellcheck disable=SC1090
    source "$state"
    [ -n "${data:-}" ] && [ -n "${port:-}" ] && [ -n "${owner:-}" ]
}

running() {
    read_state && [ -d "$data" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

url() { echo "postgres://postgres@127.0.0.1:$port/postgres"; }

# Stops the cluster once process $1 has ended, from a detached watcher that holds none of the caller's
# output (so that a caller reading this script's output to its end is not kept waiting).
watch() {
    local script
    script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
    FIELDBOOK_POSTGRES_STATE="$state" setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec bash "$2" stop' \
        watcher "$1" "$script" </dev/null >/dev/null 2>&1 &
}

start() {
    local watched="${1:-}"
    [ -x "$bin/initdb" ] || fail "no PostgreSQL binaries in $bin (apt-get install postgresql, or set POSTGRES_BIN)"
    if running; then url; return; fi
    rm -f "$state"
    choose_owner
    data="$(mktemp -d "${TMPDIR:-/tmp}/fieldbook-postgres.XXXXXX")"
    chown "$owner" "$data"
    chmod 700 "$data"
    as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >"$data.initdb.log" 2>&1 \
        || { cat "$data.initdb.log" >&2; rm -rf "$data" "$data.initdb.log"; fail "initdb failed"; }
    rm -f "$data.initdb.log"
    # Loopback TCP only, trusted; no Unix socket, so no other local user reaches it by a socket either.
    printf 'host all all 127.0.0.1/32 trust\n' | as_owner tee "$data/pg_hba.conf" >/dev/null
    local durability=off
    [ "${FIELDBOOK_POSTGRES_DURABLE:-0}" = 1 ] && durability=on
    for attempt in 1 2 3; do
        port="$(free_port)"
        as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
fsync = $durability
synchronous_commit = $durability
full_page_writes = $durability
max_connections = 200
EOF
        if as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null; then
            printf 'data=%q\nport=%q\nowner=%q\n' "$data" "$port" "$owner" >"$state"
            [ -n "$watched" ] && watch "$watched"
            url
            return
        fi
        echo "postgres.sh: the server did not start on port $port (attempt $attempt):" >&2
        tail -5 "$data/server.log" >&2 || true
    done
    rm -rf "$data"
    fail "could not start PostgreSQL"
}

stop() {
    if read_state; then
        if [ -d "$data" ]; then
            as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
            rm -rf "$data"
        fi
    fi
    rm -f "$state"
}

# The server stopped with its data kept, as one that went down (the tests of a peer whose database is gone).
halt() {
    read_state || fail "no cluster to halt"
    as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
}

resume() {
    read_state || fail "no cluster to resume"
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null
    url
}

case "${1:-}" in
    start)
        if [ "${2:-}" = --watch ]; then
            [[ "${3:-}" =~ ^[0-9]+$ ]] || fail "--watch takes a process id"
            start "$3"
        else
            start
        fi ;;
    stop) stop ;;
    halt) halt ;;
    resume) resume ;;
    url) running || fail "no cluster is running (start one with: $0 start)"; url ;;
    *) echo "usage: $0 start|stop|halt|resume|url" >&2; exit 2 ;;
esac
