"""Endpoints: a toxiproxy proxy in front of one of our servers, and the faults injected into it.

``Network.front(server)`` creates a proxy listening on 127.0.0.1 (the server picks the port, so
there is no race) whose upstream is ``server``; the returned :class:`Endpoint` has the ``url`` to
put in ``GOPROXY`` or ``GOSUMDB`` and injects faults from the catalogue
(:mod:`pytest_goproxy.network.faults`). ``Network.close()`` removes every proxy, toxic, timer and
socket it made; the ``network`` fixture calls it after each test, also when the test failed.

Faults that cannot be expressed as a toxic change what ``endpoint.url`` returns (``dns``: a host
under ``.invalid``; ``dial_timeout``: a stuck listener's port), so read ``url`` after injecting.
The TLS faults do not: they point the proxy's upstream at a TLS middlebox
(:mod:`pytest_goproxy.network.tlsbox`) and back, as a real one sits in the path unseen.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from pytest_goproxy.entries import Number
from pytest_goproxy.errors import FaultError, ToxiproxyError
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.network.client import ProxyInfo, ToxiproxyClient
from pytest_goproxy.network.faults import Fault, get_fault
from pytest_goproxy.network.tlsbox import TLSBox, parse_address
from pytest_goproxy.serving.tcp import StuckListener

__all__ = ["Endpoint", "FaultHandle", "Network", "upstream_of"]

#: How often the ``down_after_bytes`` watcher reads the proxy's byte counter.
_WATCH_INTERVAL_S = 0.02
#: How long cleanup waits for a timer or watcher thread to notice it was cancelled.
_THREAD_JOIN_S = 5.0


def upstream_of(server: object) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path)`` of anything with ``.url``, ``.host``/``.port``, or a URL.

    ``.url`` wins because it also carries the scheme and a path prefix, which the endpoint URL
    keeps (toxiproxy forwards TCP, it does not rewrite HTTP).
    """
    url = getattr(server, "url", None)
    if url is None and isinstance(server, str):
        url = server
    if isinstance(url, str):
        parts = urlsplit(url if "://" in url else f"http://{url}")
        try:
            port = parts.port
        except ValueError as exc:
            raise ToxiproxyError(f"cannot front {url!r}: bad port") from exc
        if not parts.hostname:
            raise ToxiproxyError(f"cannot front {url!r}: it has no host")
        scheme = parts.scheme or "http"
        if port is None:
            port = 443 if scheme == "https" else 80
        return scheme, parts.hostname, port, parts.path.rstrip("/")
    host = getattr(server, "host", None)
    port = getattr(server, "port", None)
    if isinstance(host, str) and isinstance(port, int):
        return "http", host, port, ""
    if isinstance(server, tuple) and len(server) == 2:
        host, port = server
        if isinstance(host, str) and isinstance(port, int):
            return "http", host, port, ""
    raise ToxiproxyError(
        f"cannot front {server!r}: give a URL, a (host, port) tuple or an object with .url or "
        ".host and .port"
    )


class FaultHandle(Closing):
    """One injected fault. ``remove()`` undoes it; as a context manager it is removed on exit."""

    def __init__(
        self, endpoint: Endpoint, fault: Fault, params: dict[str, Number], ident: str
    ) -> None:
        self.endpoint = endpoint
        self.fault = fault
        self.params = params
        self.ident = ident
        self._undo: list[Callable[[], None]] = []
        self.active = True
        #: the TLS middlebox of a ``tls`` fault (its ``requests`` and ``handshakes`` say what it
        #: saw); None for every other mechanism
        self.middlebox: TLSBox | None = None

    @property
    def name(self) -> str:
        return self.fault.name

    def _on_remove(self, undo: Callable[[], None]) -> None:
        self._undo.append(undo)

    def remove(self) -> None:
        """Undo the fault (idempotent). Every undo step runs even if an earlier one fails."""
        if not self.active:
            return
        self.active = False
        errors: list[BaseException] = []
        for undo in reversed(self._undo):
            try:
                undo()
            except Exception as exc:
                errors.append(exc)
        self._undo.clear()
        with contextlib.suppress(ValueError):
            self.endpoint._handles.remove(self)
        if errors:
            raise errors[0]

    close = remove

    def __repr__(self) -> str:
        state = "active" if self.active else "removed"
        return f"<FaultHandle {self.fault.name} {self.params} {state}>"


