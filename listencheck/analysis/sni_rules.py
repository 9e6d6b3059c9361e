"""SNI routing: a certificate that is not this broker's, because a router picked the wrong place.

Kubernetes ingress and OpenShift routes in passthrough mode (Strimzi's ingress and
route listeners), HAProxy (``req.ssl_sni``) and nginx stream (``ssl_preread``)
read the server name in the ClientHello and pass the connection to the broker
with that name. When they do not know the name they answer with their own
default certificate; when a rule is wrong, another broker answers. Both look
like a hostname mismatch, and the fix is the router's, not the certificate's.

Pure: the facts come from the TLS stage (the server name sent, the certificate,
and, only when the certificate misses the name, one handshake without a name)
and from the other endpoints of the same bootstrap (a different certificate for
another name at the same address and port means the answer depends on the name).
"""

from __future__ import annotations

from dataclasses import dataclass

from listencheck.address import ip_literal
from listencheck.analysis.context import BootstrapContext
from listencheck.brokerconfig.model import Platform
from listencheck.codes import FindingCode
from listencheck.models import (
    CertificateInfo,
    EndpointProbe,
    Finding,
    JsonValue,
    NameKind,
    Severity,
    Subject,
    TlsDetail,
)
from listencheck.tls.hostnames import match_name

# Default certificates of well-known routers: (text in the subject or issuer, the router).
KNOWN_DEFAULTS = (
    ("Kubernetes Ingress Controller Fake Certificate", "ingress-nginx's default (fake) certificate"),
    ("TRAEFIK DEFAULT CERT", "Traefik's default certificate"),
    ("CN=ingress-operator@", "the OpenShift router's default certificate"),
)


@dataclass(frozen=True)
class Place:
    """Who asked: the subject, how to name it, which endpoint, and the address it reached."""

    subject: Subject
    who: str
    probe: EndpointProbe
    address: str  # the resolved IP the TLS stage reached


def sni_finding(ctx: BootstrapContext, place: Place, d: TlsDetail, cert: CertificateInfo,
                evidence: dict[str, JsonValue]) -> Finding | None:
    """A router's default certificate, or another broker's: else None (an ordinary name problem)."""
    match = d.name_match
    if match is None or match.matched or match.kind is not NameKind.DNS:
        return None
    host = _norm(place.probe.endpoint.host)
    brokers = {_norm(b.advertised.host): b.advertised.node_id for b in ctx.bootstrap.brokers}
    others = sorted((node, name) for name, node in brokers.items()
                    if name != host and match_name(name, cert).matched)
    elsewhere, alike = _neighbours(ctx, place, cert)
    blind = d.without_server_name
    facts = evidence | {
        "server_name": d.server_name, "certificate_sha256": cert.sha256,
        "same_address_other_names": [{"host": n, "certificate_sha256": c.sha256,
                                      "certificate_subject": c.subject} for n, c in elsewhere],
        "without_server_name": None if blind is None else {
            "certificate_subject": blind.certificate.subject if blind.certificate else None,
            "certificate_sha256": blind.certificate.sha256 if blind.certificate else None,
            "depends_on_server_name": blind.depends_on_server_name, "error": blind.error},
    }
    severity = Severity.ERROR if (d.certificate_verification or d.hostname_checked) else Severity.WARNING
    if others and place.subject.broker_id is not None:  # refused, or misrouted: an error either way
        return _wrong_broker(ctx, place, d, others, Severity.ERROR, facts)
    bootstraps = {_norm(s.endpoint.host) for s in ctx.bootstrap.servers}
    if others or any(match_name(b, cert).matched for b in bootstraps):
        return None
    known = known_default(cert)
    depends = bool(elsewhere) or (blind is not None and blind.depends_on_server_name is True)
    if known is None and not depends:
        return None
    return _default(ctx, place, d, cert, known, (elsewhere, alike), severity,
                    facts | {"router_default": known, "same_address_same_certificate": alike})


def known_default(cert: CertificateInfo) -> str | None:
    text = f"{cert.subject} {cert.issuer}"
    return next((router for marker, router in KNOWN_DEFAULTS if marker in text), None)


def _norm(host: str) -> str:
    return host.rstrip(".").lower()


