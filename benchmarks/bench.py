"""listencheck performance, measured side by side with a bare confluent-kafka client.

    python3 benchmarks/bench.py                 # everything, prints a Markdown table
    python3 benchmarks/bench.py --quick         # fewer runs and sizes (a smoke run)
    python3 benchmarks/bench.py --only startup,healthy --runs 21
    python3 benchmarks/bench.py --only broken,broken-lab --runs 15   # time to verdict when broken

Every figure is the median of repeated runs, with the spread (min-max) beside
it; runs of the reference and of listencheck are interleaved so both see the
same machine load. Everything runs on 127.0.0.1: a Tansu broker (the `lab`
extra), librdkafka mock clusters in a helper process, and scripted or
black-holed listeners from tests/support. Processes are started with this
interpreter directly (a pyenv shim alone costs ~70 ms).

Memory is ru_maxrss (peak resident set): for listencheck, of its own process
and, separately, of its forked client-library worker (reaped, so reported by
RUSAGE_CHILDREN); "tree" is their sum, an upper bound of the peak of both
together (pages shared after fork are counted twice).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scenarios  # noqa: E402
from listencheck.lab.tansu import TansuBroker, free_port  # noqa: E402
from tests.support.mock_cluster import mock_cluster  # noqa: E402
from tests.support.scripted import ScriptedKafka  # noqa: E402
from tests.support.servers import black_holes  # noqa: E402

PY = sys.executable
TIME = "/usr/bin/time"  # GNU time (Debian package `time`)
INPROCESS = str(ROOT / "benchmarks" / "_inprocess.py")

BARE = """
import sys
from confluent_kafka.admin import AdminClient
client = AdminClient({"bootstrap.servers": sys.argv[1]})
metadata = client.list_topics(timeout=10)
assert metadata.brokers, "no brokers"
"""


@dataclass
class Sample:
    wall_ms: float
    self_mib: float
    child_mib: float = 0.0
    code: int = 0
    out_bytes: int = 0
    output: bytes = b""
    cpu_ms: float = 0.0  # user + system, the process and the children it reaped (the worker)

    @property
    def tree_mib(self) -> float:
        return self.self_mib + self.child_mib


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)

    def stat(self, key: Callable[[Sample], float], digits: int = 0) -> str:
        values = [key(s) for s in self.samples]
        if not values:
            return "-"
        med = statistics.median(values)
        fmt = f"{{:.{digits}f}}"
        return f"{fmt.format(med)} ({fmt.format(min(values))}-{fmt.format(max(values))})"

    def median(self, key: Callable[[Sample], float]) -> float:
        return statistics.median(key(s) for s in self.samples)

    @property
    def codes(self) -> str:
        return ",".join(sorted({str(s.code) for s in self.samples}))


def run(cmd: Sequence[str], keep_output: bool = False) -> Sample:
    """Run a command to completion: wall time, and ru_maxrss of the process.

    GNU time launches it: ru_maxrss survives exec, so a child forked straight from
    this (larger) benchmark process would start with this process's peak.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as peak:
        start = time.perf_counter()
        proc = subprocess.run([TIME, "-q", "-f", "%M %U %S", "-o", peak.name, *cmd], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, check=False, cwd=ROOT)
        wall = (time.perf_counter() - start) * 1000
        kib, user, system = Path(peak.name).read_text().split()[-3:]
    return Sample(wall, int(kib) / 1024, code=proc.returncode, out_bytes=len(proc.stdout),
                  output=proc.stdout if keep_output else b"", cpu_ms=(float(user) + float(system)) * 1000)


