"""go in a private mount namespace: our resolv.conf, hosts and nsswitch.conf over the machine's
for the wrapped command only, the served names in NO_PROXY, and one clear error where the
machine does not allow it.

go meeting the fake resolver through it: tests/network/test_resolver_faults.py."""

from __future__ import annotations

import shutil
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pytest_goproxy.ci import skip_or_fail
from pytest_goproxy.errors import NamespaceUnavailable, ToolUnavailable
from pytest_goproxy.gorun import GoRunner, namespace_unavailable
from pytest_goproxy.gorun import namespace as ns
from pytest_goproxy.gorun import runner as runner_module
from pytest_goproxy.gorun.process import run_process


@dataclass
class StubResolver:
    """Enough of a resolver for the namespace (it is never asked anything here)."""

    address: str = "127.8.9.10"
    names: Collection[str] = ("goproxy.cn", "goproxy.io")
    options: Sequence[str] = field(default_factory=lambda: ("timeout:1", "attempts:1"))


@pytest.fixture
def namespaces() -> None:
    reason = namespace_unavailable()
    if reason is not None:
        skip_or_fail(f"no private mount namespace for go here: {reason}")


def machine_files() -> dict[str, str]:
    return {p: Path(p).read_text() for p in ("/etc/resolv.conf", "/etc/hosts")}


def test_the_files_go_reads(tmp_path: Path) -> None:
    files = ns.write_namespace_files(tmp_path / "etc", StubResolver())
    assert files.resolv_conf.read_text() == (
        "nameserver 127.8.9.10\nsearch .\noptions timeout:1 attempts:1\n"
    )
    assert "127.0.0.1\tlocalhost" in files.hosts.read_text()
    assert "goproxy" not in files.hosts.read_text()  # every other name goes to the resolver
    if Path("/etc/nsswitch.conf").exists():
        assert files.nsswitch is not None
        assert files.nsswitch.read_text() == "hosts: files dns\n"
    plain = ns.write_namespace_files(tmp_path / "plain", StubResolver(options=()))
    assert plain.resolv_conf.read_text() == "nameserver 127.8.9.10\nsearch .\n"


def test_no_proxy_gains_the_names_once() -> None:
    assert ns.no_proxy_with("127.0.0.1,.invalid", ["goproxy.io", "goproxy.cn"]) == (
        "127.0.0.1,.invalid,goproxy.cn,goproxy.io"
    )
    assert ns.no_proxy_with("goproxy.cn", ["goproxy.cn"]) == "goproxy.cn"
    assert ns.no_proxy_with("", []) == ""


@pytest.mark.usefixtures("namespaces")
def test_the_wrapped_command_sees_our_files_and_the_machine_keeps_its_own(
    tmp_path: Path,
) -> None:
    before = machine_files()
    files = ns.write_namespace_files(tmp_path, StubResolver())
    argv = ns.namespace_argv(
        ["sh", "-c", "cat /etc/resolv.conf /etc/hosts; cat /etc/nsswitch.conf 2>/dev/null"], files
    )
    outcome = run_process(argv, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, timeout=30)
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout.startswith("nameserver 127.8.9.10\nsearch .\noptions timeout:1")
    assert files.hosts.read_text() in outcome.stdout
    if files.nsswitch is not None:
        assert outcome.stdout.endswith("hosts: files dns\n")
    assert machine_files() == before  # --propagation private: nothing reached the machine


@pytest.mark.usefixtures("namespaces")
def test_a_bind_that_fails_is_said_before_anything_runs(tmp_path: Path) -> None:
    files = ns.write_namespace_files(tmp_path, StubResolver())
    missing = ns.NamespaceFiles(tmp_path / "gone.conf", files.hosts, files.nsswitch)
    outcome = run_process(
        ns.namespace_argv(["sh", "-c", "echo ran"], missing),
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        timeout=30,
    )
    assert outcome.returncode == ns.SETUP_FAILED
    assert f"{ns.SETUP_MARK} could not bind {tmp_path / 'gone.conf'} over /etc/resolv.conf" in (
        outcome.stderr
    )
    assert "ran" not in outcome.stdout


@pytest.mark.usefixtures("namespaces")
def test_go_runs_in_the_namespace_with_the_names_in_no_proxy(go: GoRunner) -> None:
    result = go.run(["env", "GOPROXY"], resolver=StubResolver()).assert_ok()
    assert result.stdout == "off\n"  # go ran, in the namespace, with the hermetic settings
    no_proxy = result.env["NO_PROXY"]
    assert no_proxy.split(",")[-2:] == ["goproxy.cn", "goproxy.io"]
    assert no_proxy.startswith("127.0.0.1,localhost,::1,.invalid")  # the guard's stay
    assert result.env["no_proxy"] == no_proxy
    assert result.command[-2:] == ("env", "GOPROXY")
    plain = go.run(["env", "GOPROXY"]).assert_ok()  # a run without a resolver is unchanged
    assert "goproxy.cn" not in plain.env["NO_PROXY"]


@pytest.mark.usefixtures("namespaces")
def test_a_failed_setup_is_namespace_unavailable(
    go: GoRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(directory: Path, resolver: ns.NamespaceResolver) -> ns.NamespaceFiles:
        files = ns.write_namespace_files(directory, resolver)
        return ns.NamespaceFiles(tmp_path / "gone.conf", files.hosts, files.nsswitch)

    monkeypatch.setattr(runner_module, "write_namespace_files", broken)
    with pytest.raises(NamespaceUnavailable, match=r"could not bind .*gone\.conf"):
        go.run(["version"], resolver=StubResolver())


def test_where_namespaces_are_not_allowed_a_run_says_why(
    go: GoRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    reason = "unprivileged user namespaces are denied (Ubuntu 24.04: ...)"
    monkeypatch.setattr(ns, "namespace_unavailable", lambda: reason)
    with pytest.raises(NamespaceUnavailable) as info:
        go.run(["version"], resolver=StubResolver())
    assert isinstance(info.value, ToolUnavailable)  # what a matrix cell calls unavailable
    message = str(info.value)
    assert message.startswith("go cannot meet a fake resolver here: " + reason)
    assert "dns_servfail" in message
    go.run(["version"]).assert_ok()  # runs without a resolver are not affected


def test_the_check_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    ns.namespace_unavailable.cache_clear()
    try:
        monkeypatch.setattr(shutil, "which", lambda tool: None)
        assert "unshare and mount and sh not found on PATH: install util-linux" in str(
            ns.namespace_unavailable()
        )
    finally:
        ns.namespace_unavailable.cache_clear()


@pytest.mark.usefixtures("namespaces")
def test_a_resolver_never_started_is_said_before_go_runs(go: GoRunner) -> None:
    from pytest_goproxy.network import FakeResolver

    with pytest.raises(RuntimeError, match="start the FakeResolver first"):
        go.run(["version"], resolver=FakeResolver({"goproxy.cn": "127.0.0.1"}))
