"""Helpers for the end-to-end tests: a hermetic go environment and a small module proxy.

The proxy here is deliberately tiny (a dict of files on pytest-httpserver) so these tests depend
only on the checksum database; it forwards ``/sumdb/<name>/...`` to ``ChecksumDB.handle`` the way
a GOPROXY that proxies a checksum database does.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import socketserver
import subprocess
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_goproxy.sumdb import ChecksumDB

GO = shutil.which("go")


def hash1(files: dict[str, bytes]) -> str:
    """dirhash.Hash1 (golang.org/x/mod/sumdb/dirhash): h1: of sorted "sha256hex  name" lines."""
    lines = "".join(
        f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files)
    )
    return "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()


def escape(path: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), path)


@dataclass
class Module:
    path: str
    version: str
    go_mod: bytes
    zip: bytes
    zip_hash: str
    mod_hash: str

    @property
    def go_sum(self) -> list[str]:
        return [
            f"{self.path} {self.version} {self.zip_hash}",
            f"{self.path} {self.version}/go.mod {self.mod_hash}",
        ]


def make_module(path: str, version: str, source: str | None = None) -> Module:
    go_mod = f"module {path}\n\ngo 1.21\n".encode()
    pkg = path.rsplit("/", 1)[-1].lower()
    src = source or f'package {pkg}\n\nfunc Hello() string {{ return "{path} {version}" }}\n'
    files = {"go.mod": go_mod, f"{pkg}.go": src.encode()}
    prefix = f"{path}@{version}/"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(prefix + name, data)
    zip_hash = hash1({prefix + n: d for n, d in files.items()})
    return Module(path, version, go_mod, buf.getvalue(), zip_hash, hash1({"go.mod": go_mod}))


class MiniProxy:
    """A GOPROXY serving ``Module`` objects, optionally proxying checksum databases."""

    def __init__(self) -> None:
        self.mods: dict[tuple[str, str], Module] = {}
        self.sumdbs: dict[str, ChecksumDB] = {}
        self.paths: list[str] = []
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._serve)

    # The GoSumSource protocol, so ChecksumDB.add_from can read this proxy.
    def modules(self) -> list[str]:
        return sorted({m for m, _ in self.mods})

    def versions(self, path: str) -> list[str]:
        return sorted(v for m, v in self.mods if m == path)

    def go_sum_lines(self, path: str, version: str) -> list[str]:
        return self.mods[(path, version)].go_sum

    def add(self, module: Module) -> Module:
        self.mods[(module.path, module.version)] = module
        return module

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def _serve(self, request: Request) -> Response:
        path = request.path
        self.paths.append(path)
        if path.startswith("/sumdb/"):
            for name, db in self.sumdbs.items():
                prefix = f"/sumdb/{name}/"
                if path.startswith(prefix):
                    status, headers, body = db.handle(path[len(prefix) - 1 :])
                    return Response(body, status=status, headers=headers)
            return Response("not found\n", status=404)
        for (mod, ver), m in self.mods.items():
            base = f"/{escape(mod)}/@v/"
            if not path.startswith(base):
                continue
            rest = path[len(base) :]
            if rest == "list":
                vers = self.versions(mod)
                return Response("".join(v + "\n" for v in vers))
            if rest == f"{escape(ver)}.info":
                return Response(f'{{"Version":"{ver}","Time":"2024-01-01T00:00:00Z"}}')
            if rest == f"{escape(ver)}.mod":
                return Response(m.go_mod)
            if rest == f"{escape(ver)}.zip":
                return Response(m.zip, content_type="application/zip")
        return Response("not found\n", status=404)

    def __enter__(self) -> MiniProxy:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


class ProxyTrap:
    """An HTTP(S)_PROXY on 127.0.0.1 that records and refuses every request.

    go never proxies loopback addresses, so the fake proxy and database are reached directly;
    anything else go tries (``https://<sumdb name>`` when it goes direct) lands here instead of on
    the network or a DNS server. ``requests`` holds the request lines, e.g.
    ``CONNECT sumdb.goproxy.test:443 HTTP/1.1``.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        trap = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline(65536).decode("latin-1").strip()
                trap.requests.append(line)
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ProxyTrap:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def go_env(tmp: Path, trap: ProxyTrap, **extra: str) -> dict[str, str]:
    """A hermetic environment: nothing from os.environ but PATH, fresh GOPATH and caches, an
    empty GOENV file so a user's go env (GOPROXY, GOFLAGS...) cannot leak in, and ``trap`` as the
    HTTP proxy so no request can leave the loopback interface."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    (tmp / "goenv").write_text("")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GOPATH": str(tmp / "gopath"),
        "GOMODCACHE": str(tmp / "gopath" / "pkg" / "mod"),
        "GOCACHE": str(tmp / "gocache"),
        "GOENV": str(tmp / "goenv"),
        "GOFLAGS": "-modcacherw",
        "GOTOOLCHAIN": "local",
        "GOTELEMETRY": "off",
        "GO111MODULE": "on",
        "CGO_ENABLED": "0",
        "GONOSUMDB": "",
        "GONOSUMCHECK": "",
        "GOPRIVATE": "",
        "GONOPROXY": "",
        "GOINSECURE": "",
        "HTTP_PROXY": trap.url,
        "HTTPS_PROXY": trap.url,
        "NO_PROXY": "",
    }
    env.update(extra)
    return env


def write_main(project: Path, requires: list[Module]) -> None:
    project.mkdir(parents=True, exist_ok=True)
    req = "".join(f"require {m.path} {m.version}\n" for m in requires)
    (project / "go.mod").write_text(f"module example.com/main\n\ngo 1.21\n\n{req}")
    imports = "".join(f'\t"{m.path}"\n' for m in requires)
    calls = "".join(f"\tprintln({m.path.rsplit('/', 1)[-1].lower()}.Hello())\n" for m in requires)
    (project / "main.go").write_text(
        f"package main\n\nimport (\n{imports})\n\nfunc main() {{\n{calls}}}\n"
    )


def run_go(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert GO is not None
    return subprocess.run(
        [GO, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
