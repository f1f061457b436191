"""golang.org and go.dev as go's direct mode finds toolchains: :class:`GoDevToolchains`.

With ``GOPROXY=direct`` (or after a proxy failed, ``,direct`` on a 404/410 and ``|direct`` on
anything), go fetches a toolchain as it fetches any module directly: it asks
``https://golang.org/toolchain?go-get=1``, where the real golang.org answers ::

    <meta name="go-import" content="golang.org/toolchain mod https://go.dev/dl/mod">

and, the VCS being ``mod``, go downloads from ``https://go.dev/dl/mod`` as from a module proxy
(cmd/go/internal/modfetch/repo.go ``lookupDirect``; measured: go1.26.8 asks only
``/dl/mod/golang.org/toolchain/@v/v0.0.1-<name>.<GOOS>-<GOARCH>.zip``). The toolchain is still
checked in the checksum database (GOSUMDB).

:class:`GoDevToolchains` plays both hosts with one HTTPS server of the session CA, reached by
name through the runner's network guard (``go.route("golang.org", dl)``, ``go.route("go.dev",
dl)``, or ``routes=dl.routes``): a :class:`~pytest_goproxy.proxy.FakeGoProxy` under
``/dl/mod`` whose store holds the toolchains, answering the ``?go-get=1`` page too. Its faults are
a proxy's (``inject``), and the page is in its request log as a request of kind ``other``.
"""

from __future__ import annotations

from pathlib import Path

from werkzeug.wrappers import Request, Response

from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gomod.toolchain import TOOLCHAIN_MODULE
from pytest_goproxy.proxy.server import FakeGoProxy
from pytest_goproxy.serving.requestlog import ProxyRequest, RequestKind
from pytest_goproxy.serving.tls import named_context

__all__ = ["DL_HOST", "META_HOST", "GoDevToolchains"]

#: Where go's direct mode asks for the go-import tag of golang.org/toolchain.
META_HOST = "golang.org"
#: The host of the ``mod`` repository the tag names.
DL_HOST = "go.dev"
_DL_PATH = "/dl/mod"


class GoDevToolchains(FakeGoProxy):
    """golang.org's ``?go-get=1`` page for ``golang.org/toolchain`` and go.dev's ``/dl/mod``
    module proxy, over HTTPS (see the module docstring). ``store`` is shared (a proxy's, so
    the toolchains it serves are here too) or made (then :meth:`add_toolchain` fills it)."""

    def __init__(
        self, store: ModuleStore | None = None, *, workdir: Path | None = None, http2: bool = True
    ) -> None:
        context = named_context(META_HOST, DL_HOST, http2=http2)
        super().__init__(
            store, workdir=workdir, tls=context, http2=http2, name=DL_HOST, prefix=_DL_PATH
        )

    @property
    def routes(self) -> dict[str, object]:
        """The names go reaches this server by: ``{"golang.org": self, "go.dev": self}``."""
        return {META_HOST: self, DL_HOST: self}

    @property
    def meta_tag(self) -> str:
        """The go-import tag golang.org answers for ``golang.org/toolchain``."""
        return f'<meta name="go-import" content="{TOOLCHAIN_MODULE} mod {self.url}">'

    def fast_answer(self, method: str, target: str, protocol: str = "HTTP/1.1") -> Response | None:
        if "go-get=" in target:
            return None  # the page, on the full path
        return super().fast_answer(method, target, protocol)

    def _answer_request(self, request: Request) -> Response:
        if request.args.get("go-get") != "1":
            return super()._answer_request(request)
        record = ProxyRequest(request.method, request.path, RequestKind.OTHER)
        record.protocol = str(request.environ.get("SERVER_PROTOCOL") or "HTTP/1.1")
        self.request_log.append(record)
        if request.path.strip("/") != TOOLCHAIN_MODULE.split("/", 1)[1]:
            response = Response(f"no go-import tag for {request.path}\n", status=404)
        else:
            body = (
                f"<!DOCTYPE html>\n<html>\n<head>\n{self.meta_tag}\n</head>\n"
                f"<body>\ngo get {TOOLCHAIN_MODULE}\n</body>\n</html>\n"
            )
            response = Response(body, status=200, content_type="text/html; charset=utf-8")
        record.status = response.status_code
        return response
