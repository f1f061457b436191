"""``pytest-goproxy probe``: diagnose the user's own module-proxy setup, step by step.

A user reports "go mod tidy hangs behind the office firewall". :func:`probe` reads that user's
``go env -json`` (GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE, GONOPROXY, GOFLAGS), probes every
GOPROXY entry and the checksum database the way the go command would reach them, and names what
it saw with the :class:`~pytest_goproxy.gorun.Failure` vocabulary (plus ``OK`` and ``HUNG``):

==================  =====================================================================
step                failure names
==================  =====================================================================
DNS                 ``DNS`` (``socket.getaddrinfo``; RFC 6761 ``.invalid`` names fail at once);
                    when the lookup failed for a reason other than "no such name", the
                    resolvers of ``/etc/resolv.conf`` are asked directly (:func:`dns_cause`),
                    and ``Observation.dns`` says ``servfail`` or ``timeout``
TCP connect         ``REFUSED``, ``DIAL_TIMEOUT`` (no SYN-ACK within the probe's timeout)
TLS (https only)    ``TLS``, ``DIAL_TIMEOUT`` (a handshake that does not finish)
HTTP GET            ``OK``, ``NOT_FOUND`` (404/410), ``HTTP_STATUS`` (code), ``HUNG`` (no
                    answer in time), ``RESET``, ``TRUNCATED``, ``INVALID_RESPONSE``
==================  =====================================================================

The request is ``<entry>/<module>/@v/list`` for a module the proxies should know (``--module``);
for the checksum database it is ``<proxy>/sumdb/<name>/supported`` or ``<url>/latest``.

:func:`predict` then walks the GOPROXY list like ``cmd/go/internal/modfetch/proxy.go``
(``proxyList`` and ``TryProxies``): an entry followed by ``,`` falls back only on 404/410, one
followed by ``|`` on any error; ``direct`` and ``off`` end the list; nothing has a request
timeout, so an entry that accepts and never answers hangs go whatever the separator. The checksum
database is reached like ``cmd/go/internal/modfetch/sumdb.go`` (``dbDial``, ``initBase``): an
explicit URL in GOSUMDB bypasses the proxies; otherwise each proxy is asked ``/supported`` (200:
use it; 404/410 or a ``|`` error: next; any other error: the database is unavailable), and after
the list, or at ``direct``/``off``, ``https://<name>`` itself.

:func:`~pytest_goproxy.probe.scenario.scenario_toml` writes what was
seen as a scenario file (:mod:`pytest_goproxy.scenarios`) whose ``[expect]`` is the prediction, so
``pytest-goproxy run`` replays the outage offline.
"""

from __future__ import annotations

import concurrent.futures
import errno
import json
import os
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from pytest_goproxy.errors import ProbeError
from pytest_goproxy.gomod.escape import escape_path
from pytest_goproxy.gomod.goenv import ProxyEntry, parse_goproxy
from pytest_goproxy.gomod.patterns import match_prefix_patterns
from pytest_goproxy.gomod.semver import is_valid
from pytest_goproxy.gorun import GoBinary, find_go
from pytest_goproxy.gorun.binary import go_env

#: The module asked for when the user names none: small, public, on every public proxy.
DEFAULT_MODULE = "golang.org/x/text"
#: The go env variables that decide where modules and checksums come from.
GO_ENV_KEYS = ("GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOFLAGS")
DEFAULT_TIMEOUT = 3.0
#: net/http's DefaultTransport dial limit, which cmd/go keeps (the ``dial_timeout`` fault's 30 s).
GO_DIAL_LIMIT = 30
#: Steps whose failure a /supported request to the same host would meet as well.
_CONNECTION_STEPS = ("dns", "connect", "tls")
#: cmd/go/internal/modfetch/sumdb.go ``knownGOSUMDB``.
_KNOWN_GOSUMDB = {
    "sum.golang.org": "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
}

