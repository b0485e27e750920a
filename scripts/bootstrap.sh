#!/usr/bin/env bash
# Create or refresh .venv from pyproject.toml; sourced by scripts/run and scripts/test.
# The venv is rebuilt only when pyproject.toml changes (its sha256 is stamped inside the venv).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
stamp="$repo/.venv/.pyproject.sha256"
want="$(sha256sum "$repo/pyproject.toml" | cut -d' ' -f1)"
if [ ! -x "$repo/.venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Setting up .venv from pyproject.toml (first run only) ..." >&2
  "$python" -m venv "$repo/.venv"
  "$repo/.venv/bin/python" -m pip install --quiet --upgrade pip >&2
  "$repo/.venv/bin/python" -m pip install --quiet -e "$repo[test]" >&2
  echo "$want" > "$stamp"
fi
export PATH="$repo/.venv/bin:$PATH"
