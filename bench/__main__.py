"""`make bench`: every bench/bench_*.py, each timing our code against a baseline
measured in the same run, printed as ratios (machines differ; ratios travel).

Each module exposes `run() -> list[Result]`.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import shutil
import sys
import tempfile
from pathlib import Path


def main() -> int:
    own_var_dir = "VAR_DIR" not in os.environ
    if own_var_dir:
        os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="ve-bench-")
    try:
        return run_all()
    finally:
        if own_var_dir:
            shutil.rmtree(os.environ["VAR_DIR"], ignore_errors=True)


def run_all() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "videoeditor.settings")
    import django

    django.setup()
    only = sys.argv[1:]
    print(f"{'benchmark':<44} {'ours':>10} {'baseline':>10} {'ratio':>7}")
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not module.name.startswith("bench_") or (only and module.name not in only):
            continue
        for result in importlib.import_module(f"bench.{module.name}").run():
            print(result.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