def run_listencheck(args: Sequence[str], keep_output: bool = False, prefix: Sequence[str] = ()) -> Sample:
    """`python -m listencheck ARGS`, run through _inprocess.py to read both peaks."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as result:
        sample = run([*prefix, PY, INPROCESS, result.name, "listencheck", *args], keep_output)
        own, children = (int(x) for x in Path(result.name).read_text().split())
    sample.self_mib, sample.child_mib = own / 1024, children / 1024
    return sample


def bare(bootstrap: str) -> Sample:
    return run([PY, "-c", BARE, bootstrap])


def check(bootstrap: str, *extra: str, keep_output: bool = False) -> Sample:
    return run_listencheck(["check", "--format", "json", *extra, bootstrap], keep_output)


# -- sections -------------------------------------------------------------------------


def startup(runs: int) -> list[str]:
    series = {name: Series() for name in ("python -c pass", "--version", "--help", "check --help")}
    for _ in range(runs):
        series["python -c pass"].add(run([PY, "-c", "pass"]))
        series["--version"].add(run([PY, "-m", "listencheck", "--version"]))
        series["--help"].add(run([PY, "-m", "listencheck", "--help"]))
        series["check --help"].add(run([PY, "-m", "listencheck", "check", "--help"]))
    rows = ["| command | wall ms, median (min-max) | peak MiB |", "|---|---|---|"]
    for name, s in series.items():
        rows.append(f"| `{name}` | {s.stat(lambda x: x.wall_ms)} | {s.stat(lambda x: x.self_mib, 1)} |")
    return rows


def healthy(runs: int) -> list[str]:
    port = free_port()
    with TansuBroker("127.0.0.1", port, f"127.0.0.1:{port}", cluster_id="bench") as broker:
        bootstrap = broker.listen
        ref, lc = Series(), Series()
        bare(bootstrap)  # warm caches
        check(bootstrap)
        for _ in range(runs):
            ref.add(bare(bootstrap))
            lc.add(check(bootstrap))
    ratio = lc.median(lambda s: s.wall_ms) / ref.median(lambda s: s.wall_ms)
    cpu_ratio = lc.median(lambda s: s.cpu_ms) / ref.median(lambda s: s.cpu_ms)
    return [
        "| single healthy listener (Tansu) | wall ms | peak MiB (process) | worker MiB | tree MiB | exit |",
        "|---|---|---|---|---|---|",
        f"| bare AdminClient metadata fetch | {ref.stat(lambda s: s.wall_ms)} | "
        f"{ref.stat(lambda s: s.self_mib, 1)} | - | {ref.stat(lambda s: s.tree_mib, 1)} | {ref.codes} |",
        f"| `listencheck check --format json` | {lc.stat(lambda s: s.wall_ms)} | "
        f"{lc.stat(lambda s: s.self_mib, 1)} | {lc.stat(lambda s: s.child_mib, 1)} | "
        f"{lc.stat(lambda s: s.tree_mib, 1)} | {lc.codes} |",
        "",
        f"listencheck / bare wall time (medians): **{ratio:.2f}x** (target <= 1.5x); CPU time "
        f"(user + system, worker included): {lc.stat(lambda s: s.cpu_ms)} ms against "
        f"{ref.stat(lambda s: s.cpu_ms)} ms, **{cpu_ratio:.2f}x**",
    ]


def scale(runs: int, sizes: Sequence[int]) -> list[str]:
    rows = [
        "| brokers | bare fetch ms | listencheck ms | listencheck MiB (process) | worker MiB | tree MiB "
        "| JSON KiB | exit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        with mock_cluster(size) as cluster:
            ref, lc = Series(), Series()
            check(cluster.bootstrap)  # warm: the mock brokers' first connections
            for _ in range(runs):
                ref.add(bare(cluster.bootstrap))
                lc.add(check(cluster.bootstrap))
        rows.append(
            f"| {size} | {ref.stat(lambda s: s.wall_ms)} | {lc.stat(lambda s: s.wall_ms)} | "
            f"{lc.stat(lambda s: s.self_mib, 1)} | {lc.stat(lambda s: s.child_mib, 1)} | "
            f"{lc.stat(lambda s: s.tree_mib, 1)} | {lc.stat(lambda s: s.out_bytes / 1024)} | {lc.codes} |"
        )
    return rows


def blackholed(runs: int, counts: Sequence[int], timeout: float) -> list[str]:
    """Listeners that accept and never answer, each run paired (A B A B ...) with a healthy check:
    the difference, less one timeout, is what the silence costs beyond that timeout."""
    rows = [
        f"| silent advertised listeners (--timeout {timeout:g}) | healthy check ms | listencheck ms | "
        "beyond one timeout ms | beyond healthy + timeout ms (paired) | found silent | cut by the deadline "
        "| exit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with scenarios.healthy() as good:
        for count in counts:
            ref, lc = Series(), Series()
            for _ in range(runs):
                # Fresh listeners every run: each run leaves connections in their accept queues,
                # and a full queue drops the next SYN (a firewall's DROP, another case).
                with black_holes(count) as ports, ScriptedKafka() as script:
                    script.brokers = [(i + 1, "127.0.0.1", port) for i, port in enumerate(ports)]
                    ref.add(check(*good))
                    lc.add(check(script.address, "--timeout", str(timeout), keep_output=True))
            extra = lc.stat(lambda s: s.wall_ms - timeout * 1000)
            paired = Series([Sample(b.wall_ms - a.wall_ms - timeout * 1000, 0)
                             for a, b in zip(ref.samples, lc.samples, strict=True)])
            silent = lc.stat(lambda s: _kafka_reasons(s).count("silent"))
            cut = lc.stat(lambda s: _kafka_reasons(s).count("deadline"))
            rows.append(f"| {count} | {ref.stat(lambda s: s.wall_ms)} | {lc.stat(lambda s: s.wall_ms)} | "
                        f"{extra} | {paired.stat(lambda s: s.wall_ms)} | {silent} | {cut} | {lc.codes} |")
    return rows


def broken(runs: int) -> list[str]:
    """Definite failures after a working bootstrap, each paired (A B A B ...) with a healthy check."""
    rows = [
        "| advertised broker | healthy check ms | broken check ms | broken - healthy ms | CPU ms healthy / "
        "broken | client stage ms | error findings | exit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with scenarios.healthy() as good:
        for name, make in scenarios.LOOPBACK.items():
            with make() as args:
                ref, lc = Series(), Series()
                command = ["check", "--format", "json", *args]
                run_listencheck(command)  # warm
                for _ in range(runs):
                    ref.add(check(*good))
                    lc.add(run_listencheck(command, keep_output=True))
            rows.append(_broken_row(name, ref, lc))
    return rows


def broken_lab(runs: int) -> list[str]:
    """An advertised name that does not resolve (NXDOMAIN from the host's own DNS server), in a
    network namespace; paired with a healthy listener of the same host."""
    from tests.lab import Lab, Records

    with tempfile.TemporaryDirectory() as tmp, Lab(Path(tmp)) as lab:
        host = lab.host("client")
        host.use_dns(Records())  # every name is NXDOMAIN
        host.broker("127.0.0.1", 9092, "kafka:9092")
        host.broker("127.0.0.1", 9093, "127.0.0.1:9093")
        prefix = list(host.prefix)
        ref, lc = Series(), Series()
        for _ in range(runs):
            ref.add(run_listencheck(["check", "--format", "json", "127.0.0.1:9093"], prefix=prefix))
            lc.add(run_listencheck(["check", "--format", "json", "127.0.0.1:9092"], True, prefix))
    return [_broken_row("NXDOMAIN (lab namespace)", ref, lc)]


def _broken_row(name: str, ref: Series, lc: Series) -> str:
    paired = Series([Sample(b.wall_ms - a.wall_ms, 0)
                     for a, b in zip(ref.samples, lc.samples, strict=True)])
    codes = sorted({f["code"] for s in lc.samples for f in json.loads(s.output)["findings"]
                    if f["severity"] == "error"})
    client = Series([Sample(json.loads(s.output)["bootstraps"][0]["client"]["elapsed_ms"] or 0, 0)
                     for s in lc.samples])
    cpu = f"{ref.stat(lambda s: s.cpu_ms)} / {lc.stat(lambda s: s.cpu_ms)}"
    return (f"| {name} | {ref.stat(lambda s: s.wall_ms)} | {lc.stat(lambda s: s.wall_ms)} | "
            f"{paired.stat(lambda s: s.wall_ms)} | {cpu} | {client.stat(lambda s: s.wall_ms)} | "
            f"{', '.join(codes)} | {lc.codes} |")


def render(runs: int, size: int) -> list[str]:
    """Rendering alone: one report of a mock cluster of ``size`` brokers, rendered again and again."""
    from listencheck.analysis import build_report
    from listencheck.pipeline import BootstrapSpec, CheckOptions, run_check
    from listencheck.render import RENDERERS, RenderOptions

    with mock_cluster(size) as cluster:
        options = CheckOptions((BootstrapSpec.parse(cluster.bootstrap),), timeout=5, client_check=False)
        report = build_report(run_check(options))
    rows = [f"| rendering {size} brokers | wall ms, median (min-max) | CPU ms | output KiB |",
            "|---|---|---|---|"]
    for fmt in ("text", "json"):
        series, out = Series(), ""
        for _ in range(runs):
            start, cpu = time.perf_counter(), time.process_time()
            out = RENDERERS[fmt](report, RenderOptions(width=120))
            series.add(Sample((time.perf_counter() - start) * 1000, 0,
                              cpu_ms=(time.process_time() - cpu) * 1000))
        kib = len(out.encode()) // 1024
        rows.append(f"| `--format {fmt}` | {series.stat(lambda s: s.wall_ms)} | "
                    f"{series.stat(lambda s: s.cpu_ms)} | {kib} |")
    return rows


def _kafka_reasons(sample: Sample) -> list[str]:
    """Why each advertised broker's Kafka stage did not pass, from the JSON report."""
    report = json.loads(sample.output)
    reasons = []
    for broker in report["bootstraps"][0]["brokers"]:
        attempts = broker["probe"]["attempts"]
        stage = attempts[0]["kafka"] if attempts else broker["probe"]["resolve"]
        reasons.append((stage["error"] or {}).get("reason", "ok"))
    return reasons


SECTIONS = ("startup", "healthy", "broken", "broken-lab", "scale", "blackholed", "render")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11, help="runs per measurement (default 11)")
    parser.add_argument("--sizes", default="1,10,30,100,300", help="mock cluster sizes")
    parser.add_argument("--holes", default="1,10,100,300", help="black-holed listener counts")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections: {','.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="3 runs, sizes 1,100, holes 10")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    sizes = [1, 100] if args.quick else [int(x) for x in args.sizes.split(",")]
    holes = [10] if args.quick else [int(x) for x in args.holes.split(",")]
    only = set(args.only.split(","))
    if not Path(TIME).exists():
        sys.exit(f"{TIME} (GNU time) is needed to read peak memory: apt-get install time")
    # An installed wheel ships compiled bytecode; a checkout run with PYTHONDONTWRITEBYTECODE=1
    # would compile every module on every start. Compile once, as pip install does.
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "listencheck")], check=True)
    load = os.getloadavg()
    print(f"# listencheck benchmark — {time.strftime('%Y-%m-%d %H:%M')} · Python {platform.python_version()} "
          f"· {os.cpu_count()} CPUs · load {load[0]:.2f} at start · {runs} runs each\n")
    if "startup" in only:
        print("\n".join(startup(runs)) + "\n")
    if "healthy" in only:
        print("\n".join(healthy(runs)) + "\n")
    if "broken" in only:
        print("\n".join(broken(runs)) + "\n")
    if "broken-lab" in only:
        if os.geteuid() == 0 and shutil.which("dnsmasq"):
            print("\n".join(broken_lab(runs)) + "\n")
        else:
            print("(broken-lab skipped: needs root and dnsmasq)\n")
    if "scale" in only:
        print("\n".join(scale(max(3, runs // 2), sizes)) + "\n")
    if "blackholed" in only:
        print("\n".join(blackholed(max(2, runs // 4), holes, 1.0)) + "\n")
    if "render" in only:
        print("\n".join(render(max(3, runs // 3), 1000)) + "\n")
    print(f"load {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
