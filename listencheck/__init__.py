"""listencheck: why your Kafka client reaches the bootstrap address but not the brokers."""

__version__ = "0.1.0"
