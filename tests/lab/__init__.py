"""A network lab built from Linux network namespaces: hosts, networks, DNS, port
publishing, tunnels, firewalls and brokers, torn down completely afterwards.

Reproduces what Docker, Compose, Kubernetes and ngrok do to a Kafka client's
view of the network, without any of them:

- a *host* is a namespace with its own loopback, addresses, /etc/hosts and
  resolv.conf (``/etc/netns/NS/``), and optionally its own dnsmasq;
- a *network* is a bridge in a namespace of its own, hosts join it through veth
  pairs; nothing in the lab has a route to the machine's real networks;
- ``publish`` is ``docker run -p`` (socat in the publishing host), a tunnel is
  a host with a public-looking address that forwards a port elsewhere,
  ``firewall`` is iptables DROP (silence) or REJECT (refused);
- brokers are Tansu processes started inside a host.

Every process is stopped by its own pid, every namespace and /etc/netns entry
removed, also when the test fails. Names carry a per-run id so parallel or
leftover runs never collide; leftovers of dead runs are swept at start.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from listencheck.lab.tansu import TansuBroker
from tests.lab.netns import exec_prefix, in_namespace, sh
from tests.support.cli import Run, run_cli

NETNS_ETC = Path("/etc/netns")
_NAME = re.compile(r"^lc(\d+)x[0-9a-f]{4}-")


@dataclass
class Records:
    """DNS data for one host's resolver (dnsmasq); every other name is NXDOMAIN."""

    a: dict[str, list[str]] = field(default_factory=dict)
    aaaa: dict[str, list[str]] = field(default_factory=dict)
    cname: dict[str, str] = field(default_factory=dict)
    servfail: list[str] = field(default_factory=list)  # names whose lookup fails upstream
    ptr: dict[str, str] = field(default_factory=dict)  # address -> reverse DNS name (over host-record's)

    def dnsmasq_args(self) -> list[str]:
        args = []
        for name, addresses in self.a.items():
            args += [f"--host-record={name},{ip}" for ip in addresses]
        for name, addresses in self.aaaa.items():
            args += [f"--host-record={name},{ip}" for ip in addresses]
        for alias, target in self.cname.items():
            args.append(f"--cname={alias},{target}")
        for address, name in self.ptr.items():
            args.append(f"--ptr-record={ipaddress.ip_address(address).reverse_pointer},{name}")
        for name in self.servfail:
            # Forward to a server that is not there: dnsmasq answers SERVFAIL/REFUSED.
            args.append(f"--server=/{name}/127.0.0.254")
        return args


