# Shared set-up for scripts/demo and scripts/test. Source it; it defines functions only.
# It finds or installs what the addon needs: Python packages, Odoo 19.0, PostgreSQL.
# Everything it makes lives in .dev/ (ignored by git).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEV="$ROOT/.dev"
PYTHON=${PYTHON:-python3}
ODOO_ARCHIVE_URL=${ODOO_ARCHIVE_URL:-https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz}
EXTRA_REQUIREMENTS="phonenumbers requests pytest pytest-odoo hypothesis vermin websocket-client"

log() { printf '[mango_office] %s\n' "$*" >&2; }

odoo_importable() {
    "$PYTHON" - <<'PY' 2>/dev/null
import odoo.release, sys
sys.exit(0 if odoo.release.version_info[:2] == (19, 0) else 1)
PY
}

install_odoo_from() {  # $1: an Odoo 19.0 source tree
    local src=$1
    log "installing Odoo's requirements from $src"
    "$PYTHON" -m pip install -q packaging
    "$PYTHON" "$ROOT/scripts/odoo_requirements.py" "$src/requirements.txt" > "$DEV/odoo-requirements.txt"
    "$PYTHON" -m pip install -q -r "$DEV/odoo-requirements.txt"
    if [ -d "$src/addons" ]; then
        # A git checkout keeps the addons beside odoo/; Odoo's own archives have them in
        # odoo/addons, which is the only place pip installs their data files from.
        log "staging $src with its addons inside odoo/addons"
        rm -rf "$DEV/odoo-build"
        cp -al "$src" "$DEV/odoo-build" 2>/dev/null || cp -a "$src" "$DEV/odoo-build"
        mv "$DEV/odoo-build/addons/"* "$DEV/odoo-build/odoo/addons/"
        rmdir "$DEV/odoo-build/addons"
        src="$DEV/odoo-build"
    fi
    log "installing Odoo from $src"
    "$PYTHON" -m pip install -q --no-deps "$src"
    rm -rf "$DEV/odoo-build"
}

ensure_odoo() {
    mkdir -p "$DEV"
    if odoo_importable; then
        return
    fi
    if [ -n "${ODOO_SRC:-}" ]; then
        install_odoo_from "$ODOO_SRC"
    else
        log "no Odoo 19.0 importable and ODOO_SRC unset: downloading $ODOO_ARCHIVE_URL"
        rm -rf "$DEV/odoo-src" && mkdir -p "$DEV/odoo-src"
        curl -fsSL "$ODOO_ARCHIVE_URL" | tar xz -C "$DEV/odoo-src" --strip-components=1
        install_odoo_from "$DEV/odoo-src"
    fi
    odoo_importable || { log "Odoo 19.0 is still not importable"; exit 1; }
}

ensure_python_packages() {
    local missing=()
    "$PYTHON" -c 'import phonenumbers' 2>/dev/null || missing+=(phonenumbers)
    "$PYTHON" -c 'import requests' 2>/dev/null || missing+=(requests)
    "$PYTHON" -c 'import pytest' 2>/dev/null || missing+=(pytest)
    "$PYTHON" -c 'import pytest_odoo' 2>/dev/null || missing+=(pytest-odoo)
    "$PYTHON" -c 'import hypothesis' 2>/dev/null || missing+=(hypothesis)
    "$PYTHON" -c 'import vermin' 2>/dev/null || missing+=(vermin)
    "$PYTHON" -c 'import websocket' 2>/dev/null || missing+=(websocket-client)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        "$PYTHON" -m pip install -q "${missing[@]}"
    fi
}

# PostgreSQL: the server the PG* variables name, else the local one, else a private cluster.
pg_answers() { pg_isready -q ${PGHOST:+-h "$PGHOST"} ${PGPORT:+-p "$PGPORT"} 2>/dev/null \
    && psql -XAtqc 'select 1' postgres >/dev/null 2>&1; }

ensure_postgres() {
    export PGUSER=${PGUSER:-$(id -un)}
    if [ -n "${PGHOST:-}" ] && pg_answers; then return; fi
    for host in /var/run/postgresql 127.0.0.1; do
        if PGHOST=$host pg_answers; then export PGHOST=$host; return; fi
    done
    local data="$DEV/pgdata" sock="$DEV/pgsock" bindir
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$bindir" ] || { log "no PostgreSQL server answers and none is installed (apt-get install postgresql)"; exit 1; }
    mkdir -p "$sock"
    if [ ! -f "$data/PG_VERSION" ]; then
        log "starting a private PostgreSQL cluster in $data"
        local runas=()
        if [ "$(id -u)" = 0 ]; then chown -R postgres "$DEV" ; runas=(runuser -u postgres --); fi
        "${runas[@]}" "$bindir/initdb" -q -D "$data" -A trust -U "$PGUSER" >/dev/null
    fi
    local runas=(); [ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
    "${runas[@]}" "$bindir/pg_ctl" -D "$data" -l "$DEV/pg.log" -w -o "-k $sock -c listen_addresses=''" start >/dev/null
    export PGHOST=$sock
}

# Odoo finds addons by folder name: <tmp>/mango_office-<checkout>/mango_office points at the
# repository. It lives outside the repository, which Odoo walks (a link inside would loop).
ensure_addons_path() {
    ADDONS_PATH="${TMPDIR:-/tmp}/mango_office-$(printf %s "$ROOT" | md5sum | cut -c1-8)"
    mkdir -p "$ADDONS_PATH"
    ln -sfn "$ROOT" "$ADDONS_PATH/mango_office"
}

odoo_options() {  # what every Odoo started here is given: the addons path and the database server
    printf '%s\n' --addons-path="$ADDONS_PATH" ${PGHOST:+--db_host="$PGHOST"} \
        ${PGPORT:+--db_port="$PGPORT"} --db_user="$PGUSER"
}

odoo() {  # in the background, call it as (exec_odoo ...) & so that $! is Odoo itself
    "$PYTHON" -m odoo --addons-path="$ADDONS_PATH" ${PGHOST:+--db_host="$PGHOST"} \
        ${PGPORT:+--db_port="$PGPORT"} --db_user="$PGUSER" "$@"
}

exec_odoo() {  # through Odoo's launcher when it has one: --workers starts its gevent
    # process as [python, argv[0], "gevent"], which `python -m odoo` turns into a crash loop
    local launcher
    launcher=$("$PYTHON" -c 'import os, sys; print(os.path.join(os.path.dirname(sys.executable), "odoo"))')
    if [ -f "$launcher" ]; then set -- "$launcher" "$@"; else set -- -m odoo "$@"; fi
    exec "$PYTHON" "$@" --addons-path="$ADDONS_PATH" ${PGHOST:+--db_host="$PGHOST"} \
        ${PGPORT:+--db_port="$PGPORT"} --db_user="$PGUSER"
}

# Browser tests: without Chromium Odoo skips them silently, so the test command installs
# Debian's package when it is missing and fails when it cannot.
ensure_chromium() {
    local bin
    for bin in chromium chromium-browser google-chrome; do
        command -v "$bin" >/dev/null && return
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing Debian's chromium for the browser tests"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    command -v chromium >/dev/null || { log "no Chromium: the browser tests cannot run (apt-get install chromium)"; exit 1; }
}

bootstrap() {
    ensure_python_packages
    ensure_odoo
    ensure_python_packages
    ensure_postgres
    ensure_addons_path
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