Status = Literal[
    "OK",
    "DNS",
    "REFUSED",
    "DIAL_TIMEOUT",
    "TLS",
    "HUNG",
    "RESET",
    "TRUNCATED",
    "HTTP_STATUS",
    "NOT_FOUND",
    "INVALID_RESPONSE",
]
Verdict = Literal["recovered", "failed", "hung", "direct"]
DNSCause = Literal["servfail", "timeout", "nxdomain"]
#: Where the system's resolvers are named (go's pure resolver reads it too).
RESOLV_CONF = "/etc/resolv.conf"


# -- configuration as data -------------------------------------------------------------------------


@dataclass(frozen=True)
class SumDBConfig:
    """GOSUMDB as cmd/go's ``dbDial`` reads it: off, or a verifier key with an optional URL."""

    off: bool
    key: str = ""
    name: str = ""
    url: str | None = None

    @property
    def direct_url(self) -> str:
        """Where go reaches the database without a proxy: the explicit URL or https://<name>."""
        return (self.url or f"https://{self.name}").rstrip("/")


def parse_gosumdb(value: str) -> SumDBConfig:
    """``off``, ``<key>`` or ``<key> <url>``; :class:`ProbeError` for what go calls invalid."""
    if value.strip() == "off":
        return SumDBConfig(off=True)
    if value == "sum.golang.google.cn":
        value = "sum.golang.org https://sum.golang.google.cn"
    fields = value.split()
    if not fields:
        raise ProbeError("GOSUMDB is empty (go: missing GOSUMDB); e.g. GOSUMDB=sum.golang.org")
    if len(fields) > 2:
        raise ProbeError(f"GOSUMDB={value!r}: invalid GOSUMDB: too many fields")
    key = _KNOWN_GOSUMDB.get(fields[0], fields[0])
    name = key.split("+", 1)[0]
    if not name or name.endswith("/") or "://" in name or not urlsplit("https://" + name).hostname:
        raise ProbeError(f"GOSUMDB={value!r}: invalid sumdb name (must be host[/path]): {name}")
    url = fields[1] if len(fields) == 2 else None
    if url is not None and urlsplit(url).scheme not in ("http", "https"):
        raise ProbeError(f"GOSUMDB={value!r}: the database URL must be http(s): {url}")
    return SumDBConfig(off=False, key=key, name=name, url=url)


# -- observing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """What one request met: ``status`` (a Failure name, ``OK`` or ``HUNG``), the step it
    stopped at (dns, connect, tls, http), the HTTP code when there was one, and a detail."""

    url: str
    status: Status
    step: str
    code: int | None = None
    detail: str = ""
    seconds: float = 0.0
    #: for a DNS failure, what the resolver did when asked directly (:func:`dns_cause`):
    #: ``servfail`` (SERVFAIL or REFUSED: go says "server misbehaving"), ``timeout`` (no answer:
    #: go says "i/o timeout"), ``nxdomain``; None when not known
    dns: DNSCause | None = None

    @property
    def ok(self) -> bool:
        return self.status == "OK"

    @property
    def not_found(self) -> bool:
        return self.status == "NOT_FOUND"

    def label(self) -> str:
        return self.status + (f" {self.code}" if self.code is not None and not self.ok else "")


def _resolve(host: str, port: int, timeout: float) -> list[Any]:
    """getaddrinfo with a deadline (it has none of its own); ``.invalid`` never resolves."""
    if host.rstrip(".").lower().endswith(".invalid") or host.lower() == "invalid":
        raise socket.gaierror(socket.EAI_NONAME, "no such host (RFC 6761: .invalid)")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        future = pool.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        return future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise socket.gaierror(socket.EAI_AGAIN, f"lookup {host}: timeout") from None
    finally:
        pool.shutdown(wait=False)


def nameservers(path: str | os.PathLike[str] = RESOLV_CONF) -> list[str]:
    """The ``nameserver`` addresses of ``resolv.conf`` (go's and glibc's list), in order."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split(";", 1)[0].split()
        if len(fields) >= 2 and fields[0] == "nameserver":
            found.append(fields[1])
    return found


