"""Cost of a large topic-metadata answer: decode time and peak memory.

    python3 benchmarks/topic_metadata.py [--partitions 200000] [--topics 2000] [--runs 5] [--end-to-end]

Builds a Metadata v12 (flexible) and v8 (classic) answer listing PARTITIONS
partitions over TOPICS topics on 30 brokers with replication factor 3 (one
broker's partitions answered with LISTENER_NOT_FOUND, leader missing), then
decodes it with the product's decoder (``listencheck.protocol.topics``) under
its limits and runs the cluster analysis (partition cost per broker, the health rules) over
the result, each run in a fresh
process (peak: VmHWM; growth: the peak minus the peak before decoding). Prints median and range.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from listencheck.limits import MAX_PARTITIONS, MAX_TOPICS
from listencheck.protocol.topics import decode_topics
from listencheck.protocol.wire import Reader
body = open({path!r}, "rb").read()
def hwm():  # this process's peak RSS in KiB (ru_maxrss would include the parent's, across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
before = hwm()
start = time.perf_counter()
answer = decode_topics(Reader(body), {version}, MAX_TOPICS, MAX_PARTITIONS)
decoded = time.perf_counter()
from listencheck.analysis.topic_rules import partition_cost
from listencheck.models import TopicsDetail
detail = TopicsDetail({version}, (), answer.brokers, answer.topics, answer.topic_count,
                      answer.partition_count, answer.truncated)
cost = partition_cost(detail, frozenset())
from listencheck.analysis.health_rules import topic_health
from listencheck.models import Subject
health = list(topic_health(detail, Subject.of_bootstrap("bench:9092")))
analysed = time.perf_counter()
peak = hwm()
print(json.dumps({{"decode_ms": (decoded - start) * 1000, "analysis_ms": (analysed - decoded) * 1000,
                  "peak_mib": peak / 1024, "growth_mib": (peak - before) / 1024,
                  "kept": sum(len(t.partitions) for t in answer.topics),
                  "total": answer.partition_count, "truncated": answer.truncated}}))
"""


def build(version: int, partitions: int, topics: int, brokers: int = 30) -> bytes:
    from tests.support.scripted import metadata_response

    listed = [(i, f"broker-{i}.example", 9092) for i in range(1, brokers + 1)]
    per_topic = partitions // topics
    topic_list = []
    for t in range(topics):
        parts = []
        for p in range(per_topic):
            leader = 1 + (t + p) % brokers
            replicas = [1 + (leader - 1 + k) % brokers for k in range(3)]
            error = 72 if leader == brokers else 0  # the last broker lacks the listener
            parts.append((error, p, leader, replicas, replicas, []))
        topic_list.append((f"topic-{t:05d}", 0, parts))
    listed = listed[:-1]  # ... and so is missing from the broker list
    return metadata_response(version, listed, "bench", 1, topic_list)


def end_to_end(partitions: int, topics: int, runs: int) -> None:
    """`listencheck check` (text and JSON) against a scripted broker whose topic metadata is
    that large answer: wall time and peak memory (GNU time) of the whole command."""
    import tempfile

    from tests.support.scripted import Request, ScriptedKafka, frame, metadata_response

    with ScriptedKafka() as server:
        listed = [(1, "127.0.0.1", server.port)]
        big = None

        def answer(request: Request) -> bytes | None:
            if request.api_key == 3 and request.body[:1] == b"\x00":  # v9+: a null array, all topics
                return frame(request.correlation_id, big or b"", flexible=True)
            return server.default_answer(request)

        per_topic = partitions // topics
        big = metadata_response(12, listed, "bench", 1, [
            (f"topic-{t:05d}", 0, [(0, p, 1, [1], [1], []) for p in range(per_topic)]) for t in range(topics)])
        server.brokers = listed
        server.responder = answer
        for fmt in ("text", "json"):
            walls, peaks = [], []
            for _ in range(runs):
                with tempfile.NamedTemporaryFile() as out:
                    start = time.perf_counter()
                    subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", out.name, sys.executable, "-m",
                                    "listencheck", "check", "--format", fmt, "--timeout", "10",
                                    server.address], check=False, capture_output=True, cwd=ROOT)
                    walls.append((time.perf_counter() - start) * 1000)
                    peaks.append(int(Path(out.name).read_text().split()[-1]) / 1024)
            print(f"listencheck check --format {fmt}, {partitions:,} partitions: "
                  f"{statistics.median(walls):,.0f} ms ({min(walls):,.0f}-{max(walls):,.0f}), "
                  f"peak {statistics.median(peaks):.0f} MiB (largest process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=200_000)
    parser.add_argument("--topics", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--end-to-end", action="store_true", help="also time the whole command")
    args = parser.parse_args()
    if args.end_to_end:
        end_to_end(args.partitions, args.topics, args.runs)
    import tempfile

    for version in (12, 8):
        body = build(version, args.partitions, args.topics)
        with tempfile.NamedTemporaryFile(suffix=".bin") as f:
            f.write(body)
            f.flush()
            code = _CHILD.format(root=str(ROOT), path=f.name, version=version)
            runs = [json.loads(subprocess.run([sys.executable, "-c", code], check=True,
                                              capture_output=True, text=True).stdout)
                    for _ in range(args.runs)]
        first = runs[0]
        print(f"Metadata v{version}: {len(body) / 2**20:.1f} MiB answer, {first['total']:,} partitions "
              f"in {args.topics:,} topics, {first['kept']:,} kept (truncated: {first['truncated']})")
        for key, unit in (("decode_ms", "ms"), ("analysis_ms", "ms"), ("peak_mib", "MiB"),
                          ("growth_mib", "MiB")):
            values = [r[key] for r in runs]
            print(f"  {key:<12} {statistics.median(values):8.1f} {unit}  "
                  f"({min(values):.1f}-{max(values):.1f}, {len(values)} runs)")


if __name__ == "__main__":
    main()
