"""A fake DNS resolver, for go's own resolver to meet: names to loopback addresses, and the ways
real resolvers fail.

:class:`FakeResolver` answers on port 53 of a loopback address of its own (127.a.b.c, chosen
free: :func:`~pytest_goproxy.serving.udp.on_free_loopback`), over UDP and TCP as go asks
(TCP when an answer is truncated, or with ``options use-vc``). It answers A and AAAA questions
for the names it serves (name -> loopback addresses), NOERROR with no record for a type it has
none of, and NXDOMAIN for any other name, with the flags go's resolver checks
(net/dnsclient_unix.go ``checkHeader``: a reply without "recursion available" and no answer is a
"lame referral"). Every question is logged (:attr:`FakeResolver.questions`: name, type,
transport, what was answered), so a test proves go asked it.

Resolver faults (the ``resolver`` mechanism of :data:`~pytest_goproxy.network.FAULTS`) are
played per name: :meth:`FakeResolver.inject` returns a :class:`ResolverFaultHandle` whose
``remove()`` ends it, the way an endpoint's fault handle does, so the outage engine can bind a
``dns_servfail@goproxy.cn`` to the resolver that serves goproxy.cn.

DNS messages are dnslib's (parsing, the reply's header and records); the sockets are the
connection layer's (:class:`~pytest_goproxy.serving.udp.UDPServer`,
:class:`~pytest_goproxy.serving.tcp.TCPServer`). go reaches the resolver only from a private
mount namespace whose ``/etc/resolv.conf`` names it: ``GoRunner.run(..., resolver=r)``
(:mod:`pytest_goproxy.gorun.namespace`).
"""

from __future__ import annotations

import contextlib
import ipaddress
import struct
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from dnslib import AAAA, QTYPE, RCODE, RR, A, DNSError, DNSRecord

from pytest_goproxy.entries import Number
from pytest_goproxy.errors import FaultError, NamespaceUnavailable
from pytest_goproxy.lifecycle import Closing, Starting
from pytest_goproxy.network.faults import Fault, get_fault
from pytest_goproxy.serving.tcp import Connection, TCPServer
from pytest_goproxy.serving.udp import (
    RefusingAddress,
    UDPServer,
    is_loopback,
    on_free_loopback,
)

__all__ = [
    "DNS_PORT",
    "FakeResolver",
    "Question",
    "ResolverFaultHandle",
    "Transport",
]

#: The only port go's resolver asks (a ``nameserver`` line has no port).
DNS_PORT = 53
#: Time to live of every answer; go keeps none (it has no DNS cache), other clients might.
TTL = 1
#: The ports a hijack's target address holds (so nothing else takes them there): go's dials
#: to an https:// or http:// URL without a port.
HIJACK_PORTS = (443, 80)

Transport = Literal["udp", "tcp"]


@dataclass(frozen=True)
class Question:
    """One question the resolver got, and what it answered."""

    name: str
    """The name asked, lower case, without the final dot (``goproxy.cn``)."""
    type: str
    """``A``, ``AAAA``, or the name of another type."""
    transport: Transport
    rcode: str
    """``NOERROR``, ``NXDOMAIN``, ``SERVFAIL``, ``REFUSED``, or ``none`` (no answer sent)."""
    answers: tuple[str, ...] = ()
    fault: str | None = None
    """The resolver fault that decided the answer, None for a normal one."""
    delay: float = 0.0
    """How long the answer is held back (``dns_slow``), in seconds; a held answer is dropped
    should the resolver close meanwhile."""
    at: float = field(default_factory=time.monotonic, compare=False)


class ResolverFaultHandle(Closing):
    """One resolver fault on one name; ``remove()`` ends it (idempotent), as ``with`` does."""

    def __init__(
        self,
        resolver: FakeResolver,
        name: str,
        fault: Fault,
        params: dict[str, Number],
        target: str | None,
    ) -> None:
        self.resolver = resolver
        self.host = name
        self.fault = fault
        self.params = params
        #: the address a ``dns_hijack`` answers (None for every other fault)
        self.target = target
        self.active = True
        self._reserved: list[RefusingAddress] = []

    @property
    def name(self) -> str:
        return self.fault.name

    def remove(self) -> None:
        if not self.active:
            return
        self.active = False
        self.resolver._forget(self)
        for held in self._reserved:
            held.close()
        self._reserved.clear()

    close = remove

    def __repr__(self) -> str:
        state = "active" if self.active else "removed"
        return f"<ResolverFaultHandle {self.fault.name}@{self.host} {self.params} {state}>"


