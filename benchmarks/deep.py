"""What `check --deep` costs, next to the same check without it.

    python3 benchmarks/deep.py              # 15 interleaved runs per case, prints a Markdown table
    python3 benchmarks/deep.py --runs 5

Cases (each: `check --format json` with and without --deep, runs interleaved):
- healthy: a Tansu broker on 127.0.0.1 (nothing fails, so no raw probe runs);
- healthy, by name (root only): the same broker advertised as a name that the
  namespace's own dnsmasq resolves, so --deep also asks every nameserver;
- refused: the broker advertises a port nobody listens on (the SYN probe and
  traceroute run, and scapy is imported).
Everything runs on loopback, or inside a network namespace this script
creates and removes (no route out).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from listencheck.lab.tansu import TansuBroker, free_port  # noqa: E402

PY = sys.executable


def wall_ms(cmd: Sequence[str]) -> float:
    start = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=120)
    return (time.monotonic() - start) * 1000


def check(prefix: Sequence[str], target: str, deep: bool) -> list[str]:
    return [*prefix, PY, "-m", "listencheck", "check", "--format", "json", "--timeout", "2", target,
            *(["--deep"] if deep else [])]


def measure(name: str, prefix: Sequence[str], target: str, runs: int) -> tuple[str, list[float], list[float]]:
    plain, deep = [], []
    for _ in range(runs):
        plain.append(wall_ms(check(prefix, target, False)))
        deep.append(wall_ms(check(prefix, target, True)))
    return name, plain, deep


def row(name: str, plain: list[float], deep: list[float]) -> str:
    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"

    added = statistics.median(deep) - statistics.median(plain)
    return f"| {name} | {cell(plain)} | {cell(deep)} | {added:+,.0f} |"


def with_broker(advertised: Callable[[int], str], prefix: Sequence[str] = (),
                listen: str = "127.0.0.1") -> tuple[TansuBroker, int]:
    port = free_port()
    broker = TansuBroker(listen, port, advertised(port), prefix=prefix)
    broker.start()
    return broker, port


def lab_case(runs: int) -> tuple[str, list[float], list[float]] | None:
    """The broker advertised by name inside a namespace with its own dnsmasq (root only)."""
    if os.geteuid() != 0:
        return None
    from tests.lab import Lab, Records

    with tempfile.TemporaryDirectory() as tmp, Lab(Path(tmp)) as lab:
        host = lab.host("bench")
        host.use_dns(Records(a={"kafka.bench": ["127.0.0.1"]}))
        host.broker("127.0.0.1", 9092, "kafka.bench:9092")
        return measure("healthy, advertised by name (DNS per resolver)", host.prefix, "127.0.0.1:9092", runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results = []
    broker, port = with_broker(lambda p: f"127.0.0.1:{p}")
    try:
        results.append(measure("healthy (Tansu, 127.0.0.1)", (), f"127.0.0.1:{port}", args.runs))
    finally:
        broker.stop()
    named = lab_case(args.runs)
    if named:
        results.append(named)
    dead = free_port()
    broker, port = with_broker(lambda p: f"127.0.0.1:{dead}")
    try:
        results.append(measure("advertised port refused (raw probes run)", (), f"127.0.0.1:{port}",
                               args.runs))
    finally:
        broker.stop()
    print(f"{args.runs} interleaved runs each, wall ms: median (min–max); load {os.getloadavg()[0]:.1f}\n")
    print("| case | check | check --deep | --deep adds |")
    print("|---|---|---|---|")
    for name, plain, deep in results:
        print(row(name, plain, deep))


if __name__ == "__main__":
    main()
