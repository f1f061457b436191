"""A real nginx caching relay (``proxy_cache``) in front of a module proxy: started, stopped here.

Troubleshooting guides for proxy outages recommend a local caching relay; this is one, configured
as they show (``proxy_cache_use_stale error timeout updating http_500 http_502 http_503
http_504``), so the matrix measures what it really buys. Everything lives in one temporary
directory: the configuration file, the cache, nginx's temp paths, pid file and logs (``-p`` prefix
and ``-e`` error log, so nginx writes nothing under /var). It listens on 127.0.0.1 only, on a port
chosen free just before start (nginx cannot bind port 0, so a lost race is retried).

The upstream is set through a variable (``proxy_pass http://$upstream``), so it can be changed by a
reload when a fault changes the primary's URL (``dns``, ``dial_timeout``); an unresolvable name
then fails inside nginx at request time, as a real outage of the name would. The cache key is
``$request_uri`` alone, so such a change does not empty the cache.

With ``tls=True`` it faces go as the public proxies do: HTTPS with a certificate of the session
CA, ``h2`` offered by ALPN (``listen ... ssl http2``), and ``keepalive_requests`` streams per
HTTP/2 connection, after which nginx sends ``GOAWAY NO_ERROR`` and closes the connection once
its streams are done (nginx's default is 1000: the ``LastStreamID=1999`` of the reports in
issue 24). A small ``keepalive_requests`` makes that GOAWAY come within one ``go mod download``:
a real server's GOAWAY, against which our own ``goaway`` fault is checked.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from pytest_goproxy.errors import RelayError
from pytest_goproxy.gorun import cancel
from pytest_goproxy.lifecycle import (
    Closing,
    outlive_guard,
    release,
    remove_temp_dir,
    temp_dir,
)
from pytest_goproxy.serving.tcp import free_port
from pytest_goproxy.serving.tls import session_ca

__all__ = ["NginxRelay", "RelayError", "find_nginx"]

_STATUS_PATH = "/_pytest_goproxy/upstream"
_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0


def find_nginx(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The nginx binary: ``explicit``, else ``$NGINX_BIN``, else ``nginx`` on PATH or in the
    usual sbin directories (not on a normal user's PATH on Debian); None when there is none."""
    spec = explicit or os.environ.get("NGINX_BIN")
    if spec:
        path = Path(spec)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        found = shutil.which(str(spec))
        return Path(found) if found else None
    found = shutil.which("nginx")
    if found:
        return Path(found)
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def _resolver() -> str:
    """A ``resolver`` line from /etc/resolv.conf: nginx resolves a variable upstream at request
    time only through one (without it an unresolvable name still fails, as 'no resolver')."""
    with contextlib.suppress(OSError):
        for line in Path("/etc/resolv.conf").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver" and "." in parts[1]:
                return f"resolver {parts[1]} valid=1s ipv6=off; resolver_timeout 2s;"
    return ""


def _ms(seconds: float) -> str:
    """An nginx time value: whole units only (``0.2s`` is refused, ``200ms`` is not)."""
    return f"{max(1, round(seconds * 1000))}ms"


def _children(pid: int) -> set[int]:
    """The child processes of ``pid`` (Linux /proc; empty where that is not available)."""
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found.update(int(c) for c in (task / "children").read_text().split())
    return found


#: A host name or IPv4 address nginx's ``set`` may hold: nothing that ends a string or a directive.
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})")
#: What an nginx path may hold inside double quotes: ``"`` and ``\\`` end or escape the string,
#: ``$`` starts a variable in some directives (``access_log``), control characters split lines.
_UNSAFE_IN_PATH = re.compile(r'["\\$\x00-\x1f\x7f]')


def _scheme(url: str) -> str:
    """``http`` or ``https``: what the relay speaks to its upstream."""
    return "https" if url.startswith("https://") else "http"