def _name(text: str) -> str:
    return text.strip().rstrip(".").lower()


def _check_addresses(name: str, addresses: Iterable[str]) -> tuple[str, ...]:
    checked = []
    for address in addresses:
        if not isinstance(address, str) or not is_loopback(address):
            raise ValueError(
                f"{name!r} -> {address!r}: the fake resolver answers loopback addresses only "
                "(127.0.0.0/8 or ::1), so go's traffic never leaves this machine"
            )
        checked.append(str(ipaddress.ip_address(address)))
    return tuple(checked)


class FakeResolver(Starting):
    """A DNS server for go on ``<its address>:53``, UDP and TCP, serving ``names`` (name ->
    one loopback address or several; IPv4 ones answer A questions, ``::1`` AAAA ones).

    ``options`` are the ``options`` of the ``resolv.conf`` go gets
    (:mod:`pytest_goproxy.gorun.namespace`): go's defaults are ``timeout:5 attempts:2``; a test
    of a resolver that does not answer passes ``("timeout:1", "attempts:1")`` to fail fast,
    ``use-vc`` makes go ask over TCP. ``host`` picks the address (default: a free one in
    127.0.0.0/8). Start it (``with FakeResolver(...) as resolver:``) before a run uses it;
    :meth:`close` stops both servers and joins their threads.

    Port 53 needs root, ``CAP_NET_BIND_SERVICE`` or ``net.ipv4.ip_unprivileged_port_start=53``;
    without :class:`~pytest_goproxy.errors.NamespaceUnavailable` says so at :meth:`start`.
    """

    def __init__(
        self,
        names: Mapping[str, str | Sequence[str]] | None = None,
        *,
        options: Sequence[str] = (),
        host: str | None = None,
    ) -> None:
        if isinstance(options, str):
            raise TypeError("options is a sequence of resolv.conf options, e.g. ['timeout:1']")
        if host is not None and not is_loopback(host):
            raise ValueError(f"the fake resolver listens on loopback only, not {host!r}")
        self._options = tuple(options)
        self._host = host
        self._lock = threading.Lock()
        self._names: dict[str, tuple[str, ...]] = {}
        self._faults: dict[str, list[ResolverFaultHandle]] = {}
        self._log: list[Question] = []
        self._stop = threading.Event()
        self._udp: UDPServer | None = None
        self._tcp: TCPServer | None = None
        for name, addresses in (names or {}).items():
            self.add(name, *([addresses] if isinstance(addresses, str) else addresses))

    # -- what go is told ---------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The loopback address it listens on (port 53), once started."""
        if self._udp is None:
            raise RuntimeError("start the FakeResolver first (with FakeResolver(...) as r:)")
        return self._udp.host

    @property
    def options(self) -> tuple[str, ...]:
        return self._options

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it serves or plays a fault for, sorted (go dials them itself)."""
        with self._lock:
            return tuple(sorted({*self._names, *self._faults}))

    # -- names -------------------------------------------------------------------------------

    def add(self, name: str, *addresses: str) -> None:
        """Serve ``name`` with ``addresses`` (loopback only; replacing what it had)."""
        key = _name(name)
        if not key:
            raise ValueError("a name to serve may not be empty")
        checked = _check_addresses(key, addresses)
        with self._lock:
            self._names[key] = checked

    def remove(self, name: str) -> None:
        """Stop serving ``name``: it is NXDOMAIN from now on."""
        with self._lock:
            self._names.pop(_name(name), None)

    # -- faults ------------------------------------------------------------------------------

    def inject(
        self, name: str, fault: str, *, to: str | None = None, **params: object
    ) -> ResolverFaultHandle:
        """Play resolver fault ``fault`` (``dns_servfail``, ``dns_timeout``...: the catalogue's
        ``resolver`` entries) for ``name`` until the handle is removed; the newest fault on a
        name wins. ``params`` are the entry's (``dns_slow``'s ``ms``). ``to`` is where
        ``dns_hijack`` sends go (a loopback address; default: one of its own where connections
        are refused, on ports 443 and 80)."""
        entry = get_fault(fault)
        return self.add_fault(name, entry, entry.bind(params), to=to)

    def add_fault(
        self,
        name: str,
        fault: Fault,
        bound: Mapping[str, Number],
        *,
        to: str | None = None,
    ) -> ResolverFaultHandle:
        """Play ``fault`` for ``name`` with parameters already validated by ``fault.bind``: what
        the outage engine calls with a bound fault (``dns_servfail@goproxy.cn``), as it calls
        :meth:`Endpoint.add <pytest_goproxy.network.Endpoint.add>` for a network one. A fault
        of another mechanism is a :class:`~pytest_goproxy.errors.FaultError`."""
        if fault.mechanism != "resolver" or fault.resolver is None:
            raise FaultError(
                f"fault {fault.name!r} is not made by a resolver (its mechanism is "
                f"{fault.mechanism!r}): inject it on an endpoint"
            )
        if to is not None and fault.resolver != "hijack":
            raise FaultError(f"fault {fault.name!r} takes no `to` address; dns_hijack does")
        key = _name(name)
        handle = ResolverFaultHandle(self, key, fault, dict(bound), None)
        if fault.resolver == "hijack":
            if to is None:
                reserved = on_free_loopback(lambda host: RefusingAddress(host, HIJACK_PORTS))
                handle._reserved.append(reserved)
                handle.target = reserved.host
            else:
                handle.target = _check_addresses(key, [to])[0]
        with self._lock:
            self._faults.setdefault(key, []).append(handle)
        return handle

    @contextlib.contextmanager
    def fault(
        self, name: str, fault: str, *, to: str | None = None, **params: object
    ) -> Iterator[ResolverFaultHandle]:
        """``with resolver.fault("goproxy.cn", "dns_servfail"): ...``: for the block only."""
        handle = self.inject(name, fault, to=to, **params)
        try:
            yield handle
        finally:
            handle.remove()

    def clear(self) -> None:
        """Remove every fault (the names stay served)."""
        with self._lock:
            handles = [h for hs in self._faults.values() for h in hs]
        for handle in handles:
            handle.remove()

    def _forget(self, handle: ResolverFaultHandle) -> None:
        with self._lock:
            handles = self._faults.get(handle.host, [])
            with contextlib.suppress(ValueError):
                handles.remove(handle)
            if not handles:
                self._faults.pop(handle.host, None)

    # -- the log -----------------------------------------------------------------------------

    @property
    def questions(self) -> list[Question]:
        """Every question so far, oldest first."""
        with self._lock:
            return list(self._log)

    def asked(
        self, name: str, type: str | None = None, transport: Transport | None = None
    ) -> list[Question]:
        """The questions about ``name`` (of ``type``, over ``transport`` when given)."""
        key = _name(name)
        return [
            q
            for q in self.questions
            if q.name == key
            and (type is None or q.type == type)
            and (transport is None or q.transport == transport)
        ]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- lifetime ----------------------------------------------------------------------------

    def _start(self) -> None:
        if self._udp is not None:
            return
        try:
            if self._host is not None:
                self._bind(self._host)
            else:
                on_free_loopback(self._bind)
        except PermissionError as exc:
            raise NamespaceUnavailable(
                f"the fake resolver cannot listen on port {DNS_PORT} ({exc.strerror}): go asks "
                "no other port; run as root, give python CAP_NET_BIND_SERVICE, or set sysctl "
                f"net.ipv4.ip_unprivileged_port_start={DNS_PORT}"
            ) from exc
        assert self._udp is not None and self._tcp is not None
        self._udp.start()
        self._tcp.start()

    def _bind(self, host: str) -> None:
        udp = UDPServer(self._answer_udp, host=host, port=DNS_PORT, name="fake-resolver")
        try:
            tcp = TCPServer(
                self._serve_tcp, host=host, port=DNS_PORT, read_timeout=10.0, name="resolver-tcp"
            )
        except BaseException:
            udp.close()
            raise
        self._udp, self._tcp = udp, tcp

    def close(self) -> None:
        """Stop answering (a held-back answer is dropped), close both servers, join their
        threads, and remove every fault (idempotent)."""
        self._stop.set()
        for server in (self._udp, self._tcp):
            if server is not None:
                server.close()
        self.clear()

    def __repr__(self) -> str:
        where = self._udp.host if self._udp is not None else "not started"
        return f"FakeResolver({where}, names={list(self.names)})"

    # -- answering ---------------------------------------------------------------------------

    def _answer_udp(self, data: bytes, _peer: tuple[str, int]) -> bytes | None:
        return self._answer(data, "udp")

    def _serve_tcp(self, conn: Connection) -> None:
        """RFC 1035 4.2.2: each message after its two-byte length, several on one connection."""
        while not self._stop.is_set():
            head = _read_exactly(conn, 2)
            if head is None:
                return
            (size,) = struct.unpack("!H", head)
            data = _read_exactly(conn, size)
            if data is None:
                return
            reply = self._answer(data, "tcp")
            if reply is None:  # no answer: hold the connection until go gives up or we stop
                self._stop.wait()
                return
            if not conn.sendall(struct.pack("!H", len(reply)) + reply):
                return

    def _answer(self, data: bytes, transport: Transport) -> bytes | None:
        try:
            request = DNSRecord.parse(data)
        except (DNSError, struct.error, IndexError, ValueError):
            return None  # not DNS: a real server drops it too
        if not request.questions:
            return None
        question = request.questions[0]
        name = _name(str(question.qname))
        qtype = QTYPE.get(question.qtype, str(question.qtype))
        with self._lock:
            handles = self._faults.get(name)
            handle = handles[-1] if handles else None
            served = self._names.get(name)
        reply = request.reply()  # qr, aa, rd copied, ra: what go's checkHeader wants
        rcode, answers = self._decide(handle, served, qtype)
        fault = handle.name if handle is not None else None
        slow = handle is not None and handle.fault.resolver == "slow"
        delay = float(handle.params["ms"]) / 1000 if handle is not None and slow else 0.0
        # logged as it arrives (go may have given up before a held answer leaves)
        self._record(Question(name, qtype, transport, rcode, answers, fault, delay))
        # dns_slow: held back, then answered as usual; close() ends the wait, with no answer
        if rcode == "none" or (delay and self._stop.wait(delay)):
            return None
        reply.header.rcode = getattr(RCODE, rcode)
        for address in answers:
            rdata = AAAA(address) if ":" in address else A(address)
            reply.add_answer(RR(question.qname, getattr(QTYPE, qtype), rdata=rdata, ttl=TTL))
        packed: bytes = reply.pack()
        return packed

    def _decide(
        self, handle: ResolverFaultHandle | None, served: tuple[str, ...] | None, qtype: str
    ) -> tuple[str, tuple[str, ...]]:
        """(rcode, addresses) for one question: the fault's, else the served name's."""
        behaviour = handle.fault.resolver if handle is not None else None
        if behaviour == "nxdomain":
            return "NXDOMAIN", ()
        if behaviour == "servfail":
            return "SERVFAIL", ()
        if behaviour == "refused":
            return "REFUSED", ()
        if behaviour == "timeout":
            return "none", ()
        if behaviour == "hijack":
            assert handle is not None and handle.target is not None
            served = (handle.target,)
        elif behaviour == "aaaa_only":
            served = ("::1",)
        if served is None:
            return "NXDOMAIN", ()
        family = 6 if qtype == "AAAA" else 4 if qtype == "A" else 0
        return "NOERROR", tuple(a for a in served if ipaddress.ip_address(a).version == family)

    def _record(self, question: Question) -> None:
        with self._lock:
            self._log.append(question)


def _read_exactly(conn: Connection, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data
