"""The catalogue of configurations: the ways a Go team can set up module fetching, as data.

A :class:`Configuration` is a name, a one-line summary, documentation (what Go does with it, from
``go help goproxy`` / ``go help module-private`` and cmd/go's sources), an environment template and
the procedure that runs the go command. Placeholders in the template are filled per run:

============== ===================================================================================
``{primary}``  the primary proxy's URL as go sees it (a toxiproxy endpoint when a network fault
               is injected; read after injecting, since ``dns``/``dial_timeout`` change it)
``{backup}``   a second fake proxy serving the same modules, never faulted
``{relay}``    the nginx caching relay in front of the primary (``relay`` only)
``{sumdb_key}`` the checksum database's verifier key alone: go reaches the database through the
               proxies in GOPROXY (``/sumdb/<name>/supported``), as proxy.golang.org serves
               sum.golang.org
``{private}``  the project's private modules, a GOPRIVATE-style pattern (the bundled example:
               ``corp.example``); without private modules, a pattern matching the project's
               dependencies (their first path elements, e.g. ``example.test``)
============== ===================================================================================

Procedures: ``plain`` runs the command once; ``warm_cache`` first runs it fault-free with the
primary (filling a module cache and writing go.sum, as a CI cache and a committed go.sum
would), then under the fault with that cache; ``retry`` wraps the command in attempts with
exponential backoff and a per-attempt timeout; ``relay`` puts nginx with ``proxy_cache`` in
front of the primary, warms it, then faults the primary. :mod:`pytest_goproxy.matrix` runs them.

Module paths live under reserved names (``.test``, ``.example``; RFC 2606), so ``direct`` can
never reach a real host: a configuration that may fetch directly (:attr:`Configuration.uses_origin`)
gets an origin holding every module, reached by name through the runner's network guard; any
other name is refused (``Forbidden``).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pytest_goproxy.entries import markdown_table
from pytest_goproxy.errors import ConfigError
from pytest_goproxy.gomod.goenv import ProxyEntry, split_goproxy

__all__ = [
    "CONFIGS",
    "PLACEHOLDERS",
    "Configuration",
    "Procedure",
    "RetryPolicy",
    "Served",
    "config_names",
    "config_table_markdown",
    "get_config",
]

Procedure = Literal["plain", "warm_cache", "retry", "relay", "toolchain_cached"]

#: Every placeholder an environment template may use, and what it becomes.
PLACEHOLDERS: Mapping[str, str] = {
    "primary": "the primary proxy's URL (behind toxiproxy when a network fault is injected)",
    "backup": "a second proxy serving the same modules, never faulted",
    "relay": "the nginx caching relay in front of the primary",
    "sumdb_key": "the checksum database's verifier key (reached through the proxies)",
    "private": "the project's private modules (the bundled example's: corp.example), which "
    "the public proxy and database do not have; for a project without any, a pattern matching "
    "its dependencies (their first path elements)",
    "corporate_ca": "a CA bundle holding the CAs go trusted before and the intercepting "
    "firewall's (what people put in SSL_CERT_FILE)",
}


@dataclass(frozen=True)
class RetryPolicy:
    """A retry wrapper around the go command: "set timeouts and retry" made concrete.

    go has no request timeout for proxies (cmd/go/internal/web uses a client without one), so the
    wrapper bounds each attempt itself and kills it at ``attempt_timeout``. Attempt ``n`` (from 0)
    waits ``backoff * factor**(n-1)`` seconds first. The cell's deadline caps the whole: each
    attempt gets ``min(attempt_timeout, what is left / attempts left)``.
    """

    attempts: int = 3
    backoff: float = 1.0
    factor: float = 2.0
    attempt_timeout: float = 20.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.backoff < 0 or self.factor < 1 or self.attempt_timeout <= 0:
            raise ConfigError(
                f"RetryPolicy needs attempts >= 1, backoff >= 0, factor >= 1 and a positive "
                f"attempt_timeout, got {self}"
            )

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number ``attempt`` (0 for the first)."""
        return 0.0 if attempt == 0 else self.backoff * self.factor ** (attempt - 1)

    def describe(self) -> str:
        delays = ", ".join(f"{self.delay_before(n):g}" for n in range(1, self.attempts))
        return (
            f"{self.attempts} attempts, each killed after {self.attempt_timeout:g} s, "
            f"waiting {delays or 'nothing'} s between them"
        )


