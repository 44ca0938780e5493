#!/usr/bin/env bash
# Create (or reuse) a Python venv holding the reference VoltDB client, the
# PyPI package voltdbclient (modules voltdbclient and voltclient), for the
# Python peer driver tests/python/peer.py.
#
#   bash .ci/python-venv.sh DIR      # prints DIR's python (absolute path)
#
# Idempotent: an existing venv with the right version is left alone; a broken
# one is recreated. Only the python path goes to stdout; everything else goes
# to stderr. Exits non-zero on any failure. $PYTHON overrides the interpreter
# used to create the venv (default python3).
set -euo pipefail

VOLTDBCLIENT_VERSION=16.1.0

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: bash .ci/python-venv.sh DIR" >&2
    exit 2
fi
dir=$1
base_python=${PYTHON:-python3}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
py="$dir/bin/python"

if ! "$py" -c 'import sys' >/dev/null 2>&1; then
    echo "creating venv in $dir" >&2
    "$base_python" -m venv --clear "$dir" >&2
fi

have_version() {
    "$py" - "$VOLTDBCLIENT_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
sys.exit(0 if version("voltdbclient") == sys.argv[1] else 1)
PY
}

if ! have_version; then
    echo "installing voltdbclient==$VOLTDBCLIENT_VERSION" >&2
    "$py" -m pip install --quiet --disable-pip-version-check \
        "voltdbclient==$VOLTDBCLIENT_VERSION" >&2
    have_version || { echo "voltdbclient $VOLTDBCLIENT_VERSION not installed" >&2; exit 1; }
fi

# The modules must import (voltdbclient reads nothing at import time that
# needs a server; cryptography / gssapi are optional extras).
"$py" -c 'import voltdbclient, voltclient' >&2

echo "$py"
