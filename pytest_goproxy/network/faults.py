"""The fault catalogue: every way the network between ``go`` and a proxy can fail, one entry each.

An entry says which parameters it takes (with defaults and bounds), how it is made (a toxiproxy
toxic, a disabled proxy, an unresolvable host name, a stuck listener, a timer, a TLS middlebox)
and what the go command does under it with a ``,`` list and with a ``|`` list in ``GOPROXY``. The
README table is generated from these entries by :func:`fault_table_markdown`, so docs and
behaviour cannot drift.

Background for the go columns (``go help goproxy``): with ``GOPROXY=a,b`` the go command falls
back to ``b`` only when ``a`` answers 404 or 410; any other error, including a connection that
fails, stops it. With ``GOPROXY=a|b`` it falls back on any error. Neither has a request timeout,
so a proxy that never answers hangs the go command whatever the separator.

The TLS faults (``intercepted``, ``expired_cert``, ``wrong_host``, ``tls_stall``, ``plain_http``)
need an endpoint in front of an HTTPS server; go's texts in their entries were measured with
go1.26.8 and go1.27.3 (tests/network/test_tls_faults.py runs them with the real go), and
:mod:`pytest_goproxy.gorun.failure` names each one (``Failure.TLS`` with a ``tls_problem``;
``tls_stall`` is a ``DIAL_TIMEOUT``, for the reason given there).

The resolver faults (``dns_nxdomain``, ``dns_servfail``, ``dns_refused``, ``dns_timeout``,
``dns_slow``, ``dns_hijack``, ``dns_aaaa_only``) are made on a *name*, not on an endpoint: a
:class:`~pytest_goproxy.network.FakeResolver` serves the proxy's host name and plays them
(:meth:`FakeResolver.inject <pytest_goproxy.network.FakeResolver.inject>`), and go meets it in a
private mount namespace (``GoRunner.run(..., resolver=...)``). go's texts in their entries were
measured with go1.26.8 (tests/network/test_resolver_faults.py runs each with the real go, ``,``
and ``|``); an endpoint asked to inject one says where it belongs (a FaultError).

Toxic semantics cite the toxiproxy sources (``toxics/*.go`` of github.com/Shopify/toxiproxy/v2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pytest_goproxy.entries import Number, Param, bind_params, by_name, lookup, markdown_table
from pytest_goproxy.errors import FaultError

__all__ = [
    "FAULTS",
    "Fault",
    "Mechanism",
    "Param",
    "ResolverBehaviour",
    "TLSBehaviour",
    "ToxicSpec",
    "fault_names",
    "fault_table_markdown",
    "get_fault",
]

#: How a fault is made; :class:`~pytest_goproxy.network.endpoint.Endpoint` dispatches on it.
Mechanism = Literal[
    "toxic",  # one toxiproxy toxic on the proxy
    "disable",  # the toxiproxy proxy is disabled: its listener is closed
    "dns",  # the endpoint URL's host becomes a name under .invalid
    "stuck_listener",  # the endpoint URL points at a listener whose accept backlog is full
    "down_for",  # disabled now, re-enabled by a timer
    "down_after",  # disabled by a timer
    "down_after_bytes",  # limit_data cut + disabled once N bytes went downstream
    "tls",  # the proxy's upstream becomes a TLS middlebox (network/tlsbox.py); the URL stays
    "resolver",  # a fake resolver answers go's questions about a name (network/resolver.py)
]

#: What the TLS middlebox of a ``tls`` fault does with each connection (network/tlsbox.py).
TLSBehaviour = Literal[
    "foreign_ca",  # terminates TLS with a certificate for the right host from an untrusted CA
    "expired",  # terminates TLS with a session-CA certificate whose validity has ended
    "wrong_host",  # terminates TLS with a session-CA certificate for other names
    "stall",  # reads the ClientHello and never answers
    "plain_http",  # answers the ClientHello with a plain HTTP/1.1 400, as an HTTP server would
]

#: What the fake resolver of a ``resolver`` fault answers about the name (network/resolver.py).
ResolverBehaviour = Literal[
    "nxdomain",  # NXDOMAIN: the name does not exist
    "servfail",  # SERVFAIL: the resolver failed
    "refused",  # REFUSED: the resolver will not answer
    "timeout",  # nothing at all, over UDP and TCP
    "slow",  # the usual answer, `ms` late
    "hijack",  # A: another loopback address
    "aaaa_only",  # A: no record; AAAA: ::1
]


@dataclass(frozen=True)
class ToxicSpec:
    """The toxiproxy toxic behind a fault: type, stream and how parameters map to attributes."""

    type: str
    stream: Literal["upstream", "downstream"] = "downstream"
    #: fault parameter name -> toxic attribute name
    attributes: Mapping[str, str] = field(default_factory=dict)
    #: attributes that are always the same
    fixed: Mapping[str, Number] = field(default_factory=dict)

    def attributes_for(self, params: Mapping[str, Number]) -> dict[str, Number]:
        result: dict[str, Number] = dict(self.fixed)
        for param, attribute in self.attributes.items():
            result[attribute] = params[param]
        return result


@dataclass(frozen=True)
class Fault:
    """One catalogue entry. ``how`` / ``comma`` / ``pipe`` are the README table's cells."""

    name: str
    summary: str
    how: str
    comma: str
    pipe: str
    mechanism: Mechanism
    params: tuple[Param, ...] = ()
    toxic: ToxicSpec | None = None
    #: for the ``tls`` mechanism: what the middlebox does
    tls: TLSBehaviour | None = None
    #: for the ``resolver`` mechanism: what the fake resolver answers
    resolver: ResolverBehaviour | None = None
    #: what using it costs, when that is more than a moment (shown in the table)
    cost: str = ""

    def param_names(self) -> list[str]:
        return [p.name for p in self.params]

    def bind(self, params: Mapping[str, object]) -> dict[str, Number]:
        """Validated parameters with defaults filled in; unknown names are a :class:`FaultError`."""
        return bind_params(self.name, self.params, params)


