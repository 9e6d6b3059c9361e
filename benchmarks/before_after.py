"""Time to verdict, this checkout against an earlier revision, interleaved (A B A B ...).

    python3 benchmarks/before_after.py f175434 --runs 5

The earlier revision's `listencheck/` is exported with `git archive` into a
temporary directory and run from there (`python -m listencheck` imports the
package of its working directory), against the same broken listeners:
a refused advertised port, an HTTP server behind it, and five silent
listeners with `--timeout 3`. Prints a Markdown table: median (min-max) wall
ms and the CLIENT_* codes each side reported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scenarios  # noqa: E402
from tests.support.scripted import ScriptedKafka  # noqa: E402
from tests.support.servers import black_holes  # noqa: E402


@contextlib.contextmanager
def five_silent() -> Iterator[list[str]]:
    with black_holes(5) as ports, ScriptedKafka() as script:
        script.brokers = [(i + 1, "127.0.0.1", port) for i, port in enumerate(ports)]
        yield ["--timeout", "3", script.address]


def check(cwd: Path, args: list[str]) -> tuple[float, set[str]]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "listencheck", "check", "--format", "json", *args],
                          cwd=cwd, capture_output=True, check=False)
    wall = (time.perf_counter() - start) * 1000
    findings = json.loads(proc.stdout)["findings"]
    return wall, {f["code"] for f in findings if f["severity"] == "error" and f["code"].startswith("CLIENT_")}


def export(revision: str, into: Path) -> None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "listencheck"],
                             capture_output=True, check=True).stdout
    with tempfile.TemporaryFile() as tar:
        tar.write(archive)
        tar.seek(0)
        with tarfile.open(fileobj=tar) as files:
            files.extractall(into, filter="data")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(into / "listencheck")], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revision", help="the earlier revision (a commit, tag or branch)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "listencheck")], check=True)
    cases = {"refused": scenarios.refused, "not Kafka (HTTP)": scenarios.not_kafka,
             "5 silent listeners, --timeout 3": five_silent}
    print(f"| broken advertised listener | {args.revision} ms | its CLIENT_* "
          "| this checkout ms | its CLIENT_* |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp)
        export(args.revision, before)
        for name, make in cases.items():
            with make() as check_args:
                walls: dict[Path, list[float]] = {before: [], ROOT: []}
                codes: dict[Path, set[str]] = {before: set(), ROOT: set()}
                for _ in range(args.runs):
                    for where in (before, ROOT):
                        wall, found = check(where, check_args)
                        walls[where].append(wall)
                        codes[where] |= found
            cells = [f"{statistics.median(walls[w]):.0f} ({min(walls[w]):.0f}-{max(walls[w]):.0f}) | "
                     f"{', '.join(sorted(codes[w]))}" for w in (before, ROOT)]
            print(f"| {name} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()