def _hostport(url: str) -> str:
    """``host:port`` of an http or https upstream; anything nginx could read as syntax is
    refused."""
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise RelayError(f"the relay's upstream {url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("", "http", "https") or not parts.hostname:
        raise RelayError(f"the relay forwards to http(s)://host:port upstreams, got {url!r}")
    if not _HOST.fullmatch(parts.hostname):
        raise RelayError(
            f"the relay's upstream host {parts.hostname!r} is not a plain host name or IPv4 "
            "address (letters, digits, dots, hyphens)"
        )
    return f"{parts.hostname}:{port}"


def _quoted(path: str | os.PathLike[str]) -> str:
    """``path`` as an nginx string in double quotes (a temp dir may hold a space); a path with a
    character nginx would read as syntax is refused rather than escaped."""
    text = os.fspath(path)
    bad = _UNSAFE_IN_PATH.search(text)
    if bad is not None:
        raise RelayError(
            f"the relay's directory {text!r} holds {bad.group()!r}, which nginx would read as "
            "syntax: set TMPDIR (or the workdir) to a path without quotes, backslashes, `$` "
            "or control characters"
        )
    return f'"{text}"'


def _reachable_temp_parent() -> Path:
    """A temp directory every user can traverse (``nobody`` must reach the workers' dir): the
    system temp dir when it is one, else /var/tmp or /dev/shm; RelayError when none is."""
    candidates = (tempfile.gettempdir(), "/var/tmp", "/dev/shm")
    for candidate in candidates:
        path = Path(candidate).resolve()
        try:
            if path.is_dir() and all(
                os.stat(d).st_mode & stat.S_IXOTH for d in (path, *path.parents)
            ):
                return path
        except OSError:
            continue
    raise RelayError(
        f"nginx's workers run as nobody, who can enter none of {', '.join(candidates)}: set "
        "TMPDIR to a directory every user can traverse (mode o+x all the way up)"
    )


def _unprivileged() -> tuple[int, int, str] | None:
    """(uid, gid, ``user`` directive) of ``nobody`` when we run as root, so nginx's workers do
    not; None when we are not root (workers then run as us) or there is no ``nobody``."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import grp
    import pwd

    try:
        user = pwd.getpwnam("nobody")
        group = grp.getgrgid(user.pw_gid).gr_name
    except KeyError:
        return None
    return user.pw_uid, user.pw_gid, f"user nobody {group};"


class NginxRelay(Closing):
    """nginx with ``proxy_cache`` relaying to ``upstream`` (``http://host:port``).

    ``list_valid`` is how long ``@v/list`` and ``@latest`` answers stay fresh (whole seconds,
    rounded up); immutable files
    (``.info``, ``.mod``, ``.zip``, checksum database tiles) are kept 30 days. Upstream timeouts
    (``connect_timeout``, ``read_timeout``) are what go itself lacks. Use as a context manager, or
    ``start()`` / ``stop()``; ``stop()`` ends every nginx process and removes the directory.
    """

    def __init__(
        self,
        upstream: str,
        *,
        nginx: str | os.PathLike[str] | None = None,
        workdir: str | os.PathLike[str] | None = None,
        list_valid: float = 1.0,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        tls: bool = False,
        keepalive_requests: int = 1000,
    ) -> None:
        binary = find_nginx(nginx)
        if binary is None:
            raise RelayError(
                "nginx is not installed (looked at $NGINX_BIN, PATH and /usr/sbin); install it "
                "from the system packages, e.g. `apt-get install -y nginx`"
            )
        self.binary = binary
        self.upstream = _hostport(upstream)
        #: an https upstream is verified against the session test CA (as go verifies it)
        self.scheme = _scheme(upstream)
        # proxy_cache_valid takes whole seconds (ngx_conf_set_sec_slot refuses ms)
        self.list_valid = max(1, math.ceil(list_valid))
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        #: HTTPS (and HTTP/2) towards go
        self.tls = tls
        if keepalive_requests < 1:
            raise RelayError(f"keepalive_requests must be 1 or more, got {keepalive_requests}")
        #: requests (HTTP/2: streams) per connection before nginx closes it (GOAWAY over h2)
        self.keepalive_requests = keepalive_requests
        _quoted(workdir if workdir is not None else tempfile.gettempdir())  # before anything exists
        if workdir is not None:
            Path(workdir).mkdir(parents=True, exist_ok=True)
        #: configuration, pid file and logs: nginx's master (us) reads and writes them
        self.root = temp_dir("nginx-relay-", workdir)
        #: cache and temp paths, written by the workers: as root, they run as ``nobody``, in a
        #: dir of theirs where nobody can reach it (a workdir, even /tmp, may be root's alone)
        self._worker_user = _unprivileged()
        self.cache_root = self.root
        if self._worker_user is not None:
            self.cache_root = temp_dir("nginx-relay-cache-", _reachable_temp_parent())
            os.chown(self.cache_root, self._worker_user[0], self._worker_user[1])
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The value for GOPROXY."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def error_log(self) -> str:
        """nginx's error log so far (for messages)."""
        try:
            return (self.root / "error.log").read_text(errors="replace")
        except OSError:
            return ""

    def access_log(self) -> list[str]:
        """One line per request: ``<uri> <status> <protocol> <connection> <its request number>
        <cache status>`` (protocol ``HTTP/2.0`` or ``HTTP/1.1``; cache status HIT, MISS,
        STALE...)."""
        try:
            return (self.root / "access.log").read_text(errors="replace").splitlines()
        except OSError:
            return []

    def _config(self) -> str:
        def q(name: str, base: Path | None = None) -> str:
            return _quoted((base or self.root) / name)

        c = self.cache_root
        user = self._worker_user[2] if self._worker_user is not None else ""
        tls = ""
        if self.scheme == "https":
            bundle = _quoted(session_ca().bundle())
            tls = f"""
            proxy_ssl_verify on;
            proxy_ssl_trusted_certificate {bundle};
            proxy_ssl_name localhost;"""
        common = f"""
            proxy_pass {self.scheme}://$upstream;{tls}
            proxy_cache goproxy;
            proxy_cache_key $request_uri;
            proxy_cache_use_stale error timeout invalid_header updating http_500 http_502
                                  http_503 http_504;
            proxy_cache_lock on;
            proxy_connect_timeout {_ms(self.connect_timeout)};
            proxy_read_timeout {_ms(self.read_timeout)};
            proxy_send_timeout {_ms(self.read_timeout)};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            add_header X-Cache-Status $upstream_cache_status;"""
        listen = f"listen 127.0.0.1:{self.port};"
        if self.tls:
            pem = q("relay.pem")
            listen = f"""listen 127.0.0.1:{self.port} ssl http2;
        ssl_certificate {pem};
        ssl_certificate_key {pem};"""
        return f"""# written by pytest-goproxy (pytest_goproxy/outage/relay.py)
{user}
worker_processes 1;
pid {q("nginx.pid")};
error_log {q("error.log")} warn;
events {{ worker_connections 256; }}
http {{
    log_format relay '$request_uri $status $server_protocol $connection $connection_requests '
                     '$upstream_cache_status';
    access_log {q("access.log")} relay;
    client_body_temp_path {q("client_body", c)};
    proxy_temp_path {q("proxy_temp", c)};
    fastcgi_temp_path {q("fastcgi_temp", c)};
    uwsgi_temp_path {q("uwsgi_temp", c)};
    scgi_temp_path {q("scgi_temp", c)};
    proxy_cache_path {q("cache", c)} levels=1:2 keys_zone=goproxy:10m max_size=2g inactive=30d
                     use_temp_path=off;
    {_resolver()}
    keepalive_requests {self.keepalive_requests};
    server {{
        {listen}
        set $upstream "{self.upstream}";
        location = {_STATUS_PATH} {{ return 200 "$upstream"; }}
        location ~ (/@v/list|/@latest)$ {{
            proxy_cache_valid 200 {self.list_valid}s;{common}
        }}
        location / {{
            proxy_cache_valid 200 30d;{common}
        }}
    }}
}}
"""

    def _write_config(self) -> Path:
        if self.tls:  # the master reads it (as root, before it hands over to its workers)
            pem = self.root / "relay.pem"
            session_ca().issue().private_key_and_cert_chain_pem.write_to_path(str(pem))
            pem.chmod(0o600)
        path = self.root / "nginx.conf"
        path.write_text(self._config())
        return path

    def start(self) -> NginxRelay:
        """Start nginx and wait until it answers; RelayError with its log if it does not."""
        if self._process is not None:
            return self
        last = ""
        for _ in range(5):
            self.port = free_port()
            conf = self._write_config()
            process = subprocess.Popen(
                [
                    str(self.binary),
                    "-p",
                    str(self.root),
                    "-c",
                    str(conf),
                    "-e",
                    str(self.root / "error.log"),
                    "-g",
                    "daemon off;",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,  # one process group: master, workers, cache helpers
            )
            self._process = process
            outlive_guard(group=process.pid)  # ended even if this process is SIGKILLed
            try:
                if self._wait_answer(self.upstream):
                    return self
            except BaseException:
                self.stop()
                raise
            stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
            last = (stderr + self.error_log).strip()
            self._kill()
            if "Address already in use" not in last:
                break
        self.stop()
        raise RelayError(f"nginx did not start: {last or 'no output'}")

    def _wait_answer(self, expected: str) -> bool:
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with self._open(_STATUS_PATH, timeout=1) as response:
                    if response.read().decode() == expected:
                        return True
            except (OSError, urllib.error.URLError):
                pass
            cancel.sleep(0.05)  # a cancelled cell stops waiting for nginx (and stops it)
        return False

    def set_upstream(self, upstream: str) -> None:
        """Point the relay at another upstream (reload: nginx keeps its cache and port)."""
        new = _hostport(upstream)
        if new == self.upstream:
            return
        self.upstream = new
        self._write_config()
        if self._process is None:
            return
        old_workers = _children(self._process.pid)
        os.kill(self._process.pid, signal.SIGHUP)
        if not self._wait_answer(new):
            raise RelayError(f"nginx did not reload to upstream {new}: {self.error_log.strip()}")
        # Old workers keep accepting until they have processed the reload; a request reaching
        # one would still go to the old upstream, so wait until they are gone.
        deadline = time.monotonic() + _STOP_TIMEOUT
        while any(Path(f"/proc/{pid}").exists() for pid in old_workers):
            if time.monotonic() > deadline:
                raise RelayError(f"nginx's old workers {sorted(old_workers)} did not exit")
            cancel.sleep(0.02)

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
        """``GET path`` through the relay: (status, body); status 0 when nothing answered.

        A body cut short (a fault between nginx and its upstream) counts as no answer.
        """
        try:
            with self._open(path, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, exc.read()
            except (OSError, http.client.HTTPException):
                return exc.code, b""
        except (OSError, http.client.HTTPException):
            return 0, b""

    def _open(self, path: str, timeout: float) -> http.client.HTTPResponse:
        """``GET path`` on the relay (over HTTPS trusting the session CA alone, when ``tls``)."""
        context = session_ca().client_context() if self.tls else None
        response: http.client.HTTPResponse = urllib.request.urlopen(
            self.url + path, timeout=timeout, context=context
        )
        return response

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)  # fast shutdown of master and workers
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(_STOP_TIMEOUT)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(_STOP_TIMEOUT)
        release(group=process.pid)
        if process.stderr is not None:
            process.stderr.close()

    def stop(self) -> None:
        """End every nginx process of this relay and remove its directory (idempotent)."""
        try:
            self._kill()
        finally:
            remove_temp_dir(self.root)
            if self.cache_root != self.root:
                remove_temp_dir(self.cache_root)

    close = stop

    def __enter__(self) -> NginxRelay:
        return self.start()

    def __repr__(self) -> str:
        return f"<NginxRelay {self.url if self.port else '(not started)'} -> {self.upstream}>"
