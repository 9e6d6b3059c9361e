"""The fix as a unified diff of the file the user gave (server.properties, .env, Compose; a
Strimzi Kafka resource and redpanda.yaml through listencheck.fixes.yamldiff).

Each changed setting is rewritten on its own line, in the file's own spelling
(``listeners=``, ``KAFKA_LISTENERS:``, ``- KAFKA_CFG_LISTENERS=``, quotes kept); a
setting the file lacks is added after the ``listeners`` line in the same style; a
Compose port mapping is added (or re-pointed) next to the existing ones. Pure: text in,
text out.
"""

from __future__ import annotations

import difflib
import re

from listencheck.brokerconfig.envvars import BITNAMI_PREFIX
from listencheck.brokerconfig.model import ListenerConfig, Platform, SourceKind
from listencheck.brokerconfig.redpanda import UNNAMED
from listencheck.fixes.change import KEYS, ListenerChange
from listencheck.fixes.platforms import env_name
from listencheck.fixes.yamldiff import redpanda_patched, strimzi_patched

_QUOTES = "\"'"


def unified_diff(change: ListenerChange, path: str, text: str) -> str | None:
    """The diff of ``path`` (whose content is ``text``) that applies ``change``; None when the
    broker's configuration did not come from that file or its lines are unknown."""
    return file_diff(path, text, patched(change, path, text))


def extra_hosts_diff(path: str, text: str, service: str, line: int, entry: str) -> str | None:
    """The diff of a Compose file that gives ``service`` (declared at or just before ``line``,
    1-based) the ``extra_hosts`` entry ``entry`` (``host.docker.internal:host-gateway``): a
    client-side fix. None when no such service key is found there."""
    return file_diff(path, text, extra_hosts_patched(text, service, line, entry))


def file_diff(path: str, text: str, new_text: str | None) -> str | None:
    if new_text is None or new_text == text:
        return None
    return "".join(difflib.unified_diff(
        text.splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=f"a/{path.lstrip('/')}", tofile=f"b/{path.lstrip('/')}",
    ))


def extra_hosts_patched(text: str, service: str, line: int, entry: str) -> str | None:
    """``text`` with ``entry`` added to the service's ``extra_hosts`` in the file's own style: a
    block list gets one more item, a flow list one more element, a mapping one more key; a service
    without ``extra_hosts`` gets a block list right under its name."""
    lines = text.splitlines(keepends=True)
    key = re.compile(rf"\s*[\"']?{re.escape(service)}[\"']?\s*:\s*(#.*)?$")
    i = next((j for j in range(min(line, len(lines)) - 1, max(line - 21, -1), -1)
              if key.match(lines[j])), None)
    if i is None:
        return None
    own = _indent(lines[i])
    ending = lines[i][len(lines[i].rstrip("\r\n")):] or "\n"
    body = []  # (index, line) of the service's own lines
    for j in range(i + 1, len(lines)):
        if lines[j].strip() and not lines[j].lstrip().startswith("#") and _indent(lines[j]) <= own:
            break
        body.append(j)
    keyed = [j for j in body if lines[j].strip() and not lines[j].lstrip().startswith("#")]
    indent = " " * (_indent(lines[keyed[0]]) if keyed else own + 2)
    name, _, target = entry.partition(":")
    for j in keyed:
        m = re.match(r"(\s*)extra_hosts\s*:\s*(.*?)\s*$", lines[j].rstrip("\r\n"))
        if m is None or len(m[1]) != len(indent):
            continue
        flow = m[2]
        if flow.startswith("["):  # extra_hosts: ["a:b"] -> ["a:b", "entry"]
            close = lines[j].rindex("]")
            sep = ", " if flow.strip("[] ") else ""
            lines[j] = f'{lines[j][:close]}{sep}"{entry}"{lines[j][close:]}'
            return "".join(lines)
        items = []  # the lines of its block value (a sequence may sit at the key's own indent)
        for k in (k for k in keyed if k > j):
            if _indent(lines[k]) < len(indent) or (
                    _indent(lines[k]) == len(indent) and not lines[k].lstrip().startswith("-")):
                break
            items.append(k)
        template = lines[items[-1]] if items else None
        if template is not None and template.lstrip().startswith("-"):
            quote = '"' if '"' in template else "'" if "'" in template else ""
            item_indent = template[: _indent(template)]
            lines.insert(items[-1] + 1, f"{item_indent}- {quote}{entry}{quote}{ending}")
        elif template is not None:  # the mapping form: host: address
            key_indent = template[: _indent(template)]
            lines.insert(items[-1] + 1, f"{key_indent}{name}: {_yaml_scalar(target)}{ending}")
        else:
            lines[j] = f"{indent}extra_hosts:{ending}"
            lines.insert(j + 1, f'{indent}  - "{entry}"{ending}')
        return "".join(lines)
    lines[i + 1:i + 1] = [f"{indent}extra_hosts:{ending}", f'{indent}  - "{entry}"{ending}']
    return "".join(lines)


