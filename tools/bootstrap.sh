#!/usr/bin/env bash
# Bootstrap a fresh clone that has only Python 3.11 and pip: install the pinned uv if the one on PATH is missing or
# of another version (into .build/uv-bootstrap, a private venv, so no user or system site is touched), then create
# or update the workspace venv (.venv) exactly as uv.lock says, every member and the dev group included.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

if ! uv_path >/dev/null; then
    echo "bootstrap: installing uv==$UV_VERSION into $UV_BOOTSTRAP_VENV"
    python3 -m venv --clear "$UV_BOOTSTRAP_VENV"
    "$UV_BOOTSTRAP_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
UV="$(uv_path)"
echo "bootstrap: $("$UV" --version) at $UV"
cd "$ROOT"
"$UV" sync --all-packages --locked
