"""Renderers: a report in, a string out. One module per format, nothing else shared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the models cost ~40 ms to import: not before the client-library worker is forked
    from listencheck.models import Report


@dataclass(frozen=True)
class RenderOptions:
    """How a report is rendered: colour, verbosity, width, character set."""

    color: bool = False
    verbosity: int = 0
    width: int = 110
    ascii_only: bool = False


def _text(report: Report, options: RenderOptions) -> str:
    from listencheck.render.text import TextOptions, render_text  # rich: imported only when used

    text_options = TextOptions(options.color, options.verbosity, options.width, options.ascii_only)
    return render_text(report, text_options)


def _json(report: Report, options: RenderOptions) -> str:
    from listencheck.render.json_report import render_json

    return render_json(report)


def _junit(report: Report, options: RenderOptions) -> str:
    from listencheck.render.junit import render_junit

    return render_junit(report)


def _html(report: Report, options: RenderOptions) -> str:
    from listencheck.render.html import render_html_document
    from listencheck.render.json_report import report_to_json

    return render_html_document(report_to_json(report))


def _markdown(report: Report, options: RenderOptions) -> str:
    from listencheck.render.json_report import report_to_json
    from listencheck.render.markdown import render_markdown_document

    return render_markdown_document(report_to_json(report))


RENDERERS: dict[str, Callable[[Report, RenderOptions], str]] = {
    "text": _text, "json": _json, "junit": _junit, "html": _html, "markdown": _markdown,
}