class Lab:
    def __init__(self, workdir: Path) -> None:
        self.id = f"lc{os.getpid()}x{secrets.token_hex(2)}"
        self.workdir = workdir
        self.namespaces: list[str] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self.cleanups: list[Callable[[], None]] = []  # run first at teardown, last added first
        self.hosts: dict[str, Host] = {}
        self._links = 0

    # -- lifecycle ---------------------------------------------------------------

    def __enter__(self) -> Lab:
        sweep_leftovers()
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()

    def teardown(self) -> None:
        while self.cleanups:
            self.cleanups.pop()()
        for proc in reversed(self.processes):
            stop_process(proc)
        for ns in reversed(self.namespaces):
            sh("ip", "netns", "del", ns, check=False)
            shutil.rmtree(NETNS_ETC / ns, ignore_errors=True)
        self.namespaces.clear()
        self.processes.clear()

    # -- building blocks ---------------------------------------------------------

    def _namespace(self, name: str) -> str:
        ns = f"{self.id}-{name}"
        sh("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        return ns

    def host(self, name: str, hosts: dict[str, list[str]] | None = None) -> Host:
        """A machine (or container) with no DNS of its own until ``use_dns``."""
        ns = self._namespace(name)
        host = Host(self, name, ns)
        host.set_hosts(hosts or {})
        host.write_resolv_conf()  # 127.0.0.1: nobody answers until use_dns()
        self.hosts[name] = host
        return host

    def network(self, name: str) -> Network:
        ns = self._namespace(f"net-{name}")
        sh("ip", "-n", ns, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", ns, "link", "set", "br0", "up")
        return Network(self, name, ns)

    def link_name(self) -> str:
        self._links += 1
        return f"v{self.id[-4:]}{self._links}"

    def spawn(self, host: Host, cmd: Sequence[str], log: str) -> subprocess.Popen[bytes]:
        with open(self.workdir / f"{log}.log", "ab") as out:
            proc = subprocess.Popen(
                [*exec_prefix(host.ns), *cmd], stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                start_new_session=True,
            )
        self.processes.append(proc)
        return proc


@dataclass
class Network:
    lab: Lab
    name: str
    ns: str  # the namespace holding the bridge

    def attach(self, host: Host, ipv4: str, ipv6: str | None = None, prefix4: int = 24) -> str:
        """Plug ``host`` into this network with the given addresses; returns the interface."""
        outer, inner = self.lab.link_name() + "a", self.lab.link_name() + "b"
        sh("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
        sh("ip", "link", "set", outer, "netns", self.ns)
        sh("ip", "link", "set", inner, "netns", host.ns)
        sh("ip", "-n", self.ns, "link", "set", outer, "master", "br0", "up")
        sh("ip", "-n", host.ns, "addr", "add", f"{ipv4}/{prefix4}", "dev", inner)
        if ipv6:
            sh("ip", "-n", host.ns, "addr", "add", f"{ipv6}/64", "dev", inner, "nodad")
        sh("ip", "-n", host.ns, "link", "set", inner, "up")
        host.addresses.append(ipv4)
        if ipv6:
            host.addresses.append(ipv6)
        return inner


@dataclass
class Host:
    lab: Lab
    name: str
    ns: str
    addresses: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> Sequence[str]:
        return exec_prefix(self.ns)

    @property
    def etc(self) -> Path:
        path = NETNS_ETC / self.ns
        path.mkdir(parents=True, exist_ok=True)
        return path

    def set_hosts(self, entries: dict[str, list[str]]) -> None:
        lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost"]
        lines += [f"{ip} {name}" for name, ips in entries.items() for ip in ips]
        (self.etc / "hosts").write_text("\n".join(lines) + "\n")

    def write_resolv_conf(self) -> None:
        (self.etc / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")

    def use_dns(self, records: Records) -> None:
        """Run this host's own DNS server (dnsmasq on its loopback) with these records."""
        pid_file = self.lab.workdir / f"{self.ns}-dnsmasq.pid"
        self.lab.spawn(self, [
            "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-poll",
            "--bind-interfaces", "--listen-address=127.0.0.1", "--port=53", "--user=root",
            f"--pid-file={pid_file}", "--address=/#/", "--log-queries",
            f"--log-facility={self.lab.workdir / (self.ns + '-dnsmasq.log')}",
            *records.dnsmasq_args(),
        ], f"{self.ns}-dnsmasq")
        self.wait_udp_dns()

    def wait_udp_dns(self, timeout: float = 5) -> None:
        def probe() -> bool:
            end = time.monotonic() + timeout
            query = bytes.fromhex("abcd01000001000000000000") + b"\x05probe\x00\x00\x01\x00\x01"
            while time.monotonic() < end:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.settimeout(0.1)
                    try:
                        sock.sendto(query, ("127.0.0.1", 53))
                        sock.recv(512)
                        return True
                    except OSError:
                        time.sleep(0.05)
            return False

        if not in_namespace(self.ns, probe):
            raise RuntimeError(f"dnsmasq in {self.ns} did not answer")

    def add_address(self, ipv4: str, interface: str, prefix4: int = 24) -> None:
        """One more IPv4 address on an interface of this host (several servers on one machine)."""
        sh("ip", "-n", self.ns, "addr", "add", f"{ipv4}/{prefix4}", "dev", interface)
        self.addresses.append(ipv4)

    def run_haproxy(self, config: str) -> subprocess.Popen[bytes]:
        """HAProxy in the foreground with this configuration (written to the lab's work directory),
        stopped by its own pid at teardown; returns once every `bind` address accepts connections."""
        path = self.lab.workdir / f"{self.ns}-haproxy.cfg"
        path.write_text(config + "\n")
        sh("haproxy", "-c", "-q", "-f", str(path))
        proc = self.lab.spawn(self, ["haproxy", "-db", "-f", str(path)], f"{self.ns}-haproxy")
        for line in config.splitlines():
            if line.strip().startswith("bind "):
                address, _, port = line.split()[1].rpartition(":")
                self.wait_port(address, int(port), timeout=20)
        return proc

    def route_default(self, via: str) -> None:
        sh("ip", "-n", self.ns, "route", "add", "default", "via", via)

    def forward_ip(self) -> None:
        sh("ip", "netns", "exec", self.ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")

    def wait_port(self, address: str, port: int, timeout: float = 10) -> None:
        def probe() -> None:
            end = time.monotonic() + timeout
            while True:
                try:
                    socket.create_connection((address, port), timeout=0.2).close()
                    return
                except OSError:
                    if time.monotonic() > end:
                        raise
                    time.sleep(0.02)

        in_namespace(self.ns, probe)

    def publish(self, port: int, target: str, target_port: int, bind: str = "0.0.0.0") -> None:
        """Like `docker run -p [bind:]port:target_port`: forward port here to target."""
        family = "TCP6" if ":" in bind else "TCP4"
        listen = f"{family}-LISTEN:{port},fork,reuseaddr,bind={bind.strip('[]')}"
        dest = f"TCP:[{target}]:{target_port}" if ":" in target else f"TCP:{target}:{target_port}"
        self.lab.spawn(self, ["socat", listen, dest], f"{self.ns}-publish-{port}")
        self.wait_port("127.0.0.1" if bind in ("0.0.0.0", "127.0.0.1") else bind, port)

    def firewall(self, port: int, action: str = "DROP") -> None:
        """iptables on this host's INPUT: DROP (silence, timeouts) or REJECT (refused)."""
        rule = ["-p", "tcp", "--dport", str(port), "-j", action]
        if action == "REJECT":
            rule += ["--reject-with", "tcp-reset"]
        sh("ip", "netns", "exec", self.ns, "iptables", "-A", "INPUT", *rule)
        sh("ip", "netns", "exec", self.ns, "ip6tables", "-A", "INPUT", *rule, check=False)

    def broker(self, listen: str, port: int, advertised: str, cluster_id: str = "lab-cluster",
               ready_on: str | None = None) -> TansuBroker:
        broker = TansuBroker(listen, port, advertised, cluster_id=cluster_id, prefix=self.prefix,
                             log_path=self.lab.workdir / f"{self.ns}-tansu-{port}.log")
        broker.start(check_ready=False)
        assert broker.process is not None
        self.lab.processes.append(broker.process)
        self.wait_port(ready_on or ("127.0.0.1" if listen in ("0.0.0.0", "127.0.0.1") else listen), port)
        return broker

    def check(self, *args: str, timeout: str = "1") -> Run:
        """`listencheck check --format json` run inside this host."""
        return run_cli(["check", "--format", "json", "--timeout", timeout, "--vantage", self.name, *args],
                       self.prefix)

    def text(self, *args: str, timeout: str = "1", columns: int | None = None) -> Run:
        """The text report (``columns``: as on a terminal that wide)."""
        width = ["env", f"COLUMNS={columns}"] if columns is not None else []
        return run_cli(["check", "--no-color", "--timeout", timeout, "--vantage", self.name, *args],
                       [*self.prefix, *width])


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=3)


def sweep_leftovers() -> None:
    """Remove namespaces of earlier lab runs whose process is gone."""
    listing = sh("ip", "netns", "list", check=False).stdout.split("\n")
    for line in listing:
        name = line.split(" ")[0]
        match = _NAME.match(name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            sh("ip", "netns", "del", name, check=False)
            shutil.rmtree(NETNS_ETC / name, ignore_errors=True)