class Endpoint:
    """A toxiproxy proxy in front of one server, plus the faults currently injected into it."""

    def __init__(
        self,
        network: Network,
        proxy: ProxyInfo,
        scheme: str,
        path: str,
        uid: str,
    ) -> None:
        self.network = network
        self.client = network.client
        self.name = proxy.name
        self.host = proxy.listen_host
        self.port = proxy.listen_port
        self.upstream = proxy.upstream
        self.scheme = scheme
        self.path = path
        self.uid = uid
        self._handles: list[FaultHandle] = []
        self._lock = threading.RLock()
        self._down: set[str] = set()
        self._enabled = True
        self._host_override: str | None = None
        self._port_override: int | None = None
        self._middlebox: FaultHandle | None = None
        self._counter = itertools.count(1)
        self.closed = False

    # -- the URL go uses -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """URL for ``GOPROXY``/``GOSUMDB``; the ``dns`` and ``dial_timeout`` faults change it."""
        host = self._host_override or self.host
        port = self._port_override or self.port
        return f"{self.scheme}://{host}:{port}{self.path}"

    @property
    def address(self) -> str:
        """``host:port`` toxiproxy listens on (unaffected by URL-changing faults)."""
        return f"{self.host}:{self.port}"

    @property
    def faults(self) -> list[FaultHandle]:
        """The faults currently injected, oldest first."""
        return list(self._handles)

    # -- injecting -----------------------------------------------------------------------------

    def inject(self, name: str, **params: object) -> FaultHandle:
        """Inject fault ``name`` (see :data:`~pytest_goproxy.network.faults.FAULTS`) until removed.

        Returns a :class:`FaultHandle`; ``handle.remove()`` or ``endpoint.clear()`` ends it, and
        the ``network`` fixture ends every fault after the test.
        """
        fault = get_fault(name)
        return self.add(fault, fault.bind(params))

    def add(self, fault: Fault, bound: Mapping[str, Number]) -> FaultHandle:
        """Inject ``fault`` with parameters already validated by ``fault.bind`` (the outage
        engine binds a scenario's faults once, when the file is read)."""
        if self.closed:
            raise ToxiproxyError(f"endpoint {self.name!r} is closed")
        handle = FaultHandle(self, fault, dict(bound), f"{fault.name}-{next(self._counter)}")
        try:
            self._make(handle)
        except BaseException:
            handle.remove()
            raise
        self._handles.append(handle)
        return handle

    @contextlib.contextmanager
    def fault(self, name: str, **params: object) -> Iterator[FaultHandle]:
        """``with endpoint.fault("latency", ms=300): ...``: the fault lasts for the block only."""
        handle = self.inject(name, **params)
        try:
            yield handle
        finally:
            handle.remove()

    def clear(self) -> None:
        """Remove every fault of this endpoint (newest first); the proxy is up and clean after."""
        errors: list[BaseException] = []
        for handle in reversed(self._handles[:]):
            try:
                handle.remove()
            except Exception as exc:
                errors.append(exc)
        with self._lock:
            self._down.clear()
            self._sync_enabled()
        if errors:
            raise errors[0]

    def close(self) -> None:
        """Remove every fault and delete the toxiproxy proxy (idempotent)."""
        if self.closed:
            return
        try:
            self.clear()
        finally:
            self.closed = True
            self.client.delete_proxy(self.name)

    # -- how each mechanism is made ------------------------------------------------------------

    def _make(self, handle: FaultHandle) -> None:
        fault = handle.fault
        mechanism = fault.mechanism
        if mechanism == "toxic":
            assert fault.toxic is not None
            self._add_toxic(
                handle,
                fault.toxic.type,
                fault.toxic.stream,
                fault.toxic.attributes_for(handle.params),
            )
        elif mechanism == "disable":
            self._go_down(handle, handle.ident)
        elif mechanism == "dns":
            self._set_override(handle, host=f"goproxy-{self.uid}.invalid")
        elif mechanism == "stuck_listener":
            listener = StuckListener()
            handle._on_remove(listener.close)
            self._set_override(handle, port=listener.port)
        elif mechanism == "down_for":
            self._go_down(handle, handle.ident)
            self._start_timer(
                handle, float(handle.params["seconds"]), lambda: self._go_up(handle.ident)
            )
        elif mechanism == "down_after":
            handle._on_remove(lambda: self._go_up(handle.ident))
            self._start_timer(
                handle, float(handle.params["seconds"]), lambda: self._go_down(None, handle.ident)
            )
        elif mechanism == "down_after_bytes":
            limit = int(handle.params["bytes"])
            self._add_toxic(handle, "limit_data", "downstream", {"bytes": limit})
            handle._on_remove(lambda: self._go_up(handle.ident))
            self._start_watcher(handle, limit)
        elif mechanism == "tls":
            self._interpose(handle)
        elif mechanism == "resolver":
            raise FaultError(
                f"fault {fault.name!r} is played by a fake resolver, not by toxiproxy: serve the "
                "proxy under a host name (FakeResolver({'goproxy.cn': address})), inject it "
                f"there (resolver.inject('goproxy.cn', {fault.name!r})) and run go with "
                "resolver=..."
            )
        else:  # pragma: no cover - the catalogue and this dispatch are kept in step by tests
            raise FaultError(f"fault {fault.name!r}: unknown mechanism {mechanism!r}")

    def _add_toxic(
        self, handle: FaultHandle, type_: str, stream: str, attributes: dict[str, Any]
    ) -> None:
        toxic = f"{handle.ident}-{type_}"
        self.client.add_toxic(
            self.name, name=toxic, type=type_, stream=stream, attributes=attributes
        )
        handle._on_remove(lambda: self._remove_toxic(toxic))

    def _remove_toxic(self, toxic: str) -> None:
        if not self.closed:
            self.client.remove_toxic(self.name, toxic)

    def _interpose(self, handle: FaultHandle) -> None:
        """Put a TLS middlebox between toxiproxy and the server: the proxy's upstream becomes
        the box, so the URL go uses and every toxic stay as they are (a middlebox is invisible
        until it misbehaves). One at a time: a second box would sit behind the first."""
        fault = handle.fault
        assert fault.tls is not None
        if self.scheme != "https":
            raise FaultError(
                f"fault {fault.name!r} breaks TLS, but go reaches {self.url} without TLS: front "
                "an HTTPS server (FakeGoProxy(tls=True), ChecksumDB(tls=True), matrix --tls)"
            )
        with self._lock:
            if self._middlebox is not None:
                raise FaultError(
                    f"fault {fault.name!r}: {self._middlebox.name!r} already puts a TLS "
                    "middlebox in front of this endpoint; remove it first"
                )
            self._middlebox = handle
        handle._on_remove(lambda: setattr(self, "_middlebox", None))
        box = TLSBox(fault.tls, parse_address(self.upstream), upstream_tls=True).start()
        handle.middlebox = box
        handle._on_remove(box.close)
        self.client.set_upstream(self.name, box.address)
        handle._on_remove(self._restore_upstream)

    def _restore_upstream(self) -> None:
        if not self.closed:
            self.client.set_upstream(self.name, self.upstream)

    def _set_override(
        self, handle: FaultHandle, *, host: str | None = None, port: int | None = None
    ) -> None:
        with self._lock:
            if host is not None:
                previous_host = self._host_override
                self._host_override = host
                handle._on_remove(lambda: setattr(self, "_host_override", previous_host))
            if port is not None:
                previous_port = self._port_override
                self._port_override = port
                handle._on_remove(lambda: setattr(self, "_port_override", previous_port))

    def _go_down(self, handle: FaultHandle | None, reason: str) -> None:
        """Disable the proxy for ``reason``; it comes back when no reason is left."""
        with self._lock:
            self._down.add(reason)
            self._sync_enabled()
        if handle is not None:
            handle._on_remove(lambda: self._go_up(reason))

    def _go_up(self, reason: str) -> None:
        with self._lock:
            self._down.discard(reason)
            self._sync_enabled()

    def _sync_enabled(self) -> None:
        want = not self._down
        if want != self._enabled and not self.closed:
            self.client.set_enabled(self.name, want)
            self._enabled = want

    def _start_timer(self, handle: FaultHandle, delay: float, action: Callable[[], None]) -> None:
        stop = threading.Event()

        def run() -> None:
            if not stop.wait(delay):
                with contextlib.suppress(ToxiproxyError):
                    if handle.active:
                        action()

        self._start_thread(handle, stop, run)

    def _start_watcher(self, handle: FaultHandle, limit: int) -> None:
        stop = threading.Event()
        baseline = self.client.sent_bytes(self.name) or 0

        def run() -> None:
            while not stop.wait(_WATCH_INTERVAL_S):
                try:
                    sent = self.client.sent_bytes(self.name)
                    if sent is not None and sent - baseline >= limit:
                        if handle.active:
                            self._go_down(None, handle.ident)
                        return
                except ToxiproxyError:
                    return

        self._start_thread(handle, stop, run)

    def _start_thread(
        self, handle: FaultHandle, stop: threading.Event, run: Callable[[], None]
    ) -> None:
        thread = threading.Thread(target=run, name=f"pytest-goproxy-{handle.ident}", daemon=True)

        def cancel() -> None:
            stop.set()
            if thread is not threading.current_thread():
                thread.join(_THREAD_JOIN_S)

        # Registered last so it runs first: the thread is stopped before the state it toggles is
        # restored, and cannot switch the proxy again afterwards.
        handle._on_remove(cancel)
        thread.start()

    def __repr__(self) -> str:
        return f"<Endpoint {self.name} {self.url} -> {self.upstream}>"


