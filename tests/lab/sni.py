"""An SNI router in a lab host: HAProxy routing TLS by server name to TLS-terminated brokers.

What a Kubernetes ingress or OpenShift route in passthrough mode does for Strimzi:
every broker name resolves to the router's one address and port, and the router
reads the server name (SNI) in the ClientHello (HAProxy ``req.ssl_sni``, or nginx
stream ``ssl_preread``) to pick the broker. Behind it, each broker terminates TLS
itself (socat OPENSSL-LISTEN with the broker's own certificate) in front of a
scripted Kafka broker with its own id.

Misconfigurations are made with the same parts: a name routed to the wrong
broker, an unknown name sent to the router's default route (a TLS terminator
with a certificate of its own), or the router terminating TLS itself (passthrough
off) with ingress-nginx's fake certificate. Everything runs inside the lab host;
processes belong to the lab and are stopped by pid with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.lab import Host, Records
from tests.lab.netns import in_namespace
from tests.support.scripted_cluster import Cluster, scripted_cluster
from tests.support.tls import Ca, Issued

DOMAIN = "kafka.lab.test"
BOOTSTRAP = f"bootstrap.{DOMAIN}"
ROUTER_PORT = 9093
NGINX_STREAM = "/usr/lib/nginx/modules/ngx_stream_module.so"  # Debian's libnginx-mod-stream
# ingress-nginx's self-signed default: what a terminating ingress shows for every name.
FAKE_CN = "Kubernetes Ingress Controller Fake Certificate"
# What an operator puts on a HAProxy or nginx default route: nothing listencheck knows by name.
DEFAULT_CN = "router default"


def broker_name(node_id: int) -> str:
    return f"b{node_id}.{DOMAIN}"


@dataclass
class SniLab:
    """Brokers 1..n behind their own TLS fronts, and the pieces to route to them."""

    host: Host
    ca: Ca
    cluster: Cluster
    fake: Issued  # ingress-nginx's default certificate, shown when the router terminates TLS
    fronts: dict[int, int] = field(default_factory=dict)  # node id -> its TLS front's port
    default_front: int = 0  # the default route: a TLS terminator with a certificate of its own

    @property
    def bootstrap(self) -> str:
        return f"{BOOTSTRAP}:{ROUTER_PORT}"

    def passthrough(self, balanced: bool = False) -> dict[str, int | Sequence[int]]:
        """The right routes: each broker's name to its broker, the bootstrap name to broker 1
        (``balanced``: to every broker in turn, as Strimzi's bootstrap Service does)."""
        routes: dict[str, int | Sequence[int]] = {broker_name(n): port for n, port in self.fronts.items()}
        routes[BOOTSTRAP] = sorted(self.fronts.values()) if balanced else self.fronts[min(self.fronts)]
        return routes

    def route(self, routes: Mapping[str, int | Sequence[int]], default: int | None = None) -> None:
        """HAProxy on the router port, passing TLS through by SNI; unknown names to ``default``.

        A name routed to several ports is balanced over them round-robin (Strimzi's bootstrap
        route leads to the bootstrap Service, which spreads connections over every broker)."""
        lines = [_HEAD, f"frontend sni\n    bind 127.0.0.1:{ROUTER_PORT}",
                 "    tcp-request inspect-delay 5s",
                 "    tcp-request content accept if { req.ssl_hello_type 1 }"]
        backends = []
        for i, (name, ports) in enumerate(sorted(routes.items())):
            lines.append(f"    use_backend be{i} if {{ req.ssl_sni -i {name} }}")
            servers = [ports] if isinstance(ports, int) else list(ports)
            backends.append(f"backend be{i}\n    balance roundrobin\n" + "\n".join(
                f"    server s{i}x{j} 127.0.0.1:{port}" for j, port in enumerate(servers)))
        if default is not None:
            lines.append("    default_backend fallback")
            backends.append(f"backend fallback\n    server d 127.0.0.1:{default}")
        else:
            lines.append("    tcp-request content reject")
        self._haproxy("\n".join(lines + backends))

    def route_nginx(self, routes: Mapping[str, int | Sequence[int]], default: int) -> None:
        """The same passthrough with nginx stream: ssl_preread and a map of server names."""
        work = self.host.lab.workdir / f"{self.host.ns}-nginx"
        work.mkdir(exist_ok=True)
        entries = "\n".join(f"        {name} 127.0.0.1:{port if isinstance(port, int) else port[0]};"
                            for name, port in sorted(routes.items()))
        config = work / "nginx.conf"
        config.write_text(f"""load_module {NGINX_STREAM};
daemon off;
master_process off;
pid {work}/nginx.pid;
error_log {work}/error.log info;
events {{ worker_connections 256; }}
stream {{
    map $ssl_preread_server_name $broker {{
{entries}
        default 127.0.0.1:{default};
    }}
    server {{
        listen 127.0.0.1:{ROUTER_PORT};
        ssl_preread on;
        proxy_pass $broker;
    }}
}}
""")
        self.host.lab.spawn(self.host, ["nginx", "-p", str(work), "-c", str(config)], f"{self.host.ns}-nginx")
        self.host.wait_port("127.0.0.1", ROUTER_PORT, timeout=20)

    def terminate(self, backend_node: int = 1) -> None:
        """The router terminates TLS with its default certificate (no passthrough)."""
        fake = self.fake
        combined = self.host.lab.workdir / "router-default.pem"
        combined.write_bytes(fake.cert.read_bytes() + fake.key.read_bytes())
        broker = self.cluster.brokers[backend_node]
        self._haproxy("\n".join([
            _HEAD, f"frontend tls\n    bind 127.0.0.1:{ROUTER_PORT} ssl crt {combined}",
            "    default_backend plain", f"backend plain\n    server s 127.0.0.1:{broker.port}"]))

    def _haproxy(self, config: str) -> None:
        path = self.host.lab.workdir / f"{self.host.ns}-haproxy.cfg"
        path.write_text(config + "\n")
        self.host.lab.spawn(self.host, ["haproxy", "-db", "-f", str(path)], f"{self.host.ns}-haproxy")
        self.host.wait_port("127.0.0.1", ROUTER_PORT, timeout=20)


_HEAD = """global
    maxconn 256
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s"""


@contextlib.contextmanager
def sni_lab(host: Host, workdir: Path, ids: tuple[int, ...] = (1, 2, 3)) -> Iterator[SniLab]:
    """Scripted brokers advertising ``bN.kafka.lab.test:9093`` behind per-broker TLS fronts."""
    names = [BOOTSTRAP, *(broker_name(n) for n in ids)]
    host.use_dns(Records(a={name: ["127.0.0.1"] for name in names}))
    ca = Ca(workdir / "pki")
    with contextlib.ExitStack() as stack:
        cluster = in_namespace(host.ns, lambda: stack.enter_context(
            scripted_cluster(lambda n, _port: (broker_name(n), ROUTER_PORT), ids)))
        fake = Ca(workdir / "router-ca", name="Acme Co").issue(
            "router-default", dns=["ingress.local"], cn=FAKE_CN)
        lab = SniLab(host, ca, cluster, fake)
        for node_id, broker in cluster.brokers.items():
            # Strimzi's broker certificates name the broker and the bootstrap service.
            cert = ca.issue(f"broker-{node_id}", dns=[broker_name(node_id), BOOTSTRAP])
            lab.fronts[node_id] = _front(host, cert, 19000 + node_id, broker.port)
        default = Ca(workdir / "default-ca", name="router CA").issue(
            "router-fallback", dns=["router.lab.test"], cn=DEFAULT_CN)
        lab.default_front = _front(host, default, 19999, 19998)  # nothing behind it
        yield lab


def _front(host: Host, cert: Issued, port: int, backend: int) -> int:
    host.lab.spawn(host, ["socat", f"OPENSSL-LISTEN:{port},bind=127.0.0.1,cert={cert.cert},"
                                   f"key={cert.key},verify=0,fork,reuseaddr",
                          f"TCP:127.0.0.1:{backend}"], f"{host.ns}-tls-{port}")
    host.wait_port("127.0.0.1", port, timeout=20)
    return port