_COMMA_STOPS = "go fails with this error; `,` falls back only on a 404 or 410 answer."
_PIPE_FALLS = "go falls back to the next entry and succeeds if that one works."


#: How every TLS fault is made (the mechanism ``tls``), the start of its ``how``.
_MIDDLEBOX = (
    "A TLS middlebox on 127.0.0.1 (network/tlsbox.py) becomes the toxiproxy proxy's upstream, "
    "so the URL go uses (an `https://` server's) does not change. The box "
)


#: How every resolver fault is made (the mechanism ``resolver``), the start of its ``how``.
_RESOLVER = (
    "A fake resolver (network/resolver.py, `FakeResolver.inject(name, fault)`) that go meets in a "
    "private mount namespace (gorun/namespace.py: needs root or user namespaces, and port 53) "
)


FAULTS: dict[str, Fault] = by_name(
    Fault(
        name="latency",
        summary="Every chunk of the response is delayed.",
        how="toxiproxy `latency` toxic, downstream (toxics/latency.go: each chunk waits "
        "`latency` +/- `jitter` ms).",
        comma="Succeeds, slower.",
        pipe="Succeeds, slower (slowness is not an error, so no fallback).",
        mechanism="toxic",
        params=(
            Param("ms", 300, "ms", "delay added to each chunk"),
            Param("jitter", 0, "ms", "random +/- spread around `ms`"),
        ),
        toxic=ToxicSpec("latency", attributes={"ms": "latency", "jitter": "jitter"}),
    ),
    Fault(
        name="bandwidth",
        summary="The response trickles in at a fixed rate.",
        how="toxiproxy `bandwidth` toxic, downstream (toxics/bandwidth.go: `rate` KB/s).",
        comma="Succeeds, slower for big zips.",
        pipe="Succeeds, slower (no fallback).",
        mechanism="toxic",
        params=(Param("rate", 64, "KB/s", "bytes per second / 1000", minimum=1),),
        toxic=ToxicSpec("bandwidth", attributes={"rate": "rate"}),
    ),
    Fault(
        name="slicer",
        summary="The response arrives in many small TCP writes.",
        how="toxiproxy `slicer` toxic, downstream (toxics/slicer.go: slices of about "
        "`average_size` bytes, `delay_us` apart).",
        comma="Succeeds (HTTP does not care about segment boundaries), slower for big zips.",
        pipe="Succeeds (no fallback).",
        mechanism="toxic",
        params=(
            Param("average_size", 64, "bytes", "mean slice size", minimum=1),
            Param("size_variation", 32, "bytes", "slice size spread"),
            Param("delay_us", 100, "µs", "pause between slices"),
        ),
        toxic=ToxicSpec(
            "slicer",
            attributes={
                "average_size": "average_size",
                "size_variation": "size_variation",
                "delay_us": "delay",
            },
        ),
    ),
    Fault(
        name="slow_close",
        summary="The proxy waits before closing a connection.",
        how="toxiproxy `slow_close` toxic, downstream (toxics/slow_close.go: the close is "
        "delayed `ms`).",
        comma="Succeeds: go reads by Content-Length and does not wait for the close.",
        pipe="Succeeds.",
        mechanism="toxic",
        params=(Param("ms", 1000, "ms", "delay before the close"),),
        toxic=ToxicSpec("slow_close", attributes={"ms": "delay"}),
    ),
    Fault(
        name="refused",
        summary="Nothing listens: connect gets ECONNREFUSED.",
        how="The toxiproxy proxy is disabled, which closes its listener (the port is kept "
        "and rebound when the fault is removed).",
        comma="Fails at once: `dial tcp 127.0.0.1:N: connect: connection refused`. " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="disable",
    ),
    Fault(
        name="dns",
        summary="The proxy's host name does not resolve (NXDOMAIN).",
        how="The endpoint URL's host becomes `goproxy-<id>.invalid` (RFC 6761: never "
        "resolves); read `endpoint.url` after injecting. go still asks the system resolver "
        "(one query for a `.invalid` name), which answers NXDOMAIN.",
        comma="Fails at once: `dial tcp: lookup goproxy-<id>.invalid on <resolver>: no such "
        "host`. " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="dns",
    ),
    Fault(
        name="blackhole",
        summary="Connections are accepted, then nothing ever comes back.",
        how="toxiproxy `timeout` toxic with `timeout` 0 on the upstream stream "
        "(toxics/timeout.go: data is dropped and the connection is never closed). Upstream, "
        "so the request never reaches the server and it never answers or closes; the toxic "
        "passes a close through, so a server that closes idle connections ends the hang.",
        comma="Over http: hangs, as go has no request timeout and only the runner's deadline "
        "ends it. Over https: fails after net/http's 10 s handshake limit, as the ClientHello is "
        "swallowed: `net/http: TLS handshake timeout` (DIAL_TIMEOUT, `tls_problem` "
        "HANDSHAKE_TIMEOUT); `,` falls back only on a 404 or 410 answer.",
        pipe="Over http: hangs too, as there is no error to fall back on. Over https: falls "
        "back, but only after 10 s for every request (each one tries this entry first).",
        mechanism="toxic",
        toxic=ToxicSpec("timeout", stream="upstream", fixed={"timeout": 0}),
        cost="over http the runner's whole timeout, over https 10 s per connection attempt",
    ),
    Fault(
        name="dial_timeout",
        summary="The SYN is never answered: connect times out.",
        how="The endpoint URL points at a loopback listener whose accept backlog is full, "
        "so Linux drops further SYNs; read `endpoint.url` after injecting.",
        comma="Fails after go's own 30 s dial limit: `dial tcp ...: i/o timeout`. " + _COMMA_STOPS,
        pipe="Falls back, but only after 30 s for every request (each one tries this entry "
        "first), so a `go mod tidy` costs a minute or more.",
        mechanism="stuck_listener",
        cost="30 s per connection attempt; opt in",
    ),
    Fault(
        name="reset",
        summary="The connection is reset (RST) once the request arrives.",
        how="toxiproxy `reset_peer` toxic, upstream (toxics/reset_peer.go: on the first data, "
        "wait `after_ms`, then close with SO_LINGER 0).",
        comma="Fails at once: `read tcp ...: read: connection reset by peer`. " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="toxic",
        params=(Param("after_ms", 0, "ms", "delay before the reset"),),
        toxic=ToxicSpec("reset_peer", stream="upstream", attributes={"after_ms": "timeout"}),
    ),
    Fault(
        name="truncate",
        summary="Each connection is closed after N bytes of response (headers included).",
        how="toxiproxy `limit_data` toxic, downstream (toxics/limit_data.go: per connection, "
        "forward `bytes` then close).",
        comma='Fails: `read "<url>.zip": unexpected EOF` when the cut is in a body (a cut '
        "in the headers gives `malformed MIME header`; a response shorter than `bytes` is "
        "not affected). " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="toxic",
        params=(Param("bytes", 400, "bytes", "response bytes per connection"),),
        toxic=ToxicSpec("limit_data", attributes={"bytes": "bytes"}),
    ),
    Fault(
        name="down_for",
        summary="Down (refused) for the first N seconds, then up.",
        how="The proxy is disabled now and re-enabled by a timer thread.",
        comma="Fails if go connects inside the window (go does not retry), else succeeds.",
        pipe="Falls back inside the window; succeeds on this entry after it.",
        mechanism="down_for",
        params=(Param("seconds", 2.0, "s", "length of the outage", integer=False, maximum=3600),),
    ),
    Fault(
        name="down_after",
        summary="Up for N seconds, then down (refused).",
        how="A timer thread disables the proxy after `seconds`; open connections are dropped.",
        comma="Succeeds if go is done in time, else fails with refused or EOF.",
        pipe="Falls back once it is down.",
        mechanism="down_after",
        params=(Param("seconds", 2.0, "s", "time before the outage", integer=False, maximum=3600),),
    ),
    Fault(
        name="down_after_bytes",
        summary="Up for the first N response bytes, then down (refused).",
        how="`limit_data` toxic cuts the connection at N bytes and a watcher thread disables "
        "the proxy once N bytes went downstream (needs `-proxy-metrics`, on for our server).",
        comma="Fails with `unexpected EOF` or refused. " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="down_after_bytes",
        params=(Param("bytes", 400, "bytes", "response bytes before the outage"),),
    ),
    Fault(
        name="intercepted",
        summary="A TLS-intercepting firewall: a certificate for the right host from a CA go "
        "does not trust.",
        how=_MIDDLEBOX + "terminates TLS with a certificate from the firewall's CA "
        "(`foreign_ca()`) for the name the client asked for (SNI; 127.0.0.1, ::1 and localhost "
        "when it sent none, as for an address) and forwards the decrypted requests to the "
        "server over TLS. With that CA trusted too (`SSL_CERT_FILE` = "
        "`serving.tls.corporate_bundle()`) go works through it, and `handle.middlebox.requests` "
        "lists what it read.",
        comma="Fails at once: `tls: failed to verify certificate: x509: certificate signed by "
        "unknown authority` (TLS, `tls_problem` UNKNOWN_AUTHORITY). " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="tls",
        tls="foreign_ca",
    ),
    Fault(
        name="expired_cert",
        summary="The server's certificate has expired.",
        how=_MIDDLEBOX + "terminates TLS with a session-CA certificate for the right host (the "
        "name the client asked for, or the loopback names), valid during 2020 only.",
        comma="Fails at once: `tls: failed to verify certificate: x509: certificate has expired "
        "or is not yet valid: current time <now> is after 2021-01-01T00:00:00Z` (TLS, "
        "EXPIRED). " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="tls",
        tls="expired",
    ),
    Fault(
        name="wrong_host",
        summary="The server's certificate is for another host.",
        how=_MIDDLEBOX + "terminates TLS with a session-CA certificate for `wrong.example` and "
        "127.0.0.2, whatever name the client asked for.",
        comma="Fails at once: `tls: failed to verify certificate: x509: certificate is valid for "
        "127.0.0.2, not 127.0.0.1` (`... valid for wrong.example, not localhost` for a "
        "`localhost` URL; TLS, WRONG_HOST). " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="tls",
        tls="wrong_host",
    ),
    Fault(
        name="tls_stall",
        summary="The TLS handshake is never answered.",
        how=_MIDDLEBOX + "reads the ClientHello and never answers.",
        comma="Fails after net/http's 10 s handshake limit: `net/http: TLS handshake timeout`, "
        "classified DIAL_TIMEOUT (`tls_problem` HANDSHAKE_TIMEOUT): no certificate was refused, "
        "the connection was not set up in time. " + _COMMA_STOPS,
        pipe="Falls back, but only after 10 s for every request (each one tries this entry "
        "first): a `go mod tidy` fetching one module's .zip and .mod waits twice.",
        mechanism="tls",
        tls="stall",
        cost="10 s per connection attempt",
    ),
    Fault(
        name="plain_http",
        summary="The port speaks plain HTTP, not TLS.",
        how=_MIDDLEBOX + "reads the ClientHello and answers as a Go plain-HTTP server does "
        "(`HTTP/1.1 400 Bad Request`, then it closes).",
        comma="Fails at once: `http: server gave HTTP response to HTTPS client` (TLS, NOT_TLS). "
        + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="tls",
        tls="plain_http",
    ),
    Fault(
        name="dns_nxdomain",
        summary="The resolver says the proxy's name does not exist (NXDOMAIN).",
        how=_RESOLVER + "answers NXDOMAIN for the name, A and AAAA.",
        comma="Fails at once: `dial tcp: lookup goproxy.cn on <resolver>:53: no such host` (DNS; "
        "NXDOMAIN is final: go asks once, whatever `attempts`). " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="resolver",
        resolver="nxdomain",
    ),
    Fault(
        name="dns_servfail",
        summary="The resolver fails (SERVFAIL), as a resolver whose upstream is down does.",
        how=_RESOLVER + "answers SERVFAIL for the name, A and AAAA.",
        comma="Fails at once: `dial tcp: lookup goproxy.cn on <resolver>:53: server misbehaving` "
        "(DNS; go asks again `attempts` times, 2 by default, with no wait). " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="resolver",
        resolver="servfail",
    ),
    Fault(
        name="dns_refused",
        summary="The resolver refuses to answer (REFUSED), as one that serves other networks.",
        how=_RESOLVER + "answers REFUSED for the name, A and AAAA.",
        comma="Fails at once with the text of SERVFAIL: `dial tcp: lookup goproxy.cn on "
        "<resolver>:53: server misbehaving` (DNS; asked `attempts` times). " + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="resolver",
        resolver="refused",
    ),
    Fault(
        name="dns_timeout",
        summary="The resolver never answers.",
        how=_RESOLVER + "reads the questions about the name and sends nothing back (over TCP "
        "it holds the connection).",
        comma="Fails after `timeout` x `attempts` (go's default 5 s x 2: 10 s, measured 10.06 s): "
        "`dial tcp: lookup goproxy.cn on <resolver>:53: read udp 127.0.0.1:P-><resolver>:53: "
        "i/o timeout` (`read tcp` with `options use-vc`; DNS). " + _COMMA_STOPS,
        pipe="Falls back, but only after the whole lookup timeout for every request (each one "
        "looks the name up again: go has no DNS cache), 10 s each by default.",
        mechanism="resolver",
        resolver="timeout",
        cost="10 s per lookup with go's default resolver options",
    ),
    Fault(
        name="dns_slow",
        summary="The resolver answers, late.",
        how=_RESOLVER + "answers as usual after `ms`.",
        comma="Succeeds, `ms` slower per lookup, while `ms` is under go's `timeout` (5 s by "
        "default); past it go gives up as for `dns_timeout` (`i/o timeout`, after `attempts` "
        "tries). " + _COMMA_STOPS,
        pipe="Succeeds, slower; past the timeout it falls back as for `dns_timeout`.",
        mechanism="resolver",
        resolver="slow",
        params=(Param("ms", 1000, "ms", "how late each answer comes", maximum=60000),),
    ),
    Fault(
        name="dns_hijack",
        summary="The resolver answers with another address (DNS pollution, a captive portal).",
        how=_RESOLVER + "answers A with another loopback address: by default one of its own "
        "where connections are refused (ports 443 and 80 held, never listening); "
        "`FakeResolver.inject(name, 'dns_hijack', to=address)` sends go to a server of the "
        "test's (a portal with its own certificate).",
        comma="Fails at once: `dial tcp 127.a.b.c:443: connect: connection refused` (REFUSED); "
        "at a server with a certificate for another name, `tls: failed to verify certificate: "
        "x509: certificate is valid for portal.example, not goproxy.cn` (TLS, WRONG_HOST). "
        + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="resolver",
        resolver="hijack",
    ),
    Fault(
        name="dns_aaaa_only",
        summary="The name has only an IPv6 address, and nothing answers there.",
        how=_RESOLVER + "answers A with no record and AAAA with `::1`, where the proxy (on "
        "IPv4 only) does not listen: loopback stays the only destination, so go meets a "
        "refusal where a real host without IPv6 meets `connect: network is unreachable` (no "
        "route) or `connect: cannot assign requested address` (no IPv6 address at all); both "
        "measured in a network namespace of go's own, both REFUSED too.",
        comma="Fails at once: `dial tcp [::1]:443: connect: connection refused` (REFUSED). "
        + _COMMA_STOPS,
        pipe=_PIPE_FALLS,
        mechanism="resolver",
        resolver="aaaa_only",
    ),
)


def fault_names() -> list[str]:
    """Every fault name, in catalogue order."""
    return list(FAULTS)


def get_fault(name: str) -> Fault:
    """The catalogue entry for ``name``, or :class:`FaultError` listing the valid names."""
    return lookup(FAULTS, name, "fault", FaultError)


def fault_table_markdown() -> str:
    """README's fault table, generated from :data:`FAULTS`."""
    header = ["Fault", "Parameters", "What happens", "How it is made", "`GOPROXY=a,b`"]
    rows = []
    for fault in FAULTS.values():
        params = ", ".join(p.describe() for p in fault.params) or "none"
        summary = fault.summary + (f" Cost: {fault.cost}." if fault.cost else "")
        rows.append([f"`{fault.name}`", params, summary, fault.how, fault.comma, fault.pipe])
    return markdown_table([*header, "`GOPROXY=a\\|b`"], rows)
