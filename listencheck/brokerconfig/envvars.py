"""Container environment variables -> Kafka settings, as each image translates them.

apache/kafka and confluentinc/cp-kafka: ``KAFKA_FOO_BAR`` -> ``foo.bar`` (``__`` -> ``_``,
``___`` -> ``-``). bitnami/kafka: only ``KAFKA_CFG_FOO_BAR`` -> ``foo.bar``; its other
``KAFKA_*`` variables are the image's own, and a Kafka setting written without ``CFG_``
is ignored by the image.
"""

from __future__ import annotations

from collections.abc import Sequence

from listencheck.brokerconfig.model import Platform, Setting, Source, setting

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
# Bitnami reads a few listener variables without CFG_ in no version: these are the traps.
BITNAMI_PREFIX = "KAFKA_CFG_"


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


def environment_settings(
    env: Sequence[tuple[str, str, Source]], platform: Platform | None
) -> tuple[tuple[Setting, ...], tuple[Setting, ...]]:
    """(settings the image applies, settings written but ignored by it) from variables."""
    applied: list[Setting] = []
    ignored: list[Setting] = []
    for name, value, source in env:
        if platform is Platform.BITNAMI:
            key = kafka_key(name, BITNAMI_PREFIX)
            if key is not None:
                applied.append(setting(key, value, source))
            elif (plain := kafka_key(name)) is not None and not name.startswith(BITNAMI_PREFIX):
                ignored.append(setting(plain, value, source))
            continue
        key = kafka_key(name)
        if key is not None:
            applied.append(setting(key, value, source))
    return tuple(applied), tuple(ignored)
