"""The report's data model: frozen dataclasses, one per stage result.

Probes produce these, analysis reads them, renderers print them. Nothing here
does I/O. A stage that could not run because an earlier one failed is
``NOT_RUN`` (with the reason), a stage that does not apply (TLS on a plaintext
listener) is ``SKIPPED``; neither is an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Generic, Never, TypeVar

from listencheck.address import Classification, Endpoint
from listencheck.codes import FindingCode
from listencheck.deepmodels import DeepDetail, ResolversDetail
from listencheck.stages import ATTEMPT_STAGES, Stage
from listencheck.status import RunFailureKind
from listencheck.vocabulary import AddressFamily, DnsLookup, DnsStatus, IpFamily, ResolveSource, TrustStore

if TYPE_CHECKING:
    from listencheck.brokerconfig.model import ConfigFile
    from listencheck.fixes.cluster import BrokerFix


class StageStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    NOT_RUN = "not_run"
    SKIPPED = "skipped"


class Reason(StrEnum):
    """Why a stage failed or did not run. Part of the JSON contract."""

    # resolution
    NXDOMAIN = "nxdomain"
    NO_ADDRESS = "no_address"
    SERVFAIL = "servfail"
    RESOLVE_FAILED = "resolve_failed"
    INVALID_ADDRESS = "invalid_address"
    # transport
    TIMEOUT = "timeout"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    RESET = "reset"
    CLOSED = "closed"
    CONNECT_FAILED = "connect_failed"
    # protocol
    NOT_KAFKA = "not_kafka"
    SILENT = "silent"
    PROTOCOL_ERROR = "protocol_error"
    BROKER_ERROR = "broker_error"
    UNSUPPORTED = "unsupported"
    # tls / sasl
    TLS_FAILED = "tls_failed"
    NOT_TLS = "not_tls"
    AUTH_FAILED = "auth_failed"
    MECHANISM_UNSUPPORTED = "mechanism_unsupported"
    # identity
    WRONG_CLUSTER = "wrong_cluster"
    WRONG_BROKER = "wrong_broker"
    LISTENER_MISMATCH = "listener_mismatch"
    # client library
    CLIENT_FAILED = "client_failed"
    # not run
    UPSTREAM_FAILED = "upstream_failed"
    DEADLINE = "deadline"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class StageError:
    """Why a stage failed or did not run, in a stable reason and a sentence."""

    reason: Reason
    message: str


D = TypeVar("D", covariant=True)
E = TypeVar("E")


@dataclass(frozen=True)
class StageResult(Generic[D]):
    """One stage's outcome: status, time taken, its detail and, unless it passed, its error."""

    status: StageStatus
    elapsed_ms: float | None = None
    detail: D | None = None
    error: StageError | None = None

    @property
    def ok(self) -> bool:
        return self.status is StageStatus.OK

    @property
    def failed(self) -> bool:
        return self.status is StageStatus.FAILED

    @property
    def reason(self) -> Reason | None:
        return self.error.reason if self.error else None

    @staticmethod
    def passed(elapsed_ms: float, detail: E) -> StageResult[E]:
        return StageResult(StageStatus.OK, round(elapsed_ms, 2), detail)

    @staticmethod
    def failure(
        elapsed_ms: float | None, reason: Reason, message: str, detail: E | None = None
    ) -> StageResult[E]:
        ms = None if elapsed_ms is None else round(elapsed_ms, 2)
        return StageResult(StageStatus.FAILED, ms, detail, StageError(reason, message))

    @classmethod
    def not_run(cls, reason: Reason, message: str) -> StageResult[D]:
        return cls(StageStatus.NOT_RUN, None, None, StageError(reason, message))

    @classmethod
    def deadline_cut(cls, elapsed_ms: float | None) -> StageResult[D]:
        """A stage stopped by the run's deadline: no verdict on the peer."""
        ms = None if elapsed_ms is None else round(elapsed_ms, 2)
        return cls(StageStatus.NOT_RUN, ms, None,
                   StageError(Reason.DEADLINE, "cut short by the run's deadline"))

    @classmethod
    def skipped(cls, message: str) -> StageResult[D]:
        return cls(StageStatus.SKIPPED, None, None, StageError(Reason.UNSUPPORTED, message))


