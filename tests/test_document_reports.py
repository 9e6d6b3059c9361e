"""HTML and Markdown reports: real runs rendered, loaded in a real browser, escaped.

The HTML file is opened by headless Chromium inside a network namespace of its
own (loopback only, so nothing could leave even if the page tried); Chromium's
own network log must show no request at all, the screenshot must not be blank,
and the DOM must hold every broker and finding as text — hostile advertised
hosts included — and no element the report did not put there.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from listencheck.render.markdown import code, render_markdown_document, text
from tests.support.cli import Run, run_cli
from tests.support.prereq import need, need_commands, need_root
from tests.support.scripted import ScriptedKafka

HOSTILE_HOST = "x<img src=http://127.0.0.9/pixel onerror=alert(1)>"
HOSTILE_CLUSTER = "c`|</script><script>alert(2)</script>](http://127.0.0.9/)**b**"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--window-size=1280,1600")


def _check(tmp_path: Path, fmt: str) -> Run:
    """A real check of a scripted cluster: broker 1 works, broker 2 advertises a hostile host,
    broker 3 an address where nothing listens."""
    with ScriptedKafka(cluster_id=HOSTILE_CLUSTER) as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, HOSTILE_HOST, 9092), (3, "127.0.0.1", 9)]
        return run_cli(["check", "--format", fmt, "--timeout", "1", "--no-color", script.address])


def _json_report(tmp_path: Path) -> dict[str, object]:
    run = _check(tmp_path, "json")
    assert run.code == 1, run.stderr
    return run.report


class _Elements(HTMLParser):
    """Every start tag and every URL-carrying attribute of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "action", "xlink:href", "poster")]


def _elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def _png_is_blank(png: bytes) -> bool:
    """True when every pixel row of the PNG holds one and the same byte (a blank page)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data = 8, b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    pixels = zlib.decompress(data)
    return len(set(pixels)) <= 2  # filter-type bytes plus one colour


def _chromium(tmp_path: Path, page: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium in a namespace with loopback only, logging its every network event."""
    need_root()
    need_commands("unshare")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    need(browser is not None, "Chromium not installed (apt-get install chromium)")
    assert browser is not None
    netlog = tmp_path / "netlog.json"
    cmd = ["unshare", "--net", "--", browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
           f"--log-net-log={netlog}", *mode, page.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, cwd=tmp_path)
    assert netlog.exists(), proc.stderr[-2000:]
    return proc


def _page_requests(netlog: Path) -> list[str]:
    """URLs the page asked for, from Chromium's net log.

    Chromium itself fetches a few things (network time, component updates) even
    headless; those start with no origin ("not an origin"). A request made by
    the page carries the page's origin as its initiator.
    """
    log = json.loads(netlog.read_text())
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    urls: list[str] = []
    for event in log.get("events", []):
        params = event.get("params") or {}
        if names.get(event["type"]) != "URL_REQUEST_START_JOB":
            continue
        url = str(params.get("url", ""))
        if params.get("initiator", "not an origin") == "not an origin" or url.startswith(("data:", "file:")):
            continue
        urls.append(url)
    return urls


