"""Broker listener configurations: the model, and readers for the forms users write."""

from listencheck.brokerconfig.model import (
    DEFAULT_PROTOCOL_MAP,
    AdvertisedListener,
    ConfigError,
    Listener,
    ListenerConfig,
    ListenerRole,
    Mode,
    Platform,
    ProcessRole,
    PublishedPort,
    SecurityProtocol,
    Setting,
    Source,
    SourceKind,
    is_secret_key,
    parse_listeners,
    parse_protocol_map,
    platform_for_image,
    setting,
)

__all__ = [
    "DEFAULT_PROTOCOL_MAP", "AdvertisedListener", "ConfigError", "Listener", "ListenerConfig",
    "ListenerRole", "Mode", "Platform", "ProcessRole", "PublishedPort", "SecurityProtocol", "Setting",
    "Source", "SourceKind", "is_secret_key", "parse_listeners", "parse_protocol_map",
    "platform_for_image", "setting",
]
