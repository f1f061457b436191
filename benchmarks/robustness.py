"""Fuzz the fake proxy, the checksum database and ``serve``'s control endpoint with bad requests.

Issue 13 found the servers dropping connections, answering 500 with tracebacks, printing
http.server noise and growing without end in a long ``serve``. This sends, on fresh connections
and as raw bytes (so nothing is tidied on the way):

- FakeGoProxy (in this process), 10,000 requests: protocol requests, traversal paths aimed at a
  canary file outside the store (``..``, ``%2e%2e``, ``%2f``, backslashes, NULs, absolute paths),
  random and 60 KiB paths, odd methods and HTTP versions, huge, negative and doubled
  Content-Lengths, malformed chunked bodies, too many or too long headers;
- the ChecksumDB (in this process), 1,000 such requests at its own paths;
- ``pytest-goproxy serve`` (a subprocess, as a person runs it), first what grew its memory in the
  issue (1,000 requests with 60 KiB paths at the proxy and 1,000 at the database, now a 414, then
  as many with the longest paths taken, which fill the request logs, and a 200 MiB POST), then
  1,000 control requests (cross-site posts, foreign Hosts, wrong types, deep JSON, bad and huge
  lengths, 50 MiB bodies, random JSON faults).

Each server is also held by slowloris connections (a request sent a byte every 0.2 s) while it
answers normal requests; the control endpoint ends them at its deadline.

Printed and written to ``benchmarks/results/robustness.json``: per target, the answers by
status class, the 5xx (a 505 to a request line naming HTTP/2 or later is counted apart: it is the
answer RFC 9110 prescribes), connections closed or timed out without an answer ("dropped"),
answers without a status line ("unframed"), files the process opened outside the store (an
audit hook, in-process targets) or whose canary bytes came back in an answer, lines written to
stderr, and ``serve``'s RSS growth (VmRSS from /proc). Targets: 0 5xx, 0 dropped, 0 outside
reads, serve RSS growth under 20 MB.

Run on demand (a couple of minutes; needs toxiproxy for serve)::

    TOXIPROXY_BIN=.ci-cache/toxiproxy/server .venv/bin/python benchmarks/robustness.py
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import queue
import random
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pytest_goproxy import FakeGoProxy
from pytest_goproxy.gomod.sources import ModuleSource
from pytest_goproxy.scenarios import BUNDLED
from pytest_goproxy.serving.httpserver import MAX_TARGET
from pytest_goproxy.sumdb import ChecksumDB

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
#: What a canary file outside the store holds: an answer carrying it read a file it must not.
MARKER = b"PYTEST-GOPROXY-CANARY-7f3a9c"
#: Seconds to wait for an answer before calling the connection dropped.
ANSWER_TIMEOUT = 20.0


# -- one exchange on a raw connection -------------------------------------------------------------


@dataclass
class Outcome:
    """What came back: a status (None: no status line), the body, and how the connection ended."""

    status: int | None = None
    received: int = 0
    body: bytes = b""
    ended: str = "eof"  # eof, reset, timeout

    @property
    def verdict(self) -> str:
        if self.status is not None:
            return f"{self.status // 100}xx"
        return "unframed" if self.received else "dropped"


def exchange(
    address: tuple[str, int],
    data: bytes,
    timeout: float = ANSWER_TIMEOUT,
    *,
    half_close: bool = True,
) -> Outcome:
    """Send ``data`` (in 64 KiB pieces, stopping once an answer starts, as curl does), half-close
    (so a server waiting for more sees the end), and read until the server closes.

    Not half-closing through toxiproxy: it closes both ways when the client's side ends, before
    the answer comes back (a client like go never half-closes)."""
    out = Outcome()
    received = bytearray()
    try:
        sock = socket.create_connection(address, timeout=timeout)
    except OSError:
        out.ended = "refused"
        return out
    with sock:
        try:
            for start in range(0, len(data), 65536):
                sock.sendall(data[start : start + 65536])
                if len(data) > 65536 and _readable(sock):
                    break
            if half_close:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server stopped reading: its answer may be waiting
        try:
            while chunk := sock.recv(65536):
                if len(received) < 4 * MIB:
                    received += chunk
                out.received += len(chunk)
        except TimeoutError:
            out.ended = "timeout"
        except OSError:
            out.ended = "reset"
    rest = bytes(received)
    while found := re.match(rb"HTTP/\d\.\d (\d{3})", rest[:32]):
        out.status = int(found[1])
        if out.status >= 200:  # skip 100 Continue and other interim answers
            break
        rest = rest.partition(b"\r\n\r\n")[2]
    out.body = bytes(received)
    return out


def _readable(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return bool(sock.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)
        sock.settimeout(ANSWER_TIMEOUT)


# -- what to send -------------------------------------------------------------------------------


@dataclass
class Targets:
    """What the generators aim at: known modules, the canary, the store, the database name."""

    modules: list[tuple[str, str]]  # (escaped path, escaped version)
    canary: Path
    store: Path
    db_name: str = "sumdb.goproxy.test"


_METHODS = ["GET"] * 14 + ["HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "get"]
_ODD_METHODS = ["CONNECT", "BREW", "PRI", "G\x00ET", "", "GET GET", "X" * 300]
_VERSIONS = ["HTTP/1.1"] * 12 + ["HTTP/1.0", "HTTP/2.0", "HTTP/3", "HTTP/1.1 x", "HTTP/x", ""]


def _rand_text(rng: random.Random, n: int) -> str:
    alphabet = "abcXYZ019-._~!$&'()*+,;=:@/%?#[]\\ \"<>{}|^`\u00e9\u4e2d"
    return "".join(rng.choice(alphabet) for _ in range(n))


def _percent(rng: random.Random, n: int) -> str:
    return "".join(f"%{rng.randrange(256):02X}" for _ in range(n))


def traversal_paths(t: Targets) -> list[str]:
    """Paths that would read the canary if a server joined a URL path onto a directory."""
    rel = os.path.relpath(t.canary, t.store)
    up = "../" * 12
    canary = str(t.canary).lstrip("/")
    mod, ver = t.modules[0]
    enc = up.replace("../", "%2e%2e%2f")
    return [
        f"/{up}{canary}",
        f"/{rel}",
        f"/{mod}/@v/{rel}",
        f"/{mod}/@v/{up}{canary}",
        f"/{mod}/@v/../../../{rel}.zip",
        f"/{enc}{canary}",
        f"/%2e%2e/%2e%2e/%2e%2e/%2e%2e/{canary}",
        f"/..%2f..%2f..%2f..%2f..%2f{canary}",
        f"/{mod}/@v/..%2f..%2f..%2f{rel}",
        f"/{canary}/@v/v1.0.0.zip",
        f"/{canary}/@v/list",
        f"/{canary}/@latest",
        f"//{canary}",
        f"/{mod}/@v/{ver}.zip/../../../../{canary}",
        f"/{mod}/@v/{ver}.zip%00.{rel}",
        f"/..\\..\\..\\{canary}",
        f"/{mod}/@v/..\\..\\{rel}",
        f"/%c0%ae%c0%ae/%c0%ae%c0%ae/{canary}",
        f"/{mod}%00/@v/list",
        f"/sumdb/{t.db_name}/../../../{canary}",
        f"/sumdb/{t.db_name}/lookup/{up}{canary}@v1.0.0",
        f"/sumdb/{t.db_name}/tile/8/0/{up}{canary}",
        f"/lookup/{up}{canary}@v1.0.0",
        f"/tile/8/0/../../../../{canary}",
        f"/tile/8/data/{up}{canary}",
        f"file://{t.canary}",
        f"http://127.0.0.1/{up}{canary}",
        "/etc/passwd",
        "/../../../../../../etc/passwd",
        "/proc/self/environ",
        "/%2e%2e/%2e%2e/%2e%2e/proc/self/environ",
        "*",
    ]


def proxy_target(rng: random.Random, t: Targets) -> str:
    mod, ver = rng.choice(t.modules)
    pick = rng.random()
    if pick < 0.30:
        ending = rng.choice(["list", f"{ver}.info", f"{ver}.mod", f"{ver}.zip"])
        return rng.choice([f"/{mod}/@v/{ending}", f"/{mod}/@latest"])
    if pick < 0.40:
        return rng.choice(
            [
                f"/sumdb/{t.db_name}/supported",
                f"/sumdb/{t.db_name}/latest",
                f"/sumdb/{t.db_name}/lookup/{mod}@{ver}",
                f"/sumdb/{t.db_name}/tile/8/0/000",
                f"/sumdb/{t.db_name}/tile/8/data/000",
                "/sumdb/other.test/latest",
            ]
        )
    if pick < 0.60:
        return rng.choice(traversal_paths(t))
    if pick < 0.70:  # a protocol request, one character changed
        base = list(f"/{mod}/@v/{ver}.{rng.choice(['info', 'mod', 'zip'])}")
        i = rng.randrange(1, len(base))
        base[i] = rng.choice(["!", "%", "A", "@", "/", ".", "%00", "%ff", " "])
        return "".join(base)
    if pick < 0.80:
        return "/" + _rand_text(rng, rng.randrange(1, 80))
    if pick < 0.88:
        return "/" + _percent(rng, rng.randrange(1, 40)) + rng.choice(["", "/@v/list", ".zip"])
    if pick < 0.96:  # 60 KiB paths: what grew serve's memory
        big = "a" * (60 * 1024)
        return rng.choice([f"/{big}/@v/list", f"/{mod}/@v/{big}.info", f"/{big}"])
    return "/" + "b" * rng.choice([65536, 70000])  # beyond http.server's line limit: a 414


def db_target(rng: random.Random, t: Targets) -> str:
    mod, ver = rng.choice(t.modules)
    pick = rng.random()
    if pick < 0.35:
        return rng.choice(
            [
                "/latest",
                "/supported",
                f"/lookup/{mod}@{ver}",
                f"/lookup/{mod}@v9.9.9",
                "/tile/8/0/000",
                "/tile/8/0/000.p/1",
                "/tile/8/data/000",
                "/tile/8/1/000",
                "/tile/9/0/000",
                "/tile/8/0/x999/000",
                "/tile/8/-1/000",
                f"/tile/8/0/{'9' * 40}",
                f"/lookup/{mod}@{ver}/../../x",
                "/lookup/@",
                "/lookup/a@b@c",
                f"/lookup/{'!' * 20}@v1.0.0",
            ]
        )
    if pick < 0.55:
        return rng.choice(traversal_paths(t))
    if pick < 0.75:
        return rng.choice(["/lookup/", "/tile/", "/"]) + _rand_text(rng, rng.randrange(1, 60))
    if pick < 0.85:
        return "/" + _percent(rng, rng.randrange(1, 40))
    big = "a" * (60 * 1024)
    return rng.choice([f"/lookup/{big}@v1.0.0", f"/tile/8/0/{big}", f"/{big}"])


def http_request(rng: random.Random, target: str, host: str) -> bytes:
    """A request line, headers and maybe a body around ``target``, most of them well formed."""
    method = rng.choice(_METHODS) if rng.random() < 0.93 else rng.choice(_ODD_METHODS)
    version = rng.choice(_VERSIONS)
    line = f"{method} {target} {version}".rstrip() if version else f"{method} {target}"
    headers = [] if rng.random() < 0.05 else [f"Host: {host}"]
    body = b""
    pick = rng.random()
    if pick < 0.08:
        headers.append(f"Content-Length: {rng.choice(['-1', '10' * 6, '1000000000000', 'abc'])}")
    elif pick < 0.12:
        headers += ["Content-Length: 3", "Content-Length: 4"]
        body = b"abcd"
    elif pick < 0.18:
        headers.append("Transfer-Encoding: chunked")
        body = rng.choice(
            [b"zz\r\nabc\r\n0\r\n\r\n", b"5\r\nab", b"3\r\nabc\r\n0\r\n\r\n", b"-1\r\n"]
        )
    elif pick < 0.22:
        body = os.urandom(rng.choice([10, 1000, 300_000]))
        headers.append(f"Content-Length: {len(body)}")
    elif pick < 0.25:
        headers.append("Expect: 100-continue")
        headers.append("Content-Length: 5")
        body = b"hello"
    elif pick < 0.27:
        headers += [f"X-Many-{n}: y" for n in range(150)]  # beyond http.server's 100: a 431
    elif pick < 0.29:
        headers.append("X-Long: " + "z" * 70000)
    elif pick < 0.31:
        headers += ["no colon here", " folded: continuation"]
    if rng.random() < 0.9:
        headers.append("Connection: close")
    head = line + "\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n"
    return head.encode("utf-8", "surrogateescape") + body


# -- control endpoint requests --------------------------------------------------------------------

_FAULT_NAMES = ["latency", "status", "cut_body", "slow_first_byte", "refused", "reset", "x", ""]
_PARAMS = ["ms", "code", "kind", "seconds", "times", "name", "self", "probability", "every"]


def _json_value(rng: random.Random, depth: int = 0) -> object:
    pick = rng.random()
    if depth > 2 or pick < 0.5:
        return rng.choice(
            [None, True, 0, 1, -1, 502, 10**30, 0.5, 1e300, "zip", "", "a" * 50, [], {}]
        )
    if pick < 0.75:
        return [_json_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {rng.choice(_PARAMS): _json_value(rng, depth + 1) for _ in range(rng.randrange(3))}


def control_request(rng: random.Random, port: int) -> tuple[bytes, bool]:
    """A control request, and whether it may add a fault (to be removed after)."""
    host = f"127.0.0.1:{port}"
    pick = rng.random()
    method, path, ctype, extra = "POST", "/faults", "application/json", []
    body_obj: object = {
        "name": rng.choice(_FAULT_NAMES),
        "params": {rng.choice(_PARAMS): _json_value(rng) for _ in range(rng.randrange(3))},
    }
    body: bytes | None = None
    if pick < 0.10:
        ctype, extra = "text/plain", ["Origin: http://evil.example"]
    elif pick < 0.15:
        ctype = rng.choice(["text/plain", "application/x-www-form-urlencoded", ""])
    elif pick < 0.22:
        host = rng.choice(["evil.example", "127.0.0.1.nip.io", "", "a@127.0.0.1", "[::2]"])
    elif pick < 0.26:
        extra = [rng.choice(["Origin: null", "Sec-Fetch-Site: cross-site", "Origin: https://x"])]
    elif pick < 0.32:
        depth = rng.choice([100, 5000, 30000])
        body = b"[" * depth + b"]" * depth
    elif pick < 0.36:
        body = b"\xff\xfe" + os.urandom(rng.randrange(1, 100))
    elif pick < 0.40:
        body_obj = _json_value(rng)
    elif pick < 0.50:
        method = rng.choice(["GET", "DELETE", "OPTIONS", "PUT", "HEAD", "BREW", "PATCH"])
        path = rng.choice(["/faults", "/env", "/faults/1", "/faults/x/y", "/", "/nowhere"])
        body = b""
    if body is None:
        body = json.dumps(body_obj).encode()
    headers = [f"Host: {host}"] if host else []
    if ctype:
        headers.append(f"Content-Type: {ctype}")
    headers += extra
    length = str(len(body))
    framing = rng.random()
    if framing < 0.06:
        length = rng.choice(["-1", "1000000000000", "+5", "1_0", "0x10"])
    elif framing < 0.09:
        headers.append("Transfer-Encoding: chunked")
        body = b"zz\r\n" + body
    elif framing < 0.10:
        body = b" " * (50 * MIB)  # refused unread: a 413
        length = str(len(body))
    if not headers or "Transfer-Encoding: chunked" not in headers:
        headers.append(f"Content-Length: {length}")
    line = f"{method} {path} HTTP/1.1"
    if rng.random() < 0.04:
        line = rng.choice(["\x00garbage", f"GET {path} HTTP/2.0", "GET " + "a" * 70000])
    head = line + "\r\n" + "".join(h + "\r\n" for h in headers) + "Connection: close\r\n\r\n"
    return head.encode("utf-8", "surrogateescape") + body, method == "POST"


# -- counting ----------------------------------------------------------------------------------


@dataclass
class Tally:
    """Outcomes of one target's fuzz."""

    requests: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    endings: Counter[str] = field(default_factory=Counter)
    http2_505: int = 0
    canary_leaks: int = 0
    examples: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, sent: bytes, out: Outcome) -> None:
        self.requests += 1
        verdict = out.verdict
        if out.status == 505 and re.match(rb"[^\r\n]* HTTP/[2-9]", sent):
            self.http2_505 += 1
            verdict = "505 (HTTP/2+ line)"
        self.by_class[verdict] += 1
        if out.status is not None:
            self.by_status[out.status] += 1
        self.endings[out.ended] += 1
        if MARKER in out.body:
            self.canary_leaks += 1
        if verdict in ("5xx", "dropped", "unframed") and verdict not in self.examples:
            self.examples[verdict] = repr(sent[:160])

    def report(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "answers": dict(sorted(self.by_class.items())),
            "statuses": {str(k): v for k, v in sorted(self.by_status.items())},
            "5xx": self.by_class["5xx"],
            "505_to_http2_lines": self.http2_505,
            "dropped": self.by_class["dropped"],
            "unframed_answers": self.by_class["unframed"],
            "connection_endings": dict(self.endings),
            "canary_bytes_in_answers": self.canary_leaks,
            "first_examples": self.examples,
            "seconds": round(self.seconds, 1),
        }


