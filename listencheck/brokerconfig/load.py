"""Read any configuration file the user gives: recognise its kind and dispatch to its reader."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path

from listencheck.brokerconfig.model import (
    BrokerConfigError,
    ConfigFile,
    FileKind,
    ListenerConfig,
    Platform,
    Source,
    SourceKind,
)


def read_config_file(path: str | Path, environ: Mapping[str, str] | None = None) -> ConfigFile:
    """The brokers configured in ``path``; BrokerConfigError (with file and line) when unreadable."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise BrokerConfigError(f"not a text file (byte {e.start} is not UTF-8)", name) from None
    except OSError as e:
        raise BrokerConfigError(e.strerror or str(e), name) from None
    return parse_config_text(text, name, environ)


def parse_config_text(text: str, path: str, environ: Mapping[str, str] | None = None) -> ConfigFile:
    suffix = Path(path).suffix.lower()
    if suffix in {".yaml", ".yml"} or (
        suffix not in {".properties", ".env", ".conf"} and _looks_like_yaml(text)
    ):
        return _read_yaml(text, path, environ)
    if "--advertise-kafka-addr" in text or "--kafka-addr" in text:
        return _read_flags(text, path)
    from listencheck.brokerconfig.properties import read_env, read_properties

    if suffix == ".env" or Path(path).name.startswith(".env") or _looks_like_env(text):
        return read_env(text, path)
    return read_properties(text, path)


def _read_yaml(text: str, path: str, environ: Mapping[str, str] | None) -> ConfigFile:
    from listencheck.brokerconfig.compose import read_compose
    from listencheck.brokerconfig.redpanda import read_redpanda_yaml
    from listencheck.brokerconfig.strimzi import is_strimzi_kafka, read_strimzi
    from listencheck.brokerconfig.yamlnodes import load_yaml

    docs = load_yaml(text, path)
    for doc in docs:
        if is_strimzi_kafka(doc):
            return read_strimzi(doc, path)
    for doc in docs:
        if doc.get("services") is not None:
            return read_compose(doc, path, environ)
        if doc.get("redpanda") is not None:
            return read_redpanda_yaml(doc, path)
    raise BrokerConfigError(
        "YAML, but neither a Compose file, a Strimzi Kafka resource nor redpanda.yaml",
        path,
        docs[0].line if docs else None,
    )


def _read_flags(text: str, path: str) -> ConfigFile:
    from listencheck.brokerconfig.redpanda import redpanda_flag_settings

    line = next(i for i, t in enumerate(text.splitlines(), 1) if "kafka-addr" in t)
    try:
        args = shlex.split(text.replace("\\\n", " "), comments=True)
    except ValueError as e:
        raise BrokerConfigError(f"cannot split the command line: {e}", path, line) from None
    settings = redpanda_flag_settings(args, path, line)
    return ConfigFile(
        path,
        FileKind.REDPANDA,
        (ListenerConfig(Path(path).name, settings, Platform.REDPANDA, origin=Source(SourceKind.FILE, path)),),
    )


def _looks_like_yaml(text: str) -> bool:
    return bool(re.search(r"^(services|apiVersion|redpanda|version)\s*:\s*", text, re.MULTILINE))


def _looks_like_env(text: str) -> bool:
    lines = [t.strip() for t in text.splitlines() if t.strip() and not t.strip().startswith("#")]
    return bool(lines) and all(re.match(r"^(export\s+)?[A-Z_][A-Z0-9_]*=", t) for t in lines)


__all__ = ["ConfigFile", "FileKind", "parse_config_text", "read_config_file"]
