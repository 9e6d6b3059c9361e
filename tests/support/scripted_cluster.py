"""Several scripted Kafka-protocol brokers on loopback, one per node id, sharing one broker list.

Each broker names itself the way Apache Kafka does when asked DescribeConfigs for
a BROKER resource: its own id is answered with ``node.id``, any other id is refused
with "Unexpected broker id, expected N". So listencheck can tell which broker a
bootstrap address really reached. ``advertise`` gives each broker's advertised
host:port from its node id and its own loopback port.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from listencheck.protocol.wire import Reader, Writer
from tests.lab.netns import in_namespace
from tests.support.scripted import DEFAULT_APIS, Request, ScriptedKafka, frame

DESCRIBE_CONFIGS = 32
INVALID_REQUEST = 42
Advertise = Callable[[int, int], tuple[str, int]]  # (node id, own port) -> advertised host, port


@dataclass
class Cluster:
    brokers: dict[int, ScriptedKafka]

    def address(self, node_id: int) -> str:
        return self.brokers[node_id].address

    @property
    def listed(self) -> list[tuple[int, str, int]]:
        return list(next(iter(self.brokers.values())).brokers)


def describe_configs_v1(node_id: int, asked: str) -> bytes:
    """DescribeConfigs v1 response body for one BROKER resource, answered as broker ``node_id``."""
    w = Writer().int32(0).int32(1)  # throttle, one result
    if asked != str(node_id):
        w.int16(INVALID_REQUEST).nullable_string(
            f"Unexpected broker id, expected {node_id}, but received {asked}")
        w.int8(4).nullable_string(asked).int32(0)
        return w.build()
    w.int16(0).nullable_string(None).int8(4).nullable_string(asked).int32(1)
    w.nullable_string("node.id").nullable_string(str(node_id)).boolean(True).int8(5).boolean(False).int32(0)
    return w.build()


def _asked_id(body: bytes) -> str:
    r = Reader(body)
    r.int32()  # one resource
    r.int8()  # BROKER
    return r.string()


def _responder(node_id: int, script: ScriptedKafka) -> Callable[[Request], bytes | None]:
    def answer(request: Request) -> bytes | None:
        if request.api_key == DESCRIBE_CONFIGS and request.version == 1:
            return frame(request.correlation_id, describe_configs_v1(node_id, _asked_id(request.body)))
        return script.default_answer(request)
    return answer


@contextlib.contextmanager
def scripted_cluster(advertise: Advertise, ids: Sequence[int] = (1, 2, 3),
                     name_themselves: bool = True, listen: Callable[[int], tuple[str, int]] | None = None,
                     namespace: str | None = None) -> Iterator[Cluster]:
    """Start one scripted broker per id; every one returns the same broker list.

    ``listen``: each broker's host and port (default 127.0.0.1, any free port); ``namespace``:
    the lab namespace whose network the brokers listen in (tests/lab/netns.py).
    """
    apis = (*DEFAULT_APIS, (DESCRIBE_CONFIGS, 1, 1)) if name_themselves else DEFAULT_APIS
    with contextlib.ExitStack() as stack:
        servers: dict[int, ScriptedKafka] = {}
        for node_id in ids:
            host, port = listen(node_id) if listen is not None else ("127.0.0.1", 0)
            script = ScriptedKafka(apis=apis, host=host, port_wanted=port)
            script.responder = _responder(node_id, script)
            if namespace is None:
                servers[node_id] = stack.enter_context(script)
            else:  # the listening socket is made in the namespace; serving it works from anywhere
                servers[node_id] = in_namespace(namespace, script.__enter__)
                stack.callback(script.__exit__, None, None, None)
        listed = [(n, *advertise(n, s.port)) for n, s in servers.items()]
        for script in servers.values():
            script.brokers = listed
        yield Cluster(servers)
