"""Presenters are shared with the operator CLI, so they load no HTTP framework."""

from __future__ import annotations

import subprocess
import sys


def test_the_presenters_import_no_litestar() -> None:
    code = (
        "import sys, annobatch.presenters; print(sorted(m for m in sys.modules if m.startswith('litestar')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
