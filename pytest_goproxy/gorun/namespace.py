"""go in a private mount namespace, where ``/etc/resolv.conf`` and ``/etc/hosts`` are ours.

go's own resolver (cmd/go is built with ``CGO_ENABLED=0``, so it is always the pure Go one)
reads the name servers from ``/etc/resolv.conf`` (net/dnsconfig_unix.go), host names from
``/etc/hosts`` and the lookup order from ``/etc/nsswitch.conf`` (net/nss.go), at fixed paths:
no variable points it elsewhere, and a ``nameserver`` line has no port (go always asks port 53).
So a run that must meet a fake resolver is wrapped::

    unshare --mount --propagation private  sh -c '
        mount --bind RUN/etc/resolv.conf   /etc/resolv.conf
        mount --bind RUN/etc/hosts         /etc/hosts
        mount --bind RUN/etc/nsswitch.conf /etc/nsswitch.conf   (when the machine has one)
        exec go ARGS...'

The bind mounts live in go's namespace only (``--propagation private``: nothing reaches the
machine's), and die with its last process; git, started by go, sees the same files. Our
``resolv.conf`` names the resolver's loopback address (``nameserver 127.a.b.c``) and its
``options``; our ``hosts`` keeps ``localhost``; our ``nsswitch.conf`` says ``hosts: files dns``
(the machine's may list ``mdns4_minimal [NOTFOUND=return]``, which go reads too).

What it needs (measured on Debian 12 with util-linux 2.38, Linux 6.18;
:func:`namespace_unavailable` checks each):

* ``unshare`` and ``mount`` (util-linux) and ``/bin/sh``;
* the right to make a mount namespace: root (``CAP_SYS_ADMIN``), or unprivileged user
  namespaces, where ``unshare --user --map-root-user --mount`` gives the same without root.
  Ubuntu 24.04 denies the latter by default (AppArmor, sysctl
  ``kernel.apparmor_restrict_unprivileged_userns=1``: ``unshare: write failed
  /proc/self/uid_map: Operation not permitted``), and some containers (Docker's default seccomp
  profile) deny both;
* the fake resolver's port 53 on a loopback address, and port 443 for an HTTPS proxy served under
  its own name (``https://goproxy.cn`` has no port): root, ``CAP_NET_BIND_SERVICE`` or sysctl
  ``net.ipv4.ip_unprivileged_port_start=53``. The user namespace does not help here: the servers
  run in the machine's network namespace, where go reaches them.

Measured on the development machine (a Debian 12 container, Linux 6.18, util-linux 2.38): as
root, ``unshare --mount`` and the bind mounts work and add 11-19 ms to a go run
(benchmarks/bench_namespace.py); as an unprivileged user (uid 65534), ``unshare --user
--map-root-user --mount`` and the bind mounts work too, but binding port 53 fails with
``EACCES`` (``ip_unprivileged_port_start`` is 1024 there), so such a user needs the sysctl or the
capability before a fake resolver can serve go.

Where something is missing, :func:`check_namespace` raises
:class:`~pytest_goproxy.errors.NamespaceUnavailable` saying what and what to do, and the runner
raises it for a run given a resolver (a matrix cell is then ``unavailable``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pytest_goproxy.errors import NamespaceUnavailable

__all__ = [
    "SETUP_FAILED",
    "SETUP_MARK",
    "NamespaceFiles",
    "NamespaceResolver",
    "check_namespace",
    "namespace_argv",
    "namespace_unavailable",
    "no_proxy_with",
    "write_namespace_files",
]

#: The exit status of the wrapper when a bind mount failed (before go ran); its message starts
#: with :data:`SETUP_MARK` on stderr.
SETUP_FAILED = 125
SETUP_MARK = "pytest-goproxy namespace:"

#: The files go reads and we replace; nsswitch.conf only where the machine has one (a bind
#: mount needs a file to cover, and without one go uses "files, dns", as ours says).
_ETC = ("/etc/resolv.conf", "/etc/hosts")
_NSSWITCH = "/etc/nsswitch.conf"

_SCRIPT = f"""\
bind() {{
  [ -z "$1" ] || mount --bind "$1" "$2" || {{
    echo "{SETUP_MARK} could not bind $1 over $2" >&2; exit {SETUP_FAILED}; }}
}}
bind "$1" /etc/resolv.conf
bind "$2" /etc/hosts
bind "$3" {_NSSWITCH}
shift 3
exec "$@"
"""

#: What our hosts file says: localhost only (every other name goes to the fake resolver).
HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
NSSWITCH = "hosts: files dns\n"


class NamespaceResolver(Protocol):
    """What a run needs from a resolver (:class:`pytest_goproxy.network.FakeResolver` is one): a
    Protocol, so that gorun does not import the network layer above it."""

    @property
    def address(self) -> str:
        """The loopback address it answers on, port 53 (``nameserver`` line)."""
        ...

    @property
    def names(self) -> Collection[str]:
        """The names it serves or plays a fault for: go dials them itself (``NO_PROXY``)."""
        ...

    @property
    def options(self) -> Sequence[str]:
        """``resolv.conf`` options (``timeout:1``, ``attempts:1``, ``use-vc``...)."""
        ...


@dataclass(frozen=True)
class NamespaceFiles:
    """The files bound over the machine's in go's namespace (nsswitch None where it has none)."""

    resolv_conf: Path
    hosts: Path
    nsswitch: Path | None


def write_namespace_files(directory: Path, resolver: NamespaceResolver) -> NamespaceFiles:
    """Write ``resolv.conf``, ``hosts`` and ``nsswitch.conf`` for ``resolver`` into
    ``directory`` (a run's own, removed with it)."""
    directory.mkdir(parents=True, exist_ok=True)
    # `search .`: no search domain, whatever the machine's host name (go takes the domain of a
    # dotted host name as the search list when there is no search line: questions about
    # goproxy.cn.corp.example would follow a failed goproxy.cn)
    lines = [f"nameserver {resolver.address}", "search ."]
    if resolver.options:
        lines.append("options " + " ".join(resolver.options))
    resolv = directory / "resolv.conf"
    resolv.write_text("\n".join(lines) + "\n", encoding="ascii")
    hosts = directory / "hosts"
    hosts.write_text(HOSTS, encoding="ascii")
    nsswitch = None
    if os.path.exists(_NSSWITCH):
        nsswitch = directory / "nsswitch.conf"
        nsswitch.write_text(NSSWITCH, encoding="ascii")
    return NamespaceFiles(resolv, hosts, nsswitch)


def _unshare_argv() -> list[str]:
    """``unshare`` with a private mount namespace; with a user namespace too when not root."""
    unshare = shutil.which("unshare") or "unshare"
    if os.geteuid() == 0:
        return [unshare, "--mount", "--propagation", "private"]
    return [unshare, "--user", "--map-root-user", "--mount", "--propagation", "private"]


def namespace_argv(
    argv: Sequence[str], files: NamespaceFiles, *, network: bool = False
) -> list[str]:
    """``argv`` (go and its arguments) run in a private mount namespace with ``files``.

    ``network=True`` also gives it a network namespace of its own with no interface up: every
    dial fails at once (``connect: network is unreachable``) and no packet can leave, what a
    host without a route to an address meets (the fake resolver is out of reach there too:
    names come from ``files.hosts``)."""
    nsswitch = "" if files.nsswitch is None else str(files.nsswitch)
    sh = shutil.which("sh") or "/bin/sh"
    unshare = _unshare_argv()
    if network:
        unshare.insert(1, "--net")
    return [
        *unshare,
        sh,
        "-c",
        _SCRIPT,
        "sh",
        str(files.resolv_conf),
        str(files.hosts),
        nsswitch,
        *argv,
    ]


def no_proxy_with(value: str, names: Collection[str]) -> str:
    """``NO_PROXY`` with ``names`` added (each once): go dials the resolver's names itself, so
    it looks them up, instead of handing them to the guard's proxy."""
    entries = [e for e in value.split(",") if e]
    entries += [n for n in sorted(names) if n not in entries]
    return ",".join(entries)


def _can_bind_low_ports() -> bool:
    """Root, ``CAP_NET_BIND_SERVICE`` (bit 10 of CapEff), or an unprivileged port start <= 53."""
    if os.geteuid() == 0:
        return True
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("CapEff:") and int(line.split()[1], 16) & (1 << 10):
                    return True
    except (OSError, ValueError):
        pass
    try:
        start = Path("/proc/sys/net/ipv4/ip_unprivileged_port_start").read_text()
        return int(start) <= 53
    except (OSError, ValueError):
        return False


@functools.lru_cache(maxsize=1)
def namespace_unavailable() -> str | None:
    """Why go cannot run in a private mount namespace with a fake resolver here, or None when
    it can (checked once per process, by making such a namespace: see the module docstring)."""
    if not sys.platform.startswith("linux"):
        return f"private mount namespaces are Linux's; this is {sys.platform}"
    missing = [tool for tool in ("unshare", "mount", "sh") if shutil.which(tool) is None]
    if missing:
        return (
            f"{' and '.join(missing)} not found on PATH: install util-linux (Debian and Ubuntu: "
            "apt-get install util-linux mount)"
        )
    for path in _ETC:
        if not os.path.isfile(path):
            return f"{path} does not exist, and go's namespace binds our file over it"
    if not _can_bind_low_ports():
        return (
            "the fake resolver must listen on port 53 (go asks no other) and a named HTTPS "
            "proxy on port 443: run as root, give python CAP_NET_BIND_SERVICE, or set sysctl "
            "net.ipv4.ip_unprivileged_port_start=53"
        )
    try:
        probe = subprocess.run(
            [*_unshare_argv(), "true"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare did not run: {exc}"
    if probe.returncode != 0:
        said = probe.stderr.decode("utf-8", "replace").strip() or f"status {probe.returncode}"
        hint = (
            "root may not make mount namespaces in this container (run it with --privileged or "
            "CAP_SYS_ADMIN)"
            if os.geteuid() == 0
            else "unprivileged user namespaces are denied (Ubuntu 24.04: sysctl "
            "kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile allowing "
            "userns for unshare; elsewhere kernel.unprivileged_userns_clone=1), or run as root"
        )
        return f"cannot make a private mount namespace: {said}: {hint}"
    return None


def check_namespace() -> None:
    """:class:`~pytest_goproxy.errors.NamespaceUnavailable` with the reason when go cannot run
    with a fake resolver here (see :func:`namespace_unavailable`)."""
    __tracebackhide__ = True
    reason = namespace_unavailable()
    if reason is not None:
        raise NamespaceUnavailable(
            f"go cannot meet a fake resolver here: {reason}. Resolver faults (dns_servfail, "
            "dns_timeout, ...) need it; the guard's `dns` fault does not"
        )
