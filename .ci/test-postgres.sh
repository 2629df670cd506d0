#!/usr/bin/env bash
# Runs a command (the test suite) with POSTWACHT_TEST_POSTGRES_URL set, so the PostgreSQL tests run
# too:  bash .ci/test-postgres.sh .venv/bin/python -m pytest
#
# - POSTWACHT_TEST_POSTGRES_URL already set (CI: .ci/run exports the one .ci/setup-system.sh made):
#   the command runs as it is.
# - else, when PostgreSQL's server binaries (initdb, pg_ctl) are installed: a throwaway server in a
#   temporary directory, reachable only through a Unix socket in that directory (no TCP port, so it
#   never clashes with another server), trust authentication, removed when the command ends.
#   As a normal user the server runs as that user; as root (PostgreSQL refuses to run as root) as
#   the `postgres` user when it exists.
# - else the PostgreSQL tests are skipped, and this says so before and after the run.
# POSTWACHT_TEST_POSTGRES=0 skips the throwaway server on purpose.
set -uo pipefail

say() { echo "test-postgres: $*" >&2; }

if [ -n "${POSTWACHT_TEST_POSTGRES_URL:-}" ]; then
    say "PostgreSQL-tests tegen POSTWACHT_TEST_POSTGRES_URL (PostgreSQL tests use the given URL)"
    exec "$@"
fi

skip() {
    local nl="$1" en="$2"
    shift 2
    say "PostgreSQL-tests worden OVERGESLAGEN: $nl ($en)."
    say "Installeer de PostgreSQL-server (bijv. apt-get install postgresql) of zet POSTWACHT_TEST_POSTGRES_URL."
    say "(Install the PostgreSQL server, e.g. apt-get install postgresql, or set POSTWACHT_TEST_POSTGRES_URL.)"
    "$@"
    status=$?
    say "let op: de PostgreSQL-tests zijn overgeslagen: $nl (note: the PostgreSQL tests were skipped: $en)."
    exit "$status"
}

[ "${POSTWACHT_TEST_POSTGRES:-1}" = "0" ] && skip "uitgezet met POSTWACHT_TEST_POSTGRES=0" \
    "turned off with POSTWACHT_TEST_POSTGRES=0" "$@"

find_bin() {
    local name="$1" found
    if found="$(command -v "$name" 2>/dev/null)"; then
        echo "$found"
        return 0
    fi
    # Debian and Ubuntu keep the server binaries off PATH.
    found="$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$found" ] && echo "$found"
}

initdb="$(find_bin initdb)"
pg_ctl="$(find_bin pg_ctl)"
if [ -z "$initdb" ] || [ -z "$pg_ctl" ]; then
    skip "initdb en pg_ctl niet gevonden" "initdb and pg_ctl not found" "$@"
fi
bindir="$(dirname "$(readlink -f "$pg_ctl")")"

as_server_user=()
if [ "$(id -u)" = "0" ]; then
    if ! id postgres >/dev/null 2>&1; then
        skip "als root en zonder gebruiker postgres kan PostgreSQL niet starten" \
            "PostgreSQL cannot run as root and there is no postgres user" "$@"
    fi
    if ! command -v runuser >/dev/null 2>&1; then
        skip "als root zonder runuser kan PostgreSQL niet als postgres starten" \
            "as root without runuser PostgreSQL cannot start as postgres" "$@"
    fi
    as_server_user=(runuser -u postgres --)
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/postwacht-pg.XXXXXX")"
[ "${#as_server_user[@]}" -gt 0 ] && chown postgres "$dir"
chmod 700 "$dir"
user="postwacht"
db="postwacht_test"
port=5432  # only names the socket file inside $dir; nothing listens on TCP

cleanup() {
    "${as_server_user[@]}" "$pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "tijdelijke PostgreSQL-server starten in $dir (starting a throwaway PostgreSQL server)"
if ! "${as_server_user[@]}" "$initdb" -D "$dir/data" -U "$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 \
   && ! "${as_server_user[@]}" "$initdb" -D "$dir/data" -U "$user" --auth=trust --encoding=UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1; then
    tail -n 5 "$dir/initdb.log" >&2
    skip "initdb is mislukt" "initdb failed" "$@"
fi
if ! "${as_server_user[@]}" "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c port=$port -c fsync=off" \
        start >/dev/null 2>&1; then
    tail -n 5 "$dir/server.log" >&2
    skip "de server startte niet" "the server did not start" "$@"
fi
if ! "$bindir/createdb" -h "$dir" -p "$port" -U "$user" "$db" 2>"$dir/createdb.log"; then
    cat "$dir/createdb.log" >&2
    skip "createdb is mislukt" "createdb failed" "$@"
fi

export POSTWACHT_TEST_POSTGRES_URL="postgresql+psycopg://${user}@/${db}?host=${dir}&port=${port}"
say "PostgreSQL-tests draaien tegen de tijdelijke server (PostgreSQL tests run against the throwaway server)"
"$@"
status=$?
exit "$status"
