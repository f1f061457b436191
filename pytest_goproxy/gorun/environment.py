"""The hermetic environment of one ``go`` run.

The environment is built from nothing, never filtered from ``os.environ``: a variable reaches the
``go`` command only if it is listed here or the test passes it. That is the only way to be sure
that a developer's or CI machine's own Go setup (``GOFLAGS``, ``GOPROXY``, ``GOPRIVATE``,
``GONOSUMDB``, a ``go env -w`` file, proxies, ``CC``/``CGO_*``...) can never change what a test
observes.

What a run gets, exactly:

=====================  ===========================================================================
``PATH``               inherited: ``go`` execs ``git``/``hg`` for direct VCS fetches, ``sh`` for
                       ``go generate``, and the C toolchain when a test turns cgo on.
``SYSTEMROOT``,        inherited on Windows only (the Windows runtime cannot work without them).
``WINDIR``,
``COMSPEC``,
``PATHEXT``
``HOME``               a fresh directory per run (also ``USERPROFILE``, ``XDG_CONFIG_HOME`` and
                       ``XDG_CACHE_HOME`` inside it): ``os.UserConfigDir`` decides where Go looks
                       for its user ``go/env`` file and telemetry data, ``~/.netrc`` is read by
                       ``GOAUTH=netrc`` and ``~/.gitconfig`` by git.
``GOENV``              ``$HOME/go.env``, an empty file of the run's own: ``go env -w`` in a test
                       writes there and nowhere else (cmd/go/internal/cfg: ``EnvFile``).
``GOPATH``             fresh per run (``$RUN/gopath``), or a directory shared on purpose
                       (``gopath=``, :meth:`~pytest_goproxy.gorun.GoRunner.gopath`): it holds the
                       checksum database's remembered tree head (``pkg/sumdb``).
``GOMODCACHE``         fresh per run, or a :class:`~pytest_goproxy.gorun.cache.ModuleCache` shared
                       on purpose (warm-cache configurations).
``GOCACHE``            the build cache. Shared by every run of a runner and, through the fixtures,
                       by every runner of the pytest session (``--go-build-cache`` keeps it across
                       sessions). The build cache holds compiled packages and test results keyed
                       by content hashes; it never holds or fetches modules, so sharing it cannot
                       change what a module-fetching test observes, and it makes ``go build``
                       seconds faster (cmd/go/internal/cache).
``GOTOOLCHAIN``        ``local``: the running ``go`` never downloads another toolchain
                       (cmd/go/internal/toolchain); a ``go 1.99`` line is then a clear error.
                       A test may choose ``auto``, ``path``, ``go1.99.0+auto``... (the runner's
                       ``gotoolchain=``); then ``GODEBUG`` gets ``toolchaintrace=1`` as well, so
                       go says on stderr which toolchain it chose and ran
                       (:func:`trace_toolchain`).
``GOFLAGS``            ``-modcacherw`` (plus whatever the test passes): module cache directories
                       stay writable so they can be removed (cmd/go/internal/modfetch/fetch.go
                       makes them read-only otherwise; we also ``chmod -R u+w`` before removing).
``GOPROXY``            ``off``, ``GOSUMDB`` ``off``: nothing is fetched unless the test says from
                       where. A test that forgets ``GOPROXY`` sees ``Failure.PROXY_OFF``, never the
                       real proxy.golang.org.
``CGO_ENABLED``        ``0``: ``CC``/``CGO_*`` are not inherited, so builds do not depend on the
                       machine's C compiler. Pass ``CGO_ENABLED=1`` (and ``CC``) to test cgo.
``TMPDIR``             ``$RUN/tmp``, removed with the run (``go build`` work directories).
``GIT_CONFIG_NOSYSTEM``  ``1`` and ``GIT_TERMINAL_PROMPT=0``: git ignores ``/etc/gitconfig`` and
                       never waits for a password. With the fresh ``HOME`` and ``XDG_CONFIG_HOME``
                       git reads no configuration of the machine at all, so a user's
                       ``url.<base>.insteadOf`` cannot turn an https fetch into ssh.
``SSL_CERT_FILE``      the session test CA (:func:`~pytest_goproxy.serving.tls.session_ca`), and
                       nothing else while the network guard is on: go trusts our HTTPS fakes and
                       no real server (crypto/x509 reads ``SSL_CERT_FILE`` on Unix). Also
                       ``GIT_SSL_CAINFO`` and ``CURL_CA_BUNDLE`` for git and curl under go, and
                       ``GIT_SSL_CAPATH`` an empty directory (else curl also trusts, and re-reads
                       at every connection, the system's CA directory). With ``guard=False`` the
                       system's roots follow the CA in the same file.
``GOVCS``              ``public:git,private:git``: go runs no VCS but git (cmd/go/internal/vcs
                       ``checkGOVCS``; go's default also allows ``hg`` and, for private paths,
                       ``svn``/``bzr``/``fossil``, whose ssh and svn transports no guard covers):
                       go says ``GOVCS disallows using hg for public ...``.
``GIT_ALLOW_PROTOCOL`` ``https:ssh:git+ssh``: git refuses its ``git://`` (straight TCP to port
                       9418), ``file://``, ``ext::`` and plain ``http://`` transports. go reads the
                       same variable as its list of secure schemes (vcs.go ``isSecureScheme``), and
                       this value is exactly go's own default list for git, so go's choice of
                       scheme does not change; https goes through the guard's proxy, ssh through
                       the guard's ssh stub (below). Only with ``GOINSECURE`` does go try
                       ``git://``/``http://``, and git then fails closed (``transport 'http' not
                       allowed``).
``HTTP_PROXY``,        the network guard (:mod:`pytest_goproxy.gorun.guard`), upper and lower case
``HTTPS_PROXY``        (curl/git only read lower-case ``http_proxy``). Absent with ``guard=False``.
``GIT_SSH_COMMAND``    the guard's ssh stub, written into the run's directory
                       (:meth:`~pytest_goproxy.gorun.NetworkGuard.ssh_command`), with
                       ``GIT_SSH_VARIANT=ssh`` (so git does not probe it with ``-G``): ssh to any
                       host is refused and recorded as ``SSH host:22`` in ``result.escapes``;
                       nothing connects, nothing is looked up. Absent with ``guard=False``: then
                       git runs the machine's ``ssh`` (with its ``~/.ssh``, which ssh finds
                       through the password database, not ``HOME``).
``NO_PROXY``           ``127.0.0.1,localhost,::1,.invalid`` (and ``no_proxy``): loopback goes
                       direct (Go never proxies it anyway, golang.org/x/net/http/httpproxy) and
                       names under ``.invalid`` are resolved by Go itself so DNS tests see
                       NXDOMAIN.
=====================  ===========================================================================

Everything else, notably every ``GO*`` variable (``GOROOT`` too: a ``go`` binary finds its own),
``GODEBUG``, ``GOINSECURE``, ``GONOSUMDB``, ``GOPRIVATE``, ``GONOPROXY``, ``GOAUTH``, ``GOWORK``,
``GIT_*``, ``SSH_*``, ``NETRC``, ``CC``, ``CXX``, ``CGO_*``, ``PKG_CONFIG``, ``LANG``/``LC_*`` (so
tool messages stay in English) and every proxy variable in any case, is dropped.

A test's own ``env`` is applied last and wins; a value of ``None`` unsets the variable (removes a
default or what a lower layer set). ``GOFLAGS`` is the one exception: the test's flags are appended
to ``-modcacherw`` (pass ``GOFLAGS=None`` to start from nothing). Dropped from the machine is not
refused from the test: ``env={"GODEBUG": "netdns=go+1"}`` reaches go as given, and the resolver's
``go package net: ...`` lines are then in :attr:`GoResult.resolver_trace
<pytest_goproxy.gorun.GoResult.resolver_trace>`.

Every ``env`` (the runner's, a project's, a run's) is checked by :func:`check_env` before anything
runs: names and values are ``str`` (values may be ``None``), and ``GOPROXY``/``GOSUMDB`` may not be
unset or empty, because go then falls back to the defaults in ``$GOROOT/go.env``,
proxy.golang.org and sum.golang.org: a hermetic run never reaches Google's services unless a test
names them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "CA_VARIABLES",
    "DEFAULTS",
    "GUARD_NO_PROXY",
    "NEVER_UNSET",
    "PASSTHROUGH",
    "RELEVANT_PREFIXES",
    "build_env",
    "check_env",
    "layer_env",
    "merge_env",
    "relevant_env",
    "trace_toolchain",
]

#: Inherited from the parent environment, when set there. Nothing else is.
PASSTHROUGH: tuple[str, ...] = ("PATH",) + (
    ("SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT") if sys.platform == "win32" else ()
)

#: Fixed defaults of every run; a test's ``env`` overrides them.
DEFAULTS: Mapping[str, str] = {
    "GOTOOLCHAIN": "local",
    "GOFLAGS": "-modcacherw",
    "GOPROXY": "off",
    "GOSUMDB": "off",
    "CGO_ENABLED": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GOVCS": "public:git,private:git",
    "GIT_ALLOW_PROTOCOL": "https:ssh:git+ssh",
}

#: Variables a run may not unset (``None``) or leave empty, with what go would use instead (the
#: defaults of ``$GOROOT/go.env``, read by cmd/go/internal/cfg ``EnvOrAndChanged``: Google's
#: services) and what a test passes for a server of its own.
NEVER_UNSET: Mapping[str, tuple[str, str]] = {
    "GOPROXY": ("https://proxy.golang.org,direct", "your proxy's URL"),
    "GOSUMDB": ("sum.golang.org", "your checksum database's key (and URL)"),
}

#: Hosts that bypass the network guard: loopback (where our own servers run) and the reserved
#: ``.invalid`` TLD (RFC 2606), so that Go's own resolver reports "no such host" for it.
GUARD_NO_PROXY = "127.0.0.1,localhost,::1,.invalid"

#: Where Go (crypto/x509 on Unix), git and curl look for the CAs to trust.
CA_VARIABLES: tuple[str, ...] = ("SSL_CERT_FILE", "GIT_SSL_CAINFO", "CURL_CA_BUNDLE")

#: Variables shown in assertion messages: the ones that decide where and how go fetches.
RELEVANT_PREFIXES: tuple[str, ...] = (
    "GOPROXY",
    "GOSUMDB",
    "GONOSUMDB",
    "GONOSUMCHECK",
    "GONOPROXY",
    "GOPRIVATE",
    "GOINSECURE",
    "GOFLAGS",
    "GOTOOLCHAIN",
    "GOAUTH",
    "GOVCS",
    "GODEBUG",
    "GOWORK",
)


def check_env(env: object, what: str = "env") -> dict[str, str | None]:
    """``env`` as a checked dict; TypeError or ValueError saying what to pass instead.

    The one check of every ``env`` a user gives (GoRunner, project, run), so that a wrong value
    fails at the call that passed it rather than as an ``AttributeError`` inside the runner, a
    dict silently turned into its ``repr``, or ``GOPROXY=None`` silently bringing back
    proxy.golang.org. Values are ``str`` like ``os.environ``'s (a ``Path`` or a number is not
    turned into one: say ``str(path)``); ``None`` unsets, except for :data:`NEVER_UNSET`.
    """
    __tracebackhide__ = True
    if env is None:
        return {}
    if not isinstance(env, Mapping):
        raise TypeError(
            f"{what} must be a mapping of variable names to str (or None to unset one), "
            f"got {type(env).__name__} {env!r}"
        )
    checked: dict[str, str | None] = {}
    for key, value in env.items():
        if not isinstance(key, str):
            raise TypeError(f"{what} names must be str, got {type(key).__name__} {key!r}")
        if not key or "=" in key or "\0" in key:
            raise ValueError(f"{what} name {key!r} is not a variable name (empty, '=' or NUL)")
        if value is None:
            if key in NEVER_UNSET:
                raise ValueError(_unset_message(what, key, "None"))
        elif not isinstance(value, str):
            hint = " (several flags go in one string: '-mod=mod -x')" if key == "GOFLAGS" else ""
            raise TypeError(
                f"{what}[{key!r}] must be a str, or None to unset it, got "
                f"{type(value).__name__} {value!r}{hint}"
            )
        elif "\0" in value:
            raise ValueError(f"{what}[{key!r}] contains a NUL character: {value!r}")
        elif key in NEVER_UNSET and not value.strip():
            raise ValueError(_unset_message(what, key, repr(value)))
        checked[key] = value
    return checked


def _unset_message(what: str, key: str, given: str) -> str:
    default, own = NEVER_UNSET[key]
    return (
        f"{what}[{key!r}]={given} would make go fall back to its default {key}={default}, on the "
        f"internet: pass {key}='off' to forbid it (a run's default), {own}, or {default!r} if "
        "the test really means go's default"
    )


def merge_env(base: dict[str, str], extra: Mapping[str, str | None] | None) -> dict[str, str]:
    """Apply a test's ``extra`` to ``base`` in place: ``None`` removes, GOFLAGS appends."""
    __tracebackhide__ = True
    for key, value in check_env(extra).items():
        if value is None:
            base.pop(key, None)
        elif key == "GOFLAGS" and "GOFLAGS" in base:
            flags = base["GOFLAGS"].split()
            flags += [f for f in value.split() if f not in flags]
            base["GOFLAGS"] = " ".join(flags)
        else:
            base[key] = value
    return base


