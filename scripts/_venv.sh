# Sourced by scripts/run and scripts/test: make .venv with the project installed.
# EXTRAS selects the pip extras ("" for the app alone, "dev" for tests and tools).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${HUB_VENV:-$ROOT/.venv}"
stamp="$VENV/.installed-${EXTRAS:-base}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    "$VENV/bin/pip" install -q --upgrade pip
    if [ -n "${EXTRAS:-}" ]; then
        "$VENV/bin/pip" install -q -e "$ROOT[$EXTRAS]"
    else
        "$VENV/bin/pip" install -q -e "$ROOT"
    fi
    touch "$stamp"
fi
