"""toxiproxy lifecycle: finding, building, starting, stopping; errors carry what the user needs."""

from __future__ import annotations

import io
import os
import socket
import stat
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from pytest_goproxy.cli import main
from pytest_goproxy.errors import ToxiproxyError
from pytest_goproxy.network.server import (
    BINARY_NAME,
    TOXIPROXY_MODULE,
    TOXIPROXY_VERSION,
    ToxiproxyServer,
    build_toxiproxy,
    find_toxiproxy,
)
from pytest_goproxy.network.session import Toxiproxy, connect_toxiproxy, start_toxiproxy


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie still answers kill(0); it has ended for our purposes
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "State:\tZ" not in status


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# -- starting and stopping ---------------------------------------------------------------------


def test_session_server_answers_on_loopback(toxiproxy: Toxiproxy) -> None:
    assert toxiproxy.url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{toxiproxy.url}/version", timeout=5).status_code == 200
    assert toxiproxy.client.healthy()


def test_start_and_stop_leave_nothing_behind(toxiproxy_binary: Path) -> None:
    server = ToxiproxyServer(toxiproxy_binary).start()
    pid, port = server.pid, server.port
    assert pid is not None and pid_alive(pid)
    assert server.host == "127.0.0.1" and port_open(port)
    server.stop()
    server.stop()  # idempotent
    assert not pid_alive(pid)
    assert not port_open(port)


def test_context_manager_stops_on_error(toxiproxy_binary: Path) -> None:
    with pytest.raises(RuntimeError), start_toxiproxy(toxiproxy_binary) as tp:
        assert tp.server is not None
        pid = tp.server.pid
        raise RuntimeError("test failed")
    assert pid is not None and not pid_alive(pid)


def test_server_that_exits_gives_its_log_tail(fake_bin: Path) -> None:
    binary = script(
        fake_bin / "toxiproxy-server",
        """\
        echo "starting toxiproxy with $*"
        echo "fatal: cannot open config /nonexistent.json" >&2
        exit 3
        """,
    )
    with pytest.raises(ToxiproxyError) as info:
        ToxiproxyServer(binary).start()
    message = str(info.value)
    assert "exited with status 3" in message
    assert "fatal: cannot open config /nonexistent.json" in message
    assert "-host 127.0.0.1 -port" in message


def test_server_that_never_answers_is_killed_and_reported(fake_bin: Path) -> None:
    binary = script(fake_bin / "toxiproxy-server", 'echo "hanging on $$"\nexec sleep 60\n')
    server = ToxiproxyServer(binary, startup_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(ToxiproxyError, match=r"did not answer .* within 1 s(.|\n)*hanging on"):
        server.start()
    assert time.monotonic() - started < 10
    assert server.pid is None  # reaped


def test_unrunnable_binary(tmp_path: Path) -> None:
    not_exec = tmp_path / "toxiproxy-server"
    not_exec.write_text("#!/bin/sh\n")
    with pytest.raises(ToxiproxyError, match="not an executable file"):
        find_toxiproxy(not_exec)


def test_external_server_that_does_not_answer_is_an_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ToxiproxyError, match="TOXIPROXY_URL does not answer"):
        connect_toxiproxy(f"http://127.0.0.1:{port}")


# -- finding and building ----------------------------------------------------------------------


