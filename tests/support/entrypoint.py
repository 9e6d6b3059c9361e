"""The image's ENTRYPOINT (`listencheck`), run directly in this Python environment.

The console script in the image is whatever pyproject.toml's [project.scripts]
names; the shim calls exactly that function with this checkout on the path, so
commands from docker/ and examples/ run as the container would run them.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def console_script_target() -> tuple[str, str]:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["listencheck"].partition(":")
    return module, function


def install_shim(bin_dir: Path) -> Path:
    """Write bin_dir/listencheck; put bin_dir first on PATH to use it."""
    module, function = console_script_target()
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "listencheck"
    code = f"import sys; from {module} import {function}; sys.argv[0] = 'listencheck'; {function}()"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -c \"{code}\" \"$@\"\n")
    shim.chmod(0o755)
    return shim


def shim_env(bin_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ.get('PATH', '')}", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env