@dataclass(frozen=True)
class Served:
    """An endpoint a configuration names by host (a literal line's ``https://goproxy.cn``):
    served under ``host`` over HTTPS with the session CA, reached by that name through the
    run's network guard. ``endpoint`` is its name in the outage (``primary``, ``backup``,
    ``proxy3``, ``sumdb``), ``kind`` what serves it (``proxy`` or ``sumdb``)."""

    endpoint: str
    host: str
    kind: Literal["proxy", "sumdb"]


@dataclass(frozen=True)
class Configuration:
    """One catalogue entry: how go is configured and, for some, what is done around it."""

    name: str
    summary: str
    docs: str
    env: Mapping[str, str]
    procedure: Procedure = "plain"
    retry: RetryPolicy | None = None
    #: external programs the configuration needs (absent: the cell is ``unavailable``)
    needs: tuple[str, ...] = ()
    #: what a person should expect, in one line (shown in the catalogue table)
    expect: str = ""
    #: endpoints served under a host name (a literal line's; the catalogue's have none)
    served: tuple[Served, ...] = ()
    _placeholders: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        found: set[str] = set()
        for key, template in self.env.items():
            for _, name, spec, conv in string.Formatter().parse(template):
                if name is None:
                    continue
                if name not in PLACEHOLDERS or spec or conv:
                    raise ConfigError(
                        f"configuration {self.name!r}: {key}={template!r} uses "
                        f"{{{name}}}; valid placeholders: {', '.join(PLACEHOLDERS)}"
                    )
                found.add(name)
        object.__setattr__(self, "_placeholders", frozenset(found))
        if self.procedure == "retry" and self.retry is None:
            object.__setattr__(self, "retry", RetryPolicy())

    @property
    def placeholders(self) -> frozenset[str]:
        """The placeholders the environment template uses."""
        return self._placeholders

    @property
    def uses_backup(self) -> bool:
        return "backup" in self._placeholders

    @property
    def uses_sumdb(self) -> bool:
        return "sumdb_key" in self._placeholders

    @property
    def uses_origin(self) -> bool:
        """Whether go may fetch from modules' origins: GOPROXY has ``direct``, or GOPRIVATE /
        GONOPROXY send some modules there."""
        entries = split_goproxy(self.env.get("GOPROXY", ""))
        return ProxyEntry("direct") in entries or bool({"GOPRIVATE", "GONOPROXY"} & set(self.env))

    @property
    def warms_cache(self) -> bool:
        """Whether the run under the fault gets a module cache filled fault-free before."""
        return self.procedure == "warm_cache"

    def render(self, values: Mapping[str, str]) -> dict[str, str]:
        """The environment with placeholders filled; ConfigError if a needed value is missing."""
        missing = sorted(self._placeholders - set(values))
        if missing:
            raise ConfigError(f"configuration {self.name!r} needs values for {', '.join(missing)}")
        return {key: template.format_map(values) for key, template in self.env.items()}

    def env_text(self) -> str:
        """The environment template as shell assignments, for tables and messages."""
        return " ".join(f"{k}={v}" for k, v in self.env.items())


_PROXY = {"GOSUMDB": "{sumdb_key}"}
_COMMA = (
    "With `,` go moves to the next entry only when this one answers 404 or 410 "
    "(cmd/go/internal/modfetch/proxy.go `TryProxies`); a refused connection, a DNS failure, a "
    "reset or a 5xx stops it."
)
_PIPE = "With `|` go moves to the next entry after any error, but a hang is not an error."
_DIRECT = (
    "`direct` fetches a module from its origin: `https://<module path>?go-get=1` for the "
    "go-import meta tag, then git over HTTPS (cmd/go/internal/vcs, modfetch/codehost). Every "
    "module here has its origin (a fake git host reached by name through the network guard), "
    "and a module fetched directly is still checked against the checksum database unless "
    "GONOSUMDB/GOPRIVATE covers it."
)
_PRIVATE_MODULE = (
    "The bundled example's private dependency `corp.example/vault` exists only at its origin: "
    "the public proxy and the checksum database answer 410 Gone for it, as proxy.golang.org "
    "and sum.golang.org do for a path they cannot fetch."
)
_PRIVATE = (
    "Matching modules skip the proxy and go to their origin (`go help module-private`). "
    + _PRIVATE_MODULE
)

