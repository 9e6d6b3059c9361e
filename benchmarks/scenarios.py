"""Broken listeners for the time-to-verdict benchmark, each a context manager yielding the
arguments of one `listencheck check` run (a bootstrap and client settings).

Every one is a *definite* failure a client meets after a working bootstrap: the
advertised broker refuses connections, is not Kafka, fails the TLS handshake,
refuses the client's credentials, or (in the namespace lab) does not resolve.
Everything runs on 127.0.0.1, or inside a lab namespace with no route out.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from listencheck.lab.tansu import TansuBroker, free_port
from tests.support.sasl_gateway import SaslGateway
from tests.support.scripted import ScriptedKafka
from tests.support.servers import closed_port, http, tcp_server
from tests.support.tls import Ca, TlsFronts

Args = list[str]


@contextlib.contextmanager
def healthy() -> Iterator[Args]:
    port = free_port()
    with TansuBroker("127.0.0.1", port, f"127.0.0.1:{port}", cluster_id="bench") as broker:
        yield [broker.listen]


@contextlib.contextmanager
def refused() -> Iterator[Args]:
    """The bootstrap answers; the advertised port has no listener."""
    with ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", closed_port())]
        yield [script.address]


@contextlib.contextmanager
def not_kafka() -> Iterator[Args]:
    """The advertised port is an HTTP server."""
    with tcp_server(http) as port, ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", port)]
        yield [script.address]


@contextlib.contextmanager
def tls_untrusted() -> Iterator[Args]:
    """SSL: the bootstrap's certificate is trusted, the advertised broker's is not (the client
    aborts the handshake with an unknown-CA alert)."""
    fronts = TlsFronts()
    with tempfile.TemporaryDirectory() as tmp:
        trusted, other = Ca(Path(tmp) / "trusted"), Ca(Path(tmp) / "other", name="another CA")
        advertised = free_port()
        port = free_port()
        with TansuBroker("127.0.0.1", port, f"127.0.0.1:{advertised}", cluster_id="bench") as broker:
            try:
                bootstrap = fronts.start(trusted.issue("boot", ips=["127.0.0.1"]), broker.listen_port)
                fronts.start(other.issue("adv", ips=["127.0.0.1"]), broker.listen_port, port=advertised)
                yield ["-X", "security.protocol=SSL", "-X", f"ssl.ca.location={trusted.pem}",
                       f"127.0.0.1:{bootstrap}"]
            finally:
                fronts.stop_all()


@contextlib.contextmanager
def auth_refused() -> Iterator[Args]:
    """SASL_PLAINTEXT SCRAM: the bootstrap knows the user, the advertised broker does not."""
    advertised = free_port()
    port = free_port()
    with TansuBroker("127.0.0.1", port, f"127.0.0.1:{advertised}", cluster_id="bench") as broker, \
            SaslGateway(broker.listen_port, {"alice": "alice-pw"}) as bootstrap, \
            SaslGateway(broker.listen_port, {"bob": "bob-pw"}, listen_port=advertised):
        yield ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=SCRAM-SHA-256",
               "-X", "sasl.username=alice", "-X", "sasl.password=alice-pw", f"127.0.0.1:{bootstrap.port}"]


LOOPBACK: dict[str, Callable[[], contextlib.AbstractContextManager[Args]]] = {
    "refused": refused,
    "not Kafka (HTTP)": not_kafka,
    "TLS: untrusted certificate": tls_untrusted,
    "SASL: unknown user": auth_refused,
}