def _neighbours(ctx: BootstrapContext, place: Place,
               cert: CertificateInfo) -> tuple[list[tuple[str, CertificateInfo]], list[str]]:
    """Other names at the same address and port: those shown another certificate, those shown this one."""
    host = _norm(place.probe.endpoint.host)
    probes = [*ctx.bootstrap.servers, *(b.probe for b in ctx.bootstrap.brokers)]
    found: dict[str, CertificateInfo] = {}
    alike: set[str] = set()
    for probe in probes:
        name = _norm(probe.endpoint.host)
        chosen = probe.chosen
        if name == host or ip_literal(name) is not None or chosen is None or \
                probe.endpoint.port != place.probe.endpoint.port or chosen.address != place.address:
            continue
        other = chosen.tls.detail.certificate if chosen.tls.detail is not None else None
        if other is not None and other.sha256 != cert.sha256:
            found.setdefault(name, other)
        elif other is not None:
            alike.add(name)
    return sorted(found.items()), sorted(alike)


def _listed(cert: CertificateInfo) -> str:
    names = [f"DNS:{n}" for n in cert.dns_names] + [f"IP:{i}" for i in cert.ip_addresses]
    return ", ".join(names) or f"CN={cert.common_name}"


def _default(ctx: BootstrapContext, place: Place, d: TlsDetail, cert: CertificateInfo, known: str | None,
             neighbours: tuple[list[tuple[str, CertificateInfo]], list[str]], severity: Severity,
             evidence: dict[str, JsonValue]) -> Finding:
    elsewhere, alike = neighbours
    sni = d.server_name or place.probe.endpoint.host
    what = known or f"a certificate that is not the broker's (subject {cert.subject})"
    source = ctx.source.host if ctx.source is not None else None
    neither = f"neither {sni} nor the bootstrap host {source}" if source and _norm(source) != _norm(sni) \
        else f"not {sni}"
    why = [f"{place.who}: the TLS answer to the server name (SNI) {sni} is {what}, which names "
           f"{_listed(cert)}: {neither}, nor any advertised broker."]
    if elsewhere:
        name, other = elsewhere[0]
        why.append(f"The same address and port answer {name} with another certificate ({other.subject}), "
                   f"so a router in front picks the destination by server name, and it does not know "
                   f"{sni}.")
    elif d.without_server_name is not None and d.without_server_name.depends_on_server_name:
        why.append("Without a server name the same address shows another certificate, so a router in "
                   f"front picks the destination by server name, and it does not know {sni}.")
    elif alike:
        why.append(f"Every name at this address and port gets it ({', '.join(alike[:3])}"
                   f"{', ...' if len(alike) > 3 else ''}): the router in front terminates TLS itself "
                   f"instead of passing it through to the brokers.")
    else:
        why.append(f"A router (ingress, route, load balancer) answers instead of the broker: it does not "
                   f"know {sni}, or it terminates TLS itself instead of passing it through.")
    return ctx.finding(
        FindingCode.TLS_ROUTER_DEFAULT_CERTIFICATE, severity, place.subject, " ".join(why),
        _default_fix(sni, known, ctx.platform), evidence)


_INGRESS_NGINX = ("ingress-nginx: start the controller with --enable-ssl-passthrough and annotate the "
                  "Ingress for {sni} with nginx.ingress.kubernetes.io/ssl-passthrough: \"true\" (without "
                  "both it terminates TLS with its fake certificate).")
_OPENSHIFT = "OpenShift: a Route for {sni} with tls.termination: passthrough."
_TRAEFIK = "Traefik: an IngressRouteTCP matching HostSNI(`{sni}`) with tls.passthrough: true."
_STRIMZI = ("Strimzi: a listener of type ingress (configuration.bootstrap.host and one "
            "configuration.brokers[].host per broker, each a name that resolves to the ingress) or type "
            "route; the operator then creates the passthrough rules and advertises those names.")
_PROXIES = ("HAProxy: mode tcp, tcp-request inspect-delay and use_backend <broker> if "
            "{{ req.ssl_sni -i {sni} }}; nginx stream: ssl_preread on with a map from "
            "$ssl_preread_server_name {sni} to the broker.")
_BY_ROUTER = {
    "ingress-nginx's default (fake) certificate": (_INGRESS_NGINX, _STRIMZI),
    "the OpenShift router's default certificate": (_OPENSHIFT, _STRIMZI),
    "Traefik's default certificate": (_TRAEFIK,),
}
_MANAGED = ("If the router is not yours (a managed service), connect with the names it gives: the "
            "bootstrap host exactly as given, and DNS that resolves every broker name to the endpoint "
            "(a private DNS zone for a private endpoint); an IP or an alias of your own sends a name "
            "the router does not know.")
