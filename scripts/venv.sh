#!/usr/bin/env bash
# Creates the virtual environment and installs Qarauyl with its development tools into it.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Qarauyl needs Python 3.11 or newer; '$python' is $("$python" --version 2>&1)." >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        # Debian ships venv support as a separate package.
        bash "$(dirname "$0")/apt-install.sh" python3-venv
        rm -rf "$venv"
        "$python" -m venv "$venv"
    fi
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[dev]"
