"""Every bundled outage scenario, run with real go and real toxiproxy: its verdict was measured
and is what the file expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_goproxy import GoRunner, Toxiproxy
from pytest_goproxy.scenarios import ScenarioRunner, bundled_scenarios, load_scenario

#: Scenarios that wait for one of Go's fixed limits (the 30 s dial timeout).
SLOW = {"firewall_drops_syn"}


def _params() -> list[object]:
    return [
        pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW else [])
        for p in bundled_scenarios()
    ]


def test_the_library_covers_the_outages_users_report() -> None:
    names = {p.stem for p in bundled_scenarios()}
    assert names >= {
        "proxy_dns_failure",
        "proxy_refused",
        "proxy_blackholed",
        "firewall_drops_syn",
        "cdn_502_burst",
        "cdn_504_burst_retry",
        "rate_limited_403",
        "truncated_zip",
        "corrupt_zip",
        "sumdb_unreachable",
        "checksum_mismatch",
        "stale_version_list",
        "flapping_proxy",
        "slow_proxy",
        "corporate_firewall_intercepts",
        "corporate_firewall_trusted_ca",
        "middlebox_stalls_tls",
        "private_module_410_gone",
        "private_origin_down",
        "toolchain_504_gateway_timeout",
        "toolchain_gosumdb_off",
        "toolchain_not_available",
        "toolchain_direct_unreachable",
        "toolchain_direct_from_go_dev",
    }
    for path in bundled_scenarios():
        s = load_scenario(path)
        assert s.description, path
        if s.expect.verdict == "hung":
            assert s.timeout <= 5, f"{path}: keep hangs short, CI runs them"


@pytest.mark.parametrize("path", _params())
def test_bundled_scenario(path: Path, go: GoRunner, toxiproxy: Toxiproxy) -> None:
    with ScenarioRunner(runner=go, toxiproxy=toxiproxy) as runner:
        result = runner.run(path)
    assert result.passed, result.describe()


def test_stale_list_is_what_makes_go_pick_the_older_version(go: GoRunner) -> None:
    """Control for stale_version_list: without the fault, @latest is v1.2.0."""
    from pytest_goproxy.scenarios import BUNDLED, parse_scenario

    data = {
        "config": "single",
        "command": "get example.test/greet@latest",
        "expect": {"verdict": "recovered", "go_mod_contains": ["example.test/greet v1.2.0"]},
    }
    with ScenarioRunner(runner=go) as runner:
        result = runner.run(parse_scenario(data, path=BUNDLED / "control.toml"))
    assert result.passed, result.describe()