_NO_BYPASS = ("Do not switch certificate or hostname verification off to get past this: the client would "
              "talk to the router's default backend, not to the broker, and some clients stop sending the "
              "server name once hostname verification is off, so no router can route them (librdkafka 2.x "
              "keeps sending it).")


def default_fix_steps(known: str | None, platform: Platform | None) -> tuple[str, ...]:
    """The router steps for this platform (--platform, or the known configurations'), narrowed
    to the recognised router: Strimzi's listener types on Kubernetes/OpenShift, a managed
    service's names only, a self-run broker's router without Strimzi; unknown: every common one."""
    if platform is Platform.MANAGED:
        return (_MANAGED,)
    routers = {_INGRESS_NGINX: "ingress-nginx's default (fake) certificate",
               _OPENSHIFT: "the OpenShift router's default certificate"}
    if platform is Platform.STRIMZI:  # the operator writes the routes: its listener first
        kubernetes = tuple(step for step, name in routers.items() if known in (None, name))
        return (_STRIMZI, *(kubernetes or (_INGRESS_NGINX, _OPENSHIFT)))
    if platform is not None:  # a broker of one's own: its router, not Strimzi's listener, not a service
        steps = _BY_ROUTER.get(known or "", (_INGRESS_NGINX, _OPENSHIFT, _PROXIES))
        return tuple(step for step in steps if step is not _STRIMZI)
    return (*_BY_ROUTER.get(known or "", (_INGRESS_NGINX, _OPENSHIFT, _STRIMZI, _PROXIES)), _MANAGED)


def _default_fix(sni: str, known: str | None, platform: Platform | None) -> str:
    """The router's own steps when it is recognised, for the platform when it is known."""
    managed = platform is Platform.MANAGED
    first = (f"The service's router does not know {sni}: the name must be one the service gave."
             if managed else
             f"Make the router pass TLS for {sni} through to the broker that advertises it, and advertise "
             f"only names the router knows.")
    return " ".join([first, *(step.format(sni=sni) for step in default_fix_steps(known, platform)),
                     _NO_BYPASS])


def _wrong_broker(ctx: BootstrapContext, place: Place, d: TlsDetail, others: list[tuple[int, str]],
                  severity: Severity, evidence: dict[str, JsonValue]) -> Finding:
    sni = d.server_name or place.probe.endpoint.host
    node, name = others[0]
    me = place.subject.broker_id
    blind = d.without_server_name
    routed = (" The listener answers by server name (without one it shows another certificate)."
              if blind is not None and blind.depends_on_server_name else "")
    return ctx.finding(
        FindingCode.TLS_SNI_WRONG_BROKER, severity, place.subject,
        f"{place.who}: the TLS answer to the server name (SNI) {sni} is broker {node}'s certificate "
        f"(it names {name}, not {sni}): the router in front sends {sni} to broker {node}. Clients "
        f"that verify the host name refuse it; clients that do not would send broker {me}'s requests "
        f"to broker {node} (NOT_LEADER_OR_FOLLOWER, endless metadata refreshes).{routed}",
        _wrong_broker_fix(sni, me, node, ctx.platform),
        evidence | {"other_broker_id": node, "other_broker_host": name})


def _wrong_broker_fix(sni: str, me: int | None, node: int, platform: Platform | None) -> str:
    """Where the rule for ``sni`` lives on this platform (unknown: every common router's)."""
    keystore = (f" If the routing is right, broker {me} serves broker {node}'s keystore: give it its own "
                f"certificate (DNS:{sni}).")
    if platform is Platform.MANAGED:
        return (f"The service routes {sni} to broker {node}: connect with the names the service gives "
                f"(no alias or IP of your own, DNS resolving every broker name to the endpoint), and if "
                f"they are the service's own, report it to the provider.")
    if platform is Platform.STRIMZI:
        return (f"Route {sni} to broker {me}: Strimzi writes the Ingress or Route of each broker from "
                f"configuration.brokers[].host; check the entry for broker: {me} names {sni} and that "
                f"no other Ingress or Route claims that host (kubectl get ingress,route -A)." + keystore)
    where = [f"the Ingress or Route host for broker {me}"]
    if platform is None:
        where.append(f"Strimzi's configuration.brokers[].host for broker: {me}")
    where += [f"HAProxy's use_backend on req.ssl_sni -i {sni}",
              "nginx's map entry for $ssl_preread_server_name"]
    return (f"Route {sni} to broker {me}: correct the router's rule for that name ({', '.join(where)})."
            + keystore)
