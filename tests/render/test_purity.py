"""exports/render is a pure library: importing it pulls in neither Django nor our apps."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import exports.render
from tests.helpers import BASE_DIR


def test_the_render_library_imports_nothing_of_ours():
    modules = [f"exports.render.{m.name}" for m in pkgutil.iter_modules(exports.render.__path__)]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "banned = ('django', 'games', 'notifications', 'videoeditor')\n"
        "ours = [m for m in sys.modules if m.split('.')[0] in banned]\n"
        "print(','.join(ours))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert len(modules) >= 2
    assert result.stdout.strip() == ""