def dns_cause(
    host: str, *, servers: Sequence[str] | None = None, timeout: float = DEFAULT_TIMEOUT
) -> DNSCause | None:
    """Ask each of ``servers`` (default: :func:`nameservers`) for ``host``'s A record, port 53,
    and say how the lookup fails: ``servfail`` when one answers SERVFAIL or REFUSED (go:
    "server misbehaving"), ``nxdomain`` when one says the name does not exist, ``timeout``
    when none answers within ``timeout`` (go: "i/o timeout"); None when one answers fine or
    there is no server to ask (getaddrinfo's "temporary failure" says no more than that)."""
    from dnslib import RCODE, DNSError, DNSRecord

    servers = nameservers() if servers is None else servers
    if not servers:
        return None
    question = DNSRecord.question(host.rstrip("."), "A")
    answered: list[str] = []
    for server in servers:
        try:
            reply = DNSRecord.parse(question.send(server, 53, timeout=timeout))
        except (OSError, DNSError, ValueError):  # no answer (a timeout is an OSError)
            continue
        answered.append(str(RCODE[reply.header.rcode]))
    if not answered:
        return "timeout"
    if "NOERROR" in answered:
        return None
    if "NXDOMAIN" in answered:
        return "nxdomain"
    return "servfail"


def _ssl_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """Roots as go would find them: SSL_CERT_FILE / SSL_CERT_DIR from go's environment."""
    ctx = ssl.create_default_context()
    if env.get("SSL_CERT_FILE") or env.get("SSL_CERT_DIR"):
        ctx.load_verify_locations(
            cafile=env.get("SSL_CERT_FILE") or None, capath=env.get("SSL_CERT_DIR") or None
        )
    return ctx


def _connect(addrs: list[Any], timeout: float) -> socket.socket:
    """Try each address in order, as go's dialer does; raise the last error."""
    last: OSError = OSError("no addresses")
    for family, kind, proto, _, sockaddr in addrs:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last


def probe_url(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    ok_statuses: Sequence[int] = (200,),
    version_list: bool = False,
) -> Observation:
    """Probe ``url`` step by step (DNS, TCP, TLS, HTTP GET), each step within ``timeout``.

    ``version_list``: the body must be an ``@v/list`` (go skips lines that are not versions, so
    a 200 HTML page makes the list look empty: ``INVALID_RESPONSE``).
    """
    started = time.monotonic()
    env = os.environ if env is None else env

    def seen(status: Status, step: str, detail: str, code: int | None = None) -> Observation:
        return Observation(url, status, step, code, detail, time.monotonic() - started)

    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(parts.path)
        if path.is_file():
            return seen("OK", "file", "file exists")
        return seen("NOT_FOUND", "file", f"{path}: no such file")
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    try:
        addrs = _resolve(host, port, timeout)
    except (socket.gaierror, UnicodeError) as exc:
        cause = None
        if isinstance(exc, socket.gaierror) and exc.errno != socket.EAI_NONAME:
            cause = dns_cause(host, timeout=timeout)
        said = f" (the resolver, asked directly: {cause})" if cause else ""
        observed = seen("DNS", "dns", f"lookup {host}: {exc}{said}")
        return observed if cause is None else replace(observed, dns=cause)
    try:
        sock = _connect(addrs, timeout)
    except TimeoutError:
        return seen("DIAL_TIMEOUT", "connect", f"dial tcp {host}:{port}: no answer in {timeout} s")
    except ConnectionRefusedError:
        return seen("REFUSED", "connect", f"dial tcp {host}:{port}: connection refused")
    except OSError as exc:  # unreachable network/host: go fails at once, as for refused
        name = errno.errorcode.get(exc.errno or 0, "")
        return seen("REFUSED", "connect", f"dial tcp {host}:{port}: {name} {exc.strerror}")
    try:
        if https:
            try:
                tls = _ssl_context(env).wrap_socket(sock, server_hostname=host)
                tls.close()
            except TimeoutError:
                return seen("DIAL_TIMEOUT", "tls", f"TLS handshake with {host}: no answer")
            except (ssl.SSLError, ssl.CertificateError) as exc:
                return seen("TLS", "tls", f"tls: {exc}")
            except (ConnectionResetError, BrokenPipeError) as exc:
                return seen("RESET", "tls", f"TLS handshake: {exc}")
    finally:
        sock.close()
    return _http_get(url, timeout, env, ok_statuses, version_list, seen)


