"""The Java client's names for the librdkafka settings a fix mentions.

Fixes speak librdkafka (the client listencheck itself runs); a Java application
(kafka-clients, Spring, Kafka Streams, Connect) spells the same thing differently.
"""

from __future__ import annotations

_JAVA = {
    "ssl.ca.location": "ssl.truststore.location=<truststore> (ssl.truststore.type=PEM takes the CA's "
                       "PEM file as it is)",
    "sasl": "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
            "username=\"<user>\" password=\"<password>\"; (ScramLoginModule for SCRAM-SHA-256/512)",
    "ssl.endpoint.identification.algorithm=none": "an empty ssl.endpoint.identification.algorithm= "
                                                  "(the value none is not recognised there)",
    "broker.address.family=v4": "the JVM option -Djava.net.preferIPv4Stack=true",
    "broker.address.family=v6": "the JVM option -Djava.net.preferIPv6Addresses=true",
    "ssl.certificate.location": "ssl.keystore.location=<keystore with the client certificate and key> "
                                "(+ ssl.keystore.password, ssl.key.password; ssl.keystore.type=PEM takes "
                                "PEM files)",
}


def java(*settings: str) -> str:
    """' Java client: …' for the given librdkafka settings (keys of the table above)."""
    parts = [_JAVA[s] for s in settings if s in _JAVA]
    return f" Java client: {'; '.join(parts)}." if parts else ""


__all__ = ["java"]
