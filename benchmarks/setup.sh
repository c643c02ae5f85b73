#!/usr/bin/env bash
# Creates benchmarks/_venv with the peer tools the benchmark compares against.
# They are installed only here, never into the project's dependencies.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
if [ ! -x "$here/_venv/bin/python" ]; then
    "$python" -m venv "$here/_venv"
fi
"$here/_venv/bin/pip" install --quiet --upgrade pip
# PyPI names checked with `pip download --no-deps`: whatstk, chat-miner, mail-parser.
"$here/_venv/bin/pip" install --quiet whatstk chat-miner mail-parser pyinstrument
"$here/_venv/bin/pip" list 2>/dev/null | grep -i -E '^(whatstk|chat-miner|mail-parser|pandas) '
