"""What one ``go`` run did, and assertions whose messages say what to look at next."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_goproxy.gorun.environment import relevant_env
from pytest_goproxy.gorun.failure import Classification, Failure, TLSProblem, classify
from pytest_goproxy.gorun.guard import Escape, Routed

__all__ = ["GoResult", "json_errors"]

_TAIL_LINES = 15
_JSON_ERROR = re.compile(r'"(?:Error|Err)": ("(?:[^"\\]|\\.)*")')
#: What Go's resolver prints with ``GODEBUG=netdns=1`` (or ``=2``, ``=go+1``...): net/conf.go
#: writes each line with the runtime's ``print`` straight to stderr, so a line may also land in
#: the middle of one of go's own lines; the match runs to the end of its line.
_RESOLVER_LINE = re.compile(r"go package net: [^\n]*")
#: What go prints before it fetches a toolchain (modfetch/fetch.go ``Download``): ``go:
#: downloading go1.99.0 (linux/amd64)``.
_TOOLCHAIN_DOWNLOAD = re.compile(r"^go: downloading (go\S+) \([^/\s]+/[^)\s]+\)$", re.M)
#: What go prints with ``GODEBUG=toolchaintrace=1`` as it execs another toolchain
#: (toolchain/exec.go ``execGoToolchain``): from the module cache, or found on PATH.
_TOOLCHAIN_EXEC = re.compile(
    r"^go: using (\S+) toolchain (?:from cache located at|located in system PATH) ", re.M
)


def json_errors(stdout: str) -> list[str]:
    """The ``"Error"`` strings of ``-json`` output (``go mod download -json``, ``go list -e
    -json``), where go reports per-module failures instead of on stderr."""
    errors = []
    for m in _JSON_ERROR.finditer(stdout):
        try:
            value = json.loads(m.group(1))
        except ValueError:
            continue
        if isinstance(value, str) and value:
            errors.append(value)
    return errors


@dataclass(frozen=True)
class GoResult:
    """The outcome of one ``go`` command.

    ``failure`` is None for a successful run and for a hung one (see ``hung``); otherwise it is
    :func:`~pytest_goproxy.gorun.failure.classify` of stderr, whose URL, host and status code are
    also here. ``go_mod``/``go_sum`` are the files in the working directory after the run (None if
    absent). ``escapes`` lists the requests the network guard refused during this run.
    """

    args: tuple[str, ...]
    command: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path | None
    returncode: int
    stdout: str
    stderr: str
    duration: float
    hung: bool
    timeout: float
    go_mod: str | None = None
    go_sum: str | None = None
    escapes: tuple[Escape, ...] = ()
    #: requests for hosts the runner routes (:meth:`~pytest_goproxy.gorun.GoRunner.route`): what
    #: go and git reached by name, through the guard, during this run
    routed: tuple[Routed, ...] = ()
    pid: int = 0
    go_version: str = ""
    classification: Classification | None = field(default=None, repr=False)

    @classmethod
    def create(cls, **kwargs: object) -> GoResult:
        """Build a result and classify it (``classification`` is computed, never passed)."""
        result = cls(**kwargs)  # type: ignore[arg-type]
        if not result.ok and not result.hung:
            text = "\n".join([result.stderr, *json_errors(result.stdout)])
            object.__setattr__(result, "classification", classify(text))
        return result

    @property
    def ok(self) -> bool:
        """The command exited with status 0 within its timeout."""
        return self.returncode == 0 and not self.hung

    @property
    def failure(self) -> Failure | None:
        return self.classification.failure if self.classification else None

    @property
    def url(self) -> str | None:
        return self.classification.url if self.classification else None

    @property
    def host(self) -> str | None:
        return self.classification.host if self.classification else None

    @property
    def status_code(self) -> int | None:
        return self.classification.status_code if self.classification else None

    @property
    def cause(self) -> Failure | None:
        """For SUMDB and TOOLCHAIN: the network failure Go reported underneath; for an
        HTTP_STATUS that is a proxy's 502/503/504 to ``CONNECT`` (an origin it could not reach):
        REFUSED, DNS or DIAL_TIMEOUT
        (:data:`~pytest_goproxy.gorun.failure.PROXY_CONNECT_CAUSES`)."""
        return self.classification.cause if self.classification else None

    @property
    def tls_problem(self) -> TLSProblem | None:
        """Which TLS problem, when the failure or its ``cause`` is TLS (or a TLS handshake
        timeout): unknown authority, expired, wrong host, not TLS... (see :class:`TLSProblem
        <pytest_goproxy.gorun.failure.TLSProblem>`)."""
        return self.classification.tls_problem if self.classification else None

    @property
    def h2_error(self) -> str | None:
        """The HTTP/2 error code go reported (``INTERNAL_ERROR`` of a stream reset, ``NO_ERROR``
        of a GOAWAY, its own ``PROTOCOL_ERROR``), when the failure happened over HTTP/2."""
        return self.classification.h2_error if self.classification else None

    @property
    def refused_by_guard(self) -> bool:
        """The failure is the network guard's refusal, not a server's answer.

        The guard answers ``403 Forbidden`` to anything that is not loopback, which Go prints
        like any proxy's refusal (``Get "https://proxy.golang.org/...": Forbidden``; git, for a
        direct fetch: ``CONNECT tunnel failed, response 403``), so :func:`classify` can only call
        it HTTP_STATUS 403. The run knows better: the host of the failing URL is one it tried to
        leave for (``escapes``). Such a run did not test your server at all;
        :meth:`assert_failure` refuses to pass it as HTTP_STATUS. The same holds for the guard's
        ssh refusal (REFUSED) and for go's ``no secure protocol found for repository`` (UNKNOWN)
        after the guard refused every scheme.
        """
        c = self.classification
        if c is None or not self.escapes or c.host is None:
            return False
        return any(e.host == c.host.lower() for e in self.escapes)

    @property
    def resolver_trace(self) -> tuple[str, ...]:
        """The lines Go's resolver printed on stderr (``go package net: ...``), in order.

        Empty unless the run was given ``GODEBUG=netdns=1`` (which resolver was chosen) or
        ``netdns=2`` (also the lookup order of each host), optionally as ``go+1``/``cgo+2``
        (net/conf.go): the check troubleshooting guides start with when a name does not resolve.
        """
        return tuple(m.group(0).rstrip() for m in _RESOLVER_LINE.finditer(self.stderr))

    @property
    def toolchain_download(self) -> str | None:
        """The toolchain go set out to download for this run (``go1.99.0``), whether or not the
        download worked; None when it downloaded none (no switch, or one already cached)."""
        m = _TOOLCHAIN_DOWNLOAD.search(self.stderr)
        return m.group(1) if m else None

    @property
    def switched_to(self) -> str | None:
        """The toolchain go switched to and ran this command with (``go1.99.0``), None when
        the local go ran it.

        Read from go's own word: the runner sets ``GODEBUG=toolchaintrace=1`` whenever
        ``GOTOOLCHAIN`` is not ``local``, and go then prints ``go: using go1.99.0 toolchain
        from cache located at ...`` as it execs the toolchain (downloaded now or earlier). A
        run given ``toolchaintrace=0`` by the test says nothing, and this is None."""
        m = _TOOLCHAIN_EXEC.search(self.stderr)
        return m.group(1) if m else None

    @property
    def relevant_env(self) -> dict[str, str]:
        """The variables that decide where and how go fetches (GOPROXY, GOSUMDB, GOFLAGS...)."""
        return relevant_env(self.env)

    @property
    def pgid(self) -> int:
        """The process group the run had (its leader's pid); gone once the run returned."""
        return self.pid

    # -- assertions -------------------------------------------------------------------------

    def describe(self) -> str:
        """Everything a person needs to act on this run: command, env, outcome, stderr tail."""
        command = "go " + shlex.join(self.args)
        where = f" in {self.cwd}" if self.cwd else ""
        if self.hung:
            outcome = f"was killed after the {self.timeout:g}s timeout (hung)"
        elif self.ok:
            outcome = f"succeeded in {self.duration:.1f}s"
        else:
            outcome = f"failed with exit status {self.returncode} after {self.duration:.1f}s"
        lines = [f"`{command}`{where} ({self.go_version or 'go'}) {outcome}"]
        if self.escapes:  # first: a run that tried to leave the machine tested nothing of ours
            lines.append("the network guard refused (these requests tried to leave the machine):")
            lines += [f"  {e}" for e in self.escapes]
        if self.routed:
            lines.append("reached by name through the network guard (routed hosts):")
            lines += [f"  {r}" for r in self.routed]
        env = self.relevant_env
        if env:
            lines.append("environment that mattered:")
            lines += [f"  {k}={v}" for k, v in env.items()]
        c = self.classification
        if c is not None:
            where_bits = [
                f"{name}={value}"
                for name, value in (
                    ("url", c.url),
                    ("status", c.status_code),
                    ("cause", c.cause),
                    ("tls_problem", c.tls_problem),
                )
                if value is not None
            ]
            lines.append(
                f"classified as {c.failure.name}"
                + (f" ({', '.join(where_bits)})" if where_bits else "")
                + (
                    ": the network guard's refusal, not a server's answer"
                    if self.refused_by_guard
                    else ""
                )
            )
        tail = [ln for ln in self.stderr.splitlines() if ln.strip()][-_TAIL_LINES:]
        for error in json_errors(self.stdout)[:5]:
            lines.append(f"error in -json output: {error}")
        if tail:
            lines.append(f"last {len(tail)} stderr lines:")
            lines += [f"  | {ln}" for ln in tail]
        else:
            lines.append("stderr was empty")
        return "\n".join(lines)

    def assert_ok(self) -> GoResult:
        """Fail unless the command succeeded; returns the result for chaining."""
        if not self.ok:
            raise AssertionError("expected success, but\n" + self.describe())
        return self

    def assert_failure(self, expected: Failure, *, status_code: int | None = None) -> GoResult:
        """Fail unless the command failed (not hung) with ``expected`` (and ``status_code``)."""
        problem = None
        if self.ok:
            problem = f"expected failure {expected.name}, but the command succeeded"
        elif self.hung:
            problem = f"expected failure {expected.name}, but the command hung"
        elif self.failure is not expected:
            failure = self.failure.name if self.failure else None
            problem = f"expected failure {expected.name}, got {failure}"
        elif status_code is not None and self.status_code != status_code:
            problem = f"expected HTTP status {status_code}, got {self.status_code}"
        elif expected is Failure.HTTP_STATUS and self.refused_by_guard:
            problem = (
                f"expected failure HTTP_STATUS, but the {self.status_code} came from the network "
                f"guard: go tried to reach {self.host}, which is not a loopback server"
            )
        if problem:
            raise AssertionError(problem + "\n" + self.describe())
        return self

    def assert_hung(self) -> GoResult:
        """Fail unless the command was killed at its timeout."""
        if not self.hung:
            raise AssertionError(
                f"expected the command to hang until its {self.timeout:g}s timeout, but\n"
                + self.describe()
            )
        return self

    def assert_no_escapes(self) -> GoResult:
        """Fail if the run tried to reach any host that is not ours."""
        if self.escapes:
            raise AssertionError(
                "expected no request to leave the machine, but\n" + self.describe()
            )
        return self