CONFIGS: dict[str, Configuration] = {
    c.name: c
    for c in (
        Configuration(
            name="single",
            summary="One proxy; the checksum database through it.",
            docs="GOPROXY is one URL and GOSUMDB names the database by key, so go reaches it "
            "through the proxy (as proxy.golang.org serves sum.golang.org). Any failure of the "
            "proxy is a failure of the build.",
            env={"GOPROXY": "{primary}", **_PROXY},
            expect="Survives only faults that are slow but complete; a private module is "
            "NOT_FOUND (the proxy answers 410).",
        ),
        Configuration(
            name="comma_backup",
            summary="primary,backup: fall back on 404/410 only.",
            docs=_COMMA,
            env={"GOPROXY": "{primary},{backup}", **_PROXY},
            expect="Does not get past a refused, DNS-failing or resetting primary.",
        ),
        Configuration(
            name="pipe_backup",
            summary="primary|backup: fall back on any error.",
            docs=_PIPE + " The backup serves the same modules and the checksum database.",
            env={"GOPROXY": "{primary}|{backup}", **_PROXY},
            expect="Gets past refused, DNS, reset and error statuses; not past a hang.",
        ),
        Configuration(
            name="comma_direct",
            summary="primary,direct: the shape of Go's default GOPROXY.",
            docs="Go's default is `https://proxy.golang.org,direct`. " + _COMMA + " " + _DIRECT,
            env={"GOPROXY": "{primary},direct", **_PROXY},
            expect="Stops at a broken primary; a private module reaches its origin after the "
            "410, then fails verification: the database answers 410 for it.",
        ),
        Configuration(
            name="pipe_direct",
            summary="primary|direct: any error sends go to the module's origin.",
            docs=_PIPE + " " + _DIRECT + " After a failed proxy go also asks the checksum "
            "database directly, by its name (the end of the list is `direct`).",
            env={"GOPROXY": "{primary}|direct", **_PROXY},
            expect="Gets past refused, DNS, reset and error statuses through the origins; a "
            "private module still fails verification.",
        ),
        Configuration(
            name="blog_cn_direct",
            summary="The shape of `GOPROXY=https://goproxy.cn,direct` from blog posts.",
            docs="The most copied GOPROXY line, mapped onto the fake primary: one mirror, then "
            "`direct`, separated by a comma, so the same as `comma_direct`. " + _COMMA,
            env={"GOPROXY": "{primary},direct", **_PROXY},
            expect="Same as comma_direct: the comma makes the fallback useless in an outage.",
        ),
        Configuration(
            name="blog_cn_io_direct",
            summary="The shape of `GOPROXY=https://goproxy.cn,https://goproxy.io,direct`.",
            docs="Two mirrors and `direct`, all with commas, mapped onto the fake primary and "
            "backup. People add the second mirror for outages, but: " + _COMMA,
            env={"GOPROXY": "{primary},{backup},direct", **_PROXY},
            expect="The second mirror is never asked when the first is down.",
        ),
        Configuration(
            name="gosumdb_off",
            summary="GOSUMDB=off: no checksum database at all.",
            docs="go verifies downloads against go.sum only and never asks a database "
            "(cmd/go/internal/modfetch/sumdb.go `useSumDB`). Removes one dependency on the "
            "network, and one defence.",
            env={"GOPROXY": "{primary}", "GOSUMDB": "off"},
            expect="Like single: the proxy is still needed.",
        ),
        Configuration(
            name="http1_only",
            summary="GODEBUG=http2client=0: go speaks HTTP/1.1 to every HTTPS proxy.",
            docs="The workaround posted for HTTP/2 stream errors and GOAWAYs (golang/go#51323): "
            "net/http's client stops offering `h2`, so the HTTP/2 faults (`rst_stream`, "
            "`goaway`, `h2_stall`...) never happen; faults of the bytes and of the answers "
            "stay. Over plain `http://` it changes nothing.",
            env={"GOPROXY": "{primary}", **_PROXY, "GODEBUG": "http2client=0"},
            expect="Like single, but every HTTP/2 fault vanishes (over `--tls`).",
        ),
        Configuration(
            name="gonosumdb",
            summary="GONOSUMDB=<deps>: the database is not asked about those modules.",
            docs="Modules matching the pattern are checked against go.sum only "
            "(`go help module-private`); they still come from the proxy.",
            env={"GOPROXY": "{primary}", "GOSUMDB": "{sumdb_key}", "GONOSUMDB": "{private}"},
            expect="Like single: the proxy is still needed, and it has no private module.",
        ),
        Configuration(
            name="goprivate",
            summary="GOPRIVATE=<deps>: those modules skip the proxy and the database.",
            docs="GOPRIVATE is the default of GONOPROXY and GONOSUMDB. " + _PRIVATE,
            env={"GOPROXY": "{primary}", "GOSUMDB": "{sumdb_key}", "GOPRIVATE": "{private}"},
            expect="Private modules come from their origin; the public ones still need the proxy.",
        ),
        Configuration(
            name="gonoproxy",
            summary="GONOPROXY=<deps>: those modules skip the proxy (not the database).",
            docs=_PRIVATE + " GONOPROXY alone leaves the checksum database on.",
            env={"GOPROXY": "{primary}", "GOSUMDB": "{sumdb_key}", "GONOPROXY": "{private}"},
            expect="Reaches the origin, then fails at the database, which answers 410 for the "
            "private module.",
        ),
        Configuration(
            name="goprivate_direct",
            summary="primary,direct with GOPRIVATE=<private>: what guides recommend.",
            docs="The line troubleshooting guides give for private modules: "
            "`GOPROXY=<mirror>,direct GOPRIVATE=<private>`. " + _PRIVATE + " " + _COMMA,
            env={"GOPROXY": "{primary},direct", **_PROXY, "GOPRIVATE": "{private}"},
            expect="Recovers with no fault; a broken primary still stops the public modules.",
        ),
        Configuration(
            name="gonosumdb_direct",
            summary="primary,direct with GONOSUMDB=<private>: verification off for them only.",
            docs="The other recommended fix for `verifying module: ... 410 Gone`: keep the "
            "proxy first, let `direct` fetch what it lacks, and take the private modules off "
            "the checksum database. " + _PRIVATE_MODULE + " " + _COMMA,
            env={"GOPROXY": "{primary},direct", **_PROXY, "GONOSUMDB": "{private}"},
            expect="Recovers with no fault: the private module comes from its origin after "
            "the proxy's 410.",
        ),
        Configuration(
            name="goprivate_pipe_direct",
            summary="primary|direct with GOPRIVATE=<private>: every module has a way around.",
            docs="`GOPRIVATE` sends the private modules to their origin; `|` sends the public "
            "ones there too when the proxy fails, and the checksum database is then asked "
            "directly, by its name. " + _PIPE + " " + _PRIVATE,
            env={"GOPROXY": "{primary}|direct", **_PROXY, "GOPRIVATE": "{private}"},
            expect="Gets past refused, DNS, reset and error statuses through the origins; "
            "not past a hang.",
        ),
        Configuration(
            name="mod_mod",
            summary="GOFLAGS=-mod=mod.",
            docs="`-mod=mod` lets build commands update go.mod and go.sum. It does not change "
            "`go mod tidy` (which always may), so under the default command this equals "
            "`single`; it matters for `go build`/`go test` commands.",
            env={"GOPROXY": "{primary}", "GOSUMDB": "{sumdb_key}", "GOFLAGS": "-mod=mod"},
            expect="Same as single for `go mod tidy`.",
        ),
        Configuration(
            name="warm_cache",
            summary="A module cache filled before the outage (a CI cache), go.sum present.",
            docs="The command runs once fault-free with the primary (filling GOMODCACHE and "
            "writing go.sum, as a restored CI cache and a committed go.sum would), then under "
            "the fault with that cache. go answers from the cache and never needs the network "
            "for modules it has (cmd/go/internal/modfetch/cache.go).",
            env={"GOPROXY": "{primary}", **_PROXY},
            procedure="warm_cache",
            expect="Survives every fault, a hang included, when nothing new is needed.",
        ),
        Configuration(
            name="offline_warm_cache",
            summary="GOPROXY=off with a warm module cache: never touch the network.",
            docs="Warmed like `warm_cache`, then run with `GOPROXY=off`: go uses the cache and "
            "fails with `module lookup disabled by GOPROXY=off` for anything it lacks.",
            env={"GOPROXY": "off", **_PROXY},
            procedure="warm_cache",
            expect="Survives every fault: it never asks the proxy.",
        ),
        Configuration(
            name="gotoolchain_local",
            summary="GOTOOLCHAIN=local: never download a toolchain (the posted fix).",
            docs="The fix posted for a toolchain download that fails in CI: go runs whatever "
            "go is installed and never switches (cmd/go/internal/toolchain `Select`). A "
            "`toolchain` line is then only a preference, but a `go` line newer than the local go "
            "fails at once with `go.mod requires go >= 1.N.P (running go 1.M; "
            "GOTOOLCHAIN=local)`. The modules still come from the proxy.",
            env={"GOPROXY": "{primary}", **_PROXY, "GOTOOLCHAIN": "local"},
            expect="Survives a toolchain outage by never downloading one; useless when the go "
            "line needs the newer Go.",
        ),
        Configuration(
            name="toolchain_cached",
            summary="The toolchain already in the module cache (a CI cache), the modules not.",
            docs="`go version` runs once fault-free, which downloads the toolchain the project "
            "switches to into GOMODCACHE (as a restored CI cache holding "
            "`golang.org/toolchain` would), then the command runs under the fault with that "
            "cache. go finds the toolchain in the cache and switches without asking the proxy "
            "(cmd/go/internal/modfetch `Download`); its modules still come from the proxy. "
            "Without a switch (no `--toolchain`) it is `single`.",
            env={"GOPROXY": "{primary}", **_PROXY},
            procedure="toolchain_cached",
            expect="The switch survives the outage; the modules still need the proxy.",
        ),
        Configuration(
            name="retry",
            summary="A retry wrapper: exponential backoff and a per-attempt timeout.",
            docs='The advice "set timeouts and retry" made concrete: go itself has no request '
            "timeout, so the wrapper kills an attempt at its timeout and retries after a "
            "backoff (default: " + RetryPolicy().describe() + "). Attempts share one module "
            "cache, as retries in one CI job would.",
            env={"GOPROXY": "{primary}", **_PROXY},
            procedure="retry",
            retry=RetryPolicy(),
            expect="Survives short outages; a hang costs every attempt's timeout.",
        ),
        Configuration(
            name="relay",
            summary="A local nginx caching relay (proxy_cache) in front of the primary.",
            docs="Real nginx, as troubleshooting guides recommend: `proxy_cache` with "
            "`proxy_cache_use_stale error timeout updating http_500 http_502 http_503 "
            "http_504`, immutable `.info`/`.mod`/`.zip` kept 30 days, `@v/list` and `@latest` "
            "for 1 s, upstream timeouts of 2 s (connect) and 5 s (read) that go lacks. The relay "
            "is warmed fault-free (the command, plus `@v/list` of one dependency), the primary "
            "then gets a newer version of that dependency and the fault; the command runs "
            "through the relay with a cold module cache. The cell's notes say whether the "
            "relay's `@v/list` went stale. nginx absent: `unavailable`.",
            env={"GOPROXY": "{relay}", **_PROXY},
            procedure="relay",
            needs=("nginx",),
            expect="Serves what it cached through the outage; its version list goes stale.",
        ),
        Configuration(
            name="corporate_ca",
            summary="SSL_CERT_FILE with the firewall's CA added: the fix for interception.",
            docs="What people do when a corporate firewall intercepts HTTPS (`x509: certificate "
            "signed by unknown authority`): add the firewall's CA to the CAs go trusts "
            "(`SSL_CERT_FILE`, read by crypto/x509 on Unix). go then talks to the firewall, "
            "which talks to the proxy: the build works *through* the interceptor, which sees "
            "every request. Needs the endpoints over HTTPS (`--tls`) to mean anything.",
            env={"GOPROXY": "{primary}", **_PROXY, "SSL_CERT_FILE": "{corporate_ca}"},
            expect="Gets through `intercepted`; changes nothing for other TLS faults.",
        ),
        Configuration(
            name="goinsecure",
            summary="GOINSECURE=<deps>: skip certificate checks... for direct fetches only.",
            docs="`GOINSECURE` lets go fetch matching modules over plain HTTP or with an "
            "unverified certificate, but only when it fetches them *directly* from their origin "
            "(`go help environment`: 'Only applies to dependencies that are being fetched "
            "directly'). It does not apply to GOPROXY entries, and it does not turn off the "
            "checksum database (cmd/go's own tests say so; GONOSUMDB does that). Measured here "
            "with the proxy over HTTPS: every TLS fault on the proxy fails exactly as with "
            "`single`.",
            env={"GOPROXY": "{primary}", **_PROXY, "GOINSECURE": "{private}"},
            expect="Same as single: the proxy's certificate is still checked.",
        ),
    )
}


def config_names() -> list[str]:
    """Every configuration name, in catalogue order."""
    return list(CONFIGS)


def get_config(name: str) -> Configuration:
    """The catalogue entry for ``name``, or :class:`ConfigError` listing the valid names."""
    if not isinstance(name, str) or name not in CONFIGS:
        raise ConfigError(
            f"unknown configuration {name!r}; valid configurations: {', '.join(CONFIGS)}"
        )
    return CONFIGS[name]


def config_table_markdown() -> str:
    """README's configuration table, generated from :data:`CONFIGS`."""
    rows = [
        [f"`{c.name}`", f"`{c.env_text()}`", f"{c.summary} {c.docs}", c.expect]
        for c in CONFIGS.values()
    ]
    return markdown_table(["Configuration", "Environment", "What it is", "Expect"], rows)