# --- stage details -------------------------------------------------------------


@dataclass(frozen=True)
class DnsAnswer:
    """What DNS itself says about a name (dnspython), for the explanation."""

    status: DnsStatus
    a: tuple[str, ...] = ()
    aaaa: tuple[str, ...] = ()
    cname_chain: tuple[str, ...] = ()
    nameservers: tuple[str, ...] = ()
    message: str | None = None

    @property
    def addresses(self) -> tuple[str, ...]:
        return self.a + self.aaaa


@dataclass(frozen=True)
class CanonicalName:
    """One bootstrap address turned into the name a Java client connects to under
    client.dns.lookup=resolve_canonical_bootstrap_servers_only (InetAddress.getCanonicalHostName)."""

    address: str  # an address of the bootstrap host
    ptr: str | None  # its reverse DNS name (None: no PTR answer)
    confirmed: bool  # the PTR name resolves back to the address (the JVM's anti-spoofing check)
    name: str  # what the client uses: the PTR name when confirmed, else the address itself
    addresses: tuple[str, ...]  # what the client tries for that name
    ptr_addresses: tuple[str, ...] = ()  # what the PTR name resolves to here


@dataclass(frozen=True)
class ResolveDetail:
    """What resolving a host gave, and where the answer came from."""

    addresses: tuple[str, ...]  # the addresses this client tries, in its order
    source: ResolveSource
    hosts_file: tuple[str, ...] = ()  # addresses /etc/hosts gives for the name
    dns: DnsAnswer | None = None
    family: AddressFamily = AddressFamily.ANY  # broker.address.family
    not_tried: tuple[str, ...] = ()  # addresses of the name this client leaves out (family rules)
    lookup: DnsLookup | None = None  # client.dns.lookup (a Java client's rules); None: librdkafka's
    canonical: tuple[CanonicalName, ...] = ()  # resolve_canonical_bootstrap_servers_only, bootstrap only

    def server_name(self, address: str, host: str) -> str:
        """The host name a client verifies and authenticates against when it connects to
        ``address``: the canonical name that led to it, else ``host`` itself."""
        return next((c.name for c in self.canonical if address in c.addresses), host)


@dataclass(frozen=True)
class TcpDetail:
    """A TCP connection attempt to one address."""

    address: str
    port: int
    local_address: str | None = None


@dataclass(frozen=True)
class CertificateInfo:
    """The parts of an X.509 certificate that decide whether a client accepts it."""

    subject: str  # RFC 4514
    issuer: str
    common_name: str | None
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    not_before: str  # ISO 8601, UTC
    not_after: str
    serial: str  # hex
    sha256: str  # fingerprint of the DER encoding, hex
    self_signed: bool


class NameKind(StrEnum):
    """What kind of name a client checks a certificate for."""

    DNS = "dns"
    IP = "ip"


class MatchNote(StrEnum):
    """Why a name does not match a certificate (when more than "not listed" is known)."""

    TRAILING_DOT = "trailing_dot"
    WILDCARD_DEPTH = "wildcard_depth"  # a wildcard covers one label only
    IP_NOT_IN_SANS = "ip_not_in_sans"
    DNS_ONLY_IP = "dns_only_ip"  # the address is in the certificate as a DNS name, not an IP SAN
    NOT_LISTED = "not_listed"


@dataclass(frozen=True)
class NameMatch:
    """How a host name (as advertised) matches a certificate, by the rules clients apply."""

    name: str
    kind: NameKind
    matched: bool
    matched_by: str | None = None  # e.g. "DNS:*.example.com", "IP:10.0.0.5", "CN:broker"
    note: MatchNote | None = None