def _http_get(
    url: str,
    timeout: float,
    env: Mapping[str, str],
    ok_statuses: Sequence[int],
    version_list: bool,
    seen: Callable[..., Observation],
) -> Observation:
    verify: ssl.SSLContext | bool = _ssl_context(env) if url.startswith("https:") else False
    try:
        # trust_env=False: the probe talks to the entry itself (proxies from env are reported).
        with httpx.Client(
            timeout=timeout, verify=verify, trust_env=False, follow_redirects=True
        ) as client:
            response = client.get(url)
    except httpx.TooManyRedirects:
        return seen("INVALID_RESPONSE", "http", "stopped after 10 redirects")
    except httpx.ConnectTimeout:
        return seen("DIAL_TIMEOUT", "http", "connect timed out")
    except httpx.TimeoutException:
        return seen("HUNG", "http", f"connected, but no answer within {timeout} s")
    except httpx.ConnectError as exc:
        return seen("REFUSED", "http", str(exc))
    except httpx.RemoteProtocolError as exc:
        text = str(exc)
        if "incomplete" in text or "complete message body" in text:
            return seen("TRUNCATED", "http", f"unexpected EOF: {text}")
        return seen("RESET", "http", f"EOF: {text}")
    except (httpx.ReadError, httpx.WriteError) as exc:
        return seen("RESET", "http", f"connection reset: {exc}")
    code = response.status_code
    if code in (404, 410):
        return seen("NOT_FOUND", "http", f"{code} {response.reason_phrase}", code)
    if code not in ok_statuses:
        return seen("HTTP_STATUS", "http", f"{code} {response.reason_phrase}", code)
    if version_list:
        lines = [ln.split()[0] for ln in response.text.splitlines() if ln.strip()]
        if lines and not any(is_valid(v) for v in lines):
            return seen("INVALID_RESPONSE", "http", "200, but no version in the list", code)
        return seen("OK", "http", f"{code}, {len(lines)} version(s)", code)
    return seen("OK", "http", f"{code}", code)


# -- the prediction -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Prediction:
    """What go will do: a scenario verdict, the Failure name of a failure, and the reasons."""

    verdict: Verdict
    failure: str | None
    steps: tuple[str, ...]

    @property
    def succeeds(self) -> bool:
        return self.verdict in ("recovered", "direct")

    def label(self) -> str:
        return self.verdict + (f" ({self.failure})" if self.failure else "")


_WHAT = {
    "DNS": "does not resolve",
    "REFUSED": "refused the connection",
    "DIAL_TIMEOUT": "did not answer the connection",
    "TLS": "failed the TLS handshake",
    "RESET": "reset the connection",
    "TRUNCATED": "cut the answer short",
    "INVALID_RESPONSE": "answered something go cannot use",
}


def _what(o: Observation) -> str:
    if o.status == "HTTP_STATUS":
        return f"answered {o.code}"
    if o.status == "NOT_FOUND":
        return f"answered {o.code or 404} (not found)"
    return _WHAT.get(o.status, o.status.lower())


