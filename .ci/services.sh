#!/usr/bin/env bash
# Services the test suite uses beyond Python: a throwaway PostgreSQL server (the workbench
# store is tested on SQLite and on PostgreSQL) and Debian's Chromium (Playwright drives it in
# the browser tests). Sourced by .ci/run; it exports MEDCODER_TEST_POSTGRES_URL when the
# server is up. Nothing here is fatal: a missing service makes its tests skip with the reason.

_mc_apt_install() {
    # install the Debian packages that are missing (root only; CI runs as root)
    local need=()
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
    [ -x /usr/bin/chromium ] || need+=(chromium)
    [ ${#need[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "services: missing ${need[*]} and cannot apt-get install (not root); their tests will skip" >&2
        return 0
    fi
    echo "services: apt-get install ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; } \
        || echo "services: apt-get install ${need[*]} failed; their tests will skip" >&2
}

_mc_start_postgres() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1) || true
    [ -n "$bin" ] || { echo "services: no PostgreSQL server binaries; PostgreSQL tests will skip" >&2; return 0; }
    MC_PG_DIR=$(mktemp -d /tmp/medcoder-pg.XXXXXX)
    local as=()
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || { echo "services: no postgres user; PostgreSQL tests will skip" >&2; return 0; }
        chown postgres "$MC_PG_DIR"
        as=(runuser -u postgres --)
    fi
    local port=${MEDCODER_CI_PG_PORT:-55433}
    if "${as[@]}" "$bin/initdb" -D "$MC_PG_DIR/data" -A trust -U postgres >"$MC_PG_DIR/initdb.log" 2>&1 \
        && "${as[@]}" "$bin/pg_ctl" -D "$MC_PG_DIR/data" -w -l "$MC_PG_DIR/server.log" \
             -o "-p $port -k $MC_PG_DIR -c listen_addresses=''" start >/dev/null 2>&1 \
        && "${as[@]}" "$bin/createdb" -h "$MC_PG_DIR" -p "$port" -U postgres medcoder_test; then
        export MEDCODER_TEST_POSTGRES_URL="postgresql+psycopg://postgres@/medcoder_test?host=$MC_PG_DIR&port=$port"
        export MC_PG_STOP="${as[*]} $bin/pg_ctl -D $MC_PG_DIR/data -m fast stop"
        echo "services: PostgreSQL up on $MC_PG_DIR port $port" >&2
    else
        echo "services: PostgreSQL did not start (see $MC_PG_DIR/*.log); PostgreSQL tests will skip" >&2
    fi
}

mc_services_stop() {
    if [ -n "${MC_PG_STOP:-}" ]; then
        $MC_PG_STOP >/dev/null 2>&1 || true
    fi
}

_mc_apt_install
_mc_start_postgres
