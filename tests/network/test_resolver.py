"""The fake resolver on its own, asked with dnslib's client as go would ask it: names, types,
UDP and TCP, the log, each resolver fault's answer, and a clean stop.

go itself meets it in tests/network/test_resolver_faults.py."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from dnslib import QTYPE, RCODE, DNSRecord

from pytest_goproxy.ci import skip_or_fail
from pytest_goproxy.errors import FaultError, NamespaceUnavailable
from pytest_goproxy.network import FAULTS, FakeResolver, Network
from pytest_goproxy.network.resolver import DNS_PORT
from pytest_goproxy.proxy import FakeGoProxy

SERVED = {"goproxy.cn": "127.0.0.5", "goproxy.io": ["127.0.0.6", "::1"]}


def start(resolver: FakeResolver) -> FakeResolver:
    try:
        return resolver.start()
    except NamespaceUnavailable as exc:  # port 53 needs root or CAP_NET_BIND_SERVICE
        skip_or_fail(exc)


@pytest.fixture
def resolver() -> Iterator[FakeResolver]:
    with start(FakeResolver(SERVED)) as started:
        yield started


def ask(
    resolver: FakeResolver, name: str, qtype: str = "A", *, tcp: bool = False, timeout: float = 2
) -> DNSRecord:
    question = DNSRecord.question(name, qtype)
    return DNSRecord.parse(question.send(resolver.address, DNS_PORT, tcp=tcp, timeout=timeout))


def rcode(reply: DNSRecord) -> str:
    return str(RCODE[reply.header.rcode])


def addresses(reply: DNSRecord) -> list[str]:
    return [str(rr.rdata) for rr in reply.rr]


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_served_names_unknown_names_and_types(resolver: FakeResolver, tcp: bool) -> None:
    a = ask(resolver, "goproxy.cn", tcp=tcp)
    assert (rcode(a), addresses(a)) == ("NOERROR", ["127.0.0.5"])
    # the flags go's checkHeader wants: an answer, recursion available
    assert a.header.qr == 1 and a.header.ra == 1
    assert addresses(ask(resolver, "GoProxy.IO.", "AAAA", tcp=tcp)) == ["::1"]
    assert addresses(ask(resolver, "goproxy.io", tcp=tcp)) == ["127.0.0.6"]
    nodata = ask(resolver, "goproxy.cn", "AAAA", tcp=tcp)
    assert (rcode(nodata), addresses(nodata)) == ("NOERROR", [])
    assert rcode(ask(resolver, "proxy.golang.org", tcp=tcp)) == "NXDOMAIN"
    transport = "tcp" if tcp else "udp"
    assert [(q.name, q.type, q.transport, q.rcode) for q in resolver.questions] == [
        ("goproxy.cn", "A", transport, "NOERROR"),
        ("goproxy.io", "AAAA", transport, "NOERROR"),
        ("goproxy.io", "A", transport, "NOERROR"),
        ("goproxy.cn", "AAAA", transport, "NOERROR"),
        ("proxy.golang.org", "A", transport, "NXDOMAIN"),
    ]
    assert resolver.asked("goproxy.cn", "A")[0].answers == ("127.0.0.5",)
    resolver.clear_log()
    assert resolver.questions == []


def test_several_questions_on_one_tcp_connection(resolver: FakeResolver) -> None:
    """RFC 1035 4.2.2 framing: go may reuse a connection (use-vc asks A and AAAA on one)."""
    from pytest_goproxy.serving.tcp import dial

    with dial((resolver.address, DNS_PORT), timeout=2) as conn:
        for qtype in ("A", "AAAA"):
            packed = DNSRecord.question("goproxy.io", qtype).pack()
            assert conn.sendall(len(packed).to_bytes(2, "big") + packed)
            size = int.from_bytes(conn.recv(2), "big")
            reply = DNSRecord.parse(conn.recv(size))
            assert QTYPE[reply.q.qtype] == qtype and reply.rr
    assert [q.type for q in resolver.asked("goproxy.io", transport="tcp")] == ["A", "AAAA"]


def test_names_added_and_removed(resolver: FakeResolver) -> None:
    resolver.add("sum.golang.org", "127.0.0.9")
    assert addresses(ask(resolver, "sum.golang.org")) == ["127.0.0.9"]
    assert resolver.names == ("goproxy.cn", "goproxy.io", "sum.golang.org")
    resolver.remove("sum.golang.org")
    assert rcode(ask(resolver, "sum.golang.org")) == "NXDOMAIN"


def test_answers_are_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback addresses only"):
        FakeResolver({"goproxy.cn": "203.0.113.7"})
    with pytest.raises(ValueError, match="loopback"):
        FakeResolver(host="0.0.0.0")
    with pytest.raises(TypeError):
        FakeResolver(options="timeout:1")


def test_two_resolvers_take_two_addresses(resolver: FakeResolver) -> None:
    with start(FakeResolver({"goproxy.cn": "127.0.0.7"})) as other:
        assert other.address != resolver.address
        assert resolver.address.startswith("127.") and not resolver.address.startswith("127.0.")
        assert addresses(ask(other, "goproxy.cn")) == ["127.0.0.7"]
        assert addresses(ask(resolver, "goproxy.cn")) == ["127.0.0.5"]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [("dns_nxdomain", "NXDOMAIN"), ("dns_servfail", "SERVFAIL"), ("dns_refused", "REFUSED")],
)
@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_error_answers(resolver: FakeResolver, fault: str, expected: str, tcp: bool) -> None:
    handle = resolver.inject("goproxy.cn", fault)
    for qtype in ("A", "AAAA"):
        reply = ask(resolver, "goproxy.cn", qtype, tcp=tcp)
        assert (rcode(reply), addresses(reply)) == (expected, [])
    assert addresses(ask(resolver, "goproxy.io")) == ["127.0.0.6"]  # other names unaffected
    assert {q.fault for q in resolver.asked("goproxy.cn")} == {fault}
    handle.remove()
    assert addresses(ask(resolver, "goproxy.cn", tcp=tcp)) == ["127.0.0.5"]
    assert resolver.names == ("goproxy.cn", "goproxy.io")


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_timeout_sends_nothing(resolver: FakeResolver, tcp: bool) -> None:
    with resolver.fault("goproxy.cn", "dns_timeout"), pytest.raises((TimeoutError, OSError)):
        ask(resolver, "goproxy.cn", tcp=tcp, timeout=0.3)
    assert resolver.asked("goproxy.cn")[0].rcode == "none"
    assert addresses(ask(resolver, "goproxy.cn", tcp=tcp)) == ["127.0.0.5"]


def test_slow_answers_late(resolver: FakeResolver) -> None:
    with resolver.fault("goproxy.cn", "dns_slow", ms=300):
        started = time.monotonic()
        reply = ask(resolver, "goproxy.cn")
        late = time.monotonic() - started
    assert addresses(reply) == ["127.0.0.5"]
    assert resolver.asked("goproxy.cn")[0].fault == "dns_slow"
    assert resolver.asked("goproxy.cn")[0].delay == 0.3
    print(f"dns_slow(ms=300) answered after {late:.3f} s")  # shown with -s; no timing assertion


def test_hijack_answers_a_refusing_address_of_its_own(resolver: FakeResolver) -> None:
    from pytest_goproxy.serving.tcp import dial

    with resolver.fault("goproxy.cn", "dns_hijack") as handle:
        assert handle.target is not None and handle.target != "127.0.0.5"
        assert addresses(ask(resolver, "goproxy.cn")) == [handle.target]
        with pytest.raises(ConnectionRefusedError):
            dial((handle.target, 443), timeout=2)
    with resolver.fault("goproxy.cn", "dns_hijack", to="127.0.0.99") as handle:
        assert addresses(ask(resolver, "goproxy.cn")) == ["127.0.0.99"]
    with pytest.raises(ValueError, match="loopback"):
        resolver.inject("goproxy.cn", "dns_hijack", to="198.51.100.1")


def test_aaaa_only(resolver: FakeResolver) -> None:
    with resolver.fault("goproxy.cn", "dns_aaaa_only"):
        assert addresses(ask(resolver, "goproxy.cn")) == []
        assert addresses(ask(resolver, "goproxy.cn", "AAAA")) == ["::1"]


def test_a_fault_on_a_name_it_does_not_serve_makes_go_dial_it_itself(
    resolver: FakeResolver,
) -> None:
    """A fault's name is in ``names`` (so in NO_PROXY): go must ask us, not the guard."""
    with resolver.fault("proxy.golang.org", "dns_servfail"):
        assert "proxy.golang.org" in resolver.names
        assert rcode(ask(resolver, "proxy.golang.org")) == "SERVFAIL"
    assert "proxy.golang.org" not in resolver.names


