"""A loopback HTTP proxy that refuses everything but the hosts a test routes, and remembers.

Each run's ``HTTP_PROXY``/``HTTPS_PROXY`` point here, so a request for any host that is not ours
(loopback and ``.invalid`` are in ``NO_PROXY``; Go never proxies loopback at all, see
golang.org/x/net/http/httpproxy ``useProxy``) lands in the guard instead of on the internet: the
real proxy.golang.org and sum.golang.org, direct VCS fetches by ``git``/``curl``, toolchain
downloads. The guard answers ``403 Forbidden`` to ``CONNECT host:443`` (HTTPS) and to absolute-URI
requests (plain HTTP), and records each one as an :class:`Escape`.

The package: :mod:`~.routes` (route tables, the records), :mod:`~.wire` (what a proxy request
says, a plain request forwarded), :mod:`~.server` (the guard and its doors, on the connection
layer :mod:`pytest_goproxy.serving.tcp`) and :mod:`~.ssh_stub` (the ssh git runs).

``git`` reaches ``ssh://`` and ``git+ssh://`` repositories through ``ssh``, which knows nothing of
proxies. A guarded run's ``GIT_SSH_COMMAND`` is a stub written into the run's directory
(:meth:`NetworkGuard.ssh_command`): it opens no connection and looks nothing up, tells the guard
where ssh was asked to go (recorded as ``SSH host:port``) and exits 255, ssh's status for a
connection that failed. Every other way out of a VCS fetch is shut by the hermetic environment
(``GIT_ALLOW_PROTOCOL``, ``GOVCS``: :mod:`pytest_goproxy.gorun.environment`).

Go shows a refused ``CONNECT`` as ``Get "https://host/...": Forbidden`` and a refused plain request
as ``reading http://host/...: 403 Forbidden`` (net/http transport.go ``dialConn``). Either way the
run's ``result.escapes`` says what tried to leave.

Routes
    A fake VCS host or checksum database has a public-looking name (``corp.example``) that no DNS
    knows, yet go must reach it by that name: the name is in the module path, in the
    ``go-import`` meta tag, in git's URL and in the certificate the server presents.
    :meth:`NetworkGuard.route` makes the guard the corporate HTTP proxy that can reach it:
    ``CONNECT corp.example:443`` is answered ``200 Connection established`` and the bytes are
    pumped both ways to the loopback server (TLS runs end to end, between go or git and the
    server, which presents its session-CA certificate for the name), and a plain-HTTP proxy
    request ``GET http://corp.example/...`` (an ``http://`` origin under ``GOINSECURE``) is
    forwarded in origin form with its ``Host`` header (and ``Connection: close``: Go sends the
    plain requests for every host down one proxy connection, so the guard takes one request per
    connection). Nothing is resolved: the route is the name's only address.

    A route is per host name, for every port (one fake server usually answers every URL of its
    name), unless it is given as ``host:port``, which then wins for that port:
    ``route("corp.example:80", plain_server)`` beside ``route("corp.example", tls_server)``. A
    port of a routed name that no route covers is a port of that origin where nothing listens
    (``502``), never an escape: a routed name is the test's, so ``escapes`` never names it
    (except ``SSH host:22``: routes carry proxy requests, and ssh is always refused).

    A routed request is no escape: it is recorded as :class:`Routed` (:attr:`NetworkGuard.routed`),
    so a test can prove its traffic went to the server, and ``result.escapes`` and
    ``result.refused_by_guard`` stay about hosts the guard refused.

    When the origin cannot be reached (the route has no address, or nothing accepts at its
    address) the guard answers as a corporate proxy does for an origin it cannot reach:
    ``502 Bad Gateway`` by default, or the route's ``status`` (Squid says ``503`` for a name it
    cannot resolve and for a refused connection; ``504 Gateway Timeout`` is a proxy whose dial
    timed out). Go and git never see the origin's own error behind a proxy, only that status:
    go prints ``Get "https://corp.example/lib?go-get=1": Bad Gateway`` for a refused ``CONNECT``
    (net/http keeps only the reason phrase) and git ``CONNECT tunnel failed, response 502``; a
    forwarded plain request reads ``reading http://corp.example/...: 502 Bad Gateway``.
    :func:`~pytest_goproxy.gorun.failure.classify` calls each HTTP_STATUS with that code, and the
    run's ``refused_by_guard`` is false: the host was not refused, its origin was down.

Runs are told apart by the user name in the proxy URL (``http://run-7:x@127.0.0.1:PORT``), which
Go and the ssh stub send back as ``Proxy-Authorization: Basic ...``. git (curl) sends proxy
credentials only when a proxy asks for them (``407``), so its requests carry no token and are
given to the run that was running when they came (:meth:`NetworkGuard.escapes_for`).

A run's own door
    Runs of one runner may go at the same time (a matrix of cells on one ``GoRunner``), and each
    may play ``corp.example`` with a server of its own. Neither the runner's routes nor the time
    window can tell such runs apart, so such a run gets a door of its own
    (:meth:`NetworkGuard.door`): a second listening socket on ``127.0.0.1:0``, served by the same
    code, that carries the run's token and its routes. The run's ``HTTP(S)_PROXY`` (and its ssh
    stub) point at the door, so whatever arrives there is that run's, git's tokenless requests
    included, and its routes are looked up first: a host name the run routes is the run's alone
    (every route the runner has for that name, any port, is out of play for the run), every other
    name goes by the runner's routes. The door is closed when the run ends: it stops accepting,
    its connections and tunnels are shut and their threads joined.
"""

from __future__ import annotations

from pytest_goproxy.gorun.guard.routes import BAD_GATEWAY, Escape, Routed, loopback_address
from pytest_goproxy.gorun.guard.server import REFUSAL, Door, NetworkGuard

__all__ = ["BAD_GATEWAY", "REFUSAL", "Door", "Escape", "NetworkGuard", "Routed", "loopback_address"]
