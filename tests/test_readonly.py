"""A read-only container: no writable /tmp, /var/tmp or working directory, and a client keystore.

Kubernetes `readOnlyRootFilesystem` and Compose `read_only` run listencheck with
nothing writable; a Strimzi `user.p12` is the normal client credential there.
Each run below happens in a mount namespace of its own (unshare -m) where /tmp
and /var/tmp are read-only bind mounts of themselves and the working directory
is /tmp, and proves that first. Mutual TLS must still work: keys are handed to
OpenSSL as in-memory files, never written to a disk.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.support.brokers import BrokerFactory
from tests.support.cli import Run, run_cli
from tests.support.prereq import need_commands, need_root
from tests.support.tls import Ca, Issued, TlsFronts
from tests.test_check_tls import tls_broker

pytestmark = pytest.mark.tansu

READ_ONLY = (
    "mount --make-rprivate / && "
    "for d in /tmp /var/tmp; do mount --bind $d $d && mount -o remount,bind,ro $d || exit 98; done && "
    "cd /tmp && if touch /tmp/.rw /var/tmp/.rw 2>/dev/null; then echo 'still writable' >&2; exit 99; fi; "
    'exec env -u TMPDIR -u TEMP -u TMP "$@"'
)
ROOT = Path(__file__).resolve().parents[1]  # the checkout under test (the working directory is /tmp)


def read_only_check(target: str, pki: Ca, *extra: str) -> Run:
    need_root()
    need_commands("unshare", "mount")
    run = run_cli(["check", "--format", "json", "--timeout", "3", "-X", "security.protocol=SSL",
                   "-X", f"ssl.ca.location={pki.pem}", *extra, target],
                  prefix=["unshare", "-m", "env", f"PYTHONPATH={ROOT}", "sh", "-c", READ_ONLY, "read-only"])
    assert run.code not in (98, 99), run.stderr  # the namespace was not read-only as promised
    return run


def _keystore(pki: Ca, client: Issued, password: str) -> Path:
    key = serialization.load_pem_private_key(client.key.read_bytes(), None)
    cert = x509.load_pem_x509_certificate(client.cert.read_bytes())
    path = pki.directory / "user.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"user", key, cert, None,  # type: ignore[arg-type]
        serialization.BestAvailableEncryption(password.encode())))
    return path


def _assert_mutual_tls(run: Run) -> None:
    assert run.code == 0, (run.stdout, run.stderr)
    assert "internal error" not in run.stderr
    broker = run.report["bootstraps"][0]["brokers"][0]
    assert broker["probe"]["attempts"][0]["tls"]["detail"]["client_certificate"] is True
    assert run.report["bootstraps"][0]["client"]["status"] == "ok"  # librdkafka read it too


def test_pkcs12_keystore_on_a_read_only_file_system(tansu: BrokerFactory, tls_fronts: TlsFronts,
                                                    pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]), client_ca=pki)
    keystore = _keystore(pki, pki.issue("client", client=True), "store-pass-5ecret")
    run = read_only_check(f"localhost:{port}", pki, "-X", f"ssl.keystore.location={keystore}",
                          "-X", "ssl.keystore.password=store-pass-5ecret")
    _assert_mutual_tls(run)
    assert "store-pass-5ecret" not in run.stdout + run.stderr


def test_pem_strings_on_a_read_only_file_system(tansu: BrokerFactory, tls_fronts: TlsFronts,
                                                pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]), client_ca=pki)
    client = pki.issue("client", client=True)
    run = read_only_check(f"localhost:{port}", pki, "-X", f"ssl.certificate.pem={client.cert.read_text()}",
                          "-X", f"ssl.key.pem={client.key.read_text()}")
    _assert_mutual_tls(run)
