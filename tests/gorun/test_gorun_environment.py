"""The hermetic environment: built from nothing, nothing of the machine's Go setup leaks in."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy.gorun import Escape, Failure, GoResult, GoRunner
from pytest_goproxy.gorun.environment import DEFAULTS, GUARD_NO_PROXY, build_env, layer_env

EXPECTED_KEYS = {
    "PATH",
    "HOME",
    "USERPROFILE",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "GOENV",
    "GOPATH",
    "GOMODCACHE",
    "GOCACHE",
    "TMPDIR",
    *DEFAULTS,
}
PROXIES = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"}
#: What a guarded run adds: the proxy variables and the ssh stub.
GUARD = PROXIES | {"GIT_SSH_COMMAND", "GIT_SSH_VARIANT"}
#: The session test CA, which every TLS client of a run trusts.
CA = {"SSL_CERT_FILE", "GIT_SSL_CAINFO", "CURL_CA_BUNDLE", "GIT_SSL_CAPATH"}


def _env(tmp_path: Path, **kwargs: object) -> dict[str, str]:
    args: dict[str, object] = {
        "home": tmp_path / "home",
        "gopath": tmp_path / "gopath",
        "modcache": tmp_path / "mod",
        "gocache": tmp_path / "cache",
        "tmpdir": tmp_path / "tmp",
        "goenv": tmp_path / "home" / "env",
        "guard_url": "http://127.0.0.1:9",
        "parent": {"PATH": "/bin", "GOFLAGS": "-mod=vendor", "CC": "clang", "https_proxy": "x"},
    }
    args.update(kwargs)
    return build_env(**args)  # type: ignore[arg-type]


def test_built_from_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert set(env) == EXPECTED_KEYS | PROXIES
    assert env["PATH"] == "/bin"
    assert env["GOFLAGS"] == "-modcacherw"
    assert env["https_proxy"] == "http://127.0.0.1:9"
    assert env["NO_PROXY"] == GUARD_NO_PROXY


def test_without_guard_no_proxy_variable_at_all(tmp_path: Path) -> None:
    assert set(_env(tmp_path, guard_url=None)) == EXPECTED_KEYS


def test_test_env_wins_none_removes_goflags_add_up(tmp_path: Path) -> None:
    env = _env(tmp_path, extra={"GOPROXY": "http://p", "CGO_ENABLED": None, "GOFLAGS": "-mod=mod"})
    assert env["GOPROXY"] == "http://p"
    assert "CGO_ENABLED" not in env
    assert env["GOFLAGS"] == "-modcacherw -mod=mod"
    assert "GOFLAGS" not in _env(tmp_path, extra={"GOFLAGS": None})


def test_layers() -> None:
    merged = layer_env({"GOFLAGS": "-a", "GOPRIVATE": "x"}, {"GOFLAGS": "-b -a", "GOPRIVATE": None})
    assert merged == {"GOFLAGS": "-a -b", "GOPRIVATE": None}


def test_nothing_of_the_machine_leaks(
    go: GoRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Go variables in os.environ and in the user's go env file never reach a run."""
    fake_home = tmp_path / "home"
    user_env_file = fake_home / ".config" / "go" / "env"
    user_env_file.parent.mkdir(parents=True)
    user_env_file.write_text("GOFLAGS=-buildvcs=false\nGOPROXY=https://leak.example\n")
    leaks = {
        "HOME": str(fake_home),
        "XDG_CONFIG_HOME": str(fake_home / ".config"),
        "GOFLAGS": "-mod=vendor",
        "GOPROXY": "https://leaked-proxy.example",
        "GOSUMDB": "leaked.sumdb.example",
        "GONOSUMDB": "leaked.example",
        "GONOSUMCHECK": "1",
        "GOPRIVATE": "leaked.example",
        "GONOPROXY": "leaked.example",
        "GOINSECURE": "leaked.example",
        "GOTOOLCHAIN": "go1.99.1",
        "GOWORK": str(tmp_path / "go.work"),
        "GODEBUG": "http2client=0",
        "GOMODCACHE": str(tmp_path / "leaked-modcache"),
        "GOPATH": str(tmp_path / "leaked-gopath"),
        "GOCACHE": str(tmp_path / "leaked-gocache"),
        "GOROOT": str(tmp_path / "no-such-goroot"),
        "CGO_ENABLED": "1",
        "CC": "leaked-cc",
        "HTTPS_PROXY": "http://127.0.0.1:1",
        "http_proxy": "http://127.0.0.1:1",
        "NO_PROXY": "*",
    }
    for key, value in leaks.items():
        monkeypatch.setenv(key, value)
    seen = go.go_env()
    assert seen["GOFLAGS"] == "-modcacherw"
    assert seen["GOPROXY"] == "off"
    assert seen["GOSUMDB"] == "off"
    for key in ("GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOINSECURE", "GOWORK", "GODEBUG"):
        assert seen[key] == "", key
    assert seen["GOTOOLCHAIN"] == "local"
    assert seen["CGO_ENABLED"] == "0"
    assert seen["CC"] != "leaked-cc"
    for key in ("GOENV", "GOMODCACHE", "GOPATH"):
        assert Path(seen[key]).is_relative_to(go.root), key
    assert seen["GOCACHE"] == str(go.build_cache)
    assert seen["GOROOT"] == go.binary.goroot
    result = go.run(["env", "GOVERSION"])
    assert set(result.env) <= EXPECTED_KEYS | GUARD | CA
    assert result.env["HTTPS_PROXY"].endswith(f"127.0.0.1:{go.guard.port}")  # type: ignore[union-attr]
    assert user_env_file.read_text() == "GOFLAGS=-buildvcs=false\nGOPROXY=https://leak.example\n"


