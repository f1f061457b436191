"""The session-wide toxiproxy: a running server (ours or the user's) and a client for it."""

from __future__ import annotations

import os
import threading

from pytest_goproxy.errors import ToxiproxyError
from pytest_goproxy.lifecycle import Closing
from pytest_goproxy.network.client import ToxiproxyClient
from pytest_goproxy.network.endpoint import Network
from pytest_goproxy.network.server import ToxiproxyServer

__all__ = ["LazyToxiproxy", "Toxiproxy", "connect_toxiproxy", "start_toxiproxy"]


class Toxiproxy(Closing):
    """A toxiproxy server to put faults into: ``url`` is its REST API, ``client`` talks to it.

    ``server`` is the process we started, or ``None`` for a server the user runs
    (``--toxiproxy-url``), which we never stop.
    """

    def __init__(self, client: ToxiproxyClient, server: ToxiproxyServer | None = None) -> None:
        self.client = client
        self.server = server

    @property
    def url(self) -> str:
        return self.client.url

    def network(self, prefix: str | None = None) -> Network:
        """A fresh :class:`Network` (one per test); close it to remove its proxies."""
        return Network(self.client, prefix=prefix)

    def close(self) -> None:
        """Stop the server if we started it."""
        if self.server is not None:
            self.server.stop()

    def __repr__(self) -> str:
        owner = "ours" if self.server is not None else "external"
        return f"<Toxiproxy {self.url} ({owner})>"


def connect_toxiproxy(url: str) -> Toxiproxy:
    """A server the user runs; it must answer ``/version`` now (else an error, never a skip)."""
    client = ToxiproxyClient(url)
    try:
        client.version()
    except ToxiproxyError as exc:
        raise ToxiproxyError(
            f"the toxiproxy given by --toxiproxy-url / TOXIPROXY_URL does not answer: {exc}"
        ) from exc
    return Toxiproxy(client)


def start_toxiproxy(binary: str | os.PathLike[str], *, startup_timeout: float = 15.0) -> Toxiproxy:
    """Start ``binary`` on 127.0.0.1 and a free port; stop it with :meth:`Toxiproxy.close`."""
    server = ToxiproxyServer(binary, startup_timeout=startup_timeout).start()
    try:
        return Toxiproxy(ToxiproxyClient(server.url), server)
    except BaseException:
        server.stop()
        raise


class LazyToxiproxy:
    """A toxiproxy for long-lived runners (the matrix, scenarios): the one given, or one started
    on first use (``binary``, else ``$TOXIPROXY_BIN``, PATH, or built once) and stopped by
    :meth:`close`. When none can be had, :meth:`get` returns None and :attr:`error` says why, so
    cells that need it are reported unavailable instead of crashing the run."""

    def __init__(
        self, given: Toxiproxy | None = None, binary: str | os.PathLike[str] | None = None
    ) -> None:
        self._toxiproxy = given
        self._binary = binary
        self._owned = False
        self.error: str | None = None
        self._lock = threading.Lock()

    def use(self, toxiproxy: Toxiproxy) -> None:
        """Use this running toxiproxy (not ours to stop) unless one is already in use."""
        with self._lock:
            if self._toxiproxy is None:
                self._toxiproxy = toxiproxy
                self.error = None

    def get(self) -> Toxiproxy | None:
        with self._lock:
            if self._toxiproxy is None and self.error is None:
                from pytest_goproxy.network.server import resolve_toxiproxy

                try:
                    binary = resolve_toxiproxy(self._binary or os.environ.get("TOXIPROXY_BIN"))
                    self._toxiproxy = start_toxiproxy(binary)
                    self._owned = True
                except (ToxiproxyError, OSError) as exc:
                    self.error = f"toxiproxy is not available: {exc}"
            return self._toxiproxy

    def close(self) -> None:
        """Stop the toxiproxy if it was started here; forget it either way."""
        with self._lock:
            toxiproxy = self._toxiproxy if self._owned else None
            self._toxiproxy, self._owned = None, False
        if toxiproxy is not None:
            toxiproxy.close()