def _sumdb_plan(
    entries: Sequence[ProxyEntry], sumdb: SumDBConfig, supported: Mapping[str, Observation]
) -> tuple[str | None, list[str], Observation | None]:
    """Where go reaches the checksum database (initBase): ``(proxy url or None for direct,
    reasons, the failing /supported observation that makes the database unavailable)``."""
    steps: list[str] = []
    if sumdb.url is not None:
        steps.append(f"GOSUMDB names a URL: go asks {sumdb.url} directly, never a proxy")
        return None, steps, None
    for entry in entries:
        if not entry.is_proxy:
            steps.append(f"`{entry.url}` in GOPROXY: go asks the database directly")
            return None, steps, None
        o = supported[entry.url]
        if o.ok:
            steps.append(f"{entry.url} proxies the checksum database (/supported: 200)")
            return entry.url, steps, None
        if o.not_found:
            steps.append(f"{entry.url} does not proxy the checksum database (404/410): next")
            continue
        if entry.fall_back_on_error:
            steps.append(f"{entry.url}/sumdb/{sumdb.name}/supported {_what(o)}; `|` → next")
            continue
        steps.append(
            f"{entry.url}/sumdb/{sumdb.name}/supported {_what(o)}; go takes the database as "
            "unavailable (only 404/410 or `|` move on)"
        )
        return entry.url, steps, o
    steps.append(f"no proxy serves it: go asks {sumdb.direct_url} directly")
    return None, steps, None


def predict(
    entries: Sequence[ProxyEntry],
    observed: Mapping[str, Observation],
    *,
    sumdb: SumDBConfig | None = None,
    supported: Mapping[str, Observation] | None = None,
    sumdb_direct: Observation | None = None,
) -> Prediction:
    """What go does for a module missing from the cache and go.sum, given what each entry did.

    ``observed`` maps proxy URLs to the ``@v/list`` observation; ``sumdb`` is None when go skips
    the checksum database (GOSUMDB=off, GONOSUMDB/GOPRIVATE); ``supported`` maps proxy URLs to
    their ``/sumdb/<name>/supported`` observation, ``sumdb_direct`` is the direct one.
    """
    steps: list[str] = []
    # TryProxies: a proxy error outranks not-found, and a later proxy error replaces an earlier.
    best: Observation | None = None
    module_found = False
    for i, entry in enumerate(entries):
        if entry.url == "off":
            steps.append("`off`: module lookup disabled by GOPROXY=off: the build fails")
            failure = "PROXY_OFF" if best is None or best.not_found else best.status
            return Prediction("failed", failure, tuple(steps))
        if entry.url == "direct":
            steps.append(
                "`direct`: go fetches from the module's origin (its VCS); not probed, so "
                "the outcome depends on that server"
            )
            return Prediction("direct", None, tuple(steps))
        o = observed[entry.url]
        where = f"entry {i + 1} ({entry.url})"
        last = i == len(entries) - 1
        if o.ok:
            steps.append(f"{where} serves the module: go uses it")
            module_found = True
            break
        if o.status == "HUNG":
            steps.append(
                f"{where} accepted the connection but gave no answer within "
                f"{o.seconds:.0f} s: go has no request timeout and would hang"
            )
            return Prediction("hung", None, tuple(steps))
        if best is None or best.not_found or not o.not_found:
            best = o
        delay = (
            f" after go's {GO_DIAL_LIMIT} s dial limit (per connection)"
            if o.status == "DIAL_TIMEOUT"
            else ""
        )
        if o.not_found:
            steps.append(
                f"{where} {_what(o)}"
                + ("; the last entry" if last else "; 404/410 → go tries the next entry")
            )
            continue
        if entry.fall_back_on_error:
            steps.append(f"{where} {_what(o)}; `|` → go tries the next entry{delay}")
            continue
        why = (
            "`,` → go stops here: the build fails (only 404/410 fall back)"
            if entry.sep == ","
            else "the last entry: the build fails"
        )
        steps.append(f"{where} {_what(o)}; {why}{delay}")
        return Prediction("failed", o.status, tuple(steps))
    if not module_found:
        assert best is not None
        steps.append("no entry served the module: the build fails")
        return Prediction("failed", best.status, tuple(steps))
    if sumdb is None:
        steps.append("the checksum database is not consulted (GOSUMDB=off or GONOSUMDB match)")
        return Prediction("recovered", None, tuple(steps))
    via, sum_steps, bad = _sumdb_plan(entries, sumdb, supported or {})
    steps += sum_steps
    if bad is not None:
        if bad.status == "HUNG":
            return Prediction("hung", None, tuple(steps))
        return Prediction("failed", "SUMDB", tuple(steps))
    if via is None:
        if sumdb_direct is None:
            return Prediction("recovered", None, tuple(steps))
        if sumdb_direct.status == "HUNG":
            steps.append(f"{sumdb.direct_url} gives no answer: go would hang")
            return Prediction("hung", None, tuple(steps))
        if not sumdb_direct.ok:
            steps.append(
                f"{sumdb.direct_url} {_what(sumdb_direct)}: verifying the module fails "
                "(go never falls back from the checksum database)"
            )
            return Prediction("failed", "SUMDB", tuple(steps))
        steps.append(f"{sumdb.direct_url} answers: go verifies the module")
    return Prediction("recovered", None, tuple(steps))


