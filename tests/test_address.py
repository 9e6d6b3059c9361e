import pytest
from hypothesis import given
from hypothesis import strategies as st

from listencheck.address import (
    AddressKind,
    Endpoint,
    classify_host,
    host_problem,
    parse_bootstrap,
    parse_endpoint,
)
from listencheck.errors import UsageError


@pytest.mark.parametrize("text, expected", [
    ("localhost:9092", Endpoint("localhost", 9092)),
    ("kafka", Endpoint("kafka", 9092)),
    ("Broker-1.Example.COM:29092", Endpoint("broker-1.example.com", 29092)),
    ("[::1]:9093", Endpoint("::1", 9093)),
    ("[::1]", Endpoint("::1", 9092)),
    ("::1", Endpoint("::1", 9092)),
    ("10.0.0.5:1", Endpoint("10.0.0.5", 1)),
    ("PLAINTEXT://kafka:9092", Endpoint("kafka", 9092)),
    (" host:65535 ", Endpoint("host", 65535)),
])
def test_parse_endpoint(text: str, expected: Endpoint) -> None:
    assert parse_endpoint(text) == expected


@pytest.mark.parametrize("text, fragment", [
    ("host:0", "out of range"),
    ("host:70000", "out of range"),
    ("host:abc", "invalid port"),
    ("host:", "invalid port"),
    ("[::1", "missing ']'"),
    ("[kafka]:9092", "invalid IPv6"),
    ("[::1]x", "unexpected"),
    (":9092", "empty host"),
    ("ho st:9092", "invalid character"),
    ("a" * 300 + ":1", "longer than"),
    ("bröker:9092", "non-ASCII"),
])
def test_parse_endpoint_rejects_with_a_reason(text: str, fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        parse_endpoint(text)


def test_bootstrap_list_keeps_order_and_drops_duplicates() -> None:
    assert parse_bootstrap("b:1,a:2,b:1,[::1]:3") == (
        Endpoint("b", 1), Endpoint("a", 2), Endpoint("::1", 3))


def test_endpoint_prints_ipv6_in_brackets() -> None:
    assert str(Endpoint("::1", 9092)) == "[::1]:9092"
    assert str(Endpoint("kafka", 9092)) == "kafka:9092"


@given(st.text(max_size=80))
def test_parser_accepts_or_rejects_any_text_with_a_usage_error(text: str) -> None:
    try:
        endpoint = parse_endpoint(text)
    except UsageError:
        return
    assert 1 <= endpoint.port <= 65535
    assert host_problem(endpoint.host) is None


@pytest.mark.parametrize("host, kinds", [
    ("localhost", {AddressKind.LOOPBACK}),
    ("127.0.0.1", {AddressKind.LOOPBACK, AddressKind.IP_LITERAL}),
    ("127.8.9.10", {AddressKind.LOOPBACK, AddressKind.IP_LITERAL}),
    ("::1", {AddressKind.LOOPBACK, AddressKind.IP_LITERAL}),
    ("0.0.0.0", {AddressKind.WILDCARD, AddressKind.IP_LITERAL}),
    ("::", {AddressKind.WILDCARD, AddressKind.IP_LITERAL}),
    ("kafka", {AddressKind.INTERNAL_NAME}),
    ("broker-1", {AddressKind.INTERNAL_NAME}),
    ("kafka.local", {AddressKind.INTERNAL_NAME}),
    ("host.docker.internal", {AddressKind.DOCKER_HOST_ALIAS}),
    ("gateway.docker.internal", {AddressKind.DOCKER_HOST_ALIAS}),
    ("kafka-0.kafka-headless.prod.svc.cluster.local",
     {AddressKind.INTERNAL_NAME, AddressKind.KUBERNETES_SERVICE}),
    ("4.tcp.ngrok.io", {AddressKind.TUNNEL}),
    ("abc.ngrok.app", {AddressKind.TUNNEL}),
    ("4.tcp.ngrok.test", {AddressKind.TUNNEL}),
    ("10.1.2.3", {AddressKind.PRIVATE, AddressKind.IP_LITERAL}),
    ("172.20.0.5", {AddressKind.PRIVATE, AddressKind.IP_LITERAL}),
    ("100.64.1.1", {AddressKind.PRIVATE, AddressKind.IP_LITERAL}),
    ("fd00::5", {AddressKind.PRIVATE, AddressKind.IP_LITERAL}),
    ("8.8.8.8", {AddressKind.IP_LITERAL}),
    ("broker.example.com", set()),
    ("broker.example.com.", {AddressKind.TRAILING_DOT}),
])
def test_classify_host(host: str, kinds: set[AddressKind]) -> None:
    assert classify_host(host).kinds == frozenset(kinds)


def test_tunnel_service_is_named() -> None:
    assert classify_host("4.tcp.ngrok.io").tunnel_service == "ngrok.io"


@given(st.text(max_size=120))
def test_bootstrap_lists_parse_or_fail_with_a_usage_error(text: str) -> None:
    try:
        endpoints = parse_bootstrap(text)
    except UsageError as exc:
        assert str(exc)  # a reason, fit to print
        return
    assert endpoints and all(1 <= e.port <= 65535 and host_problem(e.host) is None for e in endpoints)


@given(st.text(max_size=300))
def test_any_advertised_host_is_judged_without_raising(host: str) -> None:
    problem = host_problem(host)
    classify_host(host)  # classification of anything a broker may send
    if problem is None:  # accepted: something a resolver can be asked, never control characters
        assert host and len(host) <= 255 and host.isprintable() and not any(c.isspace() for c in host)
    else:
        assert problem and "\n" not in problem  # a reason, fit for one line of evidence


@given(st.text(max_size=200))
def test_printable_leaves_no_control_character(text: str) -> None:
    import unicodedata

    from listencheck.render.printable import printable

    out = printable(text)
    assert all(c == "\n" or unicodedata.category(c) not in ("Cc",) for c in out)
    assert not any(c in out for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@given(st.dictionaries(st.text(max_size=20), st.tuples(st.integers(), st.integers()), max_size=8))
def test_printable_tree_escapes_mapping_keys_and_keeps_clean_mappings_as_they_are(
        ranges: dict[str, tuple[int, int]]) -> None:
    from listencheck.render.printable import printable, printable_tree

    cleaned = printable_tree(ranges)
    assert cleaned == {printable(k): v for k, v in ranges.items()}
    if all(printable(k) == k for k in ranges):
        assert cleaned is ranges  # nothing to escape: not rebuilt
