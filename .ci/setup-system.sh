#!/usr/bin/env bash
# System packages that the serve/ tests need in CI: Debian's Chromium (for the Playwright page test,
# never a downloaded browser) and a PostgreSQL server (the review store tests run against it too).
# Idempotent. Runs as root. Exports nothing: the last line on stdout is the database URL, so
#   export POSTWACHT_TEST_POSTGRES_URL="$(bash .ci/setup-system.sh | tail -n 1)"
# Progress goes to stderr.
set -euo pipefail

PG_USER="${PG_USER:-postwacht}"
PG_PASSWORD="${PG_PASSWORD:-postwacht}"
PG_DB="${PG_DB:-postwacht_test}"
PG_PORT="${PG_PORT:-5432}"

log() { echo "setup-system: $*" >&2; }

export DEBIAN_FRONTEND=noninteractive
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
if ((${#need[@]})); then
    log "installing ${need[*]}"
    apt-get update -qq >&2
    apt-get install -y -qq "${need[@]}" >&2
fi

# Start the default cluster (Debian creates one when the package is installed).
version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
    log "creating cluster $version/main"
    pg_createcluster "$version" main --port "$PG_PORT" >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    log "starting PostgreSQL $version"
    pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 1
done
pg_isready -h 127.0.0.1 -p "$PG_PORT" >&2

psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA -p "$PG_PORT" "$@"; }
if [[ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != "1" ]]; then
    log "creating role $PG_USER"
    psql_admin -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD'" >&2
fi
if [[ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != "1" ]]; then
    log "creating database $PG_DB"
    psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >&2
fi

echo "postgresql+psycopg://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${PG_DB}"