def layer_env(
    lower: Mapping[str, str | None] | None, upper: Mapping[str, str | None] | None
) -> dict[str, str | None]:
    """``upper`` over ``lower`` (runner defaults < project < run); GOFLAGS values add up.

    Both are checked (:func:`check_env`) here, where every run's env is put together: a project's
    or runner's ``env`` dict is public and may have changed since it was checked."""
    __tracebackhide__ = True
    result = check_env(lower)
    for key, value in check_env(upper).items():
        below = result.get(key)
        if key == "GOFLAGS" and value is not None and below:
            flags = below.split()
            result[key] = " ".join(flags + [f for f in value.split() if f not in flags])
        else:
            result[key] = value
    return result


def build_env(
    *,
    home: Path,
    gopath: Path,
    modcache: Path,
    gocache: Path,
    tmpdir: Path,
    goenv: Path,
    guard_url: str | None,
    extra: Mapping[str, str | None] | None = None,
    parent: Mapping[str, str] | None = None,
    ssh_command: str | None = None,
    ca_bundle: Path | None = None,
) -> dict[str, str]:
    """The complete environment of one run (see the module docstring for every variable).

    ``guard_url`` and ``ssh_command`` are the guard's proxy URL and ssh stub
    (:meth:`~pytest_goproxy.gorun.NetworkGuard.ssh_command`); a guarded run needs both, or git's
    ssh transport goes around the guard. ``ca_bundle`` is the PEM file every TLS client of
    the run trusts (``SSL_CERT_FILE``, ``GIT_SSL_CAINFO``, ``CURL_CA_BUNDLE``).
    """
    __tracebackhide__ = True
    parent = os.environ if parent is None else parent
    env: dict[str, str] = {k: parent[k] for k in PASSTHROUGH if k in parent}
    env.update(
        {
            "HOME": str(home),
            "USERPROFILE": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "GOENV": str(goenv),
            "GOPATH": str(gopath),
            "GOMODCACHE": str(modcache),
            "GOCACHE": str(gocache),
            "TMPDIR": str(tmpdir),
        }
    )
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        env["TMP"] = env["TEMP"] = str(tmpdir)
        env["APPDATA"] = env["LOCALAPPDATA"] = str(home / ".config")
    env.update(DEFAULTS)
    if guard_url is not None:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env[name] = guard_url
        env["NO_PROXY"] = env["no_proxy"] = GUARD_NO_PROXY
    if ssh_command is not None:
        env["GIT_SSH_COMMAND"] = ssh_command
        env["GIT_SSH_VARIANT"] = "ssh"
    if ca_bundle is not None:
        for name in CA_VARIABLES:
            env[name] = str(ca_bundle)
        # git's curl keeps its default CA directory on beside GIT_SSL_CAINFO, and with GnuTLS
        # reads every certificate in it at each TLS connection (~50 ms of CPU each): an empty
        # directory keeps the bundle the only trust, and a fetch from an origin twice as fast
        no_capath = home / ".no-ca-directory"
        no_capath.mkdir(parents=True, exist_ok=True)
        env["GIT_SSL_CAPATH"] = str(no_capath)
    return merge_env(env, extra)


