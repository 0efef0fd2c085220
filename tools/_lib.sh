# Sourced by every command in tools/: where the repository is, which uv to use, and the one-time bootstrap.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV_VERSION="0.13.9"
UV_BOOTSTRAP_VENV="$ROOT/.build/uv-bootstrap"
# The network reaches package registries only: never let uv try to download a Python.
export UV_PYTHON_DOWNLOADS=never

# Print the path of a uv binary of the pinned version, or fail.
uv_path() {
    local candidate
    for candidate in "$(command -v uv 2>/dev/null || true)" "$UV_BOOTSTRAP_VENV/bin/uv"; do
        if [[ -n "$candidate" && -x "$candidate" ]] \
            && [[ "$("$candidate" --version 2>/dev/null | cut -d' ' -f2)" == "$UV_VERSION" ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# Bootstrap once per process tree (tools/test runs it, the commands it calls inherit IGNITE_TOOLS_READY), then
# export UV and move to the repository root.
ensure_ready() {
    if [[ "${IGNITE_TOOLS_READY:-}" != "1" ]]; then
        bash "$ROOT/tools/bootstrap.sh"
        export IGNITE_TOOLS_READY=1
    fi
    UV="$(uv_path)" || { echo "tools: no uv $UV_VERSION found; run tools/bootstrap.sh" >&2; exit 2; }
    export UV
    cd "$ROOT"
}

# `uv run` without re-syncing: the bootstrap already synced the venv against the lock.
uvrun() {
    "$UV" run --no-sync "$@"
}