@dataclass(frozen=True)
class ServerNameProbe:
    """The same listener asked again with no server name (SNI): does its answer depend on the name?

    Made only when the certificate shown for the advertised name does not name it.
    """

    certificate: CertificateInfo | None  # what it showed with no SNI (None: no handshake)
    depends_on_server_name: bool | None  # a different certificate than for the name (None: unknown)
    error: str | None = None  # why the handshake without SNI did not complete


class TlsFailure(StrEnum):
    """How a TLS handshake failed. Part of the JSON contract (``tls.detail.failure``)."""

    NOT_TLS = "not_tls"  # the peer answered, but not in TLS
    TIMEOUT = "timeout"
    CLOSED = "closed"
    ALERT = "alert"  # the peer sent a TLS alert
    VERIFY = "verify"  # the certificate chain does not verify
    HOSTNAME = "hostname"  # the certificate does not name the host
    REJECTED = "rejected"  # the broker closed the connection after the handshake (mTLS)


class VerifyCode(IntEnum):
    """The OpenSSL X509_V_ERR_* codes the rules tell apart (others stay plain numbers)."""

    CERT_NOT_YET_VALID = 9
    CERT_HAS_EXPIRED = 10
    DEPTH_ZERO_SELF_SIGNED_CERT = 18
    SELF_SIGNED_CERT_IN_CHAIN = 19
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
    UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21


@dataclass(frozen=True)
class TlsDetail:
    """A TLS handshake with the client's settings, and the certificate the broker showed."""

    protocol: str | None = None  # TLSv1.3
    cipher: str | None = None
    certificate_verification: bool = True  # enable.ssl.certificate.verification
    trust_store: TrustStore = "system"
    verified: bool | None = None  # the chain verifies against the trust store (None: unknown)
    verify_code: int | None = None  # OpenSSL X509_V_ERR_* code
    verify_error: str | None = None  # OpenSSL's message, as the client prints it
    hostname_checked: str | None = None  # None: ssl.endpoint.identification.algorithm=none
    name_match: NameMatch | None = None
    certificate: CertificateInfo | None = None
    client_certificate: bool = False  # a client certificate was configured (mTLS)
    failure: TlsFailure | None = None
    alert: str | None = None  # the TLS alert or error the peer caused, as OpenSSL names it
    server_name: str | None = None  # the SNI sent: the host as advertised; None for an IP (RFC 6066)
    without_server_name: ServerNameProbe | None = None  # asked only when the certificate misses the name


class KafkaAnswer(StrEnum):
    """What answered an ApiVersions request. Part of the JSON contract (``kafka.detail.answer``)."""

    KAFKA = "kafka"
    HTTP = "http"
    TLS = "tls"
    SSH = "ssh"
    BANNER = "banner"  # a server that greets first (SMTP, POP3, IMAP)
    TEXT = "text"  # printable text of another protocol
    UNKNOWN = "unknown"
    SILENT = "silent"  # accepted the connection, said nothing
    CLOSED = "closed"  # closed or reset the connection without answering
    MALFORMED = "malformed"  # a Kafka-like frame that does not decode, or was cut short


@dataclass(frozen=True)
class KafkaDetail:
    """Answer to an ApiVersions request: Kafka or not, and what it speaks."""

    answer: KafkaAnswer
    api_versions: dict[str, tuple[int, int]] = field(default_factory=dict)
    preview: str | None = None  # first bytes of a non-Kafka answer, escaped


class SaslOutcome(StrEnum):
    """How SASL authentication ended. Part of the JSON contract (``sasl.detail.outcome``)."""

    NOT_RUN = "not_run"
    AUTHENTICATED = "authenticated"
    WRONG_PASSWORD = "wrong_password"
    UNKNOWN_USER = "unknown_user"
    INVALID_CREDENTIALS = "invalid_credentials"
    SERVER_SIGNATURE_INVALID = "server_signature_invalid"
    MECHANISM_UNSUPPORTED = "mechanism_unsupported"
    NOT_SASL = "not_sasl"
    NOT_CHECKED = "not_checked"
    ERROR = "error"


