"""Where a report goes: the --format rendering on stdout, each --output FMT=FILE to its file.

One run, several renderings (text for the log, JUnit for the CI's test view,
JSON for an artefact), so the gate and the explanation cannot disagree. A file
is written whole or not at all (a temporary file renamed over it), so a
cancelled run never leaves a truncated document behind; a device, FIFO or
symlink (``--output text=/dev/stderr``) is written through, never replaced.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from listencheck.errors import UsageError

FORMATS = ("text", "json", "junit", "html", "markdown")
ENV_FORMAT = "LISTENCHECK_FORMAT"
ENV_OUTPUT = "LISTENCHECK_OUTPUT"


@dataclass(frozen=True)
class Output:
    fmt: str
    path: Path | None = None  # None: stdout

    def __str__(self) -> str:
        return f"{self.fmt}={self.path}" if self.path is not None else f"{self.fmt} on stdout"


def parse_output(text: str) -> Output:
    """``FMT=FILE``, as --output takes it."""
    fmt, sep, path = text.partition("=")
    fmt = fmt.strip().lower()
    if not sep or not path.strip():
        raise UsageError(f"--output expects FORMAT=FILE, got {text!r}")
    if fmt not in FORMATS:
        raise UsageError(f"--output: unknown format {fmt!r} in {text!r} (one of {', '.join(FORMATS)})")
    return Output(fmt, Path(path.strip()))


def outputs(fmt: str, extra: Sequence[str]) -> tuple[Output, ...]:
    """stdout's format first, then each file; two outputs to one file are a usage error."""
    files = [parse_output(item) for item in extra]
    seen: set[Path] = set()
    for output in files:
        assert output.path is not None
        key = output.path.resolve()
        if key in seen:
            raise UsageError(f"--output names {output.path} twice")
        seen.add(key)
    return (Output(fmt), *files)


def requested_outputs(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[Output, ...]:
    """The outputs a command line asks for, read without click: for the error funnel, when the
    options could not be parsed (or were never reached). Best effort; never raises."""
    fmt = environ.get(ENV_FORMAT, "text")
    extra = environ.get(ENV_OUTPUT, "").split()
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        for name in ("--format", "--output"):
            value = None
            if arg == name and i + 1 < len(args):
                value = args[i + 1]
            elif arg.startswith(name + "="):
                value = arg[len(name) + 1:]
            if value is None:
                continue
            if name == "--format":
                fmt = value
            else:
                extra.append(value)
    found: list[Output] = [Output(fmt.strip().lower())] if fmt.strip().lower() in FORMATS else []
    for item in extra:
        with contextlib.suppress(UsageError):
            found.append(parse_output(item))
    return tuple(found)


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole: a temporary file in the same directory, renamed over it.

    Raises UsageError naming the file when it cannot be written.
    """
    if path.is_symlink() or (path.exists() and not path.is_file()):
        # /dev/stderr, a FIFO, a symlink someone else owns: write through it, never replace it.
        _write_in_place(path, text)
        return
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError:
        # A directory we may not create files in, but a file we may overwrite: write it in place.
        _write_in_place(path, text)
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _write_in_place(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