# -- the whole probe ------------------------------------------------------------------------------


@dataclass
class ProbeReport:
    """Everything :func:`probe` read and saw, and the prediction."""

    goenv: dict[str, str]
    module: str
    entries: list[ProxyEntry]
    observed: dict[str, Observation]
    sumdb: SumDBConfig | None
    sumdb_skipped: str | None
    supported: dict[str, Observation] = field(default_factory=dict)
    sumdb_direct: Observation | None = None
    prediction: Prediction = field(default_factory=lambda: Prediction("failed", None, ()))
    notes: list[str] = field(default_factory=list)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def exit_code(self) -> int:
        """0 when go would succeed, 1 otherwise (the CLI's exit status)."""
        return 0 if self.prediction.succeeds else 1

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(entry, then, request, result, detail) for each probe made."""
        rows: list[tuple[str, str, str, str, str]] = []
        for entry in self.entries:
            if not entry.is_proxy:
                rows.append((entry.url, entry.sep, "-", "not probed", ""))
                continue
            o = self.observed[entry.url]
            rows.append((entry.url, entry.sep, "@v/list", o.label(), o.detail))
            s = self.supported.get(entry.url)
            if s is not None:
                rows.append(("", "", "sumdb /supported", s.label(), s.detail))
        if self.sumdb_direct is not None and self.sumdb is not None:
            o = self.sumdb_direct
            rows.append((self.sumdb.direct_url, "", "sumdb /latest", o.label(), o.detail))
        return rows


def read_go_env(
    env: Mapping[str, str] | None = None, go: GoBinary | str | os.PathLike[str] | None = None
) -> dict[str, str]:
    """``go env -json`` of the user's own setup (``env`` replaces the process environment)."""
    binary = find_go(go)
    try:
        done = go_env(binary.path, "-json", *GO_ENV_KEYS, env=os.environ if env is None else env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProbeError(f"`go env -json` could not run: {exc}") from None
    if done.returncode != 0:
        raise ProbeError(f"`go env -json` failed: {done.stderr.strip() or done.returncode}")
    data = json.loads(done.stdout or "{}")
    return {k: str(data.get(k, "")) for k in GO_ENV_KEYS}


def probe(
    *,
    env: Mapping[str, str] | None = None,
    module: str = DEFAULT_MODULE,
    timeout: float = DEFAULT_TIMEOUT,
    go: GoBinary | str | os.PathLike[str] | None = None,
    goenv: Mapping[str, str] | None = None,
) -> ProbeReport:
    """Read go's settings (``goenv``, or ``go env -json`` run with ``env``), probe every
    GOPROXY entry and the checksum database, and predict what go does.

    Raises :class:`ProbeError` for a malformed GOPROXY/GOSUMDB or a module go would not fetch
    through GOPROXY, and InvalidModuleError for a malformed module path.
    """
    process_env = os.environ if env is None else env
    values = dict(goenv) if goenv is not None else read_go_env(env, go)
    escaped = escape_path(module)  # InvalidModuleError names the broken rule
    entries = parse_goproxy(values.get("GOPROXY", ""))
    noproxy = values.get("GONOPROXY", "") or values.get("GOPRIVATE", "")
    matched = match_prefix_patterns(noproxy, module)
    if matched and values.get("GOPROXY") != "direct":
        raise ProbeError(
            f"module {module} matches GONOPROXY/GOPRIVATE pattern {matched!r}: go fetches it "
            "from its origin, not through GOPROXY; probe a module your proxies serve (--module)"
        )
    parsed = parse_gosumdb(values.get("GOSUMDB", "") or "sum.golang.org")
    sumdb: SumDBConfig | None = parsed
    skipped = None
    if parsed.off:
        skipped, sumdb = "GOSUMDB=off", None
    else:
        nosum = values.get("GONOSUMDB", "") or values.get("GOPRIVATE", "")
        hit = match_prefix_patterns(nosum, module)
        if hit:
            skipped, sumdb = f"GONOSUMDB/GOPRIVATE pattern {hit!r} matches {module}", None
    report = ProbeReport(values, module, entries, {}, sumdb, skipped, timeout=timeout)
    for entry in entries:
        if entry.is_proxy and entry.url not in report.observed:
            report.observed[entry.url] = probe_url(
                f"{entry.url}/{escaped}/@v/list",
                timeout=timeout,
                env=process_env,
                version_list=True,
            )
    if sumdb is not None:
        _probe_sumdb(report, sumdb, process_env)
    report.prediction = predict(
        entries,
        report.observed,
        sumdb=sumdb,
        supported=report.supported,
        sumdb_direct=report.sumdb_direct,
    )
    _add_notes(report, process_env)
    return report


def _probe_sumdb(report: ProbeReport, sumdb: SumDBConfig, env: Mapping[str, str]) -> None:
    """Probe the database the way initBase reaches it, reusing a failed connection's result."""
    if sumdb.url is None:
        for entry in report.entries:
            if not entry.is_proxy:
                break
            listed = report.observed[entry.url]
            if listed.step in _CONNECTION_STEPS or listed.status == "HUNG":
                report.supported[entry.url] = listed  # the same host fails the same way
            else:
                report.supported[entry.url] = probe_url(
                    f"{entry.url}/sumdb/{sumdb.name}/supported", timeout=report.timeout, env=env
                )
    via, _, bad = _sumdb_plan(report.entries, sumdb, report.supported)
    if via is None and bad is None:
        report.sumdb_direct = probe_url(
            f"{sumdb.direct_url}/latest", timeout=report.timeout, env=env
        )


def _add_notes(report: ProbeReport, env: Mapping[str, str]) -> None:
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        if env.get(var):
            report.notes.append(
                f"{var}={env[var]} is set: go goes through that HTTP proxy; this probe "
                "connected directly"
            )
            break
    if report.goenv.get("GOFLAGS"):
        report.notes.append(f"GOFLAGS={report.goenv['GOFLAGS']} (not part of the scenario)")
    if report.sumdb_skipped:
        report.notes.append(f"checksum database skipped: {report.sumdb_skipped}")


def report_table(report: ProbeReport) -> Any:
    """A rich table of every probe: entry, separator after it, request, result, detail."""
    from rich.table import Table

    table = Table(title=f"GOPROXY={report.goenv.get('GOPROXY', '')}  (module {report.module})")
    for column in ("entry", "then", "request", "result", "detail"):
        table.add_column(column, overflow="fold")
    for entry, sep, request, result, detail in report.rows():
        style = "green" if result == "OK" else ("dim" if result == "not probed" else "red")
        table.add_row(entry, sep, request, f"[{style}]{result}[/{style}]", detail)
    return table


def explanation(report: ProbeReport) -> list[str]:
    """The prediction as lines a person reads: the settings, each step, the verdict."""
    g = report.goenv
    lines = [" ".join(f"{k}={g[k]!r}" for k in GO_ENV_KEYS if g.get(k))]
    lines += [f"- {s}" for s in report.prediction.steps]
    lines += [f"note: {n}" for n in report.notes]
    verdict = report.prediction
    lines.append(
        ("go would succeed" if verdict.succeeds else "go would not succeed")
        + f": {verdict.label()}"
    )
    return lines