class MechanismsSource(StrEnum):
    """How the broker's SASL mechanisms were learnt."""

    HANDSHAKE = "handshake"  # the SaslHandshake answer lists them
    PROBED = "probed"  # asked one mechanism at a time


@dataclass(frozen=True)
class SaslDetail:
    """SaslHandshake and SaslAuthenticate with the client's mechanism and credentials."""

    mechanism: str
    username: str | None = None  # never the password
    enabled_mechanisms: tuple[str, ...] = ()
    mechanisms_source: MechanismsSource | None = None
    handshake_error: str | None = None
    authenticated: bool = False
    outcome: SaslOutcome = SaslOutcome.NOT_RUN
    broker_message: str | None = None  # the broker's own error message or SCRAM server error
    scram_iterations: int | None = None


@dataclass(frozen=True)
class ListenerDetail:
    """What a listener speaks, found by a confirming probe that ignores the client's settings.

    Run only when a stage fails the way a security.protocol mismatch does.
    """

    configured_protocol: str
    expected_protocol: str | None  # PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL; None: undecided
    speaks_tls: bool | None
    tls_evidence: str
    requires_sasl: bool | None
    sasl_evidence: str
    mechanisms: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdvertisedBroker:
    """A broker as a Metadata answer lists it: node id, advertised host and port, rack."""

    node_id: int
    host: str
    port: int
    rack: str | None = None

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.host, self.port)

    @property
    def address(self) -> str:
        return str(self.endpoint)


class ReadbackStatus(StrEnum):
    """What came of asking a broker (DescribeConfigs, BROKER resource) for its listener configuration."""

    READ = "read"
    REFUSED = "refused"  # an error code: authorization, or another broker's id
    EMPTY = "empty"  # answered, but without the listener keys (Tansu)
    UNSUPPORTED = "unsupported"  # no DescribeConfigs version in common
    FAILED = "failed"  # no answer, or an answer that does not decode


@dataclass(frozen=True)
class ConfigReadback:
    """The listener configuration keys a broker returned for itself (never secrets: none is asked)."""

    status: ReadbackStatus
    entries: tuple[tuple[str, str | None], ...] = ()
    error: str | None = None  # error name and message, or why nothing came back
    node_id: int | None = None  # the broker the answer is for


class ResponderIdSource(StrEnum):
    """How the id of the broker that answered a Metadata request is known."""

    DESCRIBE_CONFIGS = "describe_configs"  # it answered DescribeConfigs for its own id
    UNVERIFIED = "unverified"


@dataclass(frozen=True)
class MetadataDetail:
    """Metadata fetched through one address, and who answered it."""

    api_version: int
    cluster_id: str | None
    controller_id: int
    brokers: tuple[AdvertisedBroker, ...]
    responder_id: int | None = None  # the broker that answered, when it says so
    responder_id_source: ResponderIdSource = ResponderIdSource.UNVERIFIED
    config_readback: ConfigReadback | None = None  # the responder's own listener configuration


@dataclass(frozen=True, slots=True)
class PartitionMetadata:
    """One partition as a Metadata answer describes it (over the listener it was asked on)."""

    partition: int
    leader_id: int  # -1: no leader; an id missing from the broker list: the leader lacks this listener
    replicas: tuple[int, ...]
    isr: tuple[int, ...]
    offline_replicas: tuple[int, ...] = ()
    error_code: int = 0  # e.g. 72 LISTENER_NOT_FOUND, 5 LEADER_NOT_AVAILABLE
    leader_epoch: int = -1