def test_the_request_detector_sees_a_page_request(tmp_path: Path) -> None:
    """Control: a page without the report's policy that loads an image is caught."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><html><body><p>leak</p><img src="http://127.0.0.9:9/pixel.png"></body></html>')
    _chromium(tmp_path, page, "--dump-dom")
    assert any("127.0.0.9" in u for u in _page_requests(tmp_path / "netlog.json"))


@pytest.fixture(scope="module")
def html_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("html")
    run = _check(tmp, "html")
    assert run.code == 1, run.stderr
    page = tmp / "report.html"
    page.write_text(run.stdout)
    return page


def test_html_is_self_contained(html_page: Path) -> None:
    html = html_page.read_text()
    elements = _elements(html)
    assert elements.urls == [], f"the page points outside itself: {elements.urls}"
    assert elements.tags.count("script") == 2  # the JSON data block and the copy-button script
    assert not {"img", "iframe", "link", "object", "embed", "base", "form"} & set(elements.tags)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp and "default-src 'none'" in csp.group(1)
    data = re.search(r'<script type="application/json" id="listencheck-report">(.*?)</script>', html, re.S)
    assert data is not None
    embedded = json.loads(data.group(1))
    assert embedded["bootstraps"][0]["metadata"]["cluster_id"] == HOSTILE_CLUSTER


def test_html_in_a_real_browser(html_page: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path, html_page, "--dump-dom")
    assert _page_requests(tmp_path / "netlog.json") == []
    page = dom.stdout
    assert "listencheck report" in page
    for needle in ("127.0.0.1:9", "ADVERTISED_UNREACHABLE", "broker"):
        assert needle in page
    # The hostile host and cluster id are text in the rendered DOM, never elements.
    assert "x&lt;img src=http://127.0.0.9/pixel onerror=alert(1)&gt;" in page or "invalid" in page
    rendered = _elements(page)
    assert "img" not in rendered.tags
    assert rendered.tags.count("script") == 2
    report = json.loads(re.search(r'id="listencheck-report">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    for finding in report["findings"]:
        assert finding["code"] in page
    for bootstrap in report["bootstraps"]:
        for broker in bootstrap["brokers"]:
            assert f"{broker['node_id']}" in page


def test_html_screenshot_is_not_blank(html_page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, html_page, f"--screenshot={shot}")
    assert _page_requests(tmp_path / "netlog.json") == []
    assert shot.exists() and not _png_is_blank(shot.read_bytes())


def test_markdown_report_of_a_real_run(tmp_path: Path) -> None:
    run = _check(tmp_path, "markdown")
    assert run.code == 1, run.stderr
    md = run.stdout
    assert md.startswith("## listencheck: ❌ FAIL")
    assert "| broker | advertised |" in md
    assert "`127.0.0.1:9`" in md
    # Network text never becomes markup: outside code (where it is shown literally) no raw tag,
    # no link, no emphasis from the hostile host or cluster id.
    prose = re.sub(r"(`+).*?\1", "", re.sub(r"^ *```.*?^ *```", "", md, flags=re.S | re.M))
    assert "<img" not in prose and "<script" not in prose
    assert "](http" not in prose
    assert "**b**" not in prose
    # Every table row has as many cells as its header.
    for table in re.findall(r"(\| broker .*?)(?:\n\n|\Z)", md, re.S):
        rows = table.splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
        assert len(widths) == 1, rows


@pytest.mark.parametrize("value", ["a`b", "``", "|pipe|", "<b>x</b>", "[l](http://127.0.0.9)", "*e*",
                                   "line\nbreak", "\x1b]0;t\x07"])
def test_markdown_escaping(value: str) -> None:
    span = code(value)
    fence = re.match(r"`+", span)
    assert fence is not None
    inner = span[len(fence.group(0)):-len(fence.group(0))]
    assert fence.group(0) not in inner  # nothing inside closes the span
    assert "|" not in span and "\n" not in span and "\x1b" not in span
    escaped = text(value)
    assert "<" not in escaped and "\n" not in escaped and "\x1b" not in escaped
    assert not re.search(r"(?<!\\)[`*\[\]|]", escaped)


def test_markdown_fix_blocks_cannot_be_closed_by_their_content() -> None:
    doc = {"verdict": {"exit_code": 1, "summary": "s"}, "bootstraps": [],
           "findings": [{"code": "X", "severity": "error", "message": "m", "evidence": {},
                         "fix": "before\n```\n# injected heading\n````\nafter"}]}
    md = render_markdown_document(doc)
    fence = re.search(r"^ {2}(`{3,})$", md, re.M)
    assert fence is not None and len(fence.group(1)) == 5
    assert md.count(fence.group(1)) == 2
