"""A real producer: create a topic and deliver one message, as an application would.

``python -m tests.support.produce BOOTSTRAP`` prints ``delivered`` and exits 0, or
prints why not and exits 1. Bounded: every wait has a timeout.
"""

from __future__ import annotations

import sys


def produce(bootstrap: str, topic: str = "closed-loop") -> str:
    from confluent_kafka import KafkaException, Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, 1, 1)], request_timeout=10).values():
        try:
            future.result(15)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                return f"create topic: {exc}"
    outcome: list[object] = []
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 10000})
    producer.produce(topic, b"listencheck closed loop", on_delivery=lambda err, msg: outcome.append(err))
    producer.flush(15)
    return "delivered" if outcome == [None] else f"not delivered: {outcome or 'no delivery report'}"


if __name__ == "__main__":
    result = produce(sys.argv[1])
    print(result)
    sys.exit(0 if result == "delivered" else 1)