@dataclass(frozen=True, slots=True)
class TopicMetadata:
    """One topic of a Metadata answer, with the partitions kept of it."""

    name: str
    error_code: int
    partitions: tuple[PartitionMetadata, ...]  # the ones processed (see TopicsDetail.truncated)
    is_internal: bool = False
    partition_count: int = 0  # partitions in the answer, processed or not

    @property
    def replication_factor(self) -> int:
        """Replicas per partition (the largest list: a reassignment can leave them uneven)."""
        return max((len(p.replicas) for p in self.partitions), default=0)


@dataclass(frozen=True)
class TopicsDetail:
    """One bounded Metadata request for topics on a bootstrap connection, and its answer.

    The broker list comes from the same answer, so leaders and brokers are one
    consistent snapshot. Past ``MAX_TOPICS`` topics or ``MAX_PARTITIONS``
    partitions the rest is counted but not kept (``truncated``).
    """

    api_version: int
    requested: tuple[str, ...]  # the topics asked for; () = all topics
    brokers: tuple[AdvertisedBroker, ...]
    topics: tuple[TopicMetadata, ...]
    topic_count: int  # topics in the answer
    partition_count: int  # partitions in the answer
    truncated: bool = False
    min_insync_replicas: dict[str, int] = field(default_factory=dict)  # topic -> min.insync.replicas
    configs_note: str | None = None  # why min.insync.replicas is unknown for some or all topics

    @property
    def broker_ids(self) -> frozenset[int]:
        return frozenset(b.node_id for b in self.brokers)

    def leaderless(self, topic: TopicMetadata, failing: frozenset[int]) -> int:
        """Partitions of ``topic`` whose leader a client of this listener cannot use: none
        (-1), not listed (lacks the listener), or among the ``failing`` brokers."""
        listed = self.broker_ids
        return sum(1 for p in topic.partitions
                   if p.leader_id < 0 or p.leader_id not in listed or p.leader_id in failing)


@dataclass(frozen=True)
class IdentityDetail:
    """Which cluster and broker answered through an advertised address, against what was expected."""

    expected_cluster_id: str | None
    seen_cluster_id: str | None
    expected_node_id: int
    seen_node_id: int | None
    node_id_verified: bool
    advertised_there: str | None  # where the reached listener says this broker is


@dataclass(frozen=True)
class BalancerDetail:
    """Which broker answered each of a few connections to one bootstrap address.

    Different broker ids behind one address mean a load balancer (or round-robin
    DNAT) spreads connections over the brokers: fine for bootstrapping, wrong as
    an advertised address.
    """

    host: str  # the bootstrap server sampled
    port: int
    ip: str  # the address it was reached on
    responders: tuple[int | None, ...]  # per connection, the broker that named itself (None: unknown)

    @property
    def address(self) -> str:
        return str(Endpoint(self.host, self.port))

    @property
    def broker_ids(self) -> tuple[int, ...]:
        """The distinct brokers reached, in the order first seen."""
        return tuple(dict.fromkeys(r for r in self.responders if r is not None))

    @property
    def balanced(self) -> bool:
        return len(self.broker_ids) > 1


@dataclass(frozen=True)
class ClientDetail:
    """What the real client library (librdkafka) saw with the user's settings."""

    library: str
    cluster_id: str | None = None
    brokers: tuple[AdvertisedBroker, ...] = ()
    error_code: str | None = None
    log: tuple[str, ...] = ()
    unreachable: tuple[tuple[int, str], ...] = ()  # brokers it could not talk to, with its error
    reached: tuple[int, ...] = ()  # brokers that answered it


# --- probes --------------------------------------------------------------------


NOT_DEEP: StageResult[Never] = StageResult.skipped("--deep was not given")  # one shared, frozen


