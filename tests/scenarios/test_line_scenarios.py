"""Scenario files with your own line (``line = "GOPROXY=https://goproxy.cn,direct"``): its hosts
are the endpoints, named by host, served under those names."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_goproxy.errors import ScenarioError
from pytest_goproxy.scenarios.format import parse_scenario


def _scenario(**data: Any) -> dict[str, Any]:
    return {"expect": {"verdict": "failed"}, **data}


def test_a_line_makes_its_hosts_the_endpoints_with_the_faults_named_by_host() -> None:
    scenario = parse_scenario(
        _scenario(
            line="GOPROXY=https://goproxy.cn,https://goproxy.io,direct",
            endpoints={"goproxy.io": {"network": [{"fault": "refused"}]}},
        )
    )
    plans = {
        name: (p.kind, p.host, p.tls, [f.name for f in p.faults])
        for name, p in scenario.endpoints.items()
    }
    assert plans == {
        "primary": ("proxy", "goproxy.cn", True, []),
        "backup": ("proxy", "goproxy.io", True, ["refused"]),
        "sumdb": ("sumdb", "sum.golang.org", True, []),
        "origin": ("origin", None, True, []),
    }
    assert scenario.config_label() == "GOPROXY=https://goproxy.cn,https://goproxy.io,direct"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            {"line": "GOPROXY=https://goproxy.cn", "config": "single"},
            "line: give one of `line`, `config` and `[env]`",
        ),
        (
            {"line": "GOPROXY=https://goproxy.cn", "endpoints": {"goproxy.io": {}}},
            "endpoints.goproxy.io: the line does not serve it; it serves: goproxy.cn, "
            "sum.golang.org",
        ),
        ({"line": "GOPROXY=http://goproxy.cn"}, "line: --env 'GOPROXY=http://goproxy.cn'"),
    ],
)
def test_a_bad_line_scenario_names_the_field(data: dict[str, Any], words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(_scenario(**data))
    assert words in str(caught.value)
