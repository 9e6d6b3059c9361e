"""Rebuild every lab scenario for real and capture listencheck's text report.

Run as root from the repository root: `python3 -m examples.lab.regenerate`.
Writes examples/lab/<scenario>.txt and examples/lab/README.md.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from tests.lab import Lab
from tests.lab.scenarios import EXAMPLES

HERE = Path(__file__).resolve().parent

# Timings, dates and ephemeral ports change on every run: normalised so the files are stable.
_VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z"), "<time>"),
    (re.compile(r"· \d+ ms ·"), "· <n> ms ·"),
    (re.compile(r"\b\d+ ms\b"), "<n> ms"),
    (re.compile(r"in \d+(\.\d+)?s\b"), "in <n>s"),
    (re.compile(r"cluster mockCluster[0-9a-f]+"), "cluster <mock>"),
]


def normalise(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def main() -> None:
    index = ["# Lab scenarios", "",
             "Each report below was captured from a real run: the topology is built with network "
             "namespaces (tests/lab/scenarios.py), a Tansu broker runs inside it, and "
             "`listencheck check` runs in the client's namespace. Regenerate with "
             "`sudo python3 -m examples.lab.regenerate` (timings and dates are normalised).", ""]
    for example in EXAMPLES:
        with tempfile.TemporaryDirectory() as tmp, Lab(Path(tmp)) as lab:
            vantage, args = example.build(lab)
            run = vantage.text(*args)
        path = HERE / f"{example.slug}.txt"
        command = f"$ listencheck check {' '.join(args)}    # from {vantage.name}, exit code {run.code}\n"
        path.write_text(command + normalise(run.stdout))
        index += [f"## {example.title}", "", example.story, "",
                  f"Report: [{path.name}]({path.name}) (exit code {run.code})", ""]
        print(f"{example.slug}: exit {run.code}")
    (HERE / "README.md").write_text("\n".join(index))


if __name__ == "__main__":
    main()
