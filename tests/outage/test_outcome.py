"""Unit tests of the engine's pure parts: a go run's verdict and error line, the retry deadline
split, fault binding and the module-source rule (end to end they are covered by the matrix and
scenario tests; these pin the rules themselves)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_goproxy.configs import RetryPolicy
from pytest_goproxy.errors import FaultError, ModuleSourceError
from pytest_goproxy.gomod.sources import ModuleSource
from pytest_goproxy.gomod.store import ModuleStore
from pytest_goproxy.gorun.result import GoResult
from pytest_goproxy.gorun.verdict import error_line, verdict_of
from pytest_goproxy.outage.faults import bind_fault, check_fault_names, layer_of
from pytest_goproxy.outage.procedures import MIN_ATTEMPT, attempt_limit


def result(returncode: int = 1, stderr: str = "", *, hung: bool = False) -> GoResult:
    return GoResult.create(
        args=("mod", "tidy"),
        command=("go", "mod", "tidy"),
        env={},
        cwd=None,
        returncode=returncode,
        stdout="",
        stderr=stderr,
        duration=1.0,
        hung=hung,
        timeout=5.0,
    )


# -- verdict_of and error_line -------------------------------------------------------------------


def test_a_clean_exit_is_recovered_with_no_error_line() -> None:
    ok = result(0)
    assert verdict_of(ok) == ("recovered", None)
    assert error_line(ok) is None


def test_a_killed_run_is_hung_and_says_after_how_long() -> None:
    hung = result(-9, "go: downloading example.test/lib v1.0.0\n", hung=True)
    assert verdict_of(hung) == ("hung", None)
    assert error_line(hung) == "killed after 5 s: go was still waiting (it has no timeout)"


def test_a_failure_is_named_and_the_line_naming_its_url_is_chosen() -> None:
    stderr = (
        "go: finding module for package example.test/lib\n"
        'go: example.test/app imports\n\texample.test/lib: Get "http://127.0.0.1:9/example.test/'
        'lib/@v/list": dial tcp 127.0.0.1:9: connect: connection refused\n'
    )
    failed = result(1, stderr)
    assert verdict_of(failed) == ("failed", "REFUSED")
    line = error_line(failed)
    assert line is not None and "connection refused" in line and line.startswith("example.test")


def test_without_a_url_the_first_cause_go_prints_wins_over_context_lines() -> None:
    stderr = (
        "go: downloading example.test/lib v1.0.0\n"
        "verifying example.test/lib@v1.0.0: checksum mismatch\n"
        "go: example.test/app imports\n"
    )
    assert error_line(result(1, stderr)) == "verifying example.test/lib@v1.0.0: checksum mismatch"


def test_a_requirement_chain_names_the_version_go_could_not_find() -> None:
    stderr = (
        "go: downloading gopkg.in/yaml.v3 v3.0.1\n"
        "go: gopkg.in/yaml.v3@v3.0.1 requires\n"
        "\tgopkg.in/check.v1@v1.0.0-20240101000000-e97598c979a6: invalid version: unknown "
        "revision e97598c979a6\n"
    )
    line = error_line(result(1, stderr))
    assert line is not None and line.startswith("gopkg.in/check.v1@v1.0.0-20240101000000")
    stderr = "go: gopkg.in/yaml.v3@v3.0.1 requires\n\tgopkg.in/check.v1@v1.0.0: odd\n"
    assert error_line(result(1, stderr)) == "gopkg.in/check.v1@v1.0.0: odd"


def test_with_no_cause_the_last_go_line_that_is_not_context_is_chosen() -> None:
    stderr = "go: something odd happened\ngo: downloading example.test/lib v1.0.0\n"
    assert error_line(result(1, stderr)) == "go: something odd happened"
    assert error_line(result(1, "plain words\nmore words\n")) == "more words"


def test_an_unclassified_failure_is_unknown_and_silence_is_said() -> None:
    silent = result(2, "")
    assert verdict_of(silent) == ("failed", "UNKNOWN")
    assert error_line(silent) == "exit status 2, nothing on stderr"


# -- the retry deadline split ---------------------------------------------------------------------


def test_each_attempt_gets_its_share_after_the_sleeps_still_to_come() -> None:
    policy = RetryPolicy(attempts=3, backoff=1.0, factor=2.0, attempt_timeout=20.0)
    # 30 s left, sleeps of 1 s and 2 s to come: (30 - 3) / 3 = 9 s for the first attempt
    assert attempt_limit(policy, 0, 30.0) == pytest.approx(9.0)
    # before the second: 2 s of sleep to come, two attempts share the rest
    assert attempt_limit(policy, 1, 20.0) == pytest.approx(9.0)
    # the last attempt may take what is left, capped by attempt_timeout
    assert attempt_limit(policy, 2, 15.0) == pytest.approx(15.0)
    assert attempt_limit(policy, 2, 60.0) == pytest.approx(20.0)


def test_an_attempt_is_never_given_less_than_the_minimum() -> None:
    policy = RetryPolicy(attempts=3, backoff=10.0)
    assert attempt_limit(policy, 0, 1.0) == MIN_ATTEMPT


@given(
    attempts=st.integers(1, 6),
    backoff=st.floats(0, 5),
    factor=st.floats(1, 3),
    attempt_timeout=st.floats(0.5, 60),
    remaining=st.floats(0, 300),
)
def test_the_split_never_exceeds_what_is_left_or_the_attempt_timeout(
    attempts: int, backoff: float, factor: float, attempt_timeout: float, remaining: float
) -> None:
    policy = RetryPolicy(attempts, backoff, factor, attempt_timeout)
    for attempt in range(attempts):
        limit = attempt_limit(policy, attempt, remaining)
        assert limit <= max(MIN_ATTEMPT, min(attempt_timeout, remaining)) + 1e-9
        assert limit >= MIN_ATTEMPT


# -- faults: one lookup, bound once --------------------------------------------------------------


def test_a_fault_is_found_in_either_catalogue_and_bound_with_defaults() -> None:
    net = bind_fault("latency", {"ms": 300})
    assert (net.layer, net.name, net.label()) == ("network", "latency", "latency(ms=300)")
    assert net.network is not None and net.network["ms"] == 300
    http = bind_fault("status", {"code": 503, "kind": "zip"})
    assert http.layer == "http" and http.http is not None
    assert http.http.params["code"] == 503
    assert layer_of("refused") == "network" and layer_of("cut_body") == "http"


def test_an_unknown_fault_has_one_message_listing_both_catalogues() -> None:
    for call in (
        lambda: bind_fault("nope"),
        lambda: layer_of("nope"),
        lambda: check_fault_names(["refused", "nope"]),
    ):
        with pytest.raises(FaultError) as info:
            call()
        message = str(info.value)
        assert "unknown fault 'nope'" in message
        assert "network faults: latency" in message and "HTTP faults: status" in message


def test_a_fault_under_the_wrong_layer_says_where_it_belongs() -> None:
    with pytest.raises(FaultError, match="put it under `http`"):
        bind_fault("status", layer="network")


def test_bad_parameters_fail_at_binding_not_at_injection() -> None:
    with pytest.raises(FaultError, match="'ms' must be"):
        bind_fault("latency", {"ms": -1})
    with pytest.raises(FaultError, match="no parameter 'colour'"):
        bind_fault("status", {"colour": 1})


# -- the module-source rule ----------------------------------------------------------------------


def test_the_source_rule_tells_txtar_module_cache_snapshot_and_function(tmp_path: Path) -> None:
    txtar = tmp_path / "example.test_lib_v1.0.0.txt"
    txtar.write_text("-- .mod --\nmodule example.test/lib\n-- lib.go --\npackage lib\n")
    assert ModuleSource.of(txtar).kind == "txtar"
    assert ModuleSource.of(tmp_path).kind == "txtar"
    store = ModuleStore()
    try:
        store.add_txtar(txtar)
        cache = tmp_path / "modcache"
        store.export_file_proxy(cache / "cache" / "download")
        assert ModuleSource.of(cache).kind == "snapshot"
        assert ModuleSource.of(cache / "cache" / "download").kind == "module cache"
    finally:
        store.close()
    assert ModuleSource.of(lambda s: s.add_module("example.test/x", "v1.0.0")).kind == "function"
    with ModuleSource.of(cache / "cache" / "download").store() as filled:
        assert filled.modules() == ["example.test/lib"]


def test_a_missing_or_empty_source_is_a_module_source_error(tmp_path: Path) -> None:
    with pytest.raises(ModuleSourceError, match="does not exist"):
        ModuleSource.of(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModuleSourceError, match="no modules found"):
        ModuleSource.of(tmp_path / "empty").store()