@dataclass(frozen=True)
class AddressAttempt:
    """Everything tried on one resolved address of an endpoint."""

    address: str
    family: IpFamily
    tcp: StageResult[TcpDetail]
    tls: StageResult[TlsDetail]
    kafka: StageResult[KafkaDetail]
    sasl: StageResult[SaslDetail]
    metadata: StageResult[MetadataDetail]
    listener: StageResult[ListenerDetail] = field(
        default_factory=lambda: StageResult.skipped("no stage failed like a protocol mismatch"))
    deep: StageResult[DeepDetail] = NOT_DEEP

    @property
    def works(self) -> bool:
        return self.metadata.ok

    @property
    def mismatch(self) -> ListenerDetail | None:
        """The listener's real protocol, when a confirming probe found it differs from the client's."""
        d = self.listener.detail
        if d is None or d.expected_protocol in (None, d.configured_protocol):
            return None
        return d

    def result(self, stage: Stage) -> StageResult[object]:
        """The result of one of the attempt stages (see ``listencheck.stages``)."""
        result: StageResult[object] = getattr(self, stage.value)
        return result

    def first_failure(self) -> tuple[Stage, StageResult[object]] | None:
        for stage in ATTEMPT_STAGES:
            result = self.result(stage)
            if result.failed:
                return stage, result
        return None


@dataclass(frozen=True)
class EndpointProbe:
    """One host:port probed from here: resolution, then every resolved address."""

    endpoint: Endpoint
    classification: Classification
    resolve: StageResult[ResolveDetail]
    attempts: tuple[AddressAttempt, ...] = ()
    resolvers: StageResult[ResolversDetail] = NOT_DEEP

    @property
    def works(self) -> bool:
        return any(a.works for a in self.attempts)

    @cached_property  # rules ask for it many times per broker
    def chosen(self) -> AddressAttempt | None:
        """The attempt that tells the story: the first that works, else the one that got
        furthest (a Kafka-less answer on 127.0.0.1 says more than a refusal on ::1)."""
        working = next((a for a in self.attempts if a.works), None)
        if working is not None or not self.attempts:
            return working
        return max(self.attempts, key=lambda a: sum(
            a.result(stage).status is StageStatus.OK for stage in ATTEMPT_STAGES))

    @property
    def metadata(self) -> MetadataDetail | None:
        chosen = self.chosen
        return chosen.metadata.detail if chosen and chosen.metadata.ok else None

    def stage(self, stage: Stage) -> StageResult[object]:
        """The summary result of a probe stage across addresses (from the chosen attempt)."""
        if stage is Stage.RESOLVE:
            return self.resolve
        chosen = self.chosen
        if chosen is None:
            reason = self.resolve.reason or Reason.UPSTREAM_FAILED
            if self.resolve.status is StageStatus.NOT_RUN:
                return StageResult.not_run(reason, "resolution did not run")
            return StageResult.not_run(Reason.UPSTREAM_FAILED, "no address to try")
        return chosen.result(stage)


@dataclass(frozen=True)
class BrokerCheck:
    """An advertised broker, as the bootstrap described it and as probed from here."""

    advertised: AdvertisedBroker
    probe: EndpointProbe
    identity: StageResult[IdentityDetail]
    address_problem: str | None = None  # the advertised host:port cannot even be used


@dataclass(frozen=True)
class ClusterMetadata:
    """The bootstrap's answer: what every client is told."""

    source: str  # the bootstrap server (host:port) whose answer is used
    source_address: str  # the IP it was reached on
    detail: MetadataDetail
    verified: bool = True  # False: read over a TLS connection whose verification failed (see README)


@dataclass(frozen=True)
class BootstrapCheck:
    """One listener's bootstrap list (one command-line argument) and its brokers."""

    argument: str
    servers: tuple[EndpointProbe, ...]
    metadata: ClusterMetadata | None
    brokers: tuple[BrokerCheck, ...]
    client: StageResult[ClientDetail]
    topics: StageResult[TopicsDetail] = field(
        default_factory=lambda: StageResult.skipped("topic metadata was not requested"))
    balancer: StageResult[BalancerDetail] = field(
        default_factory=lambda: StageResult.skipped("the bootstrap was not sampled for a load balancer"))
    # The reverse DNS name of the address the bootstrap answered on: asked only when a broker
    # advertises a short name that does not resolve here (is it the machine's own name?).
    source_name: str | None = None

    @property
    def answered(self) -> bool:
        return self.metadata is not None

    @property
    def failing_broker_ids(self) -> frozenset[int]:
        """Advertised brokers that do not work from here (listencheck's probes or the client library)."""
        failing = {b.advertised.node_id for b in self.brokers if not b.probe.works}
        if self.client.detail is not None:
            failing.update(node_id for node_id, _ in self.client.detail.unreachable)
        return frozenset(failing)