def test_found_on_path(fake_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = script(fake_bin / "toxiproxy", "exit 0\n")
    monkeypatch.setenv("PATH", str(fake_bin))
    assert find_toxiproxy() == binary
    preferred = script(fake_bin / "toxiproxy-server", "exit 0\n")
    assert find_toxiproxy() == preferred


FAKE_GO = """\
echo "go $*" >&2
[ "$1" = install ] || exit 2
echo "$2" > "$GOBIN/args"
printf '#!/bin/sh\\necho built\\n' > "$GOBIN/server"
chmod +x "$GOBIN/server"
"""


def test_build_runs_go_install_once(fake_bin: Path, tmp_path: Path) -> None:
    go = script(fake_bin / "go", FAKE_GO)
    cache = tmp_path / "cache"
    log = io.StringIO()
    binary = build_toxiproxy(cache, go=str(go), log=log)
    assert binary == cache.resolve() / BINARY_NAME
    assert (cache / "args").read_text().strip() == f"{TOXIPROXY_MODULE}@{TOXIPROXY_VERSION}"
    assert "building toxiproxy" in log.getvalue()
    # cached: a broken go is not even run the second time
    broken = script(fake_bin / "broken-go", "exit 1\n")
    log2 = io.StringIO()
    assert build_toxiproxy(cache, go=str(broken), log=log2) == binary
    assert log2.getvalue() == ""


def test_build_failure_says_why(fake_bin: Path, tmp_path: Path) -> None:
    go = script(
        fake_bin / "go", 'echo "dial tcp: lookup proxy.golang.org: no such host" >&2\nexit 1\n'
    )
    with pytest.raises(ToxiproxyError, match=r"(?s)failed \(exit 1\).*no such host"):
        build_toxiproxy(tmp_path / "cache", go=str(go), log=io.StringIO())


def test_cli_install_toxiproxy(
    fake_bin: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GO_BINARY", str(script(fake_bin / "go", FAKE_GO)))
    cache = tmp_path / "ci-cache"
    assert main(["install-toxiproxy", "--dir", str(cache)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{cache.resolve() / BINARY_NAME}\n"
    assert "building toxiproxy" in err
    monkeypatch.setenv("GO_BINARY", str(script(fake_bin / "bad-go", "echo nope >&2; exit 1\n")))
    assert main(["install-toxiproxy", "--dir", str(tmp_path / "other")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "error:" in err and "nope" in err


# -- the session fixture, seen from a whole pytest run ------------------------------------------

CONFTEST = """\
from pytest_goproxy.network.plugin import network, toxiproxy
"""


def _isolated_env(monkeypatch: pytest.MonkeyPatch, fake_bin: Path, tmp_path: Path) -> None:
    for name in ("TOXIPROXY_URL", "TOXIPROXY_BIN", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GO_BINARY", str(script(fake_bin / "go", "echo offline >&2; exit 1\n")))
    monkeypatch.setenv("TOXIPROXY_CACHE_DIR", str(tmp_path / "empty-cache"))


def test_unavailable_is_a_skip_locally_and_an_error_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fake_bin: Path, tmp_path: Path
) -> None:
    if find_toxiproxy() is not None:
        pytest.skip("a toxiproxy on PATH would be found; cannot simulate its absence")
    _isolated_env(monkeypatch, fake_bin, tmp_path)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile("def test_a(toxiproxy):\n    pass\n\ndef test_b(network):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*toxiproxy is not available*go install*", "offline"])
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*ToxiproxyError*go install*", "*offline"])


def test_server_is_stopped_on_ctrl_c(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, toxiproxy_binary: Path
) -> None:
    monkeypatch.delenv("TOXIPROXY_URL", raising=False)
    monkeypatch.setenv("TOXIPROXY_BIN", str(toxiproxy_binary))
    pytester.makeconftest(CONFTEST)
    pidfile = pytester.path / "pid"
    pytester.makepyfile(
        f"""
        def test_interrupted(toxiproxy, network):
            open({str(pidfile)!r}, "w").write(str(toxiproxy.server.pid))
            network.front("http://127.0.0.1:9")
            raise KeyboardInterrupt
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(pid)


def test_each_xdist_worker_has_its_own_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, toxiproxy_binary: Path
) -> None:
    monkeypatch.delenv("TOXIPROXY_URL", raising=False)
    monkeypatch.setenv("TOXIPROXY_BIN", str(toxiproxy_binary))
    pytester.makeconftest(CONFTEST)
    out = pytester.path / "urls"
    out.mkdir()
    pytester.makepyfile(
        f"""
        import os, time
        import pytest

        @pytest.mark.parametrize("i", range(4))
        def test_url(toxiproxy, network, i):
            ep = network.front("http://127.0.0.1:9")
            worker = os.environ["PYTEST_XDIST_WORKER"]
            assert worker in ep.name
            with open(os.path.join({str(out)!r}, worker), "a") as f:
                f.write(toxiproxy.url + "\\n")
            time.sleep(0.2)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=4)
    per_worker = {p.name: set(p.read_text().split()) for p in out.iterdir()}
    assert len(per_worker) == 2, per_worker
    urls = [u for urls in per_worker.values() for u in urls]
    assert all(len(urls) == 1 for urls in per_worker.values())
    assert len(set(urls)) == 2