def test_the_newest_fault_wins_and_removing_it_uncovers_the_older(resolver: FakeResolver) -> None:
    older = resolver.inject("goproxy.cn", "dns_servfail")
    newer = resolver.inject("goproxy.cn", "dns_nxdomain")
    assert rcode(ask(resolver, "goproxy.cn")) == "NXDOMAIN"
    newer.remove()
    assert rcode(ask(resolver, "goproxy.cn")) == "SERVFAIL"
    resolver.clear()
    assert not older.active
    assert rcode(ask(resolver, "goproxy.cn")) == "NOERROR"


def test_faults_are_the_catalogues_resolver_entries(resolver: FakeResolver) -> None:
    played = {n for n, f in FAULTS.items() if f.mechanism == "resolver"}
    assert played == {
        "dns_nxdomain",
        "dns_servfail",
        "dns_refused",
        "dns_timeout",
        "dns_slow",
        "dns_hijack",
        "dns_aaaa_only",
    }
    for name in played:
        assert FAULTS[name].resolver is not None
        resolver.inject("goproxy.cn", name).remove()
    with pytest.raises(FaultError, match="not made by a resolver"):
        resolver.inject("goproxy.cn", "refused")
    with pytest.raises(FaultError, match="no parameter 'delay'"):
        resolver.inject("goproxy.cn", "dns_slow", delay=5)
    with pytest.raises(FaultError, match="takes no `to`"):
        resolver.inject("goproxy.cn", "dns_servfail", to="127.0.0.8")