@dataclass(frozen=True)
class Vantage:
    """Where the check ran: the client's point of view."""

    name: str
    hostname: str
    addresses: tuple[str, ...]
    proxy_variables: tuple[str, ...] = ()  # HTTP(S)_PROXY / ALL_PROXY set here: names only, never values


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]

    def at_least(self, threshold: Severity) -> bool:
        return self.rank <= threshold.rank


@dataclass(frozen=True)
class Expectations:
    """What a smoke test requires of the cluster, beyond every listener working."""

    brokers: int | None = None
    cluster_id: str | None = None
    advertised: tuple[str, ...] = ()  # host:port, normalised as Endpoint prints it
    brokers_minimum: bool = False  # `brokers` is a minimum (--expect-brokers N+), not an exact count


@dataclass(frozen=True)
class Settings:
    """The options of a run, safe to print: property names only, never values."""

    timeout_s: float
    deadline_s: float
    security_protocol: str
    client_properties: tuple[str, ...]
    resolver: str = "system"
    expect: Expectations = field(default_factory=Expectations)
    fail_on: Severity = Severity.ERROR  # the lowest severity that fails the run
    deep: bool = False  # --deep: raw-packet probes and DNS asked per resolver
    dns_servers: tuple[str, ...] = ()  # --dns-server: asked besides resolv.conf's (with --deep)
    address_family: AddressFamily = AddressFamily.ANY  # broker.address.family (librdkafka)
    dns_lookup: DnsLookup | None = None  # client.dns.lookup (Java client); None: not given


JsonValue = str | int | float | bool | None | Sequence["JsonValue"] | Mapping[str, "JsonValue"]


class SubjectKind(StrEnum):
    """What a finding is about. Part of the JSON contract."""

    RUN = "run"  # the run as a whole (or the listeners checked together)
    BOOTSTRAP = "bootstrap"  # one bootstrap argument: a listener's bootstrap list as a whole
    SERVER = "server"  # one bootstrap server of that list (host:port)
    BROKER = "broker"  # one advertised broker (id and advertised host:port)


@dataclass(frozen=True)
class Subject:
    """Who a finding is about; the constructors name the combinations that exist."""

    kind: SubjectKind
    bootstrap: str | None = None  # the bootstrap argument, for every kind but run
    broker_id: int | None = None  # brokers only
    address: str | None = None  # host:port: the server, the advertised address (None: a broker
    # the bootstrap did not list), or what a check is about

    def __post_init__(self) -> None:
        needs = {SubjectKind.RUN: (False, False), SubjectKind.BOOTSTRAP: (True, False),
                 SubjectKind.SERVER: (True, False), SubjectKind.BROKER: (True, True)}[self.kind]
        if needs != (self.bootstrap is not None, self.broker_id is not None) or (
                self.kind is SubjectKind.SERVER and self.address is None):
            raise ValueError(f"not a valid {self.kind.value} subject: {self}")

    @classmethod
    def run(cls, address: str | None = None) -> Subject:
        return cls(SubjectKind.RUN, address=address)

    @classmethod
    def of_bootstrap(cls, bootstrap: str, address: str | None = None) -> Subject:
        return cls(SubjectKind.BOOTSTRAP, bootstrap, address=address)

    @classmethod
    def server(cls, bootstrap: str, address: str) -> Subject:
        return cls(SubjectKind.SERVER, bootstrap, address=address)

    @classmethod
    def broker(cls, bootstrap: str, broker_id: int, address: str | None) -> Subject:
        return cls(SubjectKind.BROKER, bootstrap, broker_id, address)