class Network(Closing):
    """Every endpoint of one test; ``close()`` removes them all (the fixture does it for you)."""

    def __init__(self, client: ToxiproxyClient, *, prefix: str | None = None) -> None:
        self.client = client
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        # Unique even on a server shared by several pytest processes (--toxiproxy-url).
        self.prefix = prefix or f"goproxy-{worker}-{os.getpid()}"
        self._endpoints: list[Endpoint] = []

    @property
    def endpoints(self) -> list[Endpoint]:
        return list(self._endpoints)

    def front(self, server: object, *, name: str | None = None) -> Endpoint:
        """A new endpoint forwarding to ``server`` (a URL, or anything with .url / .host+.port)."""
        scheme, host, port, path = upstream_of(server)
        uid = uuid.uuid4().hex[:10]
        proxy_name = f"{self.prefix}-{name or 'ep'}-{uid}"
        proxy = self.client.create_proxy(proxy_name, f"{host}:{port}", listen="127.0.0.1:0")
        endpoint = Endpoint(self, proxy, scheme, path, uid)
        self._endpoints.append(endpoint)
        return endpoint

    def close(self) -> None:
        """Close every endpoint, newest first; all are attempted, the first error is raised."""
        errors: list[BaseException] = []
        while self._endpoints:
            endpoint = self._endpoints.pop()
            try:
                endpoint.close()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