def fuzz(
    address: tuple[str, int],
    requests: Iterator[bytes],
    workers: int = 8,
    after: Callable[[], None] | None = None,
) -> Tally:
    tally = Tally()
    began = time.monotonic()
    lock = threading.Lock()

    def one(data: bytes) -> None:
        out = exchange(address, data)
        with lock:
            tally.add(data, out)

    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(one, requests):
            pass
    tally.seconds = time.monotonic() - began
    return tally


# -- in-process audit: files opened outside the store ------------------------------------------


class OpenAudit:
    """Every file the process opens while ``watching``, sorted into the store, Python's own
    (lazy imports) and the rest."""

    def __init__(self, store: Path) -> None:
        self.store = str(store.resolve())
        self.watching = False
        self.outside: Counter[str] = Counter()
        self.inside = 0
        self._code = tuple(
            str(Path(p).resolve())
            for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, str(ROOT / "pytest_goproxy")}
        )
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[object, ...]) -> None:
        if not self.watching or event != "open" or not args:
            return
        path = args[0]
        if isinstance(path, int):
            return  # an fd: opened earlier
        text = os.fsdecode(path) if isinstance(path, (str, bytes)) else str(path)
        full = os.path.realpath(text)
        if full.startswith(self.store + os.sep):
            self.inside += 1
        elif not full.startswith(self._code) and not full.startswith("/dev/"):
            self.outside[full] += 1