@dataclass(frozen=True)
class Finding:
    """One catalogued finding about one subject at one stage.

    Constructing one checks it against the catalogue: the severity must be one
    the code's entry allows.
    """

    code: FindingCode
    severity: Severity
    subject: Subject
    stage: Stage
    message: str
    fix: str
    evidence: dict[str, JsonValue]
    diff: str | None = None  # a client-side fix as a unified diff of a given file (extra_hosts)

    def __post_init__(self) -> None:
        from listencheck.catalogue import CATALOGUE  # the catalogue builds on these models

        if self.severity not in CATALOGUE[self.code].severities:
            raise ValueError(f"{self.code} cannot be {self.severity.value}")

    @property
    def bootstrap(self) -> str | None:
        return self.subject.bootstrap

    @property
    def broker_id(self) -> int | None:
        return self.subject.broker_id

    @property
    def address(self) -> str | None:
        return self.subject.address


@dataclass(frozen=True)
class Problem:
    """Findings that stem from one cause at one subject: one headline, one fix.

    The first code is the primary finding (the stage that fails); the others
    explain it (the kind of address advertised) or follow from it (the client
    library failing on the same broker). Every finding keeps its code in the
    report: codes are the contract, problems what a person reads.
    """

    id: str  # P1, P2... in report order
    severity: Severity
    subject: Subject
    stage: Stage
    codes: tuple[FindingCode, ...]
    headline: str
    fix: str
    findings: tuple[int, ...]  # indexes into Report.findings, the primary first

    @classmethod
    def single(cls, number: int, index: int, finding: Finding) -> Problem:
        return cls(f"P{number}", finding.severity, finding.subject, finding.stage, (finding.code,),
                   finding.message, finding.fix, (index,))


@dataclass(frozen=True)
class Verdict:
    """The run's conclusion: exit code, finding counts and how many problems fail the run."""

    exit_code: int
    errors: int
    warnings: int
    infos: int
    summary: str
    problems: int = 0  # problems at or above --fail-on: what the user has to fix


@dataclass(frozen=True)
class CheckResult:
    """Everything measured in a run, before analysis."""

    started_at: str
    finished_at: str
    duration_ms: float
    vantage: Vantage
    settings: Settings
    bootstraps: tuple[BootstrapCheck, ...]
    interrupted: bool = False
    deadline_hit: bool = False
    given_configs: tuple[ConfigFile, ...] = ()  # --broker-config files, as read
    stopped_by: str | None = None  # SIGINT or SIGTERM, when interrupted
    failure: RunFailure | None = None  # the run could not measure anything, and why


@dataclass(frozen=True)
class RunFailure:
    """Why a run has no measurements: it could not start, or was cancelled before it measured."""

    kind: RunFailureKind
    message: str


class WaitEnd(StrEnum):
    """How ``--wait`` ended. Part of the JSON contract (``wait.outcome``)."""

    READY = "ready"
    TIMED_OUT = "timed_out"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class WaitRecord:
    """What ``--wait`` did: the attempts, and when (if ever) the cluster was ready."""

    wait_s: float
    passes_required: int  # consecutive passing attempts that mean "ready" (--wait-passes)
    attempts: int  # attempts run (the last one is the report)
    consecutive_passes: int  # passing attempts in a row at the end
    first_pass: int | None  # number of the first attempt that passed
    ready_after_ms: float | None  # from the first attempt's start until ready; None if never
    outcome: WaitEnd


@dataclass(frozen=True)
class Report:
    """A check result with its findings and verdict: what renderers print."""

    tool_version: str
    result: CheckResult
    findings: tuple[Finding, ...]
    verdict: Verdict
    fixes: tuple[BrokerFix, ...] = ()  # the configuration change per broker, as data
    wait: WaitRecord | None = None
    problems: tuple[Problem, ...] = ()  # the findings grouped by cause; every finding in one
