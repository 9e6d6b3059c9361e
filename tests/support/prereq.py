"""Missing prerequisites: a failure in CI (CI=true), a skip with the reason elsewhere."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"prerequisite missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def need_commands(*names: str) -> None:
    missing = [n for n in names if shutil.which(n) is None]
    need(not missing, f"commands not installed: {', '.join(missing)}")


def need_root() -> None:
    need(os.geteuid() == 0, "needs root (network namespaces)")
