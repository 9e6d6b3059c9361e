"""Container environment variables -> Kafka settings, as each image translates them.

apache/kafka and confluentinc/cp-kafka: ``KAFKA_FOO_BAR`` -> ``foo.bar`` (``__`` -> ``_``,
``___`` -> ``-``). bitnami/kafka: ``KAFKA_CFG_FOO_BAR`` -> ``foo.bar``; its setup script also
maps a fixed list of legacy names (``KAFKA_LISTENERS``, ``KAFKA_ADVERTISED_LISTENERS``, ...)
onto their ``KAFKA_CFG_`` twins, overriding them (libkafka.sh,
``kafka_create_alias_environment_variables``); its other ``KAFKA_*`` variables are the
image's own, and any other Kafka setting written without ``CFG_`` (``KAFKA_CONTROLLER_LISTENER_NAMES``)
is ignored by the image.

bitnami/kafka sets no listener of its own: it comments out the listener lines of the packaged
server.properties (``kafka_server_unify_conf``) and ships no ``KAFKA_CFG_LISTENERS`` default, so
without one the broker runs with Kafka's default ``listeners=PLAINTEXT://:9092`` (advertised:
the canonical host name, in a container its id). There is no KRaft controller listener default
either: a node with the controller role and no ``KAFKA_CFG_CONTROLLER_LISTENER_NAMES``, or whose
``KAFKA_CFG_LISTENERS`` lacks that listener, is refused by the image's validation
(``kafka_validate``). https://github.com/bitnami/containers/tree/main/bitnami/kafka
"""

from __future__ import annotations

from collections.abc import Sequence

from listencheck.brokerconfig.model import Platform, Setting, Source, SourceKind, setting

# Variables the images read themselves: not broker settings.
_IMAGE_OWN = {
    "KAFKA_HEAP_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JMX_PORT",
    "KAFKA_JMX_HOSTNAME",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_DEBUG",
    "KAFKA_HOME",
    "KAFKA_VERSION",
    "KAFKA_CLUSTER_ID",
    "KAFKA_KRAFT_CLUSTER_ID",
    "KAFKA_ENABLE_KRAFT",
    "KAFKA_CLIENT_USERS",
    "KAFKA_CLIENT_PASSWORDS",
    "KAFKA_CLIENT_LISTENER_NAME",
    "KAFKA_INTER_BROKER_USER",
    "KAFKA_INTER_BROKER_PASSWORD",
    "KAFKA_CONTROLLER_USER",
    "KAFKA_CONTROLLER_PASSWORD",
    "KAFKA_CERTIFICATE_PASSWORD",
    "KAFKA_TLS_TYPE",
    "KAFKA_TLS_CLIENT_AUTH",
    "KAFKA_MOUNTED_CONF_DIR",
    "KAFKA_SKIP_KRAFT_STORAGE_INIT",
    "KAFKA_INITIAL_CONTROLLERS",  # bitnami/kafka 4.1+: the dynamic quorum's first controllers
    "KAFKA_ZOOKEEPER_PROTOCOL",
    "KAFKA_ZOOKEEPER_USER",
    "KAFKA_ZOOKEEPER_PASSWORD",
    "KAFKA_CFG_PREFIX",
    "KAFKA_DATA_DIR",
    "KAFKA_CONF_FILE",
    "KAFKA_INITIAL_START_TIMEOUT",
    "KAFKA_KRAFT_BOOTSTRAP_SCRAM_USERS",
    "KAFKA_SASL_ENABLED_MECHANISMS",
    "KAFKA_ZOOKEEPER_TLS_TYPE",
    "KAFKA_ZOOKEEPER_TLS_VERIFY_HOSTNAME",
}
BITNAMI_PREFIX = "KAFKA_CFG_"
# libkafka.sh kafka_create_alias_environment_variables: KAFKA_<suffix> -> KAFKA_CFG_<suffix>.
_BITNAMI_ALIAS_SUFFIXES = (
    "ADVERTISED_LISTENERS", "BROKER_ID", "NODE_ID", "CONTROLLER_QUORUM_VOTERS", "PROCESS_ROLES",
    "DEFAULT_REPLICATION_FACTOR", "DELETE_TOPIC_ENABLE", "INTER_BROKER_LISTENER_NAME", "LISTENERS",
    "LISTENER_SECURITY_PROTOCOL_MAP", "LOG_DIRS", "LOG_FLUSH_INTERVAL_MESSAGES", "LOG_FLUSH_INTERVAL_MS",
    "LOG_MESSAGE_FORMAT_VERSION", "LOG_RETENTION_BYTES", "LOG_RETENTION_CHECK_INTERVALS_MS",
    "LOG_RETENTION_HOURS", "LOG_SEGMENT_BYTES", "MESSAGE_MAX_BYTES", "NUM_IO_THREADS",
    "NUM_NETWORK_THREADS", "NUM_PARTITIONS", "NUM_RECOVERY_THREADS_PER_DATA_DIR",
    "OFFSETS_TOPIC_REPLICATION_FACTOR", "SOCKET_RECEIVE_BUFFER_BYTES", "SOCKET_REQUEST_MAX_BYTES",
    "SOCKET_SEND_BUFFER_BYTES", "SSL_ENDPOINT_IDENTIFICATION_ALGORITHM", "TRANSACTION_STATE_LOG_MIN_ISR",
    "TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "ZOOKEEPER_CONNECT", "ZOOKEEPER_CONNECTION_TIMEOUT_MS",
)
BITNAMI_ALIASES: dict[str, str] = {
    **{f"KAFKA_{s}": f"{BITNAMI_PREFIX}{s}" for s in _BITNAMI_ALIAS_SUFFIXES},
    "KAFKA_LOGS_DIRS": "KAFKA_CFG_LOG_DIRS",
    "KAFKA_SEGMENT_BYTES": "KAFKA_CFG_LOG_SEGMENT_BYTES",
    "KAFKA_MAX_MESSAGE_BYTES": "KAFKA_CFG_MESSAGE_MAX_BYTES",
    "KAFKA_ZOOKEEPER_CONNECT_TIMEOUT_MS": "KAFKA_CFG_ZOOKEEPER_CONNECTION_TIMEOUT_MS",
    "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "KAFKA_CFG_AUTO_CREATE_TOPICS_ENABLE",
}
KAFKA_DEFAULT_LISTENERS = "PLAINTEXT://:9092"  # Kafka's own default (SocketServerConfigs)