def test_go_env_w_stays_in_the_run(go: GoRunner) -> None:
    first = go.run(["env", "-w", "GOPROXY=http://127.0.0.1:1"]).assert_ok()
    assert "GOPROXY=http://127.0.0.1:1" in Path(first.env["GOENV"]).read_text()
    assert go.go_env()["GOPROXY"] == "off"  # the next run has an env file of its own


def test_every_run_is_fresh_but_the_build_cache_is_shared(go: GoRunner) -> None:
    a, b = go.run(["env"]), go.run(["env"])
    for key in ("HOME", "GOPATH", "GOMODCACHE", "GOENV", "TMPDIR"):
        assert a.env[key] != b.env[key], key
    assert a.env["GOCACHE"] == b.env["GOCACHE"] == str(go.build_cache)


def test_guard_records_what_tries_to_leave(go: GoRunner) -> None:
    project = go.project(requires={"example.test/lib": "v1.2.0"})
    via_proxy = project.tidy(env={"GOPROXY": "https://proxy.golang.org"})
    assert [str(e) for e in via_proxy.escapes] == ["CONNECT proxy.golang.org:443"]
    direct = project.tidy(env={"GOPROXY": "direct"})
    assert [(e.method, e.host, e.port) for e in direct.escapes] == [
        ("CONNECT", "example.test", 443)
    ]
    plain = project.tidy(env={"GOPROXY": "http://proxy.golang.org"})
    assert [e.method for e in plain.escapes] == ["GET"]
    assert "network guard" in plain.stderr
    with pytest.raises(AssertionError, match=r"CONNECT example\.test:443"):
        direct.assert_no_escapes()
    assert go.guard is not None and len(go.guard.escapes) == 3


def test_a_guard_refusal_never_passes_for_a_servers_status(go: GoRunner, module_tree: Path) -> None:
    """Go prints the guard's 403 like any proxy's; the run's escapes tell them apart."""
    project = go.project(requires={"example.test/lib": "v1.2.0"})
    leaked = project.tidy(env={"GOPROXY": "https://proxy.golang.org"})
    # go: ...: Get "https://proxy.golang.org/example.test/lib/@v/v1.2.0.zip": Forbidden
    assert (leaked.failure, leaked.status_code, leaked.host) == (
        Failure.HTTP_STATUS,
        403,
        "proxy.golang.org",
    )
    assert leaked.refused_by_guard
    with pytest.raises(AssertionError, match="came from the network guard") as info:
        leaked.assert_failure(Failure.HTTP_STATUS, status_code=403)
    described = str(info.value).splitlines()
    assert described[2:4] == [  # right after what ran: what tried to leave
        "the network guard refused (these requests tried to leave the machine):",
        "  CONNECT proxy.golang.org:443",
    ]
    assert any(
        "HTTP_STATUS" in line and "the network guard's refusal" in line for line in described
    )
    # a failure whose host is not what the guard refused is the server's own
    ok = project.tidy(env={"GOPROXY": module_tree.as_uri()}).assert_ok()
    assert not ok.refused_by_guard


def test_a_servers_403_is_not_the_guards_even_when_something_else_escaped() -> None:
    stderr = (
        "go: example.test/lib@v1.2.0: reading http://127.0.0.1:4/example.test/lib/@v/v1.2.0.zip: "
        "403 Forbidden\n"
    )
    result = GoResult.create(
        args=("mod", "tidy"),
        command=("go", "mod", "tidy"),
        env={},
        cwd=None,
        returncode=1,
        stdout="",
        stderr=stderr,
        duration=0.1,
        hung=False,
        timeout=10.0,
        escapes=(Escape("CONNECT", "sum.golang.org:443", "sum.golang.org", 443),),
    )
    assert not result.refused_by_guard
    result.assert_failure(Failure.HTTP_STATUS, status_code=403)


def test_guard_can_be_turned_off(go_binary: object, tmp_path: Path) -> None:
    with GoRunner(go_binary, workdir=tmp_path, guard=False) as runner:  # type: ignore[arg-type]
        result = runner.run(["env", "GOPROXY"]).assert_ok()
        assert not GUARD & set(result.env)
        assert result.stdout.strip() == "off"
        assert runner.guard is None


def test_git_trusts_the_bundle_alone(go: GoRunner) -> None:
    """GIT_SSL_CAPATH is an empty directory: curl's default CA directory (the machine's roots,
    re-read at every connection) is not trusted beside the session CA."""
    result = go.run(["env", "GOVERSION"])
    capath = Path(result.env["GIT_SSL_CAPATH"])
    assert capath.is_relative_to(go.root) and capath.is_dir()
    assert list(capath.iterdir()) == []