class StderrCount(io.TextIOBase):
    """Counts the lines written to ``sys.stderr`` (http.server, socketserver) while swapped in."""

    def __init__(self) -> None:
        self.lines = 0
        self.first: list[str] = []

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        if len(self.first) < 3 and text.strip():
            self.first.append(text.strip()[:200])
        return len(text)


class LoudRecords(logging.Handler):
    """Log records above debug level (werkzeug's, ours): what pytest shows in every report."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()[:200]}")


# -- slowloris --------------------------------------------------------------------------------


def slowloris(
    address: tuple[str, int], holders: int, hold: float, probe: Callable[[], bool]
) -> dict[str, object]:
    """``holders`` connections sending a request a byte every 0.2 s for ``hold`` seconds while
    ``probe`` (a normal request) keeps being asked; then what the server did with them."""
    socks = []
    for _ in range(holders):
        with contextlib.suppress(OSError):
            socks.append(socket.create_connection(address, timeout=5))
    line = b"GET /env HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 100_000
    probes = Counter[bool]()
    ended = Counter[str]()
    began = time.monotonic()
    i = 0
    while time.monotonic() - began < hold:
        for sock in list(socks):
            if select.select([sock], [], [], 0)[0]:  # the server answered or closed
                out = Outcome()
                with contextlib.suppress(OSError):
                    while chunk := sock.recv(65536):
                        out.body += chunk
                found = re.match(rb"HTTP/\d\.\d (\d{3})", out.body)
                ended[found[1].decode() if found else "closed without an answer"] += 1
            else:
                try:
                    sock.send(line[i : i + 1])
                    continue
                except OSError:
                    ended["reset"] += 1
            sock.close()
            socks.remove(sock)
        probes[probe()] += 1
        i += 1
        time.sleep(0.2)
    for sock in socks:
        sock.close()
    return {
        "connections": holders,
        "held_seconds": hold,
        "normal_requests_answered_meanwhile": probes[True],
        "normal_requests_failed_meanwhile": probes[False],
        "ended_by_the_server": dict(ended),
        "still_held_at_the_end": len(socks),
    }


# -- the in-process targets -------------------------------------------------------------------


def run_in_process(args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    canary_dir = tmp / "outside"
    canary_dir.mkdir()
    canary = canary_dir / "secret.zip"
    canary.write_bytes(MARKER * 100)
    store = ModuleSource.of(BUNDLED / "modules").store(tmp / "store")
    audit = OpenAudit(store.root)
    results: dict[str, object] = {}
    with FakeGoProxy(store) as proxy, ChecksumDB() as db:
        db.attach(proxy)
        modules = [(mv.escaped_path, mv.escaped_version) for mv in proxy.store]
        targets = Targets(modules, canary, store.root, db.name)
        stderr, loud = StderrCount(), LoudRecords()
        logging.getLogger().addHandler(loud)
        real_stderr, sys.stderr = sys.stderr, stderr
        try:
            for name, address, count, make in (
                ("fakegoproxy", (proxy.host, proxy.port), args.proxy, proxy_target),
                ("checksumdb", (db.host, db.port), args.sumdb, db_target),
            ):
                rng = random.Random(f"{args.seed}-{name}")
                host = f"{address[0]}:{address[1]}"
                stderr.lines, loud.records, audit.outside = 0, [], Counter()
                audit.inside = 0
                audit.watching = True
                tally = fuzz(
                    address,
                    (http_request(rng, make(rng, targets), host) for _ in range(count)),
                )
                audit.watching = False
                ok_path = "/latest" if name == "checksumdb" else f"/{modules[0][0]}/@v/list"
                normal = f"GET {ok_path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

                def probe(a: tuple[str, int] = address, n: str = normal) -> bool:
                    return exchange(a, n.encode(), 5).status == 200

                held = slowloris(address, args.slowloris, args.slowloris_seconds, probe)
                report = tally.report()
                report.update(
                    files_opened_outside_the_store=sum(audit.outside.values()),
                    outside_paths=sorted(audit.outside)[:10],
                    files_opened_in_the_store=audit.inside,
                    stderr_lines=stderr.lines,
                    stderr_first=stderr.first,
                    log_records_above_debug=len(loud.records),
                    log_first=loud.records[:3],
                    slowloris=held,
                    handler_errors=len(proxy.handler_errors) + len(db.handler_errors),
                )
                results[name] = report
                print(f"{name}: {json.dumps(report)}", file=real_stderr, flush=True)
        finally:
            sys.stderr = real_stderr
            logging.getLogger().removeHandler(loud)
    return results


# -- serve, as a subprocess --------------------------------------------------------------------


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field_name} for {pid}")


@dataclass
class Serve:
    proc: subprocess.Popen[str]
    env: dict[str, str]
    control: str
    stderr_lines: list[str] = field(default_factory=list)
    stdout: queue.Queue[str] = field(default_factory=queue.Queue)


@contextlib.contextmanager
def serve(toxiproxy_bin: str | None) -> Iterator[Serve]:
    script = Path(sys.executable).parent / "pytest-goproxy"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "pytest_goproxy.cli"]
    env = dict(os.environ)
    if toxiproxy_bin:
        env["TOXIPROXY_BIN"] = toxiproxy_bin
    proc = subprocess.Popen(
        [*cmd, "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        exports: dict[str, str] = {}
        control = ""
        for line in proc.stdout:
            if line.startswith("export "):
                key, _, value = line[len("export ") :].strip().partition("=")
                exports[key] = shlex.split(value)[0]
            elif line.startswith("# control:"):
                control = re.findall(r"(http://127\.0\.0\.1:\d+)/faults", line)[0]
            elif line.startswith("# serving"):
                break
        if not control or set(exports) != {"GOPROXY", "GOSUMDB"}:
            raise RuntimeError(f"serve did not start: {proc.stderr.read()}")
        served = Serve(proc, exports, control)

        def drain(stream: io.TextIOBase, sink: Callable[[str], None]) -> None:
            for line in stream:
                sink(line.rstrip("\n"))

        threading.Thread(target=drain, args=(proc.stdout, served.stdout.put), daemon=True).start()
        threading.Thread(
            target=drain, args=(proc.stderr, served.stderr_lines.append), daemon=True
        ).start()
        yield served
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()


def _address(url: str) -> tuple[str, int]:
    host, _, port = url.split("//", 1)[1].split("/", 1)[0].rpartition(":")
    return host, int(port)


def run_serve(args: argparse.Namespace) -> dict[str, object]:
    with serve(args.toxiproxy_bin) as served:
        pid = served.proc.pid
        proxy = _address(served.env["GOPROXY"])
        db = _address(served.env["GOSUMDB"].split()[1])
        control = _address(served.control)
        chost = f"127.0.0.1:{control[1]}"

        def get(address: tuple[str, int], path: str, host: str = "x") -> Outcome:
            data = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            return exchange(address, data.encode(), 10)

        env = json.loads(get(control, "/env", chost).body.split(b"\r\n\r\n", 1)[1])
        some = "example.test/greet"
        for _ in range(50):  # warm-up: imports, threads, caches
            get(proxy, f"/{some}/@v/list")
            get(db, "/latest")
            get(control, "/faults", chost)
        time.sleep(1)
        before = rss_kib(pid)
        peak_before = rss_kib(pid, "VmHWM")
        results: dict[str, object] = {"env": env, "rss_kib_at_start": before}
        phases: dict[str, int] = {}

        big = "a" * (60 * 1024)
        rng = random.Random(f"{args.seed}-serve")
        near = "a" * (MAX_TARGET - 100)  # the longest paths taken: kept in the request logs
        memory = Tally()
        began = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            for out, data in pool.map(
                lambda d: (exchange(proxy, d, half_close=False), d),
                (
                    _get(f"/{path}{n}/@v/list")
                    for path in (big, near)
                    for n in range(args.serve_paths)
                ),
            ):
                memory.add(data, out)
            phases["after the long paths at the proxy"] = rss_kib(pid)
            for out, data in pool.map(
                lambda d: (exchange(db, d), d),
                (
                    _get(f"/lookup/{path}{n}@v1.0.0")
                    for path in (big, near)
                    for n in range(args.serve_paths)
                ),
            ):
                memory.add(data, out)
        phases["after the long paths at the database"] = rss_kib(pid)
        post = b"x" * (200 * MIB)
        head = f"POST /latest HTTP/1.1\r\nHost: x\r\nContent-Length: {len(post)}\r\n\r\n"
        out = exchange(db, head.encode() + post, 60)
        memory.add(head.encode(), out)
        del post
        memory.seconds = time.monotonic() - began
        after_memory = phases["after a 200 MiB POST at the database"] = rss_kib(pid)
        results["long_paths_and_200mib_post"] = {
            "paths": f"{args.serve_paths} of 60 KiB and {args.serve_paths} of {len(near)} bytes "
            "at the proxy and at the database each",
            **memory.report(),
            "rss_kib_after": after_memory,
            "post_200mib_status": out.status,
        }

        began = time.monotonic()
        control_tally = Tally()
        adds = 0
        for _ in range(args.control):
            data, may_add = control_request(rng, control[1])
            out = exchange(control, data)
            control_tally.add(data, out)
            if may_add and out.status == 201:
                adds += 1
                exchange(control, f"DELETE /faults HTTP/1.1\r\nHost: {chost}\r\n\r\n".encode())
        control_tally.seconds = time.monotonic() - began
        held = slowloris(
            control,
            args.slowloris,
            args.serve_slowloris_seconds,
            lambda: get(control, "/env", chost).status == 200,
        )
        phases["after the control fuzz and slowloris"] = rss_kib(pid)
        time.sleep(1)
        after = rss_kib(pid)
        results["rss_kib_by_phase"] = phases
        results["control"] = {**control_tally.report(), "faults_added": adds, "slowloris": held}
        results["rss_kib_at_end"] = after
        results["rss_growth_mib"] = round((after - before) / 1024, 1)
        results["peak_rss_growth_mib"] = round((rss_kib(pid, "VmHWM") - peak_before) / 1024, 1)
        time.sleep(0.5)
        results["stderr_lines"] = len(served.stderr_lines)
        results["stderr_first"] = served.stderr_lines[:3]
        print(f"serve: {json.dumps(results)}", file=sys.stderr, flush=True)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxy", type=int, default=10_000, help="requests at FakeGoProxy")
    parser.add_argument("--sumdb", type=int, default=1_000, help="requests at the ChecksumDB")
    parser.add_argument("--control", type=int, default=1_000, help="requests at serve's control")
    parser.add_argument("--serve-paths", type=int, default=1_000, help="60 KiB paths at serve")
    parser.add_argument("--slowloris", type=int, default=50, help="connections held per server")
    parser.add_argument("--slowloris-seconds", type=float, default=3.0)
    parser.add_argument(
        "--serve-slowloris-seconds",
        type=float,
        default=12.0,
        help="longer than the control endpoint's 10 s request timeout",
    )
    parser.add_argument("--seed", default="13")
    parser.add_argument("--toxiproxy-bin", default=os.environ.get("TOXIPROXY_BIN"))
    parser.add_argument("--no-serve", action="store_true", help="skip the serve subprocess")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-robustness-") as tmp:
        report: dict[str, object] = {
            "benchmark": "robustness: fuzzed requests at FakeGoProxy, ChecksumDB and serve",
            "command": " ".join(shlex.quote(a) for a in sys.argv),
            "seed": args.seed,
            "python": sys.version.split()[0],
        }
        report.update(run_in_process(args, Path(tmp)))
        if not args.no_serve:
            report["serve"] = run_serve(args)
    report["seconds"] = round(time.monotonic() - began, 1)
    proxy, db = report["fakegoproxy"], report["checksumdb"]
    assert isinstance(proxy, dict) and isinstance(db, dict)
    parts = [proxy, db]
    serve_part = report.get("serve")
    if isinstance(serve_part, dict):
        parts += [serve_part["long_paths_and_200mib_post"], serve_part["control"]]
    report["summary"] = {
        "5xx": sum(p["5xx"] for p in parts),
        "505_to_http2_lines": sum(p["505_to_http2_lines"] for p in parts),
        "dropped": sum(p["dropped"] for p in parts),
        "files_read_outside_the_store": proxy["files_opened_outside_the_store"]
        + db["files_opened_outside_the_store"]
        + sum(p["canary_bytes_in_answers"] for p in parts),
        "serve_rss_growth_mib": serve_part["rss_growth_mib"]
        if isinstance(serve_part, dict)
        else None,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "robustness.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
