"""Your own Go settings, literally: ``GOPROXY=https://goproxy.cn,https://goproxy.io,direct
GONOSUMDB=corp.example.com`` as a configuration whose hosts are served under their own names.

Users do not think in ``{primary},{backup}``: they have a line in their CI and want to know what
happens to *it* when goproxy.cn is down. :func:`literal_configuration` reads such a line and
makes a :class:`~pytest_goproxy.configs.Configuration` the outage engine runs like any other:

* every ``https://`` host of GOPROXY becomes a fake proxy **served under that name**: a
  certificate of the session CA for it, and a route of the run's network guard from the name to
  the fake (go reaches it by name, as it reaches an origin), so go's errors name the user's host
  (``Get "https://goproxy.cn/...": ...``). The first is the endpoint ``primary`` (where a fault
  goes by default), the second ``backup``, then ``proxy3``...;
* ``direct`` goes to the modules' origins, as for the catalogue's ``*_direct`` configurations;
* the checksum database go uses by default, ``sum.golang.org``, is a fake database *named*
  sum.golang.org. go has the real key built in, so the run gets ``GOSUMDB=sum.golang.org+<our
  key>`` (:data:`SUMDB_NOTE` says so in captions); ``GOSUMDB=sum.golang.google.cn`` (go's alias
  for it) is served under that host. ``GOSUMDB=off`` serves none;
* every other variable (GOPRIVATE, GONOSUMDB, GOFLAGS, GODEBUG...) reaches go as written.

A fault is put on a host by name: ``refused@goproxy.cn`` (:func:`split_target`).
"""

from __future__ import annotations

import shlex
from urllib.parse import urlsplit

from pytest_goproxy.configs import Configuration, Served, get_config
from pytest_goproxy.errors import ConfigError, ProbeError
from pytest_goproxy.gomod.goenv import parse_goproxy

__all__ = [
    "SUMDB_NOTE",
    "SUM_GOLANG_ORG",
    "configuration",
    "literal_configuration",
    "parse_env_line",
    "split_target",
]

#: The checksum database go trusts by default, and the alias go knows for it.
SUM_GOLANG_ORG = "sum.golang.org"
_SUMDB_HOSTS = (SUM_GOLANG_ORG, "sum.golang.google.cn")
#: What a caption says when a literal line's checksum database is the fake sum.golang.org.
SUMDB_NOTE = (
    "sum.golang.org is a fake database of that name: go gets GOSUMDB=sum.golang.org+<its key>, "
    "as go has the real key built in"
)
#: The variables a line may set: Go's own (``go help environment``), nothing else.
_ALLOWED_PREFIX = "GO"


def parse_env_line(line: str) -> dict[str, str]:
    """``KEY=VALUE`` words of a shell line (quotes as the shell reads them), in order;
    :class:`ConfigError` naming what is wrong and what is allowed."""
    __tracebackhide__ = True
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise ConfigError(f"--env {line!r}: {exc} (quote it as a shell would)") from None
    if not words:
        raise ConfigError("--env '': give Go settings, e.g. 'GOPROXY=https://goproxy.cn,direct'")
    env: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise ConfigError(
                f"--env {line!r}: {word!r} is not KEY=VALUE; e.g. "
                "'GOPROXY=https://goproxy.cn,direct GONOSUMDB=corp.example.com'"
            )
        if not key.startswith(_ALLOWED_PREFIX) or not key.replace("_", "").isalnum():
            raise ConfigError(
                f"--env {line!r}: {key} is not a Go variable (GOPROXY, GOSUMDB, GOPRIVATE, "
                "GONOSUMDB, GONOPROXY, GOFLAGS, GODEBUG, GOINSECURE...): the run's network "
                "and certificates are the plugin's"
            )
        env[key] = value
    return env


def literal_configuration(line: str) -> Configuration:
    """The configuration of ``line`` (see the module docstring), named by the line itself;
    :class:`ConfigError` for what cannot be served."""
    __tracebackhide__ = True
    env = parse_env_line(line)
    goproxy = env.get("GOPROXY", "https://proxy.golang.org,direct")  # go's default
    try:
        entries = parse_goproxy(goproxy)
    except ProbeError as exc:
        raise ConfigError(f"--env {line!r}: {exc}") from None
    served: list[Served] = []
    names = ("primary", "backup")
    for entry in entries:
        if not entry.is_proxy:
            continue
        parts = urlsplit(entry.url)
        if parts.scheme != "https" or parts.port not in (None, 443) or parts.path not in ("", "/"):
            raise ConfigError(
                f"--env {line!r}: {entry.url} cannot be served under its name: only "
                "https://HOST entries are (no port, no path), as the public proxies are"
            )
        host = parts.hostname or ""
        if any(s.host == host for s in served):
            continue
        endpoint = names[len(served)] if len(served) < len(names) else f"proxy{len(served) + 1}"
        served.append(Served(endpoint, host, "proxy"))
    # the user's values are text in a template (their braces escaped); ours are placeholders
    template = {key: _text(value) for key, value in env.items()}
    template["GOPROXY"] = _text(goproxy)
    sumdb = env.get("GOSUMDB", SUM_GOLANG_ORG)
    if sumdb != "off":
        if sumdb not in _SUMDB_HOSTS:
            raise ConfigError(
                f"--env {line!r}: GOSUMDB={sumdb} cannot be served under its name: only "
                f"{', '.join(_SUMDB_HOSTS)} (go's default and its alias) or off"
            )
        served.append(Served("sumdb", sumdb, "sumdb"))
        alias = "" if sumdb == SUM_GOLANG_ORG else f" https://{sumdb}"
        template["GOSUMDB"] = "{sumdb_key}" + alias
    return Configuration(
        name=" ".join(f"{key}={value}" for key, value in env.items()),
        summary="Your line, literally: " + line.strip(),
        docs="Every https:// host of GOPROXY is a fake proxy served under that name, `direct` "
        "goes to the modules' origins" + ("" if sumdb == "off" else f"; {SUMDB_NOTE}") + ".",
        env=template,
        served=tuple(served),
    )


def configuration(name: str) -> Configuration:
    """A matrix column by name: a literal line (it has ``=``: ``GOPROXY=...``) or a catalogue
    configuration; :class:`ConfigError` naming what is valid."""
    __tracebackhide__ = True
    return literal_configuration(name) if "=" in name else get_config(name)


def split_target(fault: str) -> tuple[str, str | None]:
    """``refused@goproxy.cn`` -> ``("refused", "goproxy.cn")``; no ``@``: ``(fault, None)``.
    Which endpoint the host is, the outage engine says (``Outage.cell(..., at=host)``)."""
    __tracebackhide__ = True
    name, at, target = fault.partition("@")
    if not at:
        return fault, None
    if not name or not target:
        raise ConfigError(f"fault {fault!r}: write NAME@HOST, e.g. refused@goproxy.cn")
    return name, target


def _text(value: str) -> str:
    """``value`` as text in a configuration template: its braces escaped."""
    return value.replace("{", "{{").replace("}", "}}")
