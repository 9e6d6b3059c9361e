"""librdkafka's own verdict on one bootstrap address, in a child process (optionally in a lab host).

`python -m tests.support.rdkafka HOST:PORT key=value ...` prints one JSON line:
the listencheck client worker's result for a metadata request with those settings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from listencheck.config import ClientConfig
from listencheck.probes.worker import fetch_with_library


def librdkafka_metadata(bootstrap: str, properties: dict[str, str], prefix: Sequence[str] = (),
                        timeout: float = 5) -> dict[str, Any]:
    args = [f"{k}={v}" for k, v in properties.items()]
    command = [*prefix, sys.executable, "-m", "tests.support.rdkafka", bootstrap, str(timeout), *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 20)
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


if __name__ == "__main__":
    props = dict(arg.partition("=")[::2] for arg in sys.argv[3:])
    conf = ClientConfig(props).librdkafka_conf()
    print(json.dumps(fetch_with_library(sys.argv[1], dict(conf), float(sys.argv[2]))))
