"""The finding catalogue: every code listencheck can report. A public contract.

Codes are never renamed or reused; a retired code stays here, marked retired.
docs/findings.md is generated from this table (``python -m listencheck.docs``)
and a test fails when the two drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from listencheck.codes import FindingCode
from listencheck.models import Severity
from listencheck.stages import Stage

ERR, WARN, NOTE = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class FindingSpec:
    """A finding code's public definition: its stage, title, severities, meaning, evidence, fix."""

    code: FindingCode
    stage: Stage  # where its findings belong, unless the rule knows better (the stage that failed)
    title: str
    severities: tuple[Severity, ...]  # the severities it can take; the evidence picks one
    meaning: str
    evidence: str
    fix: str
    references: tuple[str, ...] = ()
    # What kind of address the subject advertises: at an error it explains the subject's failing
    # stage, and the two are one problem (listencheck/analysis/problems.py).
    classifies: bool = False
    # Findings of these codes at the brokers this finding's evidence names (``broker_ids``) are
    # consequences of it: they join its problem instead of standing alone.
    gathers: tuple[FindingCode, ...] = ()
    # An evidence key naming one cause shared by several subjects (a router's certificate): the
    # findings of this code with the same value there are one problem (analysis/problems.py).
    same_cause: str | None = None


# What the balancer stage cannot see (the meaning of each of its codes says so).
_BALANCER_LIMITS = (
    " Limits: the check samples four connections to the bootstrap address (the first and three "
    "more, opened at once) and needs a broker that names itself: one that answers DescribeConfigs "
    "for its own broker id (Apache Kafka and Confluent do; a broker or proxy that does not, such "
    "as Tansu, leaves the stage skipped, with the reason in the JSON report, and no load-balancer "
    "finding is made). It also needs metadata listing two brokers or more, read over a verified "
    "connection. A sticky load balancer (source-IP affinity, session persistence) sends every "
    "connection from this client to the same broker, so sampling cannot tell it from a single "
    "broker; nor can four samples that happen to reach one broker. Not seeing a load balancer "
    "does not rule one out."
)

_LISTENERS_DOC = "https://www.confluent.io/blog/kafka-listeners-explained/"
_KAFKA_OPS_DOC = "https://kafka.apache.org/documentation/#basic_ops"
_REASSIGN_DOC = "https://kafka.apache.org/documentation/#basic_ops_increase_replication_factor"
_MIN_ISR_DOC = "https://kafka.apache.org/documentation/#topicconfigs_min.insync.replicas"
_PARTITIONS_DOC = "https://www.confluent.io/blog/how-choose-number-topics-partitions-kafka-cluster/"
_PARTITIONS_200K_DOC = "https://www.confluent.io/blog/apache-kafka-supports-200k-partitions-per-cluster/"
_SECURITY_DOC = "https://kafka.apache.org/documentation/#security"
_KAFKA_SRC = "https://github.com/apache/kafka/blob/trunk/server/src/main/java/org/apache/kafka/server/"
_KAFKA_CONFIG = _KAFKA_SRC + "config/KafkaConfigValidator.java"  # validateListenerNames, validateKraft*Config
# effectiveListenerSecurityProtocolMap, interBrokerListenerNameAndSecurityProtocol
_KAFKA_ABSTRACT_CONFIG = _KAFKA_SRC + "config/AbstractKafkaConfig.java"
_KAFKA_ENDPOINTS = _KAFKA_SRC + "utils/EndpointUtils.java"  # listenerListToEndpoints: names, ports, protocols
_KAFKA_LISTENERS_DOC = "https://kafka.apache.org/documentation/#brokerconfigs_advertised.listeners"
_CLIENT_UTILS = ("https://github.com/apache/kafka/blob/trunk/clients/src/main/java/org/apache/kafka/"
                 "clients/ClientUtils.java")
_KIP235 = "https://cwiki.apache.org/confluence/display/KAFKA/KIP-235%3A+Add+DNS+alias+support+for+secured+connection"
_LIBRDKAFKA_CONF = "https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md"
# kafka_create_alias_environment_variables, kafka_server_unify_conf, kafka_validate
_BITNAMI_LIBKAFKA = ("https://github.com/bitnami/containers/blob/main/bitnami/kafka/4.0/debian-12/rootfs/opt/"
                     "bitnami/scripts/libkafka.sh")
_BITNAMI_LIBKAFKA_41 = ("https://github.com/bitnami/containers/blob/main/bitnami/kafka/4.1/debian-12/rootfs/opt/"
                        "bitnami/scripts/libkafka.sh")
_KIP103 = "https://cwiki.apache.org/confluence/display/KAFKA/KIP-103%3A+Separation+of+Internal+and+External+traffic"
_PROTOCOL_ERRORS = "https://kafka.apache.org/protocol#protocol_error_codes"
_CFK_LOAD_BALANCERS = "https://docs.confluent.io/operator/current/co-loadbalancers.html"
_STRIMZI_LOAD_BALANCERS = "https://strimzi.io/docs/operators/latest/deploying#proc-accessing-kafka-using-loadbalancers-str"