def _yaml_scalar(value: str) -> str:
    return f'"{value}"' if not re.fullmatch(r"[\w.-]+", value) else value


def patched(change: ListenerChange, path: str, text: str) -> str | None:
    """``text`` with ``change`` applied, or None when the configuration is not from ``path``."""
    config = change.config
    if config is None:
        return None
    if config.platform is Platform.STRIMZI:
        return strimzi_patched(change, path, text) if config.origin.path == path else None
    yaml_file = (config.source("listeners").key or "").startswith("redpanda.")
    if config.platform is Platform.REDPANDA and yaml_file:
        return redpanda_patched(change, path, text) if config.origin.path == path else None
    flags = config.platform is Platform.REDPANDA  # --kafka-addr / --advertise-kafka-addr
    anchor_key = _anchor(config, path)
    if anchor_key is None:
        return None
    lines = text.splitlines(keepends=True)
    anchor = config.source(anchor_key)
    assert anchor.line is not None and anchor.key is not None
    inserted = 0
    for key, value in change.new_values().items():
        source = config.source(key)
        if flags and _from(config, path, key) and source.line is not None and source.key is not None:
            start = source.line - 1 + (inserted if source.line > anchor.line else 0)
            # The flag's line: the command starts there (a list item per word or per flag).
            index = next((i for i in range(start, min(len(lines), start + 40))
                          if re.search(rf"{re.escape(source.key)}(?:=|\s)", lines[i])), start)
            if f"{UNNAMED}://" not in lines[index]:
                value = value.replace(f"{UNNAMED}://", "")  # Redpanda's unnamed listener stays unnamed
            lines[index] = _rewrite_flag(lines[index], source.key, value)
        elif flags:
            continue  # a flag's protocol map is implied (no TLS, no SASL): nothing to write
        elif _from(config, path, key) and source.line is not None and source.key is not None:
            index = source.line - 1 + (inserted if source.line > anchor.line else 0)
            lines[index] = _rewrite(lines[index], source.key, _keep_interpolation(
                lines[index], source.key, config.value(key) or "", value))
        else:
            written = _spelling(anchor.key, anchor_key, key, config)
            template = lines[anchor.line - 1]
            lines.insert(anchor.line + inserted, _rewrite(template, anchor.key, value, written))
            inserted += 1
    _publish(change, config, path, lines, anchor.line, inserted)
    return "".join(lines)


def _from(config: ListenerConfig, path: str, key: str) -> bool:
    s = config.get(key)
    return (s is not None and s.source.kind is SourceKind.FILE and s.source.path == path
            and s.source.line is not None)


def _anchor(config: ListenerConfig, path: str) -> str | None:
    """The setting new lines go after: a listener setting written in ``path`` (``listeners``
    first), else the last setting written there (an image whose listeners are its defaults)."""
    for key in KEYS:
        if _from(config, path, key):
            return key
    written = [s.key for s in config.settings if _from(config, path, s.key) and config.get(s.key) is s]
    return written[-1] if written else None


def _spelling(written: str, anchor_key: str, key: str, config: ListenerConfig) -> str:
    """``key`` as this file spells settings, judged from how it spells the anchor setting."""
    if written == anchor_key:
        return key  # server.properties
    suffix = env_name(anchor_key, "")
    fallback = BITNAMI_PREFIX if config.platform is Platform.BITNAMI else "KAFKA_"
    prefix = written[: len(written) - len(suffix)] if written.upper().endswith(suffix) else fallback
    return env_name(key, prefix or fallback)


