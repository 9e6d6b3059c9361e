"""The live status line on stderr while a check runs: only on a terminal, only for the
text report (never in JSON or JUnit, never when the output is piped)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TextIO

from listencheck.progress import Observer, Progress, progress_line
from listencheck.render.printable import printable


def wanted(fmt: str, stdout: TextIO, stderr: TextIO, term: str | None) -> bool:
    """A status line only for a person watching: text report, both streams a terminal."""
    return fmt == "text" and stdout.isatty() and stderr.isatty() and term != "dumb"


@contextlib.contextmanager
def live_status(stderr: TextIO | None) -> Iterator[Observer | None]:
    """An observer showing each Progress as a spinner line on ``stderr`` (None: no status);
    the line disappears when the run ends."""
    if stderr is None:
        yield None
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stderr, highlight=False, emoji=False)
    with console.status(Text("starting"), spinner="dots") as status:
        def observe(progress: Progress) -> None:
            status.update(Text(printable(progress_line(progress)), overflow="ellipsis", no_wrap=True))

        yield observe
