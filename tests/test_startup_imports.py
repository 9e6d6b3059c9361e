"""What is imported before the client-library worker is forked, and for --help / --version.

The worker is forked right after the command line is parsed so that its start-up overlaps with the
parent's; every heavy import on that path (the models build ~40 frozen dataclasses, asyncio, rich)
delays it. This checks the import graph, not a time.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("listencheck.models", "listencheck.pipeline", "listencheck.analysis", "asyncio", "rich",
         "dns", "confluent_kafka", "cryptography")

BEFORE_FORK = """
import sys
import listencheck.cli, listencheck.address, listencheck.limits
import listencheck.options, listencheck.probes.worker
print(" ".join(m for m in {heavy!r} if m in sys.modules))
"""


def _imported(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return out.stdout.split()


def test_nothing_heavy_is_imported_before_the_worker_is_forked() -> None:
    assert _imported(BEFORE_FORK.format(heavy=HEAVY)) == []


def test_help_and_version_import_nothing_heavy() -> None:
    for argv in (["--version"], ["--help"], ["check", "--help"]):
        code = (f"import sys; sys.argv = ['listencheck', *{argv!r}]\n"
                "import listencheck.cli\n"
                "try:\n    listencheck.cli.main()\nexcept SystemExit:\n    pass\n"
                f"print('@@', ' '.join(m for m in {HEAVY!r} if m in sys.modules))")
        heavy = _imported(code)
        assert heavy[heavy.index("@@") + 1:] == [], argv
