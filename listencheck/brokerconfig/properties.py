"""server.properties (Java properties syntax) and .env / environment lists."""

from __future__ import annotations

import re
from pathlib import PurePath

from listencheck.brokerconfig.envvars import bitnami_defaults, environment_settings, image_variables
from listencheck.brokerconfig.model import (
    BrokerConfigError,
    ConfigFile,
    FileKind,
    ListenerConfig,
    Platform,
    Source,
    SourceKind,
    setting,
)

_KEY_VALUE = re.compile(r"^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$")


def parse_properties(text: str, path: str) -> list[tuple[str, str, int]]:
    """(key, value, line) of a Java properties file: comments, continuations, escapes."""
    out: list[tuple[str, str, int]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        line = lines[i].lstrip()
        i += 1
        if not line or line[0] in "#!":
            continue
        while _continues(line) and i < len(lines):
            line = line[:-1] + lines[i].lstrip()
            i += 1
        if _continues(line):
            line = line[:-1]
        m = _KEY_VALUE.match(line)
        key, value = (m[1], m[2]) if m else (line, "")
        out.append((_unescape(key), _unescape(value.strip()), start + 1))
    return out


def read_properties(text: str, path: str) -> ConfigFile:
    source_path = str(path)
    settings = tuple(
        setting(k, v, Source(SourceKind.FILE, source_path, line, k))
        for k, v, line in parse_properties(text, source_path)
    )
    name = PurePath(path).name
    return ConfigFile(
        source_path,
        FileKind.PROPERTIES,
        (ListenerConfig(name, settings, Platform.PROPERTIES, origin=Source(SourceKind.FILE, path)),),
    )


_ENV_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$")


def parse_env(text: str, path: str) -> list[tuple[str, str, Source]]:
    """(name, value, source) of a .env file or an environment list (NAME=value per line)."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _ENV_LINE.match(line)
        if m is None:
            # The line itself is not quoted: it may hold a secret.
            raise BrokerConfigError("expected NAME=value", path, number)
        out.append((m[1], unquote(m[2]), Source(SourceKind.FILE, path, number, m[1])))
    return out


def read_env(text: str, path: str) -> ConfigFile:
    env = parse_env(text, path)
    platform = Platform.BITNAMI if any(n.startswith("KAFKA_CFG_") for n, _, _ in env) else None
    applied, ignored = environment_settings(env, platform)
    if platform is Platform.BITNAMI:
        applied += bitnami_defaults(applied, path, None)
    name = PurePath(path).name
    return ConfigFile(
        path,
        FileKind.ENV,
        (ListenerConfig(name, applied, platform, origin=Source(SourceKind.FILE, path), ignored=ignored,
                        image_variables=image_variables(env)),),
    )


def unquote(value: str) -> str:
    """A .env value: quotes removed, an unquoted trailing `` # comment`` dropped."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return re.sub(r"\s+#.*$", "", value)


def _continues(line: str) -> bool:
    return (len(line) - len(line.rstrip("\\"))) % 2 == 1


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), text)
