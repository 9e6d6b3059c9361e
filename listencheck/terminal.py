"""The terminal a command writes to, injectable (like httpie's ``Environment``), and the one
escaping boundary for what reaches it.

Every byte listencheck writes goes through a ``Terminal``:

- ``show``: human text (the check report, compare, lint, explain). Renderers
  escape the data they format (``render.printable.printable_tree``) before
  adding their own colours; without colours ``show`` escapes the whole text
  once more, so nothing from a broker, a report file or a configuration file
  can move the cursor, set the title (ESC ] 0 ; ... BEL) or hide text.
- ``emit``: machine documents (JSON, JUnit, HTML, Markdown), written as their
  format's own escaping made them.
- ``say``: one line on stderr (errors, --wait progress), escaped and with the
  run's secrets masked.

Colour, width and the character set are decided here once, from the streams and
the environment (NO_COLOR, COLUMNS); tests build a Terminal over StringIO.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from listencheck.render.printable import printable
from listencheck.render.width import PIPED_WIDTH, output_width


@dataclass(frozen=True)
class Terminal:
    stdout: TextIO
    stderr: TextIO
    color: bool = False  # stdout is a terminal and NO_COLOR is not set
    width: int = PIPED_WIDTH
    ascii_only: bool = False  # stdout cannot encode the check marks
    redact: Callable[[str], str] = str  # masks the run's secrets in what ``say`` writes

    @classmethod
    def from_process(cls, environ: Mapping[str, str] = os.environ) -> Terminal:
        """The process's own stdout and stderr, as the user's terminal (or pipe) takes them."""
        import click

        stdout, stderr = click.get_text_stream("stdout"), click.get_text_stream("stderr")
        tty = stdout.isatty()
        # click re-wraps an ASCII stdout as UTF-8; ask the interpreter what the terminal takes.
        encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
        return cls(stdout, stderr, color=tty and "NO_COLOR" not in environ,
                   width=output_width(environ, shutil.get_terminal_size().columns if tty else None),
                   ascii_only="utf" not in encoding)

    def with_secrets(self, redact: Callable[[str], str]) -> Terminal:
        from dataclasses import replace

        return replace(self, redact=redact)

    def show(self, text: str, colored: bool = False) -> None:
        """Human text; ``colored``: it holds the renderer's own colour codes (its data is escaped)."""
        self._write(self.stdout, text if colored else printable(text))

    def emit(self, document: str) -> None:
        """A machine-readable document, as its renderer wrote it."""
        self._write(self.stdout, document)

    def say(self, line: str) -> None:
        """One line on stderr: secrets masked, control characters escaped."""
        self._write(self.stderr, printable(self.redact(line)) + "\n")

    @staticmethod
    def _write(stream: TextIO, text: str) -> None:
        # A reader that left (`listencheck check X | head`) does not want the rest: the command
        # still ends with its own exit status, so `set -o pipefail` sees the verdict, not 1.
        with contextlib.suppress(BrokenPipeError):
            stream.write(text)
            stream.flush()


