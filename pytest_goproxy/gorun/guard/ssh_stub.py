"""pytest-goproxy network guard: the ssh that git runs in a guarded go run.

It connects to nothing but the guard: it reports where ssh was asked to go (the run's
result.escapes lists it as SSH host:port) and exits 255, as ssh does when it cannot connect.

A stand-alone script (the standard library only; run as ``python -I -S ssh_stub.py GUARD_URL
REFUSAL [ssh arguments]``), copied into each guarded run's directory by
:meth:`~pytest_goproxy.gorun.guard.NetworkGuard.ssh_command`. git calls it as OpenSSH
(``GIT_SSH_VARIANT=ssh``): ``[-o opt] [-p port] [-4|-6] [user@]host command``.
"""

from __future__ import annotations

import base64
import socket
import sys
from urllib.parse import urlsplit

VALUE_OPTIONS = set("BbcDEeFIiJLlmOoPpQRSWw")  # ssh(1) options that take a value


def destination(args: list[str]) -> tuple[str, str]:
    """``(host, port)`` of an OpenSSH command line."""
    port, i = "22", 0
    while i < len(args) and args[i].startswith("-") and args[i] != "-":
        letter, rest = args[i][1:2], args[i][2:]
        if letter in VALUE_OPTIONS:
            value = rest or (args[i + 1] if i + 1 < len(args) else "")
            port = value if letter == "p" else port
            i += 1 if rest else 2
        else:
            i += 1
    host = (args[i] if i < len(args) else "").rpartition("@")[2].strip("[]").lower()
    return host or "?", port


def main() -> int:
    guard, refusal = urlsplit(sys.argv[1]), sys.argv[2]
    if guard.hostname is None or guard.port is None:
        sys.stderr.write(f"pytest-goproxy ssh stub: bad guard URL {sys.argv[1]!r}\n")
        return 255
    host, port = destination(sys.argv[3:])
    target = ("[%s]:%s" if ":" in host else "%s:%s") % (host, port)
    message = refusal.format(method="SSH", target=target)
    auth = base64.b64encode(("%s:x" % (guard.username or "")).encode()).decode()
    head = "SSH %s HTTP/1.1\r\nHost: %s\r\nProxy-Authorization: Basic %s\r\n\r\n"
    try:
        with socket.create_connection((guard.hostname, guard.port), timeout=10) as sock:
            sock.sendall((head % (target, target, auth)).encode())
            while sock.recv(4096):
                pass
    except OSError as exc:
        message += f" (the guard could not record it: {exc})"
    sys.stderr.write(message + "\n")
    return 255


if __name__ == "__main__":
    sys.exit(main())