def trace_toolchain(env: dict[str, str]) -> dict[str, str]:
    """Add ``toolchaintrace=1`` to ``GODEBUG`` in place when ``GOTOOLCHAIN`` lets go switch.

    go then states its choice on stderr (select.go, exec.go): ``go: upgrading toolchain to
    go1.99.0 (required by toolchain line in go.mod; ...)``, ``go: using go1.99.0 toolchain from
    cache located at ...`` or ``go: using local toolchain go1.26.8``. That is the only word of a
    switch to a toolchain already in the module cache (no download, no request), and what
    :attr:`GoResult.switched_to <pytest_goproxy.gorun.GoResult.switched_to>` reads. A
    ``toolchaintrace`` the test set itself is kept as it is."""
    if env.get("GOTOOLCHAIN", "local") == "local":
        return env
    godebug = env.get("GODEBUG", "")
    if "toolchaintrace=" not in godebug:
        env["GODEBUG"] = ",".join(filter(None, [godebug, "toolchaintrace=1"]))
    return env


def relevant_env(env: Mapping[str, str]) -> dict[str, str]:
    """The variables of ``env`` that decide where and how go fetches modules, for messages."""
    shown = {k: v for k, v in env.items() if k.startswith(RELEVANT_PREFIXES)}
    for key in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "CGO_ENABLED"):
        if key in env:
            shown[key] = env[key]
    return dict(sorted(shown.items()))


def disable_telemetry(config_home: Path) -> None:
    """Turn Go's telemetry off for a fresh ``XDG_CONFIG_HOME``.

    Go 1.23+ keeps telemetry counters under the user config dir (``go/telemetry``) and may leave
    a child process writing there after the command exits (golang.org/x/telemetry); with the mode
    file saying ``off`` it writes nothing, so a run's directory can be removed as soon as go is
    done (otherwise removal races the child: "Directory not empty").
    """
    telemetry = config_home / "go" / "telemetry"
    telemetry.mkdir(parents=True, exist_ok=True)
    (telemetry / "mode").write_text("off")
