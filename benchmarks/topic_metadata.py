"""Cost of a large topic-metadata answer: decode time and peak memory.

    python3 benchmarks/topic_metadata.py [--partitions 200000] [--topics 2000] [--runs 5]

Builds a Metadata v12 (flexible) and v8 (classic) answer listing PARTITIONS
partitions over TOPICS topics on 30 brokers with replication factor 3 (one
broker's partitions answered with LISTENER_NOT_FOUND, leader missing), then
decodes it with the product's decoder (``listencheck.protocol.topics``) under
its limits and runs the cluster analysis over the result, each run in a fresh
process (peak: VmHWM; growth: the peak minus the peak before decoding). Prints median and range.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=200_000)
    parser.add_argument("--topics", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
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