def kafka_key(variable: str, prefix: str = "KAFKA_") -> str | None:
    """The Kafka setting an environment variable names (None: not a broker setting)."""
    if not variable.startswith(prefix) or variable in _IMAGE_OWN or variable == prefix.rstrip("_"):
        return None
    rest = variable[len(prefix) :]
    return (
        rest.lower()
        .replace("___", "\0")
        .replace("__", "\1")
        .replace("_", ".")
        .replace("\0", "-")
        .replace("\1", "_")
    )


def image_variables(env: Sequence[tuple[str, str, Source]]) -> tuple[str, ...]:
    """The names of the image's own variables set to a value (never their values)."""
    return tuple(dict.fromkeys(name for name, value, _ in env if name in _IMAGE_OWN and value.strip()))


def environment_settings(
    env: Sequence[tuple[str, str, Source]], platform: Platform | None
) -> tuple[tuple[Setting, ...], tuple[Setting, ...]]:
    """(settings the image applies, settings written but ignored by it) from variables."""
    applied: list[Setting] = []
    ignored: list[Setting] = []
    aliased: list[Setting] = []  # Bitnami applies its legacy aliases after (over) KAFKA_CFG_*
    for name, value, source in env:
        if platform is Platform.BITNAMI:
            key = kafka_key(name, BITNAMI_PREFIX)
            if key is not None:
                applied.append(setting(key, value, source))
            elif name in BITNAMI_ALIASES:
                aliased.append(setting(kafka_key(BITNAMI_ALIASES[name], BITNAMI_PREFIX) or "", value, source))
            elif (plain := kafka_key(name)) is not None and not name.startswith(BITNAMI_PREFIX):
                ignored.append(setting(plain, value, source))
            continue
        key = kafka_key(name)
        if key is not None:
            applied.append(setting(key, value, source))
    return tuple(applied + aliased), tuple(ignored)


def bitnami_defaults(settings: tuple[Setting, ...], path: str, line: int | None) -> tuple[Setting, ...]:
    """What a bitnami/kafka broker runs with for the listener settings its environment leaves
    unset: the image sets none, so Kafka's default ``listeners`` applies (no default controller
    listener: the image refuses a controller without one)."""
    if any(s.key == "listeners" for s in settings):
        return ()
    source = Source(SourceKind.DEFAULT, path, line,
                    "Kafka's default: bitnami/kafka sets no KAFKA_CFG_LISTENERS")
    return (setting("listeners", KAFKA_DEFAULT_LISTENERS, source),)
