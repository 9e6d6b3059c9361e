"""Client-side fixes as diffs: the change belongs to a client container of a file the user
gave with --broker-config, not to a broker (the sidecar without ``extra_hosts`` for
``host.docker.internal``). Pure: findings and file texts in, findings with diffs out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from listencheck.codes import FindingCode
from listencheck.fixes.diff import extra_hosts_diff
from listencheck.lint.rules import ConfigFinding
from listencheck.models import Finding

HOST_GATEWAY = "host-gateway"  # Docker's name for the host's address on the default bridge


def client_file(finding: Finding) -> str | None:
    """The file a client-side finding would patch (None: not a client-side finding)."""
    if finding.code is not FindingCode.CONFIG_HOST_ALIAS_NO_EXTRA_HOSTS:
        return None
    path = finding.evidence.get("file")
    return path if isinstance(path, str) else None


def extra_hosts_entry(finding: Finding) -> str | None:
    """``host.docker.internal:host-gateway`` for the advertised alias the client cannot resolve."""
    advertised = finding.evidence.get("advertised")
    if not isinstance(advertised, str) or ":" not in advertised:
        return None
    return f"{advertised.rpartition(':')[0]}:{HOST_GATEWAY}"


def config_findings_with_diffs(findings: tuple[ConfigFinding, ...],
                               texts: Mapping[str, str]) -> tuple[ConfigFinding, ...]:
    """``listencheck lint``: each client-side finding with the diff of its file."""
    out = []
    for f in findings:
        path, client = f.source.path, f.evidence.get("client")
        advertised = f.evidence.get("advertised")
        text = texts.get(path) if path is not None else None
        if (f.code is not FindingCode.CONFIG_HOST_ALIAS_NO_EXTRA_HOSTS or path is None or text is None
                or f.source.line is None or not isinstance(client, str) or not isinstance(advertised, str)):
            out.append(f)
            continue
        entry = f"{advertised.rpartition(':')[0]}:{HOST_GATEWAY}"
        out.append(replace(f, diff=extra_hosts_diff(path, text, client, f.source.line, entry)))
    return tuple(out)


def with_client_diffs(findings: tuple[Finding, ...], texts: Mapping[str, str]) -> tuple[Finding, ...]:
    """Each client-side finding with the diff of its file (``texts``: path -> content)."""
    out = []
    for f in findings:
        path, line, entry = client_file(f), f.evidence.get("line"), extra_hosts_entry(f)
        client = f.evidence.get("client")
        text = texts.get(path) if path is not None else None
        if (path is None or text is None or entry is None or not isinstance(line, int)
                or not isinstance(client, str)):
            out.append(f)
            continue
        out.append(replace(f, diff=extra_hosts_diff(path, text, client, line, entry)))
    return tuple(out)


__all__ = ["client_file", "config_findings_with_diffs", "extra_hosts_entry", "with_client_diffs"]