_SPECS = (
    # --- bootstrap ---------------------------------------------------------
    FindingSpec(
        FindingCode.BOOTSTRAP_UNRESOLVABLE, Stage.RESOLVE, "Bootstrap host does not resolve", (ERR, WARN),
        "A bootstrap server's host name gives no address from here. Error when no server of the "
        "list answered; warning when another server of the same list did.",
        "host, getaddrinfo reason and message, DNS status (NXDOMAIN, NODATA, SERVFAIL, TIMEOUT), "
        "nameservers, /etc/hosts entries.",
        "Use a name this client can resolve (or an IP address), or add it to DNS or /etc/hosts.",
    ),
    FindingSpec(
        FindingCode.BOOTSTRAP_UNREACHABLE, Stage.TCP,
        "Bootstrap address does not accept connections", (ERR, WARN),
        "The bootstrap host resolves but no TCP connection could be made to any of its addresses.",
        "each resolved address with refused / timeout / unreachable and the elapsed time.",
        "Check the port, that the broker is running, port publishing (docker -p HOST:CONTAINER, "
        "kubectl port-forward) and firewalls between this client and the broker.",
    ),
    FindingSpec(
        FindingCode.BOOTSTRAP_NOT_KAFKA, Stage.KAFKA,
        "Bootstrap address is not a Kafka listener", (ERR, WARN),
        "Something accepts connections on the bootstrap address but does not answer a Kafka "
        "ApiVersions request: another service, a TLS listener spoken to in plaintext, or silence.",
        "what answered (http, tls, ssh, silent, closed, malformed) and the first bytes received.",
        "Point the client at the broker's listener port; if the listener uses TLS, set "
        "security.protocol=SSL (or SASL_SSL).",
    ),
    FindingSpec(
        FindingCode.BOOTSTRAP_METADATA_FAILED, Stage.METADATA,
        "Bootstrap broker did not return metadata", (ERR, WARN),
        "The bootstrap server speaks Kafka but its Metadata request failed, so the client never "
        "learns the advertised brokers.",
        "the failing stage, Kafka error name, timings.",
        "Look at the broker's logs; check authentication settings for SASL listeners.",
    ),
    FindingSpec(
        FindingCode.BOOTSTRAP_NO_BROKERS, Stage.METADATA, "Metadata lists no brokers", (ERR,),
        "The bootstrap answered Metadata with an empty broker list: a client has nowhere to go.",
        "cluster id, controller id, metadata version.",
        "The broker is still starting or misconfigured: check its logs and advertised.listeners.",
    ),
    FindingSpec(
        FindingCode.BOOTSTRAP_CLUSTER_MISMATCH, Stage.CLUSTER,
        "Bootstrap servers belong to different clusters", (ERR, WARN),
        "Servers of one bootstrap list (error) or of listeners checked together (warning) report "
        "different cluster ids: the client may join whichever answers first.",
        "each bootstrap server and the cluster id it reported.",
        "List only servers of one cluster in bootstrap.servers.",
    ),
    FindingSpec(
        FindingCode.BOOTSTRAP_REDIRECT, Stage.METADATA, "Client is redirected to other addresses", (NOTE,),
        "The client was given one address but the cluster tells it to continue with the "
        "advertised addresses. Everything after the first request goes there.",
        "the bootstrap address used and the advertised addresses.",
        "Nothing to fix by itself; the advertised addresses must work from this client (see the "
        "other findings).",
        (_LISTENERS_DOC,),
    ),
    # --- advertised addresses ---------------------------------------------
    FindingSpec(
        FindingCode.ADVERTISED_INVALID_ADDRESS, Stage.ADDRESS, "Advertised address is not usable", (ERR,),
        "A broker advertises a host or port no client can use (empty host, port outside 1-65535, "
        "host:port inside the host field, invalid characters).",
        "the raw host and port from the metadata, and what is wrong with them.",
        "Fix advertised.listeners on that broker: LISTENER_NAME://HOST:PORT with a real host and "
        "port.",
    ),
    FindingSpec(
        FindingCode.ADVERTISED_UNRESOLVABLE, Stage.RESOLVE,
        "Advertised host does not resolve from here", (ERR,),
        "The client bootstraps fine but cannot resolve the host name a broker advertises, so "
        "every request after the first fails.",
        "host, getaddrinfo reason, DNS status and nameservers, /etc/hosts entries, the address "
        "classification.",
        "Advertise a name this client can resolve, on a listener for this client's network "
        "(listener per audience); or make the name resolvable here.",
        (_LISTENERS_DOC, _KIP103),
    ),
    FindingSpec(
        FindingCode.ADVERTISED_UNREACHABLE, Stage.TCP,
        "Advertised address does not accept connections", (ERR,),
        "The advertised host resolves but no TCP connection can be made: nothing listens there "
        "as seen from here (refused), packets are dropped (timeout) or there is no route.",
        "each resolved address with refused / timeout / unreachable and the elapsed time.",
        "Advertise the host and port this client can reach: the published (host-side) port, the "
        "node port, the current tunnel address.",
        (_LISTENERS_DOC,),
    ),
    FindingSpec(
        FindingCode.ADVERTISED_PARTIALLY_REACHABLE, Stage.TCP,
        "Some addresses of an advertised host fail", (WARN,),
        "The advertised name resolves to several addresses (often IPv4 and IPv6) and only some "
        "accept connections: clients stall or fail intermittently on the others.",
        "each address with its family and result; when the client library did not get through to "
        "the broker within the run either (it may spend its tries on the failing addresses), its "
        "error and log lines (client_library), in place of a CLIENT_BROKER_UNREACHABLE error.",
        "Make the broker listen on every address family the name resolves to, remove the stale "
        "record, or set broker.address.family=v4 (or v6) in the client.",
    ),
    FindingSpec(
        FindingCode.ADVERTISED_NOT_KAFKA, Stage.KAFKA, "Advertised address is not a Kafka listener", (ERR,),
        "A connection to the advertised address succeeds but what answers is not Kafka: another "
        "service on that port, a TLS listener, or silence.",
        "what answered (http, tls, ssh, silent, closed, malformed) and the first bytes.",
        "Advertise the port of the broker's listener, not of another service.",
    ),
    FindingSpec(
        FindingCode.ADVERTISED_METADATA_FAILED, Stage.METADATA,
        "Advertised broker did not return metadata", (ERR,),
        "The advertised broker speaks Kafka but its Metadata request failed.",
        "the failing stage and Kafka error name.",
        "Look at that broker's logs and its listener's security settings.",
    ),
    FindingSpec(
        FindingCode.ADVERTISED_WRONG_BROKER, Stage.IDENTITY,
        "Advertised address reaches another broker or cluster", (ERR,),
        "The address a broker advertises leads to a different broker or a different cluster "
        "(a crossed port forward, two brokers advertising one address, a stale DNS record).",
        "expected and seen cluster id, expected and seen broker id (and whether the broker "
        "confirmed its id), where the reached broker says the expected one is.",
        "Give each broker its own advertised host:port and make it lead to that broker.",
    ),
    FindingSpec(
        FindingCode.ADVERTISED_LISTENER_MISMATCH, Stage.IDENTITY,
        "Advertised address reaches another listener", (WARN,),
        "The address leads to the right broker but to a listener that advertises the broker "
        "elsewhere: after its next metadata refresh the client moves to that other address.",
        "the advertised address and the address the reached listener advertises instead.",
        "Map the published port to the listener that advertises it (e.g. docker -p 29092:29092 "
        "for the EXTERNAL listener, not 29092:9092).",
        (_LISTENERS_DOC,),
    ),
    FindingSpec(
        FindingCode.ADVERTISED_DUPLICATE, Stage.ADDRESS, "Several brokers advertise one address", (ERR,),
        "Two or more broker ids advertise the same host:port, so clients cannot reach all of "
        "them (copied configuration, or every broker advertising the load balancer).",
        "the address and the broker ids advertising it.",
        "Give each broker a unique advertised.listeners host:port.",
    ),
    # --- a load balancer in front of the brokers ---------------------------
    FindingSpec(
        FindingCode.BOOTSTRAP_LOAD_BALANCED, Stage.BALANCER, "Bootstrap address is a load balancer", (NOTE,),
        "Successive connections to the bootstrap address reached different brokers (each names itself "
        "when asked DescribeConfigs for its own id): a load balancer, or round-robin DNAT, spreads "
        "them over the brokers. That is fine for bootstrapping, as long as every broker advertises an "
        "address of its own that leads to it, as here." + _BALANCER_LIMITS,
        "the bootstrap address and IP, which broker answered each connection, the brokers reached, "
        "and how many advertised addresses work from here.",
        "Nothing to fix. Keep the load balancer for the bootstrap only: clients must go on to each "
        "broker's own advertised address.",
        (_CFK_LOAD_BALANCERS, _STRIMZI_LOAD_BALANCERS),
        gathers=(FindingCode.BOOTSTRAP_REDIRECT,),
    ),
    FindingSpec(
        FindingCode.ADVERTISED_LOAD_BALANCER, Stage.BALANCER,
        "Brokers advertise the load balancer's address", (ERR,),
        "The bootstrap address is a load balancer (successive connections reached different brokers) "
        "and brokers advertise that same address (host:port, or a name resolving to the same IP and "
        "port). A client sends each partition's requests to the broker that leads it, but the load "
        "balancer hands every new connection to any broker: produce and fetch requests land on the "
        "wrong broker and fail with NOT_LEADER_OR_FOLLOWER, the client refreshes its metadata, "
        "reconnects and lands at random again, endlessly; group coordination fails the same way. "
        "Groups the ADVERTISED_DUPLICATE and ADVERTISED_WRONG_BROKER findings it explains."
        + _BALANCER_LIMITS + (
        " A sticky one advertised by the brokers still fails: each client is pinned to one broker, "
        "and every partition another broker leads fails; ADVERTISED_DUPLICATE (and "
        "ADVERTISED_WRONG_BROKER for the brokers it is not pinned to) still report it, without "
        "naming the load balancer."),
        "the load balancer's address and IP, which broker answered each sampled connection, the "
        "brokers advertising it and the address each advertises.",
        "Give each broker an advertised address of its own that leads to it (its own host name, or "
        "a port per broker on the load balancer, each port forwarded to one broker only); keep the "
        "load-balanced address for bootstrap.servers only.",
        (_CFK_LOAD_BALANCERS, _PROTOCOL_ERRORS, _KAFKA_LISTENERS_DOC),
        gathers=(FindingCode.ADVERTISED_DUPLICATE, FindingCode.ADVERTISED_WRONG_BROKER,
                 FindingCode.BOOTSTRAP_REDIRECT),
    ),
    FindingSpec(
        FindingCode.LOAD_BALANCER_PORTS_CROSSED, Stage.BALANCER,
        "Load balancer's per-broker ports lead to the wrong brokers", (ERR,),
        "Brokers advertise one port each on the load-balanced bootstrap host (a port per broker), but "
        "a port leads to another broker than the one advertising it: the load balancer's port-to-broker "
        "mapping is crossed. A client then sends a partition's requests to the wrong broker "
        "(NOT_LEADER_OR_FOLLOWER, endless metadata refreshes). Groups the per-broker "
        "ADVERTISED_WRONG_BROKER findings it explains." + _BALANCER_LIMITS,
        "per crossed port: the broker advertising it and the broker it reaches (confirmed by the "
        "broker); the load balancer's bootstrap address.",
        "Point each per-broker port of the load balancer at the broker that advertises it (or change "
        "the advertised ports to match the load balancer's mapping).",
        (_CFK_LOAD_BALANCERS, _PROTOCOL_ERRORS),
        gathers=(FindingCode.ADVERTISED_WRONG_BROKER, FindingCode.BOOTSTRAP_REDIRECT),
    ),
    # --- security: TLS and SASL, per advertised broker ---------------------
    FindingSpec(
        FindingCode.PROTOCOL_MISMATCH, Stage.KAFKA,
        "Client and listener speak different security protocols", (ERR,),
        "The client's security.protocol is not what the listener speaks: plaintext to a TLS "
        "listener (the broker closes the connection or sends a TLS alert), TLS to a plaintext "
        "listener (the handshake hangs or fails with 'wrong version number'), plaintext to a SASL "
        "listener (ApiVersions works, the first real request is dropped), SASL to a plaintext "
        "listener (SaslHandshake refused). Confirmed by a probe that ignores the client's settings.",
        "configured and expected security.protocol, the failing stage and what it received, how "
        "the listener was identified (TLS handshake, plaintext ApiVersions, Metadata without "
        "authentication, SASL mechanisms offered).",
        "Set security.protocol to the listener's protocol in the client (with the TLS and SASL "
        "settings it needs), or change the listener's entry in listener.security.protocol.map "
        "on the broker.",
        (_SECURITY_DOC,),
    ),
    FindingSpec(
        FindingCode.TLS_HANDSHAKE_FAILED, Stage.TLS, "TLS handshake with the broker failed", (ERR,),
        "The TCP connection works but the TLS handshake does not complete: the broker sends an "
        "alert (no common protocol version or cipher, client certificate refused), closes the "
        "connection or never answers.",
        "the TLS alert or error, the stage timing, whether a client certificate was configured.",
        "Match the client's TLS settings to the broker's ssl.enabled.protocols / ssl.cipher.suites; "
        "for a refused client certificate, sign it with a CA in the broker's ssl.truststore.",
        (_SECURITY_DOC,),
    ),
    FindingSpec(
        FindingCode.TLS_UNTRUSTED_CERTIFICATE, Stage.TLS,
        "Broker certificate is not trusted by the client", (ERR, WARN),
        "The broker's certificate chain does not verify against the client's trust store "
        "(ssl.ca.location, ssl.ca.pem or the system store): self-signed, signed by another CA, or "
        "an intermediate certificate missing. A warning when the client has "
        "enable.ssl.certificate.verification=false (it connects, without any protection).",
        "OpenSSL's verification error and code, the certificate's subject, issuer and fingerprint, "
        "the trust store used.",
        "Point ssl.ca.location at the CA certificate that issued the broker's certificate (PEM), "
        "or make the broker send its full chain (ssl.keystore with the intermediates).",
        (_SECURITY_DOC,),
    ),
    FindingSpec(
        FindingCode.TLS_HOSTNAME_MISMATCH, Stage.TLS,
        "Broker certificate does not name the advertised host", (ERR, WARN),
        "With hostname verification on (ssl.endpoint.identification.algorithm=https, the default) "
        "the client checks the advertised host, not the bootstrap host, against the certificate's "
        "DNS names. The common trap: the bootstrap name is in the certificate, the advertised name "
        "is not. Also a wildcard that does not cover the advertised depth (*.example.com does not "
        "cover b1.kafka.example.com). A warning when hostname verification is off.",
        "the advertised host, the certificate's DNS and IP names and common name, whether the "
        "bootstrap host matches, the wildcard involved.",
        "Add the advertised host to the broker certificate's subjectAltName (or advertise a name "
        "the certificate has). Setting ssl.endpoint.identification.algorithm=none in the client "
        "makes it connect, but then any holder of a certificate from that CA can impersonate the "
        "broker.",
        (_SECURITY_DOC,),
    ),
    FindingSpec(
        FindingCode.TLS_IP_ADVERTISED, Stage.TLS,
        "Broker advertised by IP address on a TLS listener", (ERR, WARN, NOTE),
        "The broker advertises an IP address, so clients verify that IP against the certificate's "
        "iPAddress names (DNS names and the CN do not count). librdkafka passes the host to "
        "OpenSSL's SSL_set1_host(), which matches iPAddress names only since OpenSSL 3.0; builds "
        "on OpenSSL 1.1 compare the IP as a DNS name and reject certificates that list it as an "
        "iPAddress (librdkafka issue #3801). Error when the certificate does not list the IP, "
        "note when it does.",
        "the advertised IP, the certificate's IP and DNS names.",
        "Advertise a DNS name the certificate lists (advertised.listeners=SSL://broker.example.com:PORT), "
        "or add the IP to the certificate as an iPAddress subjectAltName.",
        ("https://github.com/confluentinc/librdkafka/issues/3801",),
    ),
    FindingSpec(
        FindingCode.TLS_TRAILING_DOT, Stage.TLS, "Advertised host name ends with a dot", (WARN,),
        "A fully qualified name with a trailing dot (kafka.example.com.) is sent to TLS clients. "
        "librdkafka 2.13 and later strip the dot before checking the certificate; older librdkafka "
        "(issue #4348) and clients that check the name as written (Python's ssl module, for one) "
        "fail with a hostname mismatch.",
        "the advertised name and the certificate entry it matches without the dot.",
        "Advertise the name without the trailing dot.",
        ("https://github.com/confluentinc/librdkafka/issues/4348",),
    ),
    FindingSpec(
        FindingCode.TLS_CERT_EXPIRED, Stage.TLS, "Broker certificate expired or not yet valid", (ERR, WARN),
        "The certificate's validity period does not include the time of the check. A warning when "
        "the client does not verify certificates.",
        "not_before, not_after, the time of the check, days since expiry.",
        "Renew the broker's certificate (and check the clock of broker and client).",
    ),
    FindingSpec(
        FindingCode.TLS_CERT_EXPIRING, Stage.TLS, "Broker certificate expires soon", (WARN,),
        "The certificate is valid but expires within 30 days; clients will fail from that day.",
        "not_after and the days left.",
        "Renew the broker's certificate before it expires.",
    ),
    FindingSpec(
        FindingCode.TLS_CLIENT_CERT_REQUIRED, Stage.TLS,
        "Broker requires a client certificate (mTLS)", (ERR,),
        "The listener requires TLS client authentication (ssl.client.auth=required) and the client "
        "has no certificate configured: the broker ends the session with a 'certificate required' "
        "alert (right after the handshake in TLS 1.3).",
        "the TLS alert, the TLS version.",
        "Configure ssl.certificate.location and ssl.key.location (and ssl.key.password) with a "
        "certificate signed by a CA in the broker's ssl.truststore.",
        (_SECURITY_DOC,),
    ),
    FindingSpec(
        FindingCode.TLS_ROUTER_DEFAULT_CERTIFICATE, Stage.TLS,
        "A router's default certificate instead of the broker's (SNI routing)", (ERR, WARN),
        "The certificate shown for the server name (SNI) the client sends names neither that host, "
        "nor the bootstrap host, nor any advertised broker: a router in front (Kubernetes ingress, "
        "OpenShift route, HAProxy, nginx stream, a cloud load balancer) answers instead of the broker, "
        "because it does not know the name or terminates TLS itself instead of passing it through. "
        "Recognised by a well-known default certificate (ingress-nginx's 'Kubernetes Ingress "
        "Controller Fake Certificate', Traefik's, the OpenShift router's) or by an answer that depends "
        "on the server name: another name at the same address and port, or a handshake without any "
        "server name, gets a different certificate. Reported instead of the hostname, trust and date "
        "checks of that certificate, which are the router's. A warning when the client verifies "
        "neither the certificate nor the host name.",
        "the server name sent, the certificate's names, subject, issuer and fingerprint, the router "
        "it belongs to when known, the other names at the same address that got another certificate, "
        "and what a handshake without a server name showed.",
        "Pass TLS through to the broker for every advertised name: ingress-nginx needs "
        "--enable-ssl-passthrough on the controller and nginx.ingress.kubernetes.io/ssl-passthrough: "
        "\"true\" on the Ingress; an OpenShift Route needs tls.termination: passthrough; Strimzi's ingress "
        "or route listener gives the bootstrap and every broker its own host name; HAProxy routes with "
        "req.ssl_sni (mode tcp, tcp-request inspect-delay), nginx stream with ssl_preread. Do not turn "
        "verification off: the client would talk to the router's default backend, and some clients "
        "stop sending the server name once hostname verification is off.",
        ("https://www.rfc-editor.org/rfc/rfc6066#section-3",
         "https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#ssl-passthrough",
         "https://kubernetes.github.io/ingress-nginx/user-guide/tls/#default-ssl-certificate",
         "https://strimzi.io/blog/2019/05/23/accessing-kafka-part-5/",
         "https://strimzi.io/blog/2019/04/30/accessing-kafka-part-3/",
         "https://docs.haproxy.org/2.6/configuration.html#7.3.5-req.ssl_sni",
         "https://nginx.org/en/docs/stream/ngx_stream_ssl_preread_module.html"),
        same_cause="certificate_sha256",
    ),
    FindingSpec(
        FindingCode.TLS_SNI_WRONG_BROKER, Stage.TLS,
        "Server name routed to another broker", (ERR,),
        "The certificate shown for a broker's advertised name (sent as SNI) is another advertised "
        "broker's: it names that broker's host and not this one. A router in front (ingress, route, "
        "HAProxy req.ssl_sni, nginx ssl_preread) sends this name to the wrong broker, or the broker "
        "serves another broker's keystore. Clients that verify the host name are refused; clients "
        "that do not send this broker's requests to the other one (NOT_LEADER_OR_FOLLOWER, endless "
        "metadata refreshes): an error either way. Gathers the ADVERTISED_WRONG_BROKER finding of the "
        "same broker (what a client that does not verify the name meets).",
        "the server name sent, the certificate's names, the broker id and host it names, whether "
        "the listener answers by server name (a handshake without one).",
        "Correct the router's rule for that name so each advertised name reaches its own broker "
        "(Ingress or Route host per broker, Strimzi's configuration.brokers[].host, HAProxy "
        "use_backend on req.ssl_sni, nginx's map on $ssl_preread_server_name); if the routing is "
        "right, give the broker its own certificate.",
        ("https://www.rfc-editor.org/rfc/rfc6066#section-3",
         "https://strimzi.io/blog/2019/05/23/accessing-kafka-part-5/",
         "https://docs.haproxy.org/2.6/configuration.html#7.3.5-req.ssl_sni",
         "https://nginx.org/en/docs/stream/ngx_stream_ssl_preread_module.html"),
        gathers=(FindingCode.ADVERTISED_WRONG_BROKER,),
    ),
    FindingSpec(
        FindingCode.SASL_MECHANISM_UNSUPPORTED, Stage.SASL,
        "Broker does not enable the client's SASL mechanism", (ERR,),
        "SaslHandshake for the configured sasl.mechanism was refused. Apache Kafka answers "
        "UNSUPPORTED_SASL_MECHANISM with its enabled mechanisms; some brokers close the connection "
        "instead, and the mechanisms are then found by asking for each one.",
        "the configured mechanism, the enabled mechanisms and how they were learnt.",
        "Set sasl.mechanism to one the broker enables (with credentials for it), or enable the "
        "mechanism on the broker (sasl.enabled.mechanisms and its JAAS configuration).",
        (_SECURITY_DOC,),
    ),
    FindingSpec(
        FindingCode.SASL_AUTH_FAILED, Stage.SASL, "SASL authentication failed", (ERR,),
        "The broker enables the mechanism but rejects the credentials. Where the broker says so "
        "(a SCRAM server error such as unknown-user or invalid-proof, or its error message), an "
        "unknown user is told apart from a wrong password; Apache Kafka deliberately does not say. "
        "A SCRAM server signature that does not verify means the server does not hold the user's "
        "credentials.",
        "mechanism, user name (never the password), the broker's error message or SCRAM error, "
        "SCRAM iteration count.",
        "Check sasl.username and sasl.password; create the user on the broker if it is unknown "
        "(kafka-configs --alter --entity-type users --add-config 'SCRAM-SHA-512=[password=...]').",
        (_SECURITY_DOC,),
    ),
    FindingSpec(
        FindingCode.SASL_NOT_CHECKED, Stage.SASL, "SASL authentication not checked by listencheck", (NOTE,),
        "The broker enables the configured mechanism (GSSAPI or OAUTHBEARER), which listencheck "
        "does not authenticate with itself; without authentication it cannot read metadata through "
        "this listener. The client library stage still authenticates with your settings.",
        "the mechanism and the enabled mechanisms.",
        "Nothing to fix; read the client library result for this listener.",
    ),
    FindingSpec(
        FindingCode.ADVERTISED_LOOPBACK, Stage.ADDRESS, "Broker advertises a loopback address", (ERR, NOTE),
        "localhost / 127.0.0.1 / ::1 is advertised. Clients connect to themselves: refused, or a "
        "different local service. Informational when this client runs on the broker's host.",
        "the advertised address, how the bootstrap was reached, what the loopback address "
        "reached from here.",
        "Advertise the host name or IP other clients use; keep localhost only on a listener for "
        "clients on the broker's own host.",
        (_LISTENERS_DOC,),
        classifies=True,
    ),
    FindingSpec(
        FindingCode.ADVERTISED_WILDCARD, Stage.ADDRESS, "Broker advertises a wildcard address", (ERR, WARN),
        "0.0.0.0 or :: is a bind address, not an address to connect to. It only works by accident "
        "from the broker's own host (warning), and fails from everywhere else (error).",
        "the advertised address and the result of connecting to it from here.",
        "Keep 0.0.0.0 in listeners= and put a reachable host in advertised.listeners=.",
        classifies=True,
    ),
    FindingSpec(
        FindingCode.ADVERTISED_INTERNAL_NAME, Stage.ADDRESS,
        "Broker advertises a network-internal name", (ERR, NOTE),
        "A single-label name (kafka, broker-1), a Kubernetes service name or a private DNS zone. "
        "It resolves only inside its own network: error when it fails from here, informational "
        "when it works from here (clients outside that network will fail).",
        "the name, its classification, and whether it resolved and answered from here.",
        "Use a listener per audience: the internal name for clients on that network, a second "
        "listener advertising a name outside clients resolve.",
        (_LISTENERS_DOC, _KIP103),
        classifies=True,
    ),
    FindingSpec(
        FindingCode.ADVERTISED_CONTAINER_ID, Stage.ADDRESS,
        "Broker advertises a Docker container id", (ERR, NOTE),
        "The advertised host is 12 (or 64) hexadecimal digits: a Docker container's id, which is "
        "the container's host name. Kafka advertises it when advertised.listeners leaves the host "
        "empty (PLAINTEXT://:9092) or is unset and listeners binds 0.0.0.0: the broker then uses "
        "its own host name. Only that container (and sometimes its network) can resolve it.",
        "the container id, its classification, and whether it resolved and answered from here.",
        "Set advertised.listeners with an explicit host per listener: the Compose service name "
        "for clients on the same Docker network, localhost (or the Docker host's name) with the "
        "published port for the others.",
        classifies=True,
    ),
    FindingSpec(
        FindingCode.ADVERTISED_MACHINE_NAME, Stage.ADDRESS,
        "Broker advertises its machine's own host name", (ERR, NOTE),
        "The advertised host is a short name (one label, not a container id) that is the broker "
        "machine's own host name: Kafka advertises InetAddress.getLocalHost().getCanonicalHostName() "
        "when advertised.listeners is unset (listeners=PLAINTEXT://:9092) or leaves the host empty, "
        "and on a machine whose /etc/hosts lacks its full name that is what `hostname` returns, "
        "which only that machine resolves. A short name alone could as well be a Docker Compose "
        "service or a Kubernetes short name (ADVERTISED_INTERNAL_NAME), so this cause is named only "
        "on a signal: the bootstrap address reverses to a full name whose first label is the "
        "advertised host; the broker's configuration (read back or --broker-config) leaves the "
        "advertised host empty; or the name is this machine's own and the bootstrap answered on a "
        "local address. Error when it fails from here, informational when it works.",
        "the name, the signals seen (reverse_dns, broker_config, this_machine), the full name from "
        "reverse DNS and the setting that leaves the host empty, and whether it answered from here.",
        "Set advertised.listeners with an explicit host clients resolve (the machine's full DNS "
        "name or its address), or give the machine its full name in /etc/hosts so the default "
        "canonical name is one DNS knows.",
        (_KAFKA_LISTENERS_DOC,),
        classifies=True,
    ),
    FindingSpec(
        FindingCode.ADVERTISED_DOCKER_HOST_ALIAS, Stage.ADDRESS,
        "Broker advertises a Docker host alias", (ERR, NOTE),
        "host.docker.internal (or gateway.docker.internal) is advertised. It exists inside "
        "containers on Docker Desktop, and on Linux only with extra_hosts: host-gateway; it does "
        "not exist on the host itself.",
        "the alias and whether it resolved and answered from here.",
        "In the client container add extra_hosts: [\"host.docker.internal:host-gateway\"] (Linux); "
        "for clients on the host advertise localhost on a separate listener.",
        classifies=True,
    ),
    FindingSpec(
        FindingCode.ADVERTISED_TUNNEL, Stage.ADDRESS, "Broker advertises a tunnel address", (ERR, NOTE),
        "A tunnel service address (ngrok and similar) is advertised. Free tunnels get a new host "
        "and port on every restart, leaving the advertised address stale.",
        "the tunnel host and port, the tunnel service, and whether it answered from here.",
        "After every tunnel restart update the advertised listener to the tunnel's current "
        "host:port (or reserve a fixed tunnel address).",
        classifies=True,
    ),
    FindingSpec(
        FindingCode.ADVERTISED_PRIVATE_ADDRESS, Stage.ADDRESS,
        "Broker advertises a private address to an outside client", (ERR, NOTE),
        "The bootstrap was reached on a public address but the broker advertises a private "
        "(RFC 1918, ULA, link-local, CGNAT) address, which clients outside that network cannot "
        "route to.",
        "the bootstrap address, the advertised address and what it resolved to.",
        "Advertise the public name or address on the listener outside clients use.",
        classifies=True,
    ),
    # --- deep probes (--deep): raw packets and DNS per resolver ----------------
    FindingSpec(
        FindingCode.PATH_FIREWALL_REJECTED, Stage.DEEP,
        "A firewall rejects the connection (and says where)", (ERR,),
        "A SYN to the advertised address and port was answered by a rejection that a listening or "
        "closed port would not give: ICMP administratively prohibited, ICMP port or host "
        "unreachable sent by the host itself (a TCP stack answers a closed port with a reset), or a "
        "reset that carries the host's address but crossed fewer routers than the path to the host "
        "has (forged by a firewall on the way). The TCP stage reports such a connection as refused "
        "or unreachable; this names the firewall.",
        "the answer (ICMP type and code named, or reset), who sent it (the host, or the device at "
        "hop N and its address), its TTL, and the routers of the TCP traceroute.",
        "Allow the broker's port for this client in that firewall (the host's iptables/nftables or "
        "firewalld, a router, a cloud security group or network ACL), or advertise a listener the "
        "path allows.",
    ),
    FindingSpec(
        FindingCode.PATH_SILENTLY_DROPPED, Stage.DEEP,
        "Packets to the broker vanish after hop N", (ERR,),
        "SYNs to the advertised address get no answer at all: something drops them. TTL-limited "
        "SYNs (a TCP traceroute to the very port) show the last device that still answered, so the "
        "drop happens at or after that hop.",
        "the TCP traceroute (router per hop), the last hop that answered.",
        "Allow the port in the firewall at or after that hop (iptables DROP, security group, network "
        "ACL), or check that the host is up.",
    ),
    FindingSpec(
        FindingCode.PATH_NO_ROUTE, Stage.DEEP,
        "No route to the advertised address", (ERR,),
        "The advertised address cannot be routed to: this machine has no route, nothing answers "
        "for it on the local network, or a router on the way answers network/host unreachable.",
        "the ICMP answer and the router that sent it (hop and address), or this machine's error.",
        "Advertise an address this client can reach (the one advertised is usually internal to the "
        "broker's network), or add the route, VPN or peering to that network.",
    ),
    FindingSpec(
        FindingCode.PATH_MTU_BLACK_HOLE, Stage.DEEP,
        "Large packets vanish on the way (path-MTU black hole)", (ERR,),
        "The connection is made and small requests are answered, but a larger answer (Metadata "
        "bigger than one packet) never arrives: full-size packets are dropped on a link with a "
        "smaller MTU (a tunnel, VPN or overlay) and the ICMP \"fragmentation needed\" that should "
        "tell the sender is filtered. Don't-fragment ICMP echo of decreasing sizes confirms it.",
        "the route MTU here, the largest packet that passes both ways, the smallest that does not, "
        "every size tried.",
        "Clamp TCP MSS to the path MTU on the router, tunnel or VPN (iptables TCPMSS "
        "--clamp-mss-to-pmtu), lower the tunnel or VPN interface MTU to the size that passes, or let "
        "ICMP \"fragmentation needed\" / \"packet too big\" through.",
    ),
    FindingSpec(
        FindingCode.DNS_RESOLVERS_DISAGREE, Stage.RESOLVERS,
        "Nameservers give different answers for an advertised name", (WARN,),
        "Every nameserver of resolv.conf (and --dns-server) was asked directly: they answer "
        "differently (split horizon, a stale record, NXDOMAIN from one), so which address a client "
        "gets depends on which nameserver answers first.",
        "each nameserver's status and addresses, and the addresses the client used (getaddrinfo).",
        "Serve the same records from every nameserver the client uses, or list only the resolvers "
        "meant for this network.",
    ),
    FindingSpec(
        FindingCode.DNS_RESOLVER_UNRESPONSIVE, Stage.RESOLVERS,
        "A nameserver does not answer", (WARN,),
        "A nameserver of resolv.conf (or --dns-server) did not answer: every lookup that reaches it "
        "waits for the resolver timeout (5 s by default) before the next one is tried, which can "
        "exceed client timeouts.",
        "the nameserver and the names it did not answer for.",
        "Remove it from resolv.conf (or from the DHCP, VPN or container settings that write it), or "
        "make it answer.",
    ),
    FindingSpec(
        FindingCode.DEEP_NO_RAW_SOCKETS, Stage.DEEP,
        "--deep ran without raw sockets", (NOTE,),
        "The raw-packet probes of --deep (SYN probe, TCP traceroute, path-MTU probe) need root or "
        "CAP_NET_RAW; without it they did not run. DNS per resolver and the kernel's own errors are "
        "still reported.",
        "raw_sockets: false.",
        "Run as root or grant CAP_NET_RAW: Docker `--cap-add NET_RAW`, Kubernetes "
        "`securityContext.capabilities.add: [\"NET_RAW\"]`.",
    ),
    # --- resolution, client, run ---------------------------------------------
    FindingSpec(
        FindingCode.RESOLVER_DISAGREEMENT, Stage.RESOLVE, "/etc/hosts, nsswitch and DNS disagree", (WARN,),
        "getaddrinfo (what the client uses: /etc/hosts first, then DNS) and DNS give different "
        "addresses for a name. The check follows getaddrinfo; other machines may see the DNS "
        "answer.",
        "getaddrinfo addresses, /etc/hosts entries, DNS A/AAAA records, CNAME chain.",
        "Remove the stale /etc/hosts entry or fix the DNS record so that both agree.",
    ),
    FindingSpec(
        FindingCode.ADDRESS_FAMILY_EXCLUDED, Stage.RESOLVE,
        "The client's address-family rule leaves out addresses of a name", (ERR, WARN),
        "The name has addresses this client never tries. broker.address.family=v4/v6 (librdkafka) "
        "keeps one family. A Java client (client.dns.lookup given) keeps only the family of the "
        "first address, and the JVM puts IPv4 first by default (java.net.preferIPv6Addresses=false; "
        "ClientUtils.filterPreferredAddresses). Error when nothing is left to try; warning when "
        "every address it tries fails (the others were not tried).",
        "the host, the rule (broker.address.family or client.dns.lookup), the addresses tried and "
        "those left out, and which clients the rule applies to.",
        "librdkafka: broker.address.family=any, or the family the broker listens on. Java: "
        "-Djava.net.preferIPv6Addresses=true prefers IPv6. Or give the name records (and the broker "
        "a listening address) of the family the client uses.",
        (_CLIENT_UTILS, _LIBRDKAFKA_CONF),
    ),
    FindingSpec(
        FindingCode.BOOTSTRAP_CANONICAL_NAME, Stage.RESOLVE,
        "Java client connects to the bootstrap under its reverse DNS name", (ERR, NOTE),
        "With client.dns.lookup=resolve_canonical_bootstrap_servers_only a Java client replaces "
        "each bootstrap address by InetAddress.getCanonicalHostName(): the reverse DNS (PTR) name "
        "when that name resolves back to the address, else the address itself. TLS host name "
        "verification and Kerberos (service principal kafka/NAME) then use that name, so a PTR "
        "record naming an internal host, or none at all, breaks them. Error when the bootstrap "
        "fails from here under that name (or Kerberos would get an IP address); informational "
        "when it works. librdkafka has no client.dns.lookup: librdkafka-based clients resolve the "
        "bootstrap name as given.",
        "per bootstrap address: its PTR name, whether it resolves back, the name used and its "
        "addresses; the stage that failed; the clients it applies to.",
        "Give each bootstrap address a PTR record naming a host that resolves back to it and that "
        "the broker certificate and Kerberos principal carry; or drop "
        "client.dns.lookup=resolve_canonical_bootstrap_servers_only (use_all_dns_ips is the "
        "default) unless Kerberos needs canonical names.",
        (_CLIENT_UTILS, _KIP235),
    ),
    FindingSpec(
        FindingCode.CLIENT_METADATA_FAILED, Stage.CLIENT,
        "The Kafka client library could not fetch metadata", (ERR,),
        "confluent-kafka (librdkafka), given the same bootstrap and client settings, failed to "
        "fetch cluster metadata: what the user's application experiences.",
        "librdkafka error name and message, its warnings and errors.",
        "Follow the other findings; they name the address that fails.",
    ),
    FindingSpec(
        FindingCode.CLIENT_BROKER_UNREACHABLE, Stage.CLIENT,
        "The Kafka client library cannot talk to a broker", (ERR,),
        "confluent-kafka (librdkafka), with the same settings, could not complete a request to "
        "this broker at its advertised address: what the application will hit as soon as it "
        "produces to or consumes from a partition that broker leads. Also given when librdkafka's "
        "metadata request failed for lack of a connection (it moved on to an advertised broker) "
        "and listencheck's own probes found this broker's address failing: which of the two "
        "librdkafka hits first is a race, the code does not depend on it. Not given for a broker "
        "that answers on some of its addresses only: ADVERTISED_PARTIALLY_REACHABLE carries the "
        "library's error then.",
        "librdkafka error name (_TRANSPORT, _TIMED_OUT, _RESOLVE, _SSL, _AUTHENTICATION), its "
        "warnings, and the codes listencheck's own probes found for the same broker.",
        "Follow the other findings for that broker; if there are none, compare the client "
        "settings with what the listener expects.",
    ),
    FindingSpec(
        FindingCode.LISTENER_IS_CONTROLLER, Stage.KAFKA,
        "A KRaft controller listener where clients need a broker listener", (ERR,),
        "The address answers ApiVersions with a KRaft controller's API set: controller-only APIs "
        "(Vote, BeginQuorumEpoch, BrokerRegistration...: \"listeners\": [\"controller\"] in apache/kafka's "
        "message definitions) and neither Produce nor Metadata. Clients were pointed at the controller "
        "port (bootstrap), or a broker advertises its controller listener.",
        "the address, the controller-only API keys it offers, the client listeners that worked in "
        "this run.",
        "Bootstrap to (and advertise) a broker listener; the controller listener belongs in "
        "`listeners` and `controller.listener.names` only.",
        ("https://kafka.apache.org/documentation/#kraft_role",),
    ),
    # --- topic metadata ------------------------------------------------------------
    FindingSpec(
        FindingCode.BROKER_LISTENER_MISSING, Stage.TOPICS,
        "Brokers that lead partitions lack this listener", (ERR,),
        "Kafka answers Metadata over a listener with only the brokers that have that listener. "
        "Partitions led by a broker without it come back with LISTENER_NOT_FOUND (error 72, leader "
        "-1; Apache Kafka) or with a leader id missing from the broker list: clients using this "
        "listener fail on those partitions only, while everything else works. Typical causes: a "
        "listener added to some brokers but not all, a broker restarted with an old configuration, "
        "a per-broker override that drops the listener.",
        "the broker ids without the listener (leaders, or replicas of the LISTENER_NOT_FOUND "
        "partitions, missing from the broker list), the listed brokers, how many partitions of "
        "which topics (at most 20 names) and their error codes.",
        "Give those brokers the same listener (name in `listeners`, `advertised.listeners` and "
        "`listener.security.protocol.map`) as the others, then restart them one at a time.",
        (_LISTENERS_DOC,),
    ),
    FindingSpec(
        FindingCode.PARTITIONS_UNREACHABLE, Stage.TOPICS,
        "Partitions whose leader cannot be reached from here", (ERR,),
        "What the broken brokers cost: every partition led by a broker that does not work from here "
        "(listencheck's probes or the client library failed) cannot be produced to, and its "
        "consumers stall. Counted from the topic metadata, per broker.",
        "partitions and topics affected in total (at most 20 names) and per broker, and the "
        "cluster's partition count.",
        "Fix the brokers named in the other findings; each partition works again once its leader "
        "is reachable from here.",
    ),
    FindingSpec(
        FindingCode.TOPIC_UNAVAILABLE, Stage.TOPICS,
        "A topic given with --topic is not available", (WARN,),
        "The Metadata answer for a topic named with --topic carries an error: it does not exist "
        "(UNKNOWN_TOPIC_OR_PARTITION), this client may not describe it (TOPIC_AUTHORIZATION_FAILED), "
        "or its name is invalid. listencheck never creates topics.",
        "the topic and the error name.",
        "Check the name, create the topic, or grant this client Describe on it.",
    ),
    # --- cluster health (from the same topic metadata) -------------------------------
    FindingSpec(
        FindingCode.HEALTH_OFFLINE_PARTITIONS, Stage.TOPICS, "Partitions without a leader", (ERR,),
        "Partitions whose Metadata answer has no leader (leader -1, LEADER_NOT_AVAILABLE): every "
        "produce and fetch on them fails until one of their replicas becomes leader. Usually the "
        "brokers holding their replicas are down. (Partitions whose leader merely lacks this listener "
        "are BROKER_LISTENER_MISSING.)",
        "how many partitions of which topics (at most 10 names, with the total) and the brokers "
        "listed as their replicas.",
        "Bring back the brokers that hold their replicas. If those replicas are lost for good, an "
        "unclean leader election (kafka-leader-election --election-type UNCLEAN) restores "
        "availability at the cost of the writes only they had.",
        (_KAFKA_OPS_DOC,),
    ),
    FindingSpec(
        FindingCode.HEALTH_BELOW_MIN_INSYNC, Stage.TOPICS,
        "acks=all producers fail now: fewer in-sync replicas than min.insync.replicas", (ERR,),
        "A partition has fewer in-sync replicas than its topic's min.insync.replicas (read with "
        "DescribeConfigs): the broker rejects acks=all writes with NOT_ENOUGH_REPLICAS. acks=0/1 "
        "producers and consumers still work.",
        "partitions and topics (at most 10 names), each topic's min.insync.replicas.",
        "Bring the missing replicas back in sync; a min.insync.replicas above the replication factor "
        "can never be met: lower it or raise the replication factor.",
        (_MIN_ISR_DOC,),
    ),
    FindingSpec(
        FindingCode.HEALTH_UNDER_REPLICATED, Stage.TOPICS, "Under-replicated partitions", (WARN,),
        "Partitions whose in-sync replica set (ISR) is smaller than their replica list: a replica "
        "stopped following its leader. One more failure can make the partition unavailable or lose "
        "acknowledged writes.",
        "how many partitions of which topics (at most 10 names), and per broker how many partitions "
        "it is missing from the ISR of.",
        "Check those brokers (running, disk, network between brokers, GC pauses, "
        "replica.lag.time.max.ms); kafka-topics --describe --under-replicated-partitions lists them.",
        (_KAFKA_OPS_DOC,),
    ),
    FindingSpec(
        FindingCode.HEALTH_REPLICATION_FACTOR_ONE, Stage.TOPICS,
        "Topics with a single replica on a multi-broker cluster", (WARN,),
        "On a cluster of several brokers, topics with replication factor 1: when the one broker "
        "holding a partition stops, the partition is unavailable, and a lost disk loses its data. "
        "Common in configurations copied from a single-broker development setup.",
        "the topics (at most 10 names, with the total) and the broker count.",
        "Raise the replication factor with kafka-reassign-partitions (a plan listing three brokers per "
        "partition); set default.replication.factor=3 and min.insync.replicas=2 for new topics.",
        (_KAFKA_OPS_DOC, _REASSIGN_DOC),
    ),
    FindingSpec(
        FindingCode.HEALTH_INTERNAL_TOPIC_UNREPLICATED, Stage.TOPICS,
        "Internal topics with a single replica on a multi-broker cluster", (WARN,),
        "__consumer_offsets or __transaction_state has replication factor 1 on a cluster of several "
        "brokers (offsets.topic.replication.factor=1 from a development setup): when its broker stops, "
        "consumer groups cannot commit or fetch offsets and transactions stall, for every application.",
        "the internal topics and the broker count.",
        "Reassign the topic to three replicas (kafka-reassign-partitions); set "
        "offsets.topic.replication.factor=3 and transaction.state.log.replication.factor=3, which only "
        "apply when the topic is created.",
        (_KAFKA_OPS_DOC, _REASSIGN_DOC),
    ),
    FindingSpec(
        FindingCode.HEALTH_REPLICATION_FACTOR_TWO, Stage.TOPICS, "Topics with two replicas", (NOTE,),
        "Topics with replication factor 2 on a cluster of three or more brokers: with one broker down "
        "a single copy is left, so one more failure loses writes; with min.insync.replicas=2 the first "
        "broker down would block acks=all producers instead. Three replicas with min.insync.replicas=2 "
        "survive one broker down with neither.",
        "the topics (at most 10 names, with the total) and the broker count.",
        "Raise the replication factor to 3 with kafka-reassign-partitions.",
        (_MIN_ISR_DOC, _REASSIGN_DOC),
    ),
    FindingSpec(
        FindingCode.HEALTH_MIN_INSYNC_BLOCKS_PRODUCERS, Stage.TOPICS,
        "min.insync.replicas equal to the replication factor", (WARN,),
        "A topic's min.insync.replicas is equal to (or above) its replication factor: as soon as one "
        "replica falls out of sync, which a rolling restart is enough for, acks=all producers get "
        "NOT_ENOUGH_REPLICAS.",
        "the topics (at most 10 names) with their replication factor and min.insync.replicas.",
        "Keep min.insync.replicas at the replication factor minus one (kafka-configs --alter "
        "--entity-type topics --add-config min.insync.replicas=N), or raise the replication factor.",
        (_MIN_ISR_DOC,),
    ),
    FindingSpec(
        FindingCode.HEALTH_TOPIC_PARTITIONS_HIGH, Stage.TOPICS, "Topics with very many partitions", (WARN,),
        "A topic has more than 200 partitions. Rule of thumb: 8-16 partitions are common, 120-200 for "
        "the biggest topics; beyond that the count is almost always a mistake that costs memory, file "
        "handles, failover time and consumer rebalances.",
        "the topics (at most 10 names) with their partition counts, and the threshold.",
        "Size partitions from target throughput over per-partition throughput. Partitions cannot be "
        "removed: move the data to a new topic when the count is far too high.",
        (_PARTITIONS_DOC,),
    ),
    FindingSpec(
        FindingCode.HEALTH_BROKER_PARTITIONS_HIGH, Stage.TOPICS,
        "Brokers hosting more than 4,000 partition replicas", (WARN,),
        "A broker hosts more than 4,000 partition replicas (leaders and followers counted), the "
        "per-broker figure Confluent's sizing guidance gives; restarts, failover and controller work "
        "slow down with the count. A lower bound when the topic list was cut at listencheck's limit.",
        "replicas per broker above the threshold, and whether the count is a lower bound.",
        "Add brokers and reassign partitions to them, or reduce partition counts and delete unused "
        "topics.",
        (_PARTITIONS_200K_DOC,),
    ),
    FindingSpec(
        FindingCode.HEALTH_CLUSTER_PARTITIONS_HIGH, Stage.TOPICS,
        "A cluster with more than 200,000 partitions", (WARN,),
        "The Metadata answer lists more than 200,000 partitions, the per-cluster figure of Confluent's "
        "sizing guidance.",
        "the partition and topic counts, and the threshold.",
        "Split the workload across clusters, or reduce partition counts and delete unused topics.",
        (_PARTITIONS_200K_DOC,),
    ),
    FindingSpec(
        FindingCode.HEALTH_LEADERSHIP_SKEWED, Stage.TOPICS, "Leadership concentrated on one broker", (WARN,),
        "One broker leads more than half of the partitions (more than 75% on a two-broker cluster): "
        "it carries most produce and fetch traffic, and its failure moves most leaders at once. "
        "Usually leadership stayed where failovers moved it.",
        "the broker, how many partitions it leads of how many, leaders per broker, and the share of "
        "preferred leaders (first replica) it holds.",
        "When the preferred leaders are spread, run a preferred leader election (kafka-leader-election "
        "--election-type PREFERRED --all-topic-partitions); otherwise reassign partitions so that the "
        "first replicas are spread, then elect.",
        (_KAFKA_OPS_DOC,),
    ),
    FindingSpec(
        FindingCode.PROXY_IGNORED, Stage.RUN, "An HTTP proxy is set, and Kafka clients do not use it",
        (NOTE,),
        "HTTP_PROXY, HTTPS_PROXY or ALL_PROXY is set where the check ran while some address did "
        "not work. Kafka clients (librdkafka, the Java client) ignore these variables and connect "
        "to every broker directly: a proxy that reaches the brokers for a browser does not help "
        "a Kafka client, and a broker reachable only through it is unreachable for the client.",
        "the names of the variables that are set (never their values).",
        "Reach the brokers directly (a route, a VPN, a listener advertised on a network this client "
        "is on); a tunnel needs one forwarded port per broker and advertised addresses that match.",
    ),
    FindingSpec(
        FindingCode.RUN_INCOMPLETE, Stage.RUN, "The run hit its deadline", (WARN,),
        "Some stages were not run because the whole run's deadline passed.",
        "deadline, per-stage timeout, which stages did not run.",
        "Raise --deadline (or lower --timeout) and run again.",
    ),
    FindingSpec(
        FindingCode.RUN_LIMIT_REACHED, Stage.RUN,
        "Part of the cluster was not probed (a safety limit)", (WARN,),
        "The metadata lists more brokers than listencheck probes per bootstrap, a name resolves "
        "to more addresses than it tries per host, or the topic metadata lists more topics or "
        "partitions than it analyses. The limits keep a run bounded in time, sockets "
        "and memory whatever an endpoint answers; what lies beyond them was not checked.",
        "which limit, its value, how many brokers, addresses, topics or partitions there were.",
        "A real cluster that large: check a part of it at a time, bootstrapping through the "
        "listener of those brokers. Otherwise the bootstrap server (or DNS) answers nonsense: "
        "look at what it is.",
    ),
    # --- smoke-test expectations (--expect-*) ------------------------------------
    FindingSpec(
        FindingCode.EXPECT_BROKER_COUNT, Stage.EXPECTATIONS,
        "The cluster lists a different number of brokers than expected", (ERR,),
        "--expect-brokers N was given and the metadata read through this bootstrap lists another "
        "number of brokers (fewer than N, with N+): a broker has not joined (yet), or lacks the "
        "listener this bootstrap "
        "uses (Kafka only lists brokers that have the listener the request came in on).",
        "expected (and whether a minimum) and listed broker count, the listed broker ids and how "
        "many work from here.",
        "Wait for every broker to start (--wait), or give every broker this listener.",
    ),
    FindingSpec(
        FindingCode.EXPECT_CLUSTER_ID, Stage.EXPECTATIONS, "The cluster id is not the expected one", (ERR,),
        "--expect-cluster-id was given and the bootstrap answered with another cluster id (or "
        "none): the client reaches a different cluster than the one deployed, or the cluster was "
        "re-created with a new id.",
        "expected and reported cluster id, the bootstrap server that answered.",
        "Point the client at the intended cluster, or update the expected id after a deliberate "
        "re-creation.",
    ),
    FindingSpec(
        FindingCode.EXPECT_ADVERTISED_MISSING, Stage.EXPECTATIONS,
        "An expected advertised address is not advertised", (ERR,),
        "--expect-advertised HOST:PORT was given and no broker advertises that address through any "
        "of the listeners checked: advertised.listeners differs from what the deployment intends.",
        "the expected address and every address the brokers advertise, per bootstrap.",
        "Set advertised.listeners (KAFKA_ADVERTISED_LISTENERS) to include that address, or bootstrap "
        "through the listener that advertises it.",
    ),
    # --- broker configuration (`listencheck lint`, `check --broker-config`) ------------
    FindingSpec(
        FindingCode.CONFIG_NOT_READABLE, Stage.CONFIG,
        "A broker's listener configuration could not be read", (NOTE,),
        "listencheck asks every broker it reaches for its own listener configuration (DescribeConfigs "
        "on its BROKER resource: listeners, advertised.listeners, listener.security.protocol.map, "
        "inter.broker.listener.name, controller.listener.names, process.roles, node.id) to show the "
        "listener table and base fixes on it. Some brokers did not answer it: access denied "
        "(DESCRIBE_CONFIGS on the cluster is needed), not implemented (Tansu), or not "
        "reached; and no --broker-config file gave their configuration.",
        "per broker: read-back status (refused, empty, unsupported, failed) and the error.",
        "Pass the configuration with --broker-config FILE (repeatable), or lint it alone with "
        "`listencheck lint FILE`.",
        ("https://kafka.apache.org/protocol#The_Messages_DescribeConfigs",),
    ),
    FindingSpec(
        FindingCode.CONFIG_ADVERTISED_NOT_A_LISTENER, Stage.CONFIG,
        "advertised.listeners names a listener that listeners lacks",
        (ERR,),
        "A listener name in advertised.listeners has no entry in listeners. Kafka refuses to start: "
        "\"advertised.listeners listener names must be equal to or a subset of the ones defined in "
        "listeners\". (Redpanda likewise pairs advertised_kafka_api with kafka_api by name.)",
        "the advertised listener, the names listeners defines, file and line.",
        "Add NAME://:PORT to listeners, or advertise one of the names listeners defines.",
        (_KAFKA_CONFIG, _KAFKA_LISTENERS_DOC),
    ),
    FindingSpec(
        FindingCode.CONFIG_LISTENER_NO_PROTOCOL, Stage.CONFIG, "A listener has no security protocol", (ERR,),
        "A listener (CONTROLLER included, in KRaft) or a controller.listener.names entry is absent from "
        "the effective listener.security.protocol.map: the explicit map when set, else Kafka's default "
        "(PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, plus controller names mapped to PLAINTEXT in KRaft "
        "when nothing is SSL or SASL). Kafka refuses to start: \"No security protocol defined for "
        "listener NAME\".",
        "the listener name, the effective map, file and line.",
        "Add NAME:PROTOCOL to listener.security.protocol.map, keeping every existing entry.",
        (_KAFKA_ENDPOINTS, _KAFKA_ABSTRACT_CONFIG, _KAFKA_CONFIG),
    ),
    FindingSpec(
        FindingCode.CONFIG_DUPLICATE_LISTENER_NAME, Stage.CONFIG, "A listener name is used twice", (ERR,),
        "listeners (or advertised.listeners) has two entries with the same name. Kafka refuses to "
        "start: \"Each listener must have a different name\".",
        "the key, the name, how many times.",
        "Give each entry its own name and add it to listener.security.protocol.map.",
        (_KAFKA_ENDPOINTS,),
    ),
    FindingSpec(
        FindingCode.CONFIG_DUPLICATE_LISTENER_PORT, Stage.CONFIG, "Two listeners bind one port", (ERR,),
        "Two entries of listeners use the same port (other than one IPv4 and one IPv6 address). Kafka "
        "refuses to start: \"Each listener must have a different port\". Advertised listeners may "
        "share a port; bound ones may not.",
        "the port and the listeners on it.",
        "Move one listener to a port no other listener uses (and its advertised entry and published "
        "port with it).",
        (_KAFKA_ENDPOINTS,),
    ),
    FindingSpec(
        FindingCode.CONFIG_ADVERTISED_WILDCARD, Stage.CONFIG, "A bind-all address is advertised", (ERR, WARN),
        "An advertised listener (or a listener advertised by default because advertised.listeners is "
        "not set) has host 0.0.0.0 (error: Kafka refuses \"advertised.listeners cannot use the "
        "nonroutable meta-address 0.0.0.0\") or :: (warning: accepted, but no client can connect to "
        "it).",
        "the listener, the address, whether advertised.listeners is set.",
        "Bind 0.0.0.0 in listeners; advertise a name or address the clients reach in "
        "advertised.listeners.",
        (_KAFKA_CONFIG,),
    ),
    FindingSpec(
        FindingCode.CONFIG_ADVERTISED_EMPTY_HOST, Stage.CONFIG, "An advertised listener has no host", (WARN,),
        "An advertised listener is NAME://:PORT (written so, or inherited from listeners). Kafka then "
        "advertises the machine's canonical host name: in a container its id, which clients outside "
        "the container cannot resolve. This, not 0.0.0.0, is the trap users hit.",
        "the listener and port, whether advertised.listeners is set.",
        "Advertise NAME://<name clients resolve>:PORT in advertised.listeners.",
        (_KAFKA_LISTENERS_DOC,),
    ),
    FindingSpec(
        FindingCode.CONFIG_LOOPBACK_PUBLISHED, Stage.CONFIG,
        "Loopback advertised on a port published to other hosts", (NOTE,),
        "Compose publishes the listener's port on every host interface, but the listener advertises "
        "localhost or 127.x: clients on the Docker host work, clients on other machines reach the "
        "bootstrap and are then sent to their own loopback.",
        "the listener, its advertised address, the ports: entry.",
        "For remote clients add a listener advertising the host's name on a free port; publish as "
        "127.0.0.1:PORT:PORT to make the local-only intent explicit.",
        (_LISTENERS_DOC,),
    ),
    FindingSpec(
        FindingCode.CONFIG_CONTROLLER_LISTENER_MISPLACED, Stage.CONFIG,
        "A KRaft controller listener is where Kafka forbids it",
        (ERR,),
        "Kafka's KRaft checks: advertised.listeners must not contain a controller.listener.names "
        "entry when process.roles contains broker; a broker-only node must not bind a controller "
        "listener; a node with the controller role must bind every controller.listener.names entry; "
        "a controller-only node binds only controller listeners and leaves advertised.listeners "
        "unset; KRaft needs controller.listener.names. Each stops the node at start-up.",
        "which of the checks, the listener names involved, file and line.",
        "Keep CONTROLLER in listeners (controller nodes) and out of advertised.listeners (nodes with "
        "the broker role).",
        (_KAFKA_CONFIG, "https://kafka.apache.org/documentation/#kraft_role", _BITNAMI_LIBKAFKA),
    ),
    FindingSpec(
        FindingCode.CONFIG_INTER_BROKER_NOT_A_LISTENER, Stage.CONFIG,
        "The inter-broker listener is not advertised", (ERR,),
        "inter.broker.listener.name (or the name derived from security.inter.broker.protocol, default "
        "PLAINTEXT) is not an advertised listener. Kafka refuses: \"inter.broker.listener.name must "
        "be a listener name defined in advertised.listeners\".",
        "the inter-broker name and the advertised names.",
        "Set inter.broker.listener.name to the listener the other brokers reach.",
        (_KAFKA_CONFIG, _KIP103),
    ),
    FindingSpec(
        FindingCode.CONFIG_INTER_BROKER_BOTH_SET, Stage.CONFIG, "Both inter-broker settings are set", (ERR,),
        "inter.broker.listener.name and security.inter.broker.protocol are both set. Kafka refuses: "
        "\"Only one of inter.broker.listener.name and security.inter.broker.protocol should be set\".",
        "both values.",
        "Keep inter.broker.listener.name and remove security.inter.broker.protocol.",
        (_KAFKA_ABSTRACT_CONFIG, _KIP103),
    ),
    FindingSpec(
        FindingCode.CONFIG_ADVERTISED_PORT_UNPUBLISHED, Stage.CONFIG,
        "Advertised port is not published by Compose", (ERR,),
        "A listener advertises an address reached through the Docker host (localhost, an IP, "
        "host.docker.internal, a DNS name) on a port that the service's ports: does not publish on "
        "the host: the broker starts, clients bootstrap elsewhere and then cannot connect.",
        "the listener, its advertised address, the published ports.",
        "Publish HOST_PORT:CONTAINER_PORT with the advertised port on the host side and the "
        "listener's bound port on the container side.",
        ("https://docs.docker.com/reference/compose-file/services/#ports",),
    ),
    FindingSpec(
        FindingCode.CONFIG_PUBLISHED_TO_OTHER_PORT, Stage.CONFIG,
        "Advertised port is published to another listener", (ERR,),
        "The host port a listener advertises is published to a different container port (often the "
        "internal listener's): clients reach a listener that advertises other addresses, or nothing.",
        "the listener, its bound port, the container port the host port goes to, the listener there.",
        "Publish ADVERTISED_PORT:BOUND_PORT for that listener.",
        ("https://docs.docker.com/reference/compose-file/services/#ports",),
    ),
    FindingSpec(
        FindingCode.CONFIG_HOST_ALIAS_NO_EXTRA_HOSTS, Stage.CONFIG,
        "host.docker.internal advertised to containers without it",
        (WARN,),
        "A broker advertises host.docker.internal (or another Docker host alias) and a service of the "
        "same Compose file has no extra_hosts entry for it. Docker Desktop defines the name; Docker "
        "Engine on Linux does not, unless extra_hosts maps it to host-gateway.",
        "the service, the advertised address.",
        "Add extra_hosts: [\"host.docker.internal:host-gateway\"] to that service, or have it use the "
        "listener that advertises the broker's service name.",
        ("https://docs.docker.com/reference/compose-file/services/#extra_hosts",),
    ),
    FindingSpec(
        FindingCode.CONFIG_BITNAMI_WITHOUT_CFG, Stage.CONFIG,
        "Bitnami variable without KAFKA_CFG_", (ERR, WARN),
        "The bitnami/kafka image turns only KAFKA_CFG_* variables into server.properties, plus a "
        "fixed list of legacy KAFKA_* names its setup script maps onto their KAFKA_CFG_ twins "
        "(KAFKA_LISTENERS, KAFKA_ADVERTISED_LISTENERS, KAFKA_LISTENER_SECURITY_PROTOCOL_MAP, "
        "KAFKA_INTER_BROKER_LISTENER_NAME, KAFKA_PROCESS_ROLES, KAFKA_NODE_ID, ...; they override "
        "the twin). Any other Kafka setting written as KAFKA_* (the cp-kafka and apache/kafka "
        "convention), KAFKA_CONTROLLER_LISTENER_NAMES among them, is silently ignored. Error for "
        "listener settings (the image sets no listener of its own: the broker runs without it), "
        "warning otherwise.",
        "the variable, the setting it was meant to be.",
        "Rename KAFKA_X to KAFKA_CFG_X.",
        ("https://github.com/bitnami/containers/tree/main/bitnami/kafka#configuration", _BITNAMI_LIBKAFKA),
    ),
    FindingSpec(
        FindingCode.CONFIG_BITNAMI_NO_QUORUM, Stage.CONFIG,
        "Bitnami controller without a controller quorum", (ERR, WARN),
        "The bitnami/kafka image validates its environment before starting Kafka: up to 4.0, a node "
        "whose KAFKA_CFG_PROCESS_ROLES includes controller needs KAFKA_CFG_CONTROLLER_QUORUM_VOTERS "
        "(\"Role 'controller' enabled but environment variable KAFKA_CFG_CONTROLLER_QUORUM_VOTERS was not "
        "provided\") and the container exits. From 4.1 the image uses the dynamic quorum instead: "
        "KAFKA_CFG_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS (default localhost:9093, enough for one combined "
        "node only) and, when that is set to anything else, KAFKA_INITIAL_CONTROLLERS. Error when the "
        "image tag says which rule applies, warning when the tag does not (latest, no tag).",
        "the image, its process.roles, the quorum variables set.",
        "Set KAFKA_CFG_CONTROLLER_QUORUM_VOTERS=<node.id>@<controller host>:<controller port>,... "
        "(images up to 4.0), or KAFKA_CFG_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS plus "
        "KAFKA_INITIAL_CONTROLLERS (4.1 and later).",
        (_BITNAMI_LIBKAFKA, _BITNAMI_LIBKAFKA_41),
    ),
    FindingSpec(
        FindingCode.CONFIG_STRIMZI_FORBIDDEN_OPTION, Stage.CONFIG,
        "Strimzi ignores this option in spec.kafka.config", (WARN,),
        "The Strimzi operator manages listeners, advertised.*, listener.*, inter.broker.listener.name, "
        "ssl.*, sasl.*, node.id, process.roles and controller.* itself; in spec.kafka.config they are "
        "ignored (with a warning in the operator log).",
        "the option, file and line.",
        "Use spec.kafka.listeners[] (type, port, tls, authentication) and "
        "configuration.brokers[].advertisedHost/advertisedPort.",
        ("https://strimzi.io/docs/operators/latest/configuring.html#type-KafkaClusterSpec-reference",),
    ),
    FindingSpec(
        FindingCode.CONFIG_REMOVED_SETTING, Stage.CONFIG, "Setting removed from Apache Kafka", (WARN,),
        "host.name, port, advertised.host.name and advertised.port were deprecated for listeners and "
        "advertised.listeners and removed in Apache Kafka 3.0 (KAFKA-12945): a current broker ignores "
        "them, so the address they meant is not used.",
        "the setting and its replacement.",
        "Express the address in listeners / advertised.listeners and delete the old setting.",
        ("https://kafka.apache.org/documentation/#upgrade_300_notable",),
    ),
    FindingSpec(
        FindingCode.CONFIG_ZOOKEEPER_SETTING_IN_KRAFT, Stage.CONFIG,
        "ZooKeeper-era setting in a KRaft configuration", (WARN,),
        "process.roles makes the node a KRaft node, but a ZooKeeper-era setting (zookeeper.connect, "
        "control.plane.listener.name...) is present without a ZooKeeper migration in progress: it "
        "has no effect, or stops the node, depending on the version.",
        "the setting.",
        "Remove it; KRaft nodes find each other through controller.quorum.voters or "
        "controller.quorum.bootstrap.servers.",
        (_KAFKA_CONFIG, "https://kafka.apache.org/documentation/#kraft"),
    ),
    FindingSpec(
        FindingCode.CONFIG_SAME_ADVERTISED_ADDRESS, Stage.CONFIG,
        "Two brokers advertise the same address", (ERR,),
        "Two brokers of one configuration file advertise the same host:port (typically three Compose "
        "services copied from one): a client sends requests meant for one broker to the other, and "
        "gets NOT_LEADER_OR_FOLLOWER or waits forever.",
        "the address and both brokers.",
        "Give each broker its own advertised port, published to its own listener.",
        (_LISTENERS_DOC,),
    ),
    FindingSpec(
        FindingCode.CONFIG_DUPLICATE_NODE_ID, Stage.CONFIG, "Two brokers share a node id", (ERR,),
        "Two brokers of one configuration file have the same node.id / broker.id: the second cannot "
        "join the cluster.",
        "the id and both brokers.",
        "Give each node its own node.id (and update controller.quorum.voters).",
        (_KAFKA_CONFIG,),
    ),
)

CATALOGUE: dict[FindingCode, FindingSpec] = {spec.code: spec for spec in _SPECS}
if len(CATALOGUE) != len(_SPECS) or set(CATALOGUE) != set(FindingCode):
    raise ImportError("listencheck.codes and the catalogue disagree: every FindingCode needs exactly "
                      "one FindingSpec")


def spec(code: FindingCode) -> FindingSpec:
    return CATALOGUE[code]