def _keep_interpolation(line: str, written: str, old: str, new: str) -> str:
    """``new`` as the file would write it: a value written with ``${VAR}`` keeps its variables
    when the fix leaves the entries that hold them unchanged (it appends, or replaces another
    entry)."""
    match = re.search(rf"{re.escape(written)}\s*[=:]\s*(.*)$", line.rstrip("\r\n"))
    if match is None or "${" not in match.group(1):
        return new
    raw = match.group(1).strip().strip(_QUOTES)
    if new.startswith(old):
        return raw + new[len(old):]
    old_entries, new_entries = old.split(","), new.split(",")
    if len(old_entries) != len(new_entries):
        return new
    for before, after in zip(old_entries, new_entries, strict=True):
        if before != after:
            if raw.count(before) != 1:
                return new  # the changed entry is itself interpolated, or ambiguous
            raw = raw.replace(before, after)
    return raw


def _rewrite_flag(line: str, flag: str, value: str) -> str:
    """``--flag VALUE`` (or ``--flag=VALUE``) with only VALUE replaced: the rest of the command stays."""
    return re.sub(rf"({re.escape(flag)}(?:=|\s+))[^\s\"']+", lambda m: m.group(1) + value, line, count=1)


def _rewrite(line: str, written: str, value: str, new_key: str | None = None) -> str:
    """``line`` with the value after ``written`` replaced (quotes, indentation and newline kept)."""
    ending = line[len(line.rstrip("\r\n")):]
    body = line[: len(line) - len(ending)]
    match = re.search(rf"{re.escape(written)}(\s*[=:]\s*|\s+)", body)
    if match is None:
        return f"{new_key or written}={value}{ending}"
    head = body[: match.start()] + (new_key or written) + match.group(1)
    rest = body[match.end():].rstrip()
    lead = rest[0] if rest and rest[0] in _QUOTES else ""
    if lead == "" and head.lstrip().startswith(("-", "'", '"')) and rest.endswith(_QUOTES):
        trail = rest[-1]  # a quoted list item: - "KAFKA_X=value"
    else:
        trail = lead if lead and rest.endswith(lead) and len(rest) > 1 else ""
    return f"{head}{lead}{value}{trail}{ending}"


def _publish(change: ListenerChange, config: ListenerConfig, path: str, lines: list[str],
             anchor_line: int, inserted: int) -> None:
    """Point the host port at the new listener: re-point an existing mapping, or add one."""
    publish = change.publish
    ports = config.published_ports
    if publish is None or ports is None or not publish.host_port.isdigit():
        return

    def index(line: int) -> int:
        return line - 1 + (inserted if line > anchor_line else 0)

    known = [p for p in ports if p.source.path == path and p.source.line is not None]
    if not ports:  # a Compose service that publishes nothing yet: give it a ports: list
        service = config.origin
        if service.path != path or service.line is None or service.line >= len(lines):
            return
        i = index(service.line)
        child = lines[i + 1]
        indent = child[: len(child) - len(child.lstrip())]
        ending = child[len(child.rstrip("\r\n")):] or "\n"
        lines[i + 1:i + 1] = [f"{indent}ports:{ending}",
                              f'{indent}  - "{publish.host_port}:{publish.container_port}"{ending}']
        return
    if not known:
        return

    same = [p for p in known if str(p.host_port) == publish.host_port]
    if same:
        assert same[0].source.line is not None
        i = index(same[0].source.line)
        lines[i] = re.sub(rf"\b{publish.host_port}:{same[0].container_port}\b",
                          f"{publish.host_port}:{publish.container_port}", lines[i], count=1)
        return
    last = max(known, key=lambda p: p.source.line or 0)
    assert last.source.line is not None
    i = index(last.source.line)
    template = lines[i]
    indent = template[: len(template) - len(template.lstrip())]
    ending = template[len(template.rstrip("\r\n")):] or "\n"
    quote = "'" if "'" in template and '"' not in template else '"'
    end = i + 1  # after the whole entry (a long-syntax entry spans several lines)
    while end < len(lines) and lines[end].strip() and _indent(lines[end]) > len(indent):
        end += 1
    lines.insert(end, f"{indent}- {quote}{publish.host_port}:{publish.container_port}{quote}{ending}")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


__all__ = ["extra_hosts_diff", "extra_hosts_patched", "file_diff", "patched", "unified_diff"]
