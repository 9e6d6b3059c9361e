from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab import Lab
from tests.support.brokers import BrokerFactory, tansu_available
from tests.support.prereq import need, need_commands, need_root
from tests.support.tls import Ca, TlsFronts


@pytest.fixture
def tansu() -> Iterator[BrokerFactory]:
    """Tansu brokers on loopback, stopped by pid after the test."""
    need(tansu_available(), "Tansu broker not installed (pip install 'listencheck[lab]')")
    factory = BrokerFactory()
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """A network-namespace lab, torn down after the test whatever happens."""
    need_root()
    need_commands("ip", "dnsmasq", "socat", "iptables")
    need(tansu_available(), "Tansu broker not installed (pip install 'listencheck[lab]')")
    with Lab(tmp_path) as built:
        yield built


@pytest.fixture
def pki(tmp_path: Path) -> Ca:
    """A throwaway certificate authority (files under tmp_path)."""
    return Ca(tmp_path / "pki")


@pytest.fixture
def tls_fronts() -> Iterator[TlsFronts]:
    """socat TLS terminators, stopped by pid after the test."""
    need_commands("socat")
    fronts = TlsFronts()
    try:
        yield fronts
    finally:
        fronts.stop_all()
