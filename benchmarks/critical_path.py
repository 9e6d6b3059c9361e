"""Where a healthy check's time goes: the parent process's serial path, piece by piece.

    python3 benchmarks/critical_path.py [--runs 15]

On a 2-core machine the client-library worker (forked right after the command line is parsed)
runs beside the parent and is done first, so the wall time of a healthy check is the parent's
own path: interpreter start, imports, its probes, analysis, the JSON report. Each piece is
measured here in CPU time (time.process_time) in a fresh interpreter, median of ``--runs``
runs, next to the bare metadata process of bench.py. Dataclass creation is counted by wrapping
``dataclasses._process_class`` (this script only): Python 3.11 compiles every generated method
(``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, and ``__setattr__``/``__delattr__`` of
a frozen class) from source at import.

Everything runs on 127.0.0.1 against one Tansu broker (the `lab` extra).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from listencheck.lab.tansu import TansuBroker, free_port  # noqa: E402

PY = sys.executable

# One fresh interpreter: the parent's pieces in the order a check runs them, each in CPU ms.
PIECES = r"""
import json, sys, time
clock = time.process_time
start = clock()
import dataclasses
made = {"count": 0, "ms": 0.0}
_process_class = dataclasses._process_class
def counted(*args, **kwargs):
    began = clock()
    try:
        return _process_class(*args, **kwargs)
    finally:
        made["count"] += 1
        made["ms"] += (clock() - began) * 1000
dataclasses._process_class = counted
out = {}
def piece(name, began):
    out[name] = (clock() - began) * 1000
    return clock()
t = clock()
import listencheck.cli, listencheck.address, listencheck.limits
import listencheck.options, listencheck.probes.worker
t = piece("imports before the worker's fork", t)
import asyncio
t = piece("asyncio (part of the next line)", t)
import listencheck.pipeline, listencheck.analysis, listencheck.render.json_report
t = piece("imports after the fork", t)
out["dataclasses created"] = made["count"]
out["creating them (in the imports above)"] = made["ms"]
from listencheck.options import check_options
from listencheck.pipeline import run_check
from listencheck.analysis import build_report
from listencheck.render.json_report import render_json
options = check_options((sys.argv[1],))
t = clock()
result = run_check(options, None)  # the parent's own probes (the worker is another process)
t = piece("the parent's probes", t)
render_json(build_report(result))
t = piece("analysis and JSON report", t)
print(json.dumps(out))
"""

START = "import time; print(time.process_time() * 1000)"


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "listencheck")], check=True)
    samples: dict[str, list[float]] = {}
    port = free_port()
    with TansuBroker("127.0.0.1", port, f"127.0.0.1:{port}", cluster_id="bench") as broker:
        for _ in range(runs):
            started = subprocess.run([PY, "-c", START], capture_output=True, text=True, check=True, cwd=ROOT)
            samples.setdefault("interpreter start (to the first line)", []).append(float(started.stdout))
            done = subprocess.run([PY, "-c", PIECES, broker.listen], capture_output=True, text=True,
                                  check=True, cwd=ROOT, timeout=60)
            for name, value in json.loads(done.stdout.splitlines()[-1]).items():
                samples.setdefault(name, []).append(float(value))
    print(f"| piece of the parent's path ({runs} runs) | CPU ms, median (min-max) |")
    print("|---|---|")
    for name, values in samples.items():
        print(f"| {name} | {median(values)} |")


if __name__ == "__main__":
    main()