def test_a_fault_bound_once_is_added_as_it_is(resolver: FakeResolver) -> None:
    """The outage engine validates a scenario's faults when it reads the file, then adds them."""
    entry = FAULTS["dns_slow"]
    bound = entry.bind({"ms": 50})
    with resolver.add_fault("GoProxy.cn", entry, bound) as handle:
        assert (handle.host, handle.name, handle.params) == ("goproxy.cn", "dns_slow", {"ms": 50})
        assert addresses(ask(resolver, "goproxy.cn")) == ["127.0.0.5"]
        assert resolver.asked("goproxy.cn")[0].delay == 0.05
    assert not handle.active and resolver.names == ("goproxy.cn", "goproxy.io")
    with pytest.raises(FaultError, match="not made by a resolver"):
        resolver.add_fault("goproxy.cn", FAULTS["refused"], {})


def test_close_wakes_held_answers_and_joins_every_thread() -> None:
    from pytest_goproxy.serving.tcp import dial

    resolver = start(FakeResolver(SERVED))
    resolver.inject("goproxy.cn", "dns_slow", ms=60000)
    resolver.inject("goproxy.io", "dns_timeout")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.sendto(DNSRecord.question("goproxy.cn").pack(), (resolver.address, DNS_PORT))
    tcp = dial((resolver.address, DNS_PORT), timeout=5)
    packed = DNSRecord.question("goproxy.io").pack()
    tcp.sendall(len(packed).to_bytes(2, "big") + packed)
    deadline = time.monotonic() + 5
    while len(resolver.questions) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [q.delay for q in resolver.asked("goproxy.cn")] == [60.0]  # held back, not answered
    address = resolver.address
    # a held answer (60 s) or a held TCP connection that close() did not wake would outlive
    # close()'s join of its thread
    resolver.close()
    names = ("fake-resolver", "resolver-tcp")
    assert not [t.name for t in threading.enumerate() if t.name.startswith(names)]
    assert tcp.recv() == b""  # the held connection was ended, never answered
    tcp.close()
    udp.close()
    assert resolver.names == ("goproxy.cn", "goproxy.io")  # faults removed, names kept
    with start(FakeResolver(host=address)):  # the address and port are free again
        pass


def test_the_address_is_known_once_started() -> None:
    with pytest.raises(RuntimeError, match="start the FakeResolver first"):
        _ = FakeResolver().address


def test_only_resolver_entries_say_what_the_resolver_answers() -> None:
    for name, fault in FAULTS.items():
        assert (fault.resolver is not None) == (fault.mechanism == "resolver"), name


def test_an_endpoint_asked_for_a_resolver_fault_says_where_it_belongs(network: Network) -> None:
    """toxiproxy cannot play a resolver: the FaultError (what a matrix cell shows as
    unavailable until the engine binds the fault to a named host) names the way."""
    with FakeGoProxy() as proxy:
        endpoint = network.front(proxy)
        with pytest.raises(FaultError, match=r"played by a fake resolver.*resolver\.inject"):
            endpoint.inject("dns_servfail")
        assert endpoint.faults == []
        assert endpoint.url.startswith("http://127.0.0.1:")  # nothing changed
